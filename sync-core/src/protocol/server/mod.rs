//! The server side of one connection: a sans-I/O state machine from received bytes to effects.
//!
//! The server process holds documents itself and shares them between connections, so a session does not
//! own documents: it owns this peer's automerge sync state per document, what the device may see on this
//! connection, the phase of the connection, the device named by the token and the rate limiter. Whatever
//! needs the store is handed to the I/O layer as an effect ([`ServerEffect::ResolveHello`],
//! [`ServerEffect::CheckAccess`], [`ServerEffect::Offer`], [`ServerEffect::ReceiveSync`]), which answers by
//! calling back into the session with what it found or the document it holds. The I/O layer reports facts;
//! the session decides who sees what and when a device must purge (see [`sight`]).
//!
//! Per document, the I/O layer must hold the document exclusively from [`ServerSession::receive_sync`]
//! until it has called exactly one of [`committed`](ServerSession::committed),
//! [`refused`](ServerSession::refused) or [`reply`](ServerSession::reply): other connections must never
//! see changes that may still be rolled back. After a commit it calls
//! [`changed_elsewhere`](ServerSession::changed_elsewhere) on the other sessions (or
//! [`access_changed`](ServerSession::access_changed) when who may see the document changed); after a
//! rollback, [`doc_rolled_back`](ServerSession::doc_rolled_back).

mod documents;
mod new_changes;
mod saved;
pub mod sight;

use std::collections::BTreeMap;

use automerge::sync;
use automerge::{AutomergeError, ChangeHash};

use crate::ids::DocumentId;
use crate::protocol::PROTOCOL_VERSION;
use crate::protocol::codec::decode;
use crate::protocol::frame::{ErrorCode, Frame, ManifestEntry, PurgeReason};
use crate::protocol::limits::{Limits, RateLimit, RateLimiter};
use crate::protocol::sync_message::vet;
use crate::protocol::wire::DecodeError;
use crate::validation::ValidationError;

use documents::PeerDoc;
pub use documents::Received;
pub use new_changes::NewChanges;
use sight::Sight;
pub use sight::{Access, DEFAULT_GRACE_MS, Held, Holding, Lost, Resolved, Visible};

/// What the server's I/O layer must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEffect {
    /// Encode and send this frame.
    Send(Frame),
    /// Close the connection (after sending what came before).
    Close,
    /// Authorise the Hello, take a snapshot of the store and call [`ServerSession::welcome`].
    ResolveHello {
        client: String,
        cursor: Option<u64>,
        manifest: Vec<ManifestEntry>,
    },
    /// Find the device's [`Access`] to `doc` and call [`ServerSession::access`] with it and `message` (the device's
    /// sync message waiting for the answer, if any).
    CheckAccess {
        doc: DocumentId,
        message: Option<sync::Message>,
    },
    /// Call [`ServerSession::offer`] with the server's copy of `doc`.
    Offer { doc: DocumentId },
    /// Apply the device's sync message with [`ServerSession::receive_sync`] as `access` says: `Read` and `Write`
    /// to the server's document (a change under `Read` is refused `WriteForbidden`), `Missing` to a new empty
    /// document the device creates, `Hidden` to a scratch document only, answered as for an unused id.
    ReceiveSync {
        doc: DocumentId,
        message: sync::Message,
        access: Access,
    },
    /// Record that the device holds these documents, and whether its user may change them, so that it can be told
    /// to purge them later (with the grace only for what it held as changeable).
    Hold { docs: Vec<Held> },
    /// The device is told to delete `doc`: record when it was first told, and replace [`Holding::purge_cursor`] with
    /// `cursor`: given when the Purge goes out before `CaughtUp` (a device whose cursor reaches it has read this
    /// Purge), `None` when it goes out later in the connection and may never be read.
    Purged {
        doc: DocumentId,
        reason: PurgeReason,
        cursor: Option<u64>,
    },
    /// The device no longer holds `doc`: the store may forget that it did.
    Forget { doc: DocumentId },
}

/// Why [`ServerSession::receive_sync`] did not apply a message.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the session is not open")]
    NotOpen,
    /// automerge refused the changes; roll the document back to `heads_before` and close with Malformed.
    #[error("automerge could not apply the sync message: {source}")]
    Sync {
        heads_before: Vec<ChangeHash>,
        source: Box<AutomergeError>,
    },
    /// The changes break the checks of `case::changes`; nothing was applied. Quarantine `raw` and call
    /// [`ServerSession::refused`] with [`RefusalReason::Invalid`](crate::protocol::RefusalReason::Invalid).
    #[error("refused changes: {problem}")]
    Refused {
        problem: ValidationError,
        /// The message's change data, for the quarantine.
        raw: Vec<u8>,
    },
    /// automerge panicked while applying the changes. The panic was contained, but the document may be half
    /// changed: drop it (the store holds the truth), quarantine `raw` and refuse as for [`Self::Refused`].
    #[error("applying the changes panicked inside automerge")]
    Panicked { raw: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingHello,
    /// Hello received; the I/O layer is computing the Welcome.
    Resolving,
    Open,
    Closed,
}

/// The server's state machine for one connection.
#[derive(Debug)]
pub struct ServerSession {
    device: String,
    limits: Limits,
    limiter: RateLimiter,
    phase: Phase,
    /// The Hello's manifest, kept until [`Self::welcome`] to acknowledge what the server already holds.
    manifest: Vec<ManifestEntry>,
    /// Frames produced between Hello and Welcome; Welcome must be the first frame the client sees.
    held: Vec<Frame>,
    peers: BTreeMap<DocumentId, PeerDoc>,
    /// What the device may see on this connection (see [`sight`]).
    sight: BTreeMap<DocumentId, Sight>,
    /// Documents this device was told to purge on this connection.
    purged: std::collections::BTreeSet<DocumentId>,
    /// The cursor the Hello brought, and the one the Welcome reported.
    hello_cursor: Option<u64>,
    welcome_cursor: u64,
    /// How long the grace of a lost case stays open after the device was first told to purge it.
    grace_ms: i64,
    /// The time of the frame being handled, for the grace.
    now_ms: u64,
}

impl ServerSession {
    /// A session for a connection whose token named `device`.
    pub fn new(device: String, limits: Limits, rate: RateLimit) -> Self {
        Self {
            device,
            limits,
            limiter: RateLimiter::new(rate),
            phase: Phase::AwaitingHello,
            manifest: Vec::new(),
            held: Vec::new(),
            peers: BTreeMap::new(),
            sight: BTreeMap::new(),
            purged: std::collections::BTreeSet::new(),
            hello_cursor: None,
            welcome_cursor: 0,
            grace_ms: sight::DEFAULT_GRACE_MS,
            now_ms: 0,
        }
    }

    /// Sets how long the grace of a lost case stays open after the device was first told to purge it (the server's
    /// maximum offline period).
    pub fn with_grace_ms(mut self, grace_ms: i64) -> Self {
        self.grace_ms = grace_ms;
        self
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    /// Whether the Welcome has gone out and the connection is not closed.
    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// How many documents this connection keeps sync state for (for metrics: memory per connection).
    pub fn open_documents(&self) -> usize {
        self.peers.len()
    }

    /// Handles one binary WebSocket message from the client.
    pub fn handle_frame(&mut self, bytes: &[u8], now_ms: u64) -> Vec<ServerEffect> {
        if self.phase == Phase::Closed {
            return Vec::new();
        }
        self.now_ms = now_ms;
        if !self.limiter.admit(bytes.len(), now_ms) {
            return self.close(
                ErrorCode::RateLimited,
                "too many frames or bytes per second".into(),
            );
        }
        let frame = match decode(bytes, &self.limits) {
            Ok(frame) => frame,
            Err(error) => return self.reject(error),
        };
        match (self.phase, frame) {
            (
                Phase::AwaitingHello,
                Frame::Hello {
                    client,
                    device,
                    cursor,
                    manifest,
                },
            ) => {
                if device != self.device {
                    return self.close(
                        ErrorCode::Unauthorized,
                        "the device does not match the token".into(),
                    );
                }
                self.phase = Phase::Resolving;
                self.manifest = manifest.clone();
                self.hello_cursor = cursor;
                vec![ServerEffect::ResolveHello {
                    client,
                    cursor,
                    manifest,
                }]
            }
            (Phase::Open, Frame::Sync { doc, message }) => match vet(&message, &self.limits) {
                Ok(message) => match self.known_access(doc) {
                    Some(access) => vec![ServerEffect::ReceiveSync { doc, message, access }],
                    None => vec![ServerEffect::CheckAccess {
                        doc,
                        message: Some(message),
                    }],
                },
                Err(error) => self.close(ErrorCode::Malformed, format!("sync message for {doc}: {error}")),
            },
            (_, frame) => {
                let name = frame.frame_type().name();
                self.close(
                    ErrorCode::UnexpectedFrame,
                    format!("a {name} frame is not expected here"),
                )
            }
        }
    }

    fn reject(&mut self, error: DecodeError) -> Vec<ServerEffect> {
        match error {
            DecodeError::UnsupportedVersion { found } => self.close(
                ErrorCode::ProtocolVersion,
                format!("client speaks protocol {found}, server speaks {PROTOCOL_VERSION}"),
            ),
            DecodeError::FrameTooLarge { max, .. } => self.close(
                ErrorCode::FrameTooLarge,
                format!("frames may be at most {max} bytes"),
            ),
            error => self.close(ErrorCode::Malformed, error.to_string()),
        }
    }

    /// Sends an Error and closes; nothing more is sent or accepted on this connection.
    pub fn close(&mut self, code: ErrorCode, message: String) -> Vec<ServerEffect> {
        if self.phase == Phase::Closed {
            return Vec::new();
        }
        self.phase = Phase::Closed;
        self.held.clear();
        self.peers.clear();
        self.sight.clear();
        vec![
            ServerEffect::Send(Frame::Error { code, message }),
            ServerEffect::Close,
        ]
    }

    /// Sends a frame now if the Welcome is out, holds it until then if the Hello is being resolved.
    fn emit(&mut self, frame: Frame) -> Vec<ServerEffect> {
        match self.phase {
            Phase::Open => vec![ServerEffect::Send(frame)],
            Phase::Resolving => {
                self.held.push(frame);
                Vec::new()
            }
            Phase::AwaitingHello | Phase::Closed => Vec::new(),
        }
    }
}
