//! The byte layout of every frame: [`encode`] and [`decode`].
//!
//! Layout: byte 0 is the protocol version, byte 1 the [`FrameType`], then the fields in the order the
//! [`Frame`] variant declares them. `docs/PROTOCOL.md` spells out each layout; the tests below pin the hex
//! examples that document quotes.

use super::PROTOCOL_VERSION;
use super::frame::{ErrorCode, Frame, FrameType, ManifestEntry, PurgeReason, RefusalReason};
use super::limits::Limits;
use super::wire::{DecodeError, Reader, Writer};

/// The smallest manifest entry on the wire: a document id and an empty heads list.
const MIN_MANIFEST_ENTRY_BYTES: usize = 16 + 1;

/// Encodes a frame. The caller is responsible for staying within the peer's limits (for example by
/// splitting nothing: the protocol has no frame that needs it below the default limits).
pub fn encode(frame: &Frame) -> Vec<u8> {
    let mut out = Writer::new();
    out.u8(PROTOCOL_VERSION);
    out.u8(frame.frame_type() as u8);
    match frame {
        Frame::Hello {
            client,
            device,
            cursor,
            manifest,
        } => {
            out.string(client);
            out.string(device);
            out.option_u64(*cursor);
            write_manifest(&mut out, manifest);
        }
        Frame::Welcome { cursor, changed } => {
            out.varint(*cursor);
            write_manifest(&mut out, changed);
        }
        Frame::Sync { doc, message } => {
            out.doc(doc);
            out.bytes(message);
        }
        Frame::Ack { doc, heads } => {
            out.doc(doc);
            out.hashes(heads);
        }
        Frame::Refused { doc, reason, message } => {
            out.doc(doc);
            out.u8(reason.code());
            out.string(message);
        }
        Frame::Purge { doc, reason } => {
            out.doc(doc);
            out.u8(reason.code());
        }
        Frame::Error { code, message } => {
            out.u8(code.code());
            out.string(message);
        }
        Frame::CaughtUp { cursor } => out.varint(*cursor),
    }
    out.into_bytes()
}

fn write_manifest(out: &mut Writer, entries: &[ManifestEntry]) {
    out.varint(entries.len() as u64);
    for entry in entries {
        out.doc(&entry.doc);
        out.hashes(&entry.heads);
    }
}

/// Decodes one frame, enforcing `limits`. Never panics, whatever the bytes.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Frame, DecodeError> {
    // The version comes first, before even the size check, so that a client speaking another version
    // always learns that, rather than some other complaint about a layout it does not share with us.
    let (&version, rest) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != PROTOCOL_VERSION {
        return Err(DecodeError::UnsupportedVersion { found: version });
    }
    if bytes.len() > limits.max_frame_bytes {
        return Err(DecodeError::FrameTooLarge {
            size: bytes.len(),
            max: limits.max_frame_bytes,
        });
    }
    let mut input = Reader::new(rest);
    let type_byte = input.u8("frame type")?;
    let frame_type = FrameType::from_byte(type_byte).ok_or(DecodeError::UnknownFrameType(type_byte))?;
    let frame = match frame_type {
        FrameType::Hello => Frame::Hello {
            client: input.string("client", limits.max_string_bytes)?,
            device: input.string("device", limits.max_string_bytes)?,
            cursor: input.option_u64("cursor")?,
            manifest: read_manifest(&mut input, "manifest", limits)?,
        },
        FrameType::Welcome => Frame::Welcome {
            cursor: input.varint("cursor")?,
            changed: read_manifest(&mut input, "changed", limits)?,
        },
        FrameType::Sync => Frame::Sync {
            doc: input.doc("doc")?,
            message: input.bytes("message", limits.max_frame_bytes)?.to_vec(),
        },
        FrameType::Ack => Frame::Ack {
            doc: input.doc("doc")?,
            heads: input.hashes("heads", limits.max_list_len)?,
        },
        FrameType::Refused => Frame::Refused {
            doc: input.doc("doc")?,
            reason: read_code(&mut input, "refusal reason", RefusalReason::from_code)?,
            message: input.string("message", limits.max_string_bytes)?,
        },
        FrameType::Purge => Frame::Purge {
            doc: input.doc("doc")?,
            reason: read_code(&mut input, "purge reason", PurgeReason::from_code)?,
        },
        FrameType::Error => Frame::Error {
            code: read_code(&mut input, "error code", ErrorCode::from_code)?,
            message: input.string("message", limits.max_string_bytes)?,
        },
        FrameType::CaughtUp => Frame::CaughtUp {
            cursor: input.varint("cursor")?,
        },
    };
    input.finish()?;
    Ok(frame)
}

fn read_manifest(
    input: &mut Reader<'_>,
    field: &'static str,
    limits: &Limits,
) -> Result<Vec<ManifestEntry>, DecodeError> {
    input.list(field, limits.max_list_len, MIN_MANIFEST_ENTRY_BYTES, |input| {
        Ok(ManifestEntry {
            doc: input.doc(field)?,
            heads: input.hashes(field, limits.max_list_len)?,
        })
    })
}

fn read_code<T>(
    input: &mut Reader<'_>,
    field: &'static str,
    from_code: fn(u8) -> Option<T>,
) -> Result<T, DecodeError> {
    let code = input.u8(field)?;
    from_code(code).ok_or(DecodeError::InvalidValue {
        field,
        value: u64::from(code),
    })
}

#[cfg(test)]
mod tests {
    use automerge::ChangeHash;

    use super::*;
    use crate::ids::DocumentId;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The Hello example quoted in docs/PROTOCOL.md.
    #[test]
    fn hello_matches_the_documented_hex() {
        let frame = Frame::Hello {
            client: "tov/0.1".into(),
            device: "d1".into(),
            cursor: Some(300),
            manifest: vec![ManifestEntry {
                doc: DocumentId::from_bytes([0x11; 16]),
                heads: vec![ChangeHash([0xab; 32])],
            }],
        };
        let bytes = encode(&frame);
        let expected = [
            "0101",
            "07746f762f302e31",
            "026431",
            "01ac02",
            "01",
            &"11".repeat(16),
            "01",
            &"ab".repeat(32),
        ]
        .concat();
        assert_eq!(hex(&bytes), expected);
        assert_eq!(decode(&bytes, &Limits::default()), Ok(frame));
        assert_eq!(
            DocumentId::from_bytes([0x11; 16]).to_string(),
            "EnrGHeqCd5UQ2jTW2Mo32rzJipp"
        );
    }

    /// The Ack example quoted in docs/PROTOCOL.md.
    #[test]
    fn ack_matches_the_documented_hex() {
        let frame = Frame::Ack {
            doc: DocumentId::from_bytes([0x11; 16]),
            heads: vec![ChangeHash([0xab; 32])],
        };
        let bytes = encode(&frame);
        assert_eq!(
            hex(&bytes),
            format!("0104{}01{}", "11".repeat(16), "ab".repeat(32))
        );
        assert_eq!(decode(&bytes, &Limits::default()), Ok(frame));
    }

    #[test]
    fn version_is_checked_before_size_and_type() {
        let limits = Limits {
            max_frame_bytes: 2,
            ..Limits::default()
        };
        assert_eq!(
            decode(&[2, 0xff, 0, 0], &limits),
            Err(DecodeError::UnsupportedVersion { found: 2 })
        );
        assert_eq!(
            decode(&[1, 8, 0, 0], &limits),
            Err(DecodeError::FrameTooLarge { size: 4, max: 2 })
        );
        assert_eq!(decode(&[], &limits), Err(DecodeError::Empty));
        assert_eq!(
            decode(&[1, 0x09], &limits),
            Err(DecodeError::UnknownFrameType(0x09))
        );
    }

    #[test]
    fn refuses_trailing_bytes_and_unknown_codes() {
        let limits = Limits::default();
        assert_eq!(decode(&[1, 8, 5, 0], &limits), Err(DecodeError::TrailingBytes(1)));
        let unknown_code = [1, 7, 8, 0];
        assert_eq!(
            decode(&unknown_code, &limits),
            Err(DecodeError::InvalidValue {
                field: "error code",
                value: 8
            })
        );
    }

    #[test]
    fn enforces_the_string_limit() {
        let limits = Limits {
            max_string_bytes: 3,
            ..Limits::default()
        };
        let frame = encode(&Frame::Error {
            code: ErrorCode::Internal,
            message: "four".into(),
        });
        assert!(matches!(
            decode(&frame, &limits),
            Err(DecodeError::TooLong { field: "message", .. })
        ));
    }
}
