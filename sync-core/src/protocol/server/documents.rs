//! The per-document half of the server session: receiving a peer's sync messages into the server's
//! documents, acknowledging, refusing and pushing.
//!
//! Acknowledgements name the *client's* heads once the server durably holds all of them: that tells the
//! device exactly which of its changes are safe, even before it has the server's own changes, and it
//! also covers a document the device only downloaded, so it never lands in a later manifest.
//!
//! A refusal quarantines the refused changes for the rest of the connection: this peer's sync state
//! becomes read-only, so the device keeps receiving the server's changes but its refused ones are
//! ignored rather than re-sent and refused in a loop. A head the server has neither seen nor refused is
//! a new edit on the device (a correction, say), and lifts the quarantine.
//!
//! A device is untrusted: its changes are checked before automerge applies them (`case::changes`), and
//! applying them runs under `catch_unwind`, so a panic inside automerge is reported as
//! [`SessionError::Panicked`] instead of reaching the server's worker thread.

use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::new_changes::NewChanges;
use super::{Phase, ServerEffect, ServerSession, SessionError};
use crate::case::changes;
use crate::ids::DocumentId;
use crate::protocol::frame::{Frame, RefusalReason};
use crate::protocol::sync_message::{knows_all, offered_nothing};

/// What one sync message did to the server's document.
#[derive(Debug, Clone)]
pub struct Received {
    pub heads_before: Vec<ChangeHash>,
    pub heads_after: Vec<ChangeHash>,
    /// The changes this message added; empty when it brought nothing new.
    pub new_changes: NewChanges,
}

/// This peer's side of one document.
#[derive(Debug, Default)]
pub(super) struct PeerDoc {
    pub(super) state: sync::State,
    /// The client heads last acknowledged, so each is acknowledged once.
    pub(super) acked: Vec<ChangeHash>,
    /// The changes the last message added, quarantined if the I/O layer refuses them.
    pub(super) last_new: Vec<ChangeHash>,
    /// Changes refused in this connection. While set, the peer's sync state is read-only: the device
    /// still receives the server's changes, but its own are ignored until it makes a new one, instead of
    /// being re-sent and refused in a loop.
    pub(super) quarantine: Option<BTreeSet<ChangeHash>>,
    /// The heads of the stored document sent whole from its saved bytes ([`ServerSession::send_saved`]), until the
    /// device's answer.
    pub(super) saved_sent: Option<Vec<ChangeHash>>,
}

impl ServerSession {
    /// Applies a sync message from this peer to the server's copy of the document.
    pub fn receive_sync(
        &mut self,
        doc_id: DocumentId,
        doc: &mut Automerge,
        message: sync::Message,
    ) -> Result<Received, SessionError> {
        if self.phase != Phase::Open {
            return Err(SessionError::NotOpen);
        }
        let peer = self.peers.entry(doc_id).or_default();
        // Any message taken with the document ends the wait for an answer to a document sent from its saved bytes.
        peer.saved_sent = None;
        if let Some(refused) = &peer.quarantine {
            // A head the server has neither seen nor refused is a new edit on the device (a correction,
            // say): lift the quarantine and sync afresh so the device uploads again.
            if message
                .heads
                .iter()
                .any(|head| !refused.contains(head) && !knows_all(doc, &[*head]))
            {
                *peer = PeerDoc {
                    acked: std::mem::take(&mut peer.acked),
                    ..PeerDoc::default()
                };
            }
        }
        // The device's changes are checked before automerge sees them (see `case::changes`), unless the peer's
        // state is read-only and they will be ignored anyway.
        let mut checked = changes::Checked::default();
        if !peer.state.read_only {
            match changes::check(message.changes.iter()) {
                Ok(passed) => checked = passed,
                Err(problem) => {
                    peer.last_new.clear();
                    let raw = message.changes.iter().flatten().copied().collect();
                    return Err(SessionError::Refused { problem, raw });
                }
            }
        }
        peer.last_new = std::mem::take(&mut checked.hashes);
        let heads_before = doc.get_heads();
        // A whole document the server holds nothing of (a new case) was loaded by the check: take it as it is.
        // The server keeps no document without changes (a creation that brought none is dropped), so no heads
        // means nothing is held, not even changes waiting for their dependencies.
        let whole = checked.document.take().filter(|_| heads_before.is_empty());
        let (whole_doc, whole_changes) = whole.map(NewChanges::whole).unzip();
        // What a quarantine keeps if automerge panics on the changes: a whole document's chunk, or else a copy of
        // the message's changes, which automerge consumes.
        let raw: Vec<u8> = match whole_changes {
            Some(_) => Vec::new(),
            None => message.changes.iter().flatten().copied().collect(),
        };
        // The last line of defence: a panic inside automerge stays here instead of unwinding through the server's
        // worker thread with the shared document half changed. Rebuilding the new changes is part of it, since
        // that is where a broken operation shows (automerge 0.12's "MissingOps"); a whole document was loaded by the
        // check, which rebuilt its changes there.
        let state = &mut peer.state;
        let applied = panic::catch_unwind(AssertUnwindSafe(|| {
            match whole_doc {
                Some(loaded) => receive_whole(doc, state, message, loaded)?,
                None => doc.receive_sync_message(state, message)?,
            }
            let heads_after = doc.get_heads();
            let rebuilt = match whole_changes {
                None if heads_after != heads_before => doc.get_changes(&heads_before),
                _ => Vec::new(),
            };
            Ok::<_, automerge::AutomergeError>((heads_after, rebuilt))
        }));
        let (heads_after, rebuilt) = match applied {
            Ok(Ok(applied)) => applied,
            Ok(Err(source)) => {
                return Err(SessionError::Sync {
                    heads_before,
                    source: Box::new(source),
                });
            }
            Err(_) => {
                let raw = whole_changes.map_or(raw, |whole| whole.encoded().into_owned());
                return Err(SessionError::Panicked { raw });
            }
        };
        let new_changes = match whole_changes {
            _ if heads_after == heads_before => NewChanges::default(),
            Some(whole) => whole,
            None => NewChanges::from(rebuilt),
        };
        peer.last_new = new_changes.hashes();
        Ok(Received {
            heads_before,
            heads_after,
            new_changes,
        })
    }

    /// The changes from [`Self::receive_sync`] passed validation and are durably committed. A document the device
    /// created is from now on the device's to write, and held by it: recorded with [`ServerEffect::Hold`] unless
    /// `holding_recorded` says the commit itself recorded that the device holds what was committed (the server's
    /// commit does, in the same transaction, when the device's heads are the document's), which spares the
    /// connection a write of its own, and a wait for it, per new case.
    pub fn committed(
        &mut self,
        doc_id: DocumentId,
        doc: &Automerge,
        holding_recorded: bool,
    ) -> Vec<ServerEffect> {
        let hold = self.created(doc_id).filter(|_| !holding_recorded);
        let mut out: Vec<ServerEffect> = hold.into_iter().collect();
        out.extend(self.answer(doc_id, doc));
        out
    }

    /// The message brought no new changes: answer it.
    pub fn reply(&mut self, doc_id: DocumentId, doc: &Automerge) -> Vec<ServerEffect> {
        self.answer(doc_id, doc)
    }

    /// Acknowledges the client's heads once the server durably holds all of them, then sends automerge's
    /// reply. Acknowledging the *client's* heads tells the device exactly which of its changes are safe,
    /// even before it has received the server's own changes. A case in the grace is purged after its Ack.
    fn answer(&mut self, doc_id: DocumentId, doc: &Automerge) -> Vec<ServerEffect> {
        if self.phase != Phase::Open {
            return Vec::new();
        }
        let Some(peer) = self.peers.get_mut(&doc_id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(client_heads) = &peer.state.their_heads
            && !client_heads.is_empty()
            && *client_heads != peer.acked
            && knows_all(doc, client_heads)
        {
            peer.acked.clone_from(client_heads);
            out.push(ServerEffect::Send(Frame::Ack {
                doc: doc_id,
                heads: client_heads.clone(),
            }));
        }
        if !out.is_empty() {
            // A case in the grace is purged right after the Ack, and nothing of the server's goes with it: a change
            // the device received after the Ack would make it keep the case as pending.
            let purge = self.purge_after_ack(doc_id);
            if !purge.is_empty() {
                out.extend(purge);
                return out;
            }
        }
        let Some(peer) = self.peers.get_mut(&doc_id) else {
            return out;
        };
        // A device that sent a document whole from its saved bytes, and holds exactly what the server holds, learns
        // all automerge's answer would tell it from the Ack just sent: the answer would be the server's heads alone,
        // its heads. So a new case costs one frame back, not two (docs/PROTOCOL.md §5.2). The sync state stays as
        // if nothing was sent, so whatever the server has later goes out as it would to a peer it never answered.
        if !out.is_empty()
            && offered_nothing(&peer.state)
            && peer.state.their_heads.as_deref() == Some(doc.get_heads().as_slice())
        {
            return out;
        }
        if let Some(message) = doc.generate_sync_message(&mut peer.state) {
            out.push(ServerEffect::Send(Frame::Sync {
                doc: doc_id,
                message: message.encode(),
            }));
        }
        out
    }

    /// The changes from [`Self::receive_sync`] were refused (and the I/O layer rolled its document back to
    /// `heads_before`). They stay quarantined for this connection, as the module documentation explains.
    pub fn refused(
        &mut self,
        doc_id: DocumentId,
        reason: RefusalReason,
        message: String,
    ) -> Vec<ServerEffect> {
        self.forget_creation(doc_id);
        let peer = self.peers.entry(doc_id).or_default();
        let mut refused = peer.quarantine.take().unwrap_or_default();
        refused.extend(peer.last_new.drain(..));
        *peer = PeerDoc {
            state: sync::State::new_read_only(),
            acked: std::mem::take(&mut peer.acked),
            last_new: Vec::new(),
            quarantine: Some(refused),
            saved_sent: None,
        };
        self.emit(Frame::Refused {
            doc: doc_id,
            reason,
            message,
        })
    }

    /// Another connection's changes to `doc` were refused and the I/O layer rolled the shared document back.
    /// Rolling back also drops automerge's queue of changes that arrived before their dependencies, which
    /// may hold changes this peer sent: its sync state believes they were delivered and would never send
    /// them again, so both sides would ask each other for the same change forever. automerge's sync reset
    /// (or, for peers without it, empty heads) makes this peer forget what it sent, and it sends them again.
    pub fn doc_rolled_back(&mut self, doc_id: DocumentId, doc: &Automerge) -> Vec<ServerEffect> {
        if !matches!(self.phase, Phase::Resolving | Phase::Open) {
            return Vec::new();
        }
        let Some(peer) = self.peers.get_mut(&doc_id) else {
            return Vec::new();
        };
        peer.state.needs_reset = true;
        match doc.generate_sync_message(&mut peer.state) {
            Some(message) => self.emit(Frame::Sync {
                doc: doc_id,
                message: message.encode(),
            }),
            // The flag rides on the next message instead.
            None => Vec::new(),
        }
    }

    /// Whether this connection keeps sync state for `doc` (it synced it, or was offered it): only then does a
    /// rollback of `doc` concern it ([`Self::doc_rolled_back`]), whatever the device may see of it now.
    pub fn syncs(&self, doc_id: DocumentId) -> bool {
        self.peers.contains_key(&doc_id)
    }

    /// The device may not see `doc`, or it does not exist: the two get the same answer.
    pub fn not_found(&mut self, doc_id: DocumentId) -> Vec<ServerEffect> {
        self.forget_creation(doc_id);
        self.peers.remove(&doc_id);
        self.emit(Frame::Refused {
            doc: doc_id,
            reason: RefusalReason::NotFound,
            message: "no such document".into(),
        })
    }

    /// Sends the device what it lacks of a document it may see (the session has decided it may).
    pub(super) fn send_changes(&mut self, doc_id: DocumentId, doc: &Automerge) -> Vec<ServerEffect> {
        let peer = self.peers.entry(doc_id).or_default();
        match doc.generate_sync_message(&mut peer.state) {
            Some(message) => self.emit(Frame::Sync {
                doc: doc_id,
                message: message.encode(),
            }),
            // Nothing new for the peer, or a message is in flight and its answer will carry the rest.
            None => Vec::new(),
        }
    }
}

/// Receives `message`, whose changes are exactly the document `whole` (already loaded and checked), into the
/// empty `doc`, leaving `doc` and `state` as `receive_sync_message` would have, without loading it again.
fn receive_whole(
    doc: &mut Automerge,
    state: &mut sync::State,
    message: sync::Message,
    whole: Automerge,
) -> Result<(), automerge::AutomergeError> {
    *doc = whole;
    // automerge takes a message without changes whose heads are already ours as a sign that our heads were
    // sent; this one brought them, so the server's answer (with its new heads) must still go out.
    let last_sent_heads = state.last_sent_heads.clone();
    let no_changes = sync::Message {
        changes: Vec::<Vec<u8>>::new().into(),
        ..message
    };
    doc.receive_sync_message(state, no_changes)?;
    state.last_sent_heads = last_sent_heads;
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT};

    use super::*;

    /// A device with a new document of two changes offers it to a server that holds nothing; the device's second
    /// message carries the whole document. Returns the server's document and state before that message, and it.
    fn new_document_offered() -> (Automerge, sync::State, sync::Message) {
        let mut device = Automerge::new().with_actor(ActorId::from([7; 16].as_slice()));
        for value in ["first", "second"] {
            let mut tx = device.transaction();
            tx.put(ROOT, "field", value).expect("put");
            tx.commit();
        }
        let (mut device_state, mut server_state) = (sync::State::new(), sync::State::new());
        let mut server = Automerge::new();
        let heads = device.generate_sync_message(&mut device_state).expect("heads");
        server
            .receive_sync_message(&mut server_state, heads)
            .expect("receive");
        let reply = server.generate_sync_message(&mut server_state).expect("reply");
        device
            .receive_sync_message(&mut device_state, reply)
            .expect("receive");
        let upload = device.generate_sync_message(&mut device_state).expect("upload");
        (server, server_state, upload)
    }

    #[test]
    fn taking_a_whole_document_leaves_what_receiving_it_would() {
        let (server, state, upload) = new_document_offered();
        let checked = changes::check(upload.changes.iter()).expect("passes");
        let whole = checked.document.expect("automerge sends a new document whole");
        let hashes = checked.hashes;

        let (mut received, mut received_state) = (server.clone(), state.clone());
        received
            .receive_sync_message(&mut received_state, upload.clone())
            .expect("receive");
        let (mut taken, mut taken_state) = (server, state);
        receive_whole(&mut taken, &mut taken_state, upload, whole.doc).expect("take");

        assert_eq!(taken.get_heads(), received.get_heads());
        assert_eq!(taken_state, received_state);
        let received_hashes: Vec<ChangeHash> = received.get_changes(&[]).iter().map(|c| c.hash()).collect();
        assert_eq!(hashes, received_hashes);
        // And the server answers the same: its new heads go out.
        let answer = |doc: &mut Automerge, state: &mut sync::State| {
            doc.generate_sync_message(state).map(sync::Message::encode)
        };
        let expected = answer(&mut received, &mut received_state);
        assert!(expected.is_some());
        assert_eq!(answer(&mut taken, &mut taken_state), expected);
    }
}
