//! The server side of one connection: a sans-I/O state machine from received bytes to effects.
//!
//! The server process holds documents itself and shares them between connections, so a session does not
//! own documents: it owns this peer's automerge sync state per document, the phase of the connection,
//! the device named by the token and the rate limiter. Whatever needs the store or the access rules is
//! handed to the I/O layer as an effect ([`ServerEffect::ResolveHello`], [`ServerEffect::ReceiveSync`]),
//! which answers by calling back into the session with the document it holds.
//!
//! Per document, the I/O layer must hold the document exclusively from [`ServerSession::receive_sync`]
//! until it has called exactly one of [`committed`](ServerSession::committed),
//! [`refused`](ServerSession::refused) or [`reply`](ServerSession::reply): other connections must never
//! see changes that may still be rolled back. After a commit it calls
//! [`doc_changed`](ServerSession::doc_changed) on the other sessions whose device may see the document;
//! after a rollback, [`doc_rolled_back`](ServerSession::doc_rolled_back) on the other sessions.

mod documents;

use std::collections::BTreeMap;

use automerge::sync;
use automerge::{AutomergeError, ChangeHash};

use crate::ids::DocumentId;
use crate::protocol::PROTOCOL_VERSION;
use crate::protocol::codec::decode;
use crate::protocol::frame::{ErrorCode, Frame, ManifestEntry};
use crate::protocol::limits::{Limits, RateLimit, RateLimiter};
use crate::protocol::sync_message::{normalized, vet};
use crate::protocol::wire::DecodeError;
use crate::validation::ValidationError;

use documents::PeerDoc;
pub use documents::Received;

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
    /// Check the device may see `doc`, then call [`ServerSession::receive_sync`] with the document (a new
    /// empty one if the device creates it), or [`ServerSession::not_found`].
    ReceiveSync { doc: DocumentId, message: sync::Message },
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
        }
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
                vec![ServerEffect::ResolveHello {
                    client,
                    cursor,
                    manifest,
                }]
            }
            (Phase::Open, Frame::Sync { doc, message }) => match vet(&message, &self.limits) {
                Ok(message) => vec![ServerEffect::ReceiveSync { doc, message }],
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

    /// Answers the Hello once the I/O layer has authorised it and read the store: `changed` are the
    /// visible documents changed after the client's cursor (with the server's heads), `manifest_answers`
    /// the server's heads for those manifest documents that exist and are visible.
    pub fn welcome(
        &mut self,
        cursor: u64,
        changed: Vec<ManifestEntry>,
        manifest_answers: Vec<(DocumentId, Vec<ChangeHash>)>,
    ) -> Vec<ServerEffect> {
        if self.phase != Phase::Resolving {
            return Vec::new();
        }
        self.phase = Phase::Open;
        // The Welcome documents are open from now on, so other peers' changes to them are pushed live.
        for entry in &changed {
            self.peers.entry(entry.doc).or_default();
        }
        let mut out = vec![ServerEffect::Send(Frame::Welcome { cursor, changed })];
        let answers: BTreeMap<_, _> = manifest_answers.into_iter().collect();
        for entry in std::mem::take(&mut self.manifest) {
            let Some(server_heads) = answers.get(&entry.doc) else {
                continue;
            };
            // Every client head among the server's heads: the client's changes were committed before (the
            // Ack was lost with an earlier connection), so acknowledge without waiting for a sync round.
            let client_heads = normalized(entry.heads);
            if !client_heads.is_empty() && client_heads.iter().all(|head| server_heads.contains(head)) {
                self.peers
                    .entry(entry.doc)
                    .or_default()
                    .acked
                    .clone_from(&client_heads);
                out.push(ServerEffect::Send(Frame::Ack {
                    doc: entry.doc,
                    heads: client_heads,
                }));
            }
        }
        out.extend(self.held.drain(..).map(ServerEffect::Send));
        out
    }

    /// Tells the device it may persist `cursor` once it holds every document the Welcome listed. Call it
    /// once, right after [`Self::welcome`], with the Welcome's cursor: the client syncs the Welcome documents
    /// itself and holds the cursor back until they are done, so the server need not wait for them.
    pub fn caught_up(&mut self, cursor: u64) -> Vec<ServerEffect> {
        self.emit(Frame::CaughtUp { cursor })
    }

    /// Sends an Error and closes; nothing more is sent or accepted on this connection.
    pub fn close(&mut self, code: ErrorCode, message: String) -> Vec<ServerEffect> {
        if self.phase == Phase::Closed {
            return Vec::new();
        }
        self.phase = Phase::Closed;
        self.held.clear();
        self.peers.clear();
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
