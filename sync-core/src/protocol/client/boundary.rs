//! The client session's boundary with its I/O layer: the effects it asks for, and how the client's
//! store lends it documents.
//!
//! The session owns only protocol state (sync states, what is still to sync); the documents belong to
//! the client's store, which may keep them in a map, in an LRU cache or load them on demand. The session
//! asks for them through [`ClientDocs`] for the duration of one call, so it never holds a document.

use std::collections::{BTreeMap, HashMap};

use automerge::{Automerge, ChangeHash};

use crate::ids::DocumentId;
use crate::protocol::frame::{ErrorCode, Frame, PurgeReason, RefusalReason};
use crate::protocol::wire::DecodeError;

/// What the client's I/O layer must do or record.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEffect {
    /// Encode and send this frame.
    Send(Frame),
    /// The document received changes from the server: persist it.
    DocumentChanged { doc: DocumentId },
    /// The server sent a document the device held nothing of whole, and it was not lent
    /// ([`ClientSession::receive_unloaded`](super::ClientSession::receive_unloaded)): persist `saved` as the
    /// document (automerge loads it), whose heads are `heads`, before the frames after this effect go out.
    ReceivedWhole {
        doc: DocumentId,
        heads: Vec<ChangeHash>,
        saved: Vec<u8>,
    },
    /// The server durably holds the document at these heads: every local change that is one of them or
    /// an ancestor of one is acknowledged and need not be kept as pending any more.
    Acknowledged { doc: DocumentId, heads: Vec<ChangeHash> },
    /// The server did not take the device's changes to this document; show `message` to the worker.
    Refused {
        doc: DocumentId,
        reason: RefusalReason,
        message: String,
    },
    /// Delete the document from the device.
    Purge { doc: DocumentId, reason: PurgeReason },
    /// The server sent an Error and is closing the connection.
    ServerError { code: ErrorCode, message: String },
    /// Persist this cursor: the device has every change the server had when it sent the Welcome.
    CursorAdvanced(u64),
    /// The catch-up of this connection is complete (sent once, right after the first `CursorAdvanced`).
    InSync,
    /// The server broke the protocol; close the connection and reconnect later.
    Failed(ClientError),
}

/// How the server broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("undecodable frame from the server: {0}")]
    Decode(#[from] DecodeError),
    #[error("the server sent an unexpected {0} frame")]
    UnexpectedFrame(&'static str),
    #[error("bad sync message for {doc}: {reason}")]
    BadSync { doc: DocumentId, reason: String },
}

/// The client's documents, as the session needs them.
pub trait ClientDocs {
    /// The document, if the device has it.
    fn get(&self, doc: &DocumentId) -> Option<&Automerge>;

    /// The document, created empty if the device does not have it yet (a document the server is about
    /// to send). The session reports it with `DocumentChanged` once it has content worth persisting.
    fn get_or_create(&mut self, doc: DocumentId) -> &mut Automerge;
}

impl ClientDocs for BTreeMap<DocumentId, Automerge> {
    fn get(&self, doc: &DocumentId) -> Option<&Automerge> {
        BTreeMap::get(self, doc)
    }

    fn get_or_create(&mut self, doc: DocumentId) -> &mut Automerge {
        self.entry(doc).or_default()
    }
}

impl ClientDocs for HashMap<DocumentId, Automerge> {
    fn get(&self, doc: &DocumentId) -> Option<&Automerge> {
        HashMap::get(self, doc)
    }

    fn get_or_create(&mut self, doc: DocumentId) -> &mut Automerge {
        self.entry(doc).or_default()
    }
}
