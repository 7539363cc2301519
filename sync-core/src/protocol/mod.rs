//! The sync protocol: frames, their binary encoding, and the sans-I/O client and server sessions.
//!
//! One WebSocket binary message carries one [`Frame`]. Frames carry automerge's own sync messages
//! (`automerge::sync`) for many documents over one connection, plus the few things automerge does not
//! provide: a reconnect handshake that costs O(what changed) ([`Frame::Hello`], [`Frame::Welcome`],
//! [`Frame::CaughtUp`]), durable acknowledgements ([`Frame::Ack`]), per-document refusal and purge, and
//! errors. `docs/PROTOCOL.md` is the normative description; this module is its implementation.
//!
//! The sessions never touch a socket, a store or a clock. The server's I/O layer feeds received bytes to
//! [`ServerSession::handle_frame`] with the current time in milliseconds and carries out the returned
//! [`ServerEffect`]s (send a frame, close, resolve a Hello against the store, receive a sync message into a
//! document it holds). The client side works the same way with [`ClientSession`] and [`ClientEffect`].
//! That keeps the protocol testable with a deterministic in-memory network and lets the server, the `tov`
//! client and the tests run the same code.
//!
//! Module map:
//! - [`wire`]: the encoding primitives (varints, length-prefixed bytes, bounded lists) and [`DecodeError`].
//! - [`frame`]: the [`Frame`] type and its enums; [`codec`]: [`encode`] and [`decode`].
//! - [`limits`]: decoding [`Limits`] and the per-connection token-bucket [`RateLimiter`].
//! - [`sync_message`]: vetting automerge sync messages from a peer before automerge sees them.
//! - [`server`] and [`client`]: the two session state machines.

pub mod client;
pub mod codec;
pub mod frame;
pub mod limits;
pub mod server;
pub mod sync_message;
pub mod wire;

pub use client::{ClientDocs, ClientEffect, ClientError, ClientSession};
pub use codec::{decode, encode};
pub use frame::{ErrorCode, Frame, FrameType, ManifestEntry, PurgeReason, RefusalReason};
pub use limits::{Limits, RateLimit, RateLimiter};
pub use server::{
    Access, DEFAULT_GRACE_MS, Held, Holding, Lost, NewChanges, Received, Resolved, ServerEffect,
    ServerSession, SessionError, Visible,
};
pub use sync_message::SyncMessageError;
pub use wire::DecodeError;

/// The protocol version this crate speaks; the first byte of every frame.
///
/// A peer that receives another version answers with [`ErrorCode::ProtocolVersion`] (the server) or gives
/// up with a clear error (the client). Any change to the byte layout, or a new value of one of the enums,
/// needs a new version: decoders reject what they do not know rather than guess.
pub const PROTOCOL_VERSION: u8 = 1;

/// The WebSocket subprotocol a client offers; the server echoes it when it accepts the connection.
pub const WEBSOCKET_SUBPROTOCOL: &str = "tovholder.v1";

/// The prefix of the subprotocol entry that carries the bearer token: `bearer.<jwt>`.
pub const BEARER_SUBPROTOCOL_PREFIX: &str = "bearer.";

/// The WebSocket path of the sync endpoint.
pub const WEBSOCKET_PATH: &str = "/v1/sync";

/// The query parameter of the sync URL that names the device's municipality (its tenant slug): a load balancer
/// in front of several server processes routes on it, so one municipality's devices meet on one process and share
/// its documents in memory. The server refuses a connection whose hint is not its token's tenant.
pub const TENANT_HINT: &str = "tenant";

/// The sync endpoint's path with the municipality hint: `/v1/sync?tenant=<slug>`, the slug percent-encoded
/// beyond RFC 3986's unreserved characters (a slug is made of those).
pub fn sync_path(tenant_slug: &str) -> String {
    use std::fmt::Write as _;
    let mut path = format!("{WEBSOCKET_PATH}?{TENANT_HINT}=");
    for byte in tenant_slug.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            path.push(char::from(byte));
        } else {
            let _ = write!(path, "%{byte:02X}");
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::sync_path;

    /// The examples of docs/PROTOCOL.md section 2 (the web app's `syncUrl` test has the same).
    #[test]
    fn the_sync_path_names_the_municipality() {
        assert_eq!(sync_path("hoeje-taastrup"), "/v1/sync?tenant=hoeje-taastrup");
        assert_eq!(sync_path("kø benhavn"), "/v1/sync?tenant=k%C3%B8%20benhavn");
    }
}
