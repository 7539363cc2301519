//! The frames of the protocol and the small enums they carry, with their wire codes.
//!
//! The codes are part of the protocol: they are written out explicitly (never derived from declaration
//! order) so that reordering the Rust enums cannot change the bytes on the wire.

use automerge::ChangeHash;

use crate::ids::DocumentId;

/// One document and the heads some peer holds it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub doc: DocumentId,
    pub heads: Vec<ChangeHash>,
}

/// One WebSocket binary message. See `docs/PROTOCOL.md` for who sends what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Client → server, first frame of every connection.
    Hello {
        /// Client name and version, for the server's logs.
        client: String,
        /// Must equal the device named in the bearer token.
        device: String,
        /// The server change sequence the device last completed, or `None` on a first sync.
        cursor: Option<u64>,
        /// Documents with changes not yet acknowledged (every local document when `cursor` is `None`).
        manifest: Vec<ManifestEntry>,
    },
    /// Server → client, answer to Hello.
    Welcome {
        /// The server's change sequence at the snapshot this answer was computed from.
        cursor: u64,
        /// Visible documents changed after the client's cursor (all visible ones if it had none).
        changed: Vec<ManifestEntry>,
    },
    /// Both ways: an encoded `automerge::sync::Message` for one document.
    Sync { doc: DocumentId, message: Vec<u8> },
    /// Server → client: the server durably holds the document at these heads (and all their ancestors).
    Ack { doc: DocumentId, heads: Vec<ChangeHash> },
    /// Server → client: the document's last changes from this device were not accepted.
    Refused {
        doc: DocumentId,
        reason: RefusalReason,
        message: String,
    },
    /// Server → client: delete the document from the device.
    Purge { doc: DocumentId, reason: PurgeReason },
    /// Server → client, the last frame before the server closes the connection.
    Error { code: ErrorCode, message: String },
    /// Server → client: once the Welcome documents are synced, the device may persist this cursor.
    CaughtUp { cursor: u64 },
}

/// The frame type byte (byte 1 of every frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    Hello = 0x01,
    Welcome = 0x02,
    Sync = 0x03,
    Ack = 0x04,
    Refused = 0x05,
    Purge = 0x06,
    Error = 0x07,
    CaughtUp = 0x08,
}

impl FrameType {
    pub fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0x01 => Self::Hello,
            0x02 => Self::Welcome,
            0x03 => Self::Sync,
            0x04 => Self::Ack,
            0x05 => Self::Refused,
            0x06 => Self::Purge,
            0x07 => Self::Error,
            0x08 => Self::CaughtUp,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Hello => "Hello",
            Self::Welcome => "Welcome",
            Self::Sync => "Sync",
            Self::Ack => "Ack",
            Self::Refused => "Refused",
            Self::Purge => "Purge",
            Self::Error => "Error",
            Self::CaughtUp => "CaughtUp",
        }
    }
}

impl Frame {
    pub fn frame_type(&self) -> FrameType {
        match self {
            Self::Hello { .. } => FrameType::Hello,
            Self::Welcome { .. } => FrameType::Welcome,
            Self::Sync { .. } => FrameType::Sync,
            Self::Ack { .. } => FrameType::Ack,
            Self::Refused { .. } => FrameType::Refused,
            Self::Purge { .. } => FrameType::Purge,
            Self::Error { .. } => FrameType::Error,
            Self::CaughtUp { .. } => FrameType::CaughtUp,
        }
    }
}

/// Declares a one-byte wire enum with explicit codes, its decoder and its encoder.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in code order (for tests and documentation).
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            pub fn code(self) -> u8 {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

wire_enum! {
    /// Why the server did not take a document from this device.
    RefusalReason {
        /// The document does not exist *or* the device may not see it: the two are deliberately
        /// indistinguishable, so a refusal leaks nothing about other citizens' cases.
        NotFound = 0,
        /// The changes failed validation; they are quarantined for review.
        Invalid = 1,
        /// The device may read the document but not write it; the changes are quarantined.
        WriteForbidden = 2,
    }
}

wire_enum! {
    /// Why a device must delete a document.
    PurgeReason {
        /// The case was unassigned from the device's user.
        Unassigned = 0,
        /// The course of work with the citizen ended.
        CourseEnded = 1,
        /// The device was revoked.
        DeviceRevoked = 2,
        Other = 3,
    }
}

wire_enum! {
    /// Why the server is closing the connection.
    ErrorCode {
        /// The client speaks another protocol version.
        ProtocolVersion = 0,
        /// The token is missing, invalid or expired, or Hello named another device.
        Unauthorized = 1,
        /// A frame exceeded the server's size limit.
        FrameTooLarge = 2,
        /// The client sent more frames or bytes per second than allowed.
        RateLimited = 3,
        /// A frame, or the automerge sync message inside it, did not decode.
        Malformed = 4,
        /// A frame arrived that the client may not send, or not at this point of the session.
        UnexpectedFrame = 5,
        /// The device was revoked.
        Revoked = 6,
        /// The server failed; the client should reconnect later.
        Internal = 7,
    }
}
