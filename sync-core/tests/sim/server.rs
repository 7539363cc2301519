//! The simulated server's I/O layer: an in-memory store standing in for the database (documents, the change
//! sequence, who may see what, which device holds which document, revoked devices), and the loop that carries out
//! what the server sessions ask for. Like the real server's I/O layer it only reports facts and records what the
//! sessions decide: who sees what and when to purge is `ServerSession`'s.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::Message;
use automerge::transaction::Transaction;
use automerge::{Automerge, ReadDoc, ScalarValue, Value};
use sync_core::DocumentId;
use sync_core::protocol::{
    Access, ErrorCode, Held, Holding, Lost, ManifestEntry, PurgeReason, RefusalReason, Resolved,
    ServerEffect, SessionError, Visible, encode,
};

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

/// Who may see which document, as the store's access rule would answer. Each device is its own user here.
#[derive(Debug, Default)]
pub struct AccessRule {
    /// device → document → whether it may change it (absent: it may not see it).
    pub grants: BTreeMap<usize, BTreeMap<DocumentId, bool>>,
}

/// A device's holding of a document: whether it holds it as one its user may change, when it was first told to
/// purge it, and the cursor of the last Hello answered with a Purge of it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Holds {
    pub writable: bool,
    pub told_at_ms: Option<i64>,
    pub purge_cursor: Option<u64>,
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
    /// `None`: every device may see and change every document (the protocol's own tests).
    pub access: Option<AccessRule>,
    /// device → document → what the store records of its holding (`device_holdings`).
    pub holdings: BTreeMap<usize, BTreeMap<DocumentId, Holds>>,
    pub revoked: BTreeSet<usize>,
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
            access: None,
            holdings: BTreeMap::new(),
            revoked: BTreeSet::new(),
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

    /// Moves `doc` to the end of the change sequence: a commit, or an assignment change (which the real store
    /// numbers too, so a device's next Welcome lists a document it was newly given).
    pub fn bump(&mut self, doc: DocumentId) {
        self.seq += 1;
        self.changed_at.insert(doc, self.seq);
    }

    /// The store's access rule for device `i`, with what the store records of a document the device held.
    pub fn access_of(&self, i: usize, doc: &DocumentId) -> Access {
        match self.sight_of(i, doc) {
            Access::Hidden | Access::Missing => match self.holding(i, doc) {
                Some(holding) => Access::Lost(holding),
                None => self.sight_of(i, doc),
            },
            access => access,
        }
    }

    fn holding(&self, i: usize, doc: &DocumentId) -> Option<Holding> {
        let held = *self.holdings.get(&i)?.get(doc)?;
        Some(Holding {
            reason: PurgeReason::Unassigned,
            writable: held.writable,
            told_at_ms: held.told_at_ms,
            purge_cursor: held.purge_cursor,
        })
    }

    /// The access rule alone: whether device `i` may see `doc`, and change it.
    pub fn sight_of(&self, i: usize, doc: &DocumentId) -> Access {
        if !self.docs.contains_key(doc) {
            return Access::Missing;
        }
        let Some(rule) = &self.access else {
            return Access::Write;
        };
        match rule.grants.get(&i).and_then(|grants| grants.get(doc)) {
            Some(true) => Access::Write,
            Some(false) => Access::Read,
            None => Access::Hidden,
        }
    }

    /// What the store reads for a Hello of device `i` with `cursor`.
    fn resolve(&self, i: usize, cursor: Option<u64>, manifest: &[ManifestEntry]) -> Resolved {
        let visible: Vec<Visible> = self
            .docs
            .iter()
            .filter_map(|(doc, document)| match self.sight_of(i, doc) {
                Access::Read | Access::Write => Some(Visible {
                    doc: *doc,
                    heads: document.get_heads(),
                    writable: self.sight_of(i, doc) == Access::Write,
                }),
                Access::Missing | Access::Hidden | Access::Lost(_) => None,
            })
            .collect();
        let changed = visible
            .iter()
            .filter(|entry| {
                cursor.is_none_or(|cursor| self.changed_at.get(&entry.doc).is_some_and(|seq| *seq > cursor))
            })
            .map(|entry| ManifestEntry {
                doc: entry.doc,
                heads: entry.heads.clone(),
            })
            .collect();
        let lost = self
            .holdings
            .get(&i)
            .into_iter()
            .flatten()
            .filter_map(|(doc, _)| match self.access_of(i, doc) {
                Access::Lost(holding) => Some(Lost { doc: *doc, holding }),
                _ => None,
            })
            .collect();
        let missing = manifest
            .iter()
            .map(|entry| entry.doc)
            .filter(|doc| self.access_of(i, doc) == Access::Missing)
            .collect();
        Resolved {
            cursor: self.seq,
            changed,
            visible,
            lost,
            missing,
        }
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
                    let more = if self.server.revoked.contains(&i) {
                        link.server
                            .close(ErrorCode::Revoked, "this device was revoked".into())
                    } else {
                        link.server.welcome(self.server.resolve(i, cursor, &manifest))
                    };
                    self.server_effects(i, more);
                }
                ServerEffect::CheckAccess { doc, message } => {
                    let access = self.server.access_of(i, &doc);
                    let more = link.server.access(doc, access, message);
                    self.server_effects(i, more);
                }
                ServerEffect::Offer { doc } => {
                    let more = match self.server.docs.get(&doc) {
                        Some(document) => link.server.offer(doc, document),
                        None => Vec::new(),
                    };
                    self.server_effects(i, more);
                }
                // Held afresh: what it was once told is over.
                ServerEffect::Hold { docs } => {
                    let held = self.server.holdings.entry(i).or_default();
                    for Held { doc, writable } in docs {
                        held.insert(
                            doc,
                            Holds {
                                writable,
                                ..Holds::default()
                            },
                        );
                    }
                }
                ServerEffect::Purged { doc, cursor, .. } => {
                    let now = i64::try_from(self.now_ms).unwrap_or(i64::MAX);
                    if let Some(held) = self.server.holdings.entry(i).or_default().get_mut(&doc) {
                        held.told_at_ms.get_or_insert(now);
                        held.purge_cursor = cursor;
                    }
                }
                ServerEffect::Forget { doc } => {
                    self.server.holdings.entry(i).or_default().remove(&doc);
                }
                ServerEffect::ReceiveSync { doc, message, access } => self.receive(i, doc, message, access),
            }
        }
    }

    /// Receive, validate, then commit (and push to the other connections) or roll back and refuse.
    fn receive(&mut self, i: usize, doc_id: DocumentId, message: Message, access: Access) {
        if access == Access::Hidden {
            return self.receive_hidden(i, doc_id, message);
        }
        let Some(link) = &mut self.links[i] else { return };
        // As the real server: a document the device holds nothing of goes out as stored, and the device's answer
        // that it holds it is acknowledged, both without the document.
        if let Some(effects) = link.server.receive_saved_confirmation(doc_id, &message) {
            return self.server_effects(i, effects);
        }
        if let Some(doc) = self.server.docs.get(&doc_id)
            && link.server.wants_saved(doc_id, &message)
        {
            let effects = link
                .server
                .send_saved(doc_id, message, doc.get_heads(), doc.save());
            return self.server_effects(i, effects);
        }
        let existed = self.server.docs.contains_key(&doc_id);
        let offers_content = !message.heads.is_empty();
        let doc = self.server.docs.entry(doc_id).or_default();
        let (effects, rolled_back) = match link.server.receive_sync(doc_id, doc, message) {
            Ok(received) if received.new_changes.is_empty() => {
                if existed {
                    (link.server.reply(doc_id, doc), false)
                } else {
                    let empty = self.server.docs.remove(&doc_id).unwrap_or_default();
                    if offers_content {
                        (link.server.reply(doc_id, &empty), false)
                    } else {
                        (link.server.not_found(doc_id), false)
                    }
                }
            }
            Ok(received) => {
                let verdict = if access == Access::Read {
                    Err((RefusalReason::WriteForbidden, "read only".to_owned()))
                } else {
                    (self.server.validate)(doc).map_err(|reason| (RefusalReason::Invalid, reason))
                };
                match verdict {
                    Ok(()) => {
                        let effects = link.server.committed(doc_id, doc, false);
                        self.server.bump(doc_id);
                        if !existed && let Some(rule) = &mut self.server.access {
                            // The creator works on the case it created.
                            rule.grants.entry(i).or_default().insert(doc_id, true);
                        }
                        self.server_effects(i, effects);
                        if existed {
                            self.push_to_others(Some(i), doc_id);
                        } else {
                            self.access_changed(Some(i), doc_id);
                        }
                        return;
                    }
                    Err((reason, message)) => {
                        rollback(&mut self.server.docs, doc_id, existed, &received.heads_before);
                        self.server.refusals.push((doc_id, reason, message.clone()));
                        (link.server.refused(doc_id, reason, message), true)
                    }
                }
            }
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
            Err(SessionError::NotOpen) => {
                if !existed {
                    self.server.docs.remove(&doc_id);
                }
                (Vec::new(), false)
            }
        };
        self.server_effects(i, effects);
        if rolled_back {
            self.rolled_back(i, doc_id);
        }
    }

    /// A document the device may not see: applied to a scratch document only and answered as for an unused id.
    fn receive_hidden(&mut self, i: usize, doc_id: DocumentId, message: Message) {
        let Some(link) = &mut self.links[i] else { return };
        let offers_content = !message.heads.is_empty();
        let mut scratch = Automerge::new();
        let effects = match link.server.receive_sync(doc_id, &mut scratch, message) {
            Ok(received) if received.new_changes.is_empty() => {
                if offers_content {
                    link.server.reply(doc_id, &scratch)
                } else {
                    link.server.not_found(doc_id)
                }
            }
            Ok(_) | Err(SessionError::Refused { .. } | SessionError::Panicked { .. }) => {
                self.server
                    .refusals
                    .push((doc_id, RefusalReason::NotFound, "no such document".into()));
                link.server
                    .refused(doc_id, RefusalReason::NotFound, "no such document".into())
            }
            Err(SessionError::Sync { source, .. }) => {
                link.server.close(ErrorCode::Malformed, source.to_string())
            }
            Err(SessionError::NotOpen) => Vec::new(),
        };
        self.server_effects(i, effects);
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

    /// A commit to `doc`: every other open connection is told, and its session decides whether to offer it.
    pub(super) fn push_to_others(&mut self, origin: Option<usize>, doc_id: DocumentId) {
        self.tell_others(origin, |session| session.changed_elsewhere(doc_id));
    }

    /// Who may see `doc` changed: every other open connection asks the store again.
    pub(super) fn access_changed(&mut self, origin: Option<usize>, doc_id: DocumentId) {
        self.tell_others(origin, |session| session.access_changed(doc_id));
    }

    fn tell_others(
        &mut self,
        origin: Option<usize>,
        event: impl Fn(&mut sync_core::protocol::ServerSession) -> Vec<ServerEffect>,
    ) {
        let mut pushes = Vec::new();
        for (j, link) in self.links.iter_mut().enumerate() {
            if Some(j) == origin {
                continue;
            }
            if let Some(link) = link.as_mut().filter(|link| !link.server_closed) {
                pushes.push((j, event(&mut link.server)));
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
