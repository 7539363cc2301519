//! Sending a stored document to a device that holds nothing of it, as the store saved it, without loading it.
//!
//! A new install's first sync asks for its whole caseload, each document with automerge's first message from an
//! empty document ("I have nothing"). automerge answers that with the whole document, saved afresh, and offers
//! with it a bloom filter of every change; both need the document loaded, and loading was most of the server's
//! work in a fresh download. The store's bytes of a document (its snapshot and the changes since, which automerge
//! loads as one) are what that message carries, and its heads are kept beside them. So the server sends those
//! bytes as they are, with the heads and no bloom filter ([`whole_document`]), and takes the device's answer that
//! it now holds exactly those heads ([`confirms_whole_document`]) without the document: it acknowledges them, as
//! it acknowledges heads made of changes it sent. Anything else about the document (a push, any other answer)
//! goes the ordinary way, with the document loaded and the sync state automerge would have. docs/PROTOCOL.md §6.

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::documents::PeerDoc;
use super::sight::Sight;
use super::{Phase, ServerEffect, ServerSession};
use crate::ids::DocumentId;
use crate::protocol::frame::Frame;
use crate::protocol::sync_message::{confirms_whole_document, received_at_its_heads, whole_document};

impl ServerSession {
    /// Whether the device's `message` for `doc` says it holds nothing of a document it may see, on a connection that
    /// has not synced that document yet: then the stored document may go out as it is saved
    /// ([`Self::send_saved`]).
    pub fn wants_saved(&self, doc: DocumentId, message: &sync::Message) -> bool {
        self.phase == Phase::Open
            && matches!(self.sight.get(&doc), Some(Sight::Read | Sight::Write))
            && holds_nothing(message)
            && self
                .peers
                .get(&doc)
                .is_none_or(|peer| peer.state == sync::State::new() && peer.quarantine.is_none())
    }

    /// Answers the device's `message` for `doc`, for which [`Self::wants_saved`] holds, with the store's bytes of
    /// the document (`saved`: a document chunk, and the change chunks committed after it, which automerge loads as
    /// one) at `heads`, without loading it. Sends nothing where [`Self::wants_saved`] does not hold.
    pub fn send_saved(
        &mut self,
        doc: DocumentId,
        message: sync::Message,
        heads: Vec<ChangeHash>,
        saved: Vec<u8>,
    ) -> Vec<ServerEffect> {
        if !self.wants_saved(doc, &message) {
            return Vec::new();
        }
        // The state automerge would keep: the device's message received (it reads nothing of the document for a
        // message without heads or changes, so an empty one stands in), then the whole document sent.
        let mut state = sync::State::new();
        if Automerge::new()
            .receive_sync_message(&mut state, message)
            .is_err()
        {
            // Unreachable for a message that holds nothing (nothing is applied); the ordinary way is never wrong.
            return Vec::new();
        }
        let whole = whole_document(heads, saved);
        state.have_responded = true;
        state.in_flight = true;
        state.last_sent_heads.clone_from(&whole.heads);
        let peer = self.peers.entry(doc).or_default();
        *peer = PeerDoc {
            state,
            acked: std::mem::take(&mut peer.acked),
            saved_sent: Some(whole.heads.clone()),
            ..PeerDoc::default()
        };
        self.emit(Frame::Sync {
            doc,
            message: whole.encode(),
        })
    }

    /// Takes the device's answer to [`Self::send_saved`] that says it holds exactly what was sent, without the
    /// document: acknowledges those heads (once), and leaves the sync state as receiving it would have. `None` for
    /// any other message, or once anything else went out or came in for the document: those need the document.
    pub fn receive_saved_confirmation(
        &mut self,
        doc: DocumentId,
        message: &sync::Message,
    ) -> Option<Vec<ServerEffect>> {
        if self.phase != Phase::Open {
            return None;
        }
        let peer = self.peers.get_mut(&doc)?;
        let sent = peer.saved_sent.as_deref()?;
        // A push since (the document changed) moved the heads last sent; a message received cleared `in_flight`.
        if !(peer.state.in_flight
            && peer.state.last_sent_heads == sent
            && confirms_whole_document(message, sent))
        {
            return None;
        }
        let sent = peer.saved_sent.take()?;
        // As automerge leaves the state on receiving it: the answer holds exactly the heads last sent.
        received_at_its_heads(&mut peer.state, message);
        peer.state.last_sent_heads.clone_from(&sent);
        if peer.acked == sent {
            return Some(Vec::new());
        }
        peer.acked.clone_from(&sent);
        let mut out = vec![ServerEffect::Send(Frame::Ack { doc, heads: sent })];
        // As after any Ack: a case in the grace is purged now.
        out.extend(self.purge_after_ack(doc));
        Some(out)
    }
}

/// Whether a sync message says its sender holds nothing: no heads, no changes, nothing needed, and no change named
/// as had. automerge's first message from an empty document is one.
fn holds_nothing(message: &sync::Message) -> bool {
    message.heads.is_empty()
        && message.changes.is_empty()
        && message.need.is_empty()
        && message.have.iter().all(|have| have.last_sync.is_empty())
}
