//! The simulated server's I/O layer: an in-memory store standing in for the database, and the loop that
//! carries out what the server sessions ask for.

use std::collections::BTreeMap;

use automerge::sync::Message;
use automerge::transaction::Transaction;
use automerge::{Automerge, ReadDoc, ScalarValue, Value};
use sync_core::DocumentId;
use sync_core::protocol::{ErrorCode, ManifestEntry, RefusalReason, ServerEffect, SessionError, encode};

use super::{Direction, Network};

/// Validation of a document after a device's changes were applied: `Err` refuses them.
pub type Validator = fn(&Automerge) -> Result<(), String>;

/// Refuses a document whose root holds `invalid = true`: a stand-in for the case document's rules.
pub fn refuse_invalid_flag(doc: &Automerge) -> Result<(), String> {
    match doc.get(automerge::ROOT, "invalid") {
        Ok(Some((Value::Scalar(value), _))) if value.as_ref() == &ScalarValue::Boolean(true) => {
            Err("the document is marked invalid".into())
        }
        _ => Ok(()),
    }
}

/// The store: documents, the change sequence and which document changed at which sequence number.
pub struct Server {
    pub docs: BTreeMap<DocumentId, Automerge>,
    pub seq: u64,
    changed_at: BTreeMap<DocumentId, u64>,
    /// Refused uploads, as the quarantine table would record them.
    pub refusals: Vec<(DocumentId, RefusalReason, String)>,
    validate: Validator,
    /// Seeds the actor ids (see [`super::actor`]).
    pub actor_salt: u64,
}

impl Server {
    pub fn new(validate: Validator, actor_salt: u64) -> Self {
        Self {
            docs: BTreeMap::new(),
            seq: 0,
            changed_at: BTreeMap::new(),
            refusals: Vec::new(),
            validate,
            actor_salt,
        }
    }

    /// Commits a change made outside any connection, advancing the sequence.
    pub fn edit(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Transaction<'_>)) {
        let document = self.docs.entry(doc).or_default();
        document.set_actor(super::actor(self.actor_salt, 0));
        let mut tx = document.transaction();
        edit(&mut tx);
        tx.commit();
        self.bump(doc);
    }

    fn bump(&mut self, doc: DocumentId) {
        self.seq += 1;
        self.changed_at.insert(doc, self.seq);
    }

    /// The documents changed after `cursor` (all of them without one), with their heads.
    fn changed_since(&self, cursor: Option<u64>) -> Vec<ManifestEntry> {
        self.changed_at
            .iter()
            .filter(|(_, seq)| cursor.is_none_or(|cursor| **seq > cursor))
            .filter_map(|(doc, _)| {
                Some(ManifestEntry {
                    doc: *doc,
                    heads: self.docs.get(doc)?.get_heads(),
                })
            })
            .collect()
    }
}

impl Network {
    pub(super) fn server_effects(&mut self, i: usize, effects: Vec<ServerEffect>) {
        for effect in effects {
            let Some(link) = &mut self.links[i] else { return };
            match effect {
                ServerEffect::Send(frame) => {
                    link.to_client.push_back(encode(&frame));
                    self.log.push((i, Direction::ToClient, frame));
                }
                ServerEffect::Close => {
                    link.server_closed = true;
                    link.to_server.clear();
                }
                ServerEffect::ResolveHello { cursor, manifest, .. } => {
                    let changed = self.server.changed_since(cursor);
                    let answers = manifest
                        .iter()
                        .filter_map(|entry| Some((entry.doc, self.server.docs.get(&entry.doc)?.get_heads())))
                        .collect();
                    let mut more = link.server.welcome(self.server.seq, changed, answers);
                    more.extend(link.server.caught_up(self.server.seq));
                    self.server_effects(i, more);
                }
                ServerEffect::ReceiveSync { doc, message } => self.receive(i, doc, message),
            }
        }
    }

    /// Receive, validate, then commit (and push to the other connections) or roll back and refuse.
    fn receive(&mut self, i: usize, doc_id: DocumentId, message: Message) {
        let Some(link) = &mut self.links[i] else { return };
        let existed = self.server.docs.contains_key(&doc_id);
        let doc = self.server.docs.entry(doc_id).or_default();
        let (effects, rolled_back) = match link.server.receive_sync(doc_id, doc, message) {
            Ok(received) if received.new_changes.is_empty() => (link.server.reply(doc_id, doc), false),
            Ok(received) => match (self.server.validate)(doc) {
                Ok(()) => {
                    let effects = link.server.committed(doc_id, doc);
                    self.server.bump(doc_id);
                    self.server_effects(i, effects);
                    self.push_to_others(Some(i), doc_id);
                    return;
                }
                Err(reason) => {
                    rollback(&mut self.server.docs, doc_id, existed, &received.heads_before);
                    let refusal = (doc_id, RefusalReason::Invalid, reason.clone());
                    self.server.refusals.push(refusal);
                    (link.server.refused(doc_id, RefusalReason::Invalid, reason), true)
                }
            },
            Err(SessionError::Sync { heads_before, source }) => {
                rollback(&mut self.server.docs, doc_id, existed, &heads_before);
                (link.server.close(ErrorCode::Malformed, source.to_string()), true)
            }
            Err(SessionError::Refused { problem, .. }) => {
                if !existed {
                    self.server.docs.remove(&doc_id);
                }
                let reason = problem.to_string();
                self.server
                    .refusals
                    .push((doc_id, RefusalReason::Invalid, reason.clone()));
                (link.server.refused(doc_id, RefusalReason::Invalid, reason), false)
            }
            // The document may be half changed; the store (here: nothing better) would reload it. The
            // simulation never sends what makes automerge panic, so this only keeps the match whole.
            Err(SessionError::Panicked { .. }) => {
                self.server.docs.remove(&doc_id);
                let reason = "the changes could not be applied".to_owned();
                self.server
                    .refusals
                    .push((doc_id, RefusalReason::Invalid, reason.clone()));
                (link.server.refused(doc_id, RefusalReason::Invalid, reason), true)
            }
            Err(SessionError::NotOpen) => (Vec::new(), false),
        };
        self.server_effects(i, effects);
        if rolled_back {
            self.rolled_back(i, doc_id);
        }
    }

    /// Tells every other connection that `doc` was rolled back (see `ServerSession::doc_rolled_back`).
    fn rolled_back(&mut self, origin: usize, doc_id: DocumentId) {
        let Some(doc) = self.server.docs.get(&doc_id) else {
            return;
        };
        let mut pushes = Vec::new();
        for (j, link) in self.links.iter_mut().enumerate() {
            if let Some(link) = link.as_mut().filter(|link| j != origin && !link.server_closed) {
                pushes.push((j, link.server.doc_rolled_back(doc_id, doc)));
            }
        }
        for (j, effects) in pushes {
            self.server_effects(j, effects);
        }
    }

    /// Live push: every other open connection may see every document in this simulation.
    pub(super) fn push_to_others(&mut self, origin: Option<usize>, doc_id: DocumentId) {
        let Some(doc) = self.server.docs.get(&doc_id) else {
            return;
        };
        let mut pushes = Vec::new();
        for (j, link) in self.links.iter_mut().enumerate() {
            if Some(j) == origin {
                continue;
            }
            if let Some(link) = link.as_mut().filter(|link| !link.server_closed) {
                pushes.push((j, link.server.doc_changed(doc_id, doc)));
            }
        }
        for (j, effects) in pushes {
            self.server_effects(j, effects);
        }
    }
}

fn rollback(
    docs: &mut BTreeMap<DocumentId, Automerge>,
    doc_id: DocumentId,
    existed: bool,
    heads_before: &[automerge::ChangeHash],
) {
    if !existed {
        docs.remove(&doc_id);
    } else if let Some(doc) = docs.get_mut(&doc_id) {
        *doc = doc
            .fork_at(heads_before)
            .expect("the heads before the message are in the document");
    }
}
