//! The client side of one connection: a sans-I/O state machine from received bytes to effects.
//!
//! The session owns the per-document sync states of this connection, the documents the Welcome asked it
//! to catch up on, and the heads the server acknowledged. The documents themselves stay with the
//! client's store and are lent per call through [`ClientDocs`]. The I/O layer persists what the effects
//! report: documents that changed, acknowledged heads (so unacknowledged changes survive restarts and go
//! into the next Hello's manifest) and the cursor.

mod boundary;

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use crate::ids::DocumentId;
use crate::protocol::codec::decode;
use crate::protocol::frame::{Frame, ManifestEntry, RefusalReason};
use crate::protocol::limits::Limits;
use crate::protocol::sync_message::{
    confirms_whole_document, holding_now, knows_all, normalized, peer_has_nothing, vet, whole_document,
};

pub use boundary::{ClientDocs, ClientEffect, ClientError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    AwaitingWelcome,
    Open,
    Closed,
}

/// The client's state machine for one connection.
#[derive(Debug)]
pub struct ClientSession {
    client: String,
    device: String,
    limits: Limits,
    phase: Phase,
    /// Documents to upload as soon as the Welcome arrives.
    to_upload: BTreeSet<DocumentId>,
    states: BTreeMap<DocumentId, sync::State>,
    /// Documents the server has never acknowledged, whose first sync message carries them whole.
    never_acked: BTreeSet<DocumentId>,
    /// Documents uploaded from their saved bytes without being lent ([`Self::upload_saved`]), with the heads sent:
    /// the server's answer that it holds them needs no document.
    saved_uploads: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Whether the I/O layer stores a document received whole without loading it ([`Self::receive_unloaded`]).
    receives_unloaded: bool,
    /// Welcome documents the device holds nothing of, whose first message went out without a document lent: the
    /// server's first answer, if it brings the whole document, needs none either ([`ClientEffect::ReceivedWhole`]).
    unheld: BTreeSet<DocumentId>,
    /// Welcome documents whose server heads the device does not hold yet; the cursor waits for them.
    catching_up: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// The cursor of a CaughtUp that arrived before `catching_up` emptied.
    pending_cursor: Option<u64>,
    in_sync: bool,
    acked: BTreeMap<DocumentId, Vec<ChangeHash>>,
}

impl ClientSession {
    /// `client` names the software and its version (for the server's logs); `device` must match the token.
    pub fn new(client: String, device: String) -> Self {
        Self::with_limits(client, device, Limits::default())
    }

    pub fn with_limits(client: String, device: String, limits: Limits) -> Self {
        Self {
            client,
            device,
            limits,
            phase: Phase::Idle,
            to_upload: BTreeSet::new(),
            states: BTreeMap::new(),
            never_acked: BTreeSet::new(),
            saved_uploads: BTreeMap::new(),
            receives_unloaded: false,
            unheld: BTreeSet::new(),
            catching_up: BTreeMap::new(),
            pending_cursor: None,
            in_sync: false,
            acked: BTreeMap::new(),
        }
    }

    /// Opens the session: `cursor` is the last persisted cursor, `manifest` the documents with
    /// unacknowledged changes (every local document when `cursor` is `None`).
    ///
    /// The manifest documents need not be loaded yet. Those the I/O layer lends through [`ClientDocs`] when the
    /// Welcome arrives are uploaded then; each other one when it is handed in with [`Self::local_change`] once
    /// loaded. So a device uploading many documents can send the first while it loads the rest, and the server
    /// works on them meanwhile.
    pub fn start(&mut self, cursor: Option<u64>, manifest: Vec<ManifestEntry>) -> Vec<ClientEffect> {
        if self.phase != Phase::Idle {
            return Vec::new();
        }
        self.phase = Phase::AwaitingWelcome;
        self.to_upload = manifest.iter().map(|entry| entry.doc).collect();
        let manifest = manifest
            .into_iter()
            .map(|entry| ManifestEntry {
                doc: entry.doc,
                heads: normalized(entry.heads),
            })
            .collect();
        let hello = Frame::Hello {
            client: self.client.clone(),
            device: self.device.clone(),
            cursor,
            manifest,
        };
        vec![ClientEffect::Send(hello)]
    }

    /// The server has never acknowledged `doc` (the device created it, and no Ack for it came back): the first sync
    /// message of this connection for it carries the whole document, instead of first asking what the server holds,
    /// which would cost a round trip and two messages per new case (docs/PROTOCOL.md §5.2). When the server has it
    /// after all (its Ack was lost), the upload brings it nothing new and is acknowledged, as any other.
    pub fn never_acknowledged(&mut self, doc: DocumentId) {
        if !self.states.contains_key(&doc) {
            self.never_acked.insert(doc);
        }
    }

    /// Whether [`Self::upload_saved`] may upload `doc` now: the session is open, the server has never acknowledged
    /// the document, and nothing of it was sent in this connection.
    pub fn may_upload_saved(&self, doc: &DocumentId) -> bool {
        self.phase == Phase::Open && self.never_acked.contains(doc) && !self.states.contains_key(doc)
    }

    /// Has the session hand on a Welcome document the device holds nothing of, when the server sends it whole, as the
    /// bytes that came ([`ClientEffect::ReceivedWhole`]) instead of receiving it into a document: loading it was most
    /// of a phone's work in a fresh download, and storing it needs none of it. Such a document is not lent for its
    /// first message or for that answer ([`Self::needs_document`]); it is for anything later.
    pub fn receive_unloaded(&mut self) {
        self.receives_unloaded = true;
    }

    /// Uploads a document the server has never acknowledged from its saved bytes (`saved`, a document chunk as
    /// `Automerge::save` writes it, whose heads are `heads`) without the document being lent: loading a new case
    /// was most of a phone's work in uploading it, and the message needs none of it
    /// ([`whole_document`], docs/PROTOCOL.md §5.2). Call it only where [`Self::may_upload_saved`] says so; the
    /// document is lent as any other for every frame about it except the server's answer that it holds those heads
    /// ([`Self::needs_document`]).
    pub fn upload_saved(
        &mut self,
        doc: DocumentId,
        heads: Vec<ChangeHash>,
        saved: Vec<u8>,
    ) -> Vec<ClientEffect> {
        if !self.may_upload_saved(&doc) {
            return Vec::new();
        }
        self.never_acked.remove(&doc);
        let message = whole_document(heads, saved);
        self.saved_uploads.insert(doc, message.heads.clone());
        vec![ClientEffect::Send(Frame::Sync {
            doc,
            message: message.encode(),
        })]
    }

    /// Whether handling the server's Sync frame for `doc`, whose sync message is `message`, needs `doc` lent
    /// through [`ClientDocs`]: every one does, except the answer to an upload from saved bytes that says the
    /// server holds what was sent, and the whole document sent to a device that holds nothing of it
    /// ([`Self::receive_unloaded`]).
    pub fn needs_document(&self, doc: &DocumentId, message: &[u8]) -> bool {
        // Only those two are decoded here: every other Sync frame needs its document.
        if self.unheld.contains(doc) {
            return !vet(message, &self.limits).is_ok_and(|message| self.arrives_whole(doc, &message));
        }
        let Some(sent) = self.saved_uploads.get(doc) else {
            return true;
        };
        !vet(message, &self.limits).is_ok_and(|answer| confirms_whole_document(&answer, sent))
    }

    /// Whether the server's first answer for an unheld document brings all of it: changes, heads that cover what the
    /// Welcome listed, nothing needed. The server answers "I have nothing" with every change it has, so the changes
    /// are the whole document at those heads.
    fn arrives_whole(&self, doc: &DocumentId, message: &sync::Message) -> bool {
        !message.changes.is_empty()
            && message.need.is_empty()
            && self
                .catching_up
                .get(doc)
                .is_some_and(|listed| listed.iter().all(|head| message.heads.contains(head)))
    }

    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Welcome documents still to download before the cursor may advance (for a progress bar).
    pub fn catching_up(&self) -> usize {
        self.catching_up.len()
    }

    /// The heads the server last acknowledged for `doc` in this connection.
    pub fn acked_heads(&self, doc: &DocumentId) -> Option<&[ChangeHash]> {
        self.acked.get(doc).map(Vec::as_slice)
    }

    /// Handles one binary WebSocket message from the server.
    pub fn handle_frame(&mut self, bytes: &[u8], docs: &mut impl ClientDocs) -> Vec<ClientEffect> {
        if matches!(self.phase, Phase::Idle | Phase::Closed) {
            return Vec::new();
        }
        let frame = match decode(bytes, &self.limits) {
            Ok(frame) => frame,
            Err(error) => return self.fail(error.into()),
        };
        match (self.phase, frame) {
            (_, Frame::Error { code, message }) => {
                self.phase = Phase::Closed;
                vec![ClientEffect::ServerError { code, message }]
            }
            (Phase::AwaitingWelcome, Frame::Welcome { changed, .. }) => self.on_welcome(changed, docs),
            (Phase::Open, Frame::Sync { doc, message }) => self.on_sync(doc, &message, docs),
            (Phase::Open, Frame::Ack { doc, heads }) => {
                // Acknowledged now: a first message need not carry it whole (an Ack the server sends with the
                // Welcome, for a document the manifest names at heads it holds, may come before it is uploaded).
                // An upload from saved bytes stays in `saved_uploads`: a server holding just what was sent answers
                // with this Ack alone, but an older one sends its heads after it, which needs no document either.
                self.never_acked.remove(&doc);
                self.acked.insert(doc, heads.clone());
                vec![ClientEffect::Acknowledged { doc, heads }]
            }
            (Phase::Open, Frame::Refused { doc, reason, message }) => {
                self.on_refused(doc, reason, message, docs)
            }
            (Phase::Open, Frame::Purge { doc, reason }) => {
                self.forget(&doc);
                let mut out = vec![ClientEffect::Purge { doc, reason }];
                out.extend(self.release_cursor());
                out
            }
            (Phase::Open, Frame::CaughtUp { cursor }) => {
                self.pending_cursor = Some(cursor);
                self.release_cursor()
            }
            (_, frame) => self.fail(ClientError::UnexpectedFrame(frame.frame_type().name())),
        }
    }

    /// A document was edited locally while connected: send the change now.
    pub fn local_change(&mut self, doc: DocumentId, docs: &mut impl ClientDocs) -> Vec<ClientEffect> {
        match self.phase {
            Phase::Open => self.sync(doc, docs),
            // Uploaded with the manifest documents when the Welcome arrives.
            Phase::AwaitingWelcome => {
                self.to_upload.insert(doc);
                Vec::new()
            }
            // The next connection's manifest carries it.
            Phase::Idle | Phase::Closed => Vec::new(),
        }
    }

    fn on_welcome(&mut self, changed: Vec<ManifestEntry>, docs: &mut impl ClientDocs) -> Vec<ClientEffect> {
        self.phase = Phase::Open;
        let mut to_sync = std::mem::take(&mut self.to_upload);
        // A manifest document not lent yet is still loading: it is uploaded when handed in (see `start`).
        to_sync.retain(|doc| docs.get(doc).is_some());
        for entry in changed {
            self.never_acked.remove(&entry.doc);
            // A document already holding the server's heads costs nothing: that is what makes a
            // reconnect O(what changed) even when the cursor is old.
            if docs
                .get(&entry.doc)
                .is_some_and(|doc| knows_all(doc, &entry.heads))
            {
                continue;
            }
            to_sync.insert(entry.doc);
            if self.receives_unloaded && docs.get(&entry.doc).is_none() {
                self.unheld.insert(entry.doc);
            }
            self.catching_up.insert(entry.doc, entry.heads);
        }
        to_sync.into_iter().flat_map(|doc| self.sync(doc, docs)).collect()
    }

    fn on_sync(
        &mut self,
        doc_id: DocumentId,
        message: &[u8],
        docs: &mut impl ClientDocs,
    ) -> Vec<ClientEffect> {
        let message = match vet(message, &self.limits) {
            Ok(message) => message,
            Err(error) => {
                return self.fail(ClientError::BadSync {
                    doc: doc_id,
                    reason: error.to_string(),
                });
            }
        };
        // The server sent it: it holds it.
        self.never_acked.remove(&doc_id);
        // Only the server's first message for an unheld document may be taken without it.
        if self.unheld.remove(&doc_id) && docs.get(&doc_id).is_none() && self.arrives_whole(&doc_id, &message)
        {
            return self.received_whole(doc_id, message);
        }
        if let Some(sent) = self.saved_uploads.remove(&doc_id)
            && docs.get(&doc_id).is_none()
            && confirms_whole_document(&message, &sent)
        {
            return Vec::new();
        }
        let doc = docs.get_or_create(doc_id);
        let state = self.states.entry(doc_id).or_default();
        let heads_before = doc.get_heads();
        if let Err(error) = doc.receive_sync_message(state, message) {
            return self.fail(ClientError::BadSync {
                doc: doc_id,
                reason: error.to_string(),
            });
        }
        let mut out = Vec::new();
        if doc.get_heads() != heads_before {
            out.push(ClientEffect::DocumentChanged { doc: doc_id });
        }
        if let Some(reply) = doc.generate_sync_message(state) {
            out.push(ClientEffect::Send(Frame::Sync {
                doc: doc_id,
                message: reply.encode(),
            }));
        }
        if self
            .catching_up
            .get(&doc_id)
            .is_some_and(|heads| knows_all(doc, heads))
        {
            self.catching_up.remove(&doc_id);
            out.extend(self.release_cursor());
        }
        out
    }

    /// Hands on an unheld document the server sent whole ([`Self::receive_unloaded`]), and answers as automerge
    /// would from the document: with its heads, nothing needed, and nothing had beyond them.
    fn received_whole(&mut self, doc: DocumentId, message: sync::Message) -> Vec<ClientEffect> {
        let heads = message.heads.clone();
        let saved: Vec<u8> = message.changes.iter().flatten().copied().collect();
        let mut state = self.states.remove(&doc).unwrap_or_default();
        let reply = holding_now(&mut state, &message);
        self.states.insert(doc, state);
        let mut out = vec![
            ClientEffect::ReceivedWhole { doc, heads, saved },
            ClientEffect::Send(Frame::Sync {
                doc,
                message: reply.encode(),
            }),
        ];
        self.catching_up.remove(&doc);
        out.extend(self.release_cursor());
        out
    }

    fn on_refused(
        &mut self,
        doc: DocumentId,
        reason: RefusalReason,
        message: String,
        docs: &mut impl ClientDocs,
    ) -> Vec<ClientEffect> {
        self.states.remove(&doc);
        self.saved_uploads.remove(&doc);
        let mut out = vec![ClientEffect::Refused { doc, reason, message }];
        match reason {
            // Nothing to sync, now or later in this connection; the cursor must not wait for it.
            RefusalReason::NotFound => {
                self.catching_up.remove(&doc);
                out.extend(self.release_cursor());
            }
            // The server keeps the device's changes out but still serves its own: restart from a fresh
            // state to receive them. The server ignores the refused changes until the device edits again.
            RefusalReason::Invalid | RefusalReason::WriteForbidden => out.extend(self.sync(doc, docs)),
        }
        out
    }

    fn sync(&mut self, doc_id: DocumentId, docs: &mut impl ClientDocs) -> Vec<ClientEffect> {
        if self.unheld.contains(&doc_id) && docs.get(&doc_id).is_none() {
            // "I have nothing", from an empty document that need not exist.
            let state = self.states.entry(doc_id).or_default();
            return Automerge::new()
                .generate_sync_message(state)
                .map(|message| {
                    ClientEffect::Send(Frame::Sync {
                        doc: doc_id,
                        message: message.encode(),
                    })
                })
                .into_iter()
                .collect();
        }
        let whole = self.never_acked.remove(&doc_id);
        let state = self.states.entry(doc_id).or_insert_with(|| {
            if whole {
                peer_has_nothing()
            } else {
                sync::State::new()
            }
        });
        let doc = docs.get_or_create(doc_id);
        match doc.generate_sync_message(state) {
            Some(message) => vec![ClientEffect::Send(Frame::Sync {
                doc: doc_id,
                message: message.encode(),
            })],
            // A message is in flight; the server's answer prompts the next one.
            None => Vec::new(),
        }
    }

    fn release_cursor(&mut self) -> Vec<ClientEffect> {
        if !self.catching_up.is_empty() {
            return Vec::new();
        }
        let Some(cursor) = self.pending_cursor.take() else {
            return Vec::new();
        };
        let mut out = vec![ClientEffect::CursorAdvanced(cursor)];
        if !self.in_sync {
            self.in_sync = true;
            out.push(ClientEffect::InSync);
        }
        out
    }

    fn forget(&mut self, doc: &DocumentId) {
        self.states.remove(doc);
        self.unheld.remove(doc);
        self.never_acked.remove(doc);
        self.saved_uploads.remove(doc);
        self.catching_up.remove(doc);
        self.to_upload.remove(doc);
        self.acked.remove(doc);
    }

    fn fail(&mut self, error: ClientError) -> Vec<ClientEffect> {
        self.phase = Phase::Closed;
        vec![ClientEffect::Failed(error)]
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    use super::*;
    use crate::protocol::codec::encode;

    fn doc_with(value: i64) -> Automerge {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", value).map(|_| ()))
            .expect("edit");
        doc
    }

    fn synced_docs(effects: &[ClientEffect]) -> Vec<DocumentId> {
        effects
            .iter()
            .filter_map(|effect| match effect {
                ClientEffect::Send(Frame::Sync { doc, .. }) => Some(*doc),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_document_the_server_never_acknowledged_goes_up_whole_in_its_first_message() {
        let (new, known) = (DocumentId::from_bytes([1; 16]), DocumentId::from_bytes([2; 16]));
        let mut docs = BTreeMap::from([(new, doc_with(1)), (known, doc_with(2))]);
        let manifest = [new, known].map(|doc| ManifestEntry {
            doc,
            heads: docs[&doc].get_heads(),
        });
        let mut session = ClientSession::new("test".into(), "device".into());
        session.start(Some(0), manifest.to_vec());
        session.never_acknowledged(new);

        let welcome = encode(&Frame::Welcome {
            cursor: 1,
            changed: Vec::new(),
        });
        let mut first = BTreeMap::new();
        for effect in session.handle_frame(&welcome, &mut docs) {
            if let ClientEffect::Send(Frame::Sync { doc, message }) = effect {
                first.insert(doc, sync::Message::decode(&message).expect("decodes"));
            }
        }
        assert!(
            first[&known].changes.is_empty(),
            "a document the server may hold asks first"
        );
        // A server that holds nothing has the new document from that one message.
        let mut server = Automerge::new();
        server
            .receive_sync_message(&mut sync::State::new(), first[&new].clone())
            .expect("applies");
        assert_eq!(server.get_heads(), docs[&new].get_heads());
    }

    #[test]
    fn a_manifest_document_lent_after_the_welcome_is_uploaded_when_handed_in() {
        let (first, second) = (DocumentId::from_bytes([1; 16]), DocumentId::from_bytes([2; 16]));
        let mut docs = BTreeMap::from([(first, doc_with(1))]);
        let manifest = [first, second].map(|doc| ManifestEntry {
            doc,
            heads: Vec::new(),
        });
        let mut session = ClientSession::new("test".into(), "device".into());
        session.start(Some(0), manifest.to_vec());

        let welcome = encode(&Frame::Welcome {
            cursor: 1,
            changed: Vec::new(),
        });
        let effects = session.handle_frame(&welcome, &mut docs);
        assert_eq!(
            synced_docs(&effects),
            vec![first],
            "only the loaded document goes up at once"
        );
        assert!(
            !docs.contains_key(&second),
            "the session made no empty stand-in for it"
        );

        docs.insert(second, doc_with(2));
        let effects = session.local_change(second, &mut docs);
        assert_eq!(synced_docs(&effects), vec![second]);
    }
}
