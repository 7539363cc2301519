//! Encoding primitives of the frame format: LEB128 varints, fixed-size ids, length-prefixed bytes and
//! bounded lists, and the one error type for bytes that do not decode.
//!
//! The reader is written for hostile input. Every length and count is checked against the configured
//! limit and against the bytes actually left *before* anything is allocated, so a frame can never make the
//! decoder allocate much more than the frame's own size, and nothing here can panic.

use automerge::ChangeHash;

use crate::ids::DocumentId;

/// Why a frame did not decode. Each variant names the first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty frame")]
    Empty,
    /// Checked before anything else, so a server can tell a too-old client exactly what is wrong.
    #[error("unsupported protocol version {found}")]
    UnsupportedVersion { found: u8 },
    #[error("frame of {size} bytes exceeds the limit of {max}")]
    FrameTooLarge { size: usize, max: usize },
    #[error("unknown frame type {0:#04x}")]
    UnknownFrameType(u8),
    #[error("frame ends in the middle of {0}")]
    UnexpectedEnd(&'static str),
    #[error("{0}: malformed varint")]
    BadVarint(&'static str),
    #[error("{field}: {len} exceeds the limit of {max}")]
    TooLong { field: &'static str, len: u64, max: u64 },
    #[error("{0}: not UTF-8")]
    InvalidUtf8(&'static str),
    #[error("{field}: invalid value {value}")]
    InvalidValue { field: &'static str, value: u64 },
    #[error("{0} bytes after the end of the frame")]
    TrailingBytes(usize),
}

/// Appends encoded values to a buffer. Encoding cannot fail.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    /// Unsigned LEB128: seven bits per byte, least significant group first, high bit set on all but the last.
    pub fn varint(&mut self, mut value: u64) {
        loop {
            let low = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.buf.push(low);
                return;
            }
            self.buf.push(low | 0x80);
        }
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        self.varint(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
    }

    pub fn string(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    pub fn doc(&mut self, doc: &DocumentId) {
        self.buf.extend_from_slice(doc.as_bytes());
    }

    pub fn hash(&mut self, hash: &ChangeHash) {
        self.buf.extend_from_slice(&hash.0);
    }

    pub fn hashes(&mut self, hashes: &[ChangeHash]) {
        self.varint(hashes.len() as u64);
        hashes.iter().for_each(|hash| self.hash(hash));
    }

    pub fn option_u64(&mut self, value: Option<u64>) {
        match value {
            None => self.u8(0),
            Some(value) => {
                self.u8(1);
                self.varint(value);
            }
        }
    }
}

/// Reads encoded values from a frame, never past its end and never beyond the limits it was given.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Fails unless the whole frame was consumed: trailing bytes are a sign of a peer that disagrees
    /// with us about the layout, and ignoring them would hide that.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.rest.len() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }

    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError::UnexpectedEnd(field));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }

    /// Reads a canonical LEB128 `u64`: at most ten bytes, no bits beyond 64, and no redundant trailing
    /// zero groups, so every value has exactly one encoding.
    pub fn varint(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for index in 0..10 {
            let byte = self.u8(field)?;
            let group = u64::from(byte & 0x7f);
            if index == 9 && byte > 1 {
                return Err(DecodeError::BadVarint(field));
            }
            value |= group << (7 * index);
            if byte & 0x80 == 0 {
                if byte == 0 && index > 0 {
                    return Err(DecodeError::BadVarint(field));
                }
                return Ok(value);
            }
        }
        Err(DecodeError::BadVarint(field))
    }

    /// A length or count, checked against `max` before the caller allocates anything for it.
    pub fn length(&mut self, field: &'static str, max: usize) -> Result<usize, DecodeError> {
        let len = self.varint(field)?;
        if len > max as u64 {
            return Err(DecodeError::TooLong {
                field,
                len,
                max: max as u64,
            });
        }
        // Cannot truncate: len <= max, which is a usize.
        Ok(len as usize)
    }

    pub fn bytes(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.length(field, max)?;
        self.take(len, field)
    }

    pub fn string(&mut self, field: &'static str, max: usize) -> Result<String, DecodeError> {
        let bytes = self.bytes(field, max)?;
        let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8(field))?;
        Ok(text.to_owned())
    }

    pub fn doc(&mut self, field: &'static str) -> Result<DocumentId, DecodeError> {
        let mut id = [0u8; 16];
        id.copy_from_slice(self.take(16, field)?);
        Ok(DocumentId::from_bytes(id))
    }

    pub fn hash(&mut self, field: &'static str) -> Result<ChangeHash, DecodeError> {
        let mut hash = [0u8; 32];
        hash.copy_from_slice(self.take(32, field)?);
        Ok(ChangeHash(hash))
    }

    /// A counted list whose items take at least `min_item_bytes` on the wire. The count is checked
    /// against `max` and against what the remaining bytes could possibly hold, so a forged count cannot
    /// reserve memory the frame does not pay for.
    pub fn list<T>(
        &mut self,
        field: &'static str,
        max: usize,
        min_item_bytes: usize,
        mut item: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.length(field, max)?;
        if count.saturating_mul(min_item_bytes) > self.rest.len() {
            return Err(DecodeError::UnexpectedEnd(field));
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(item(self)?);
        }
        Ok(items)
    }

    pub fn hashes(&mut self, field: &'static str, max: usize) -> Result<Vec<ChangeHash>, DecodeError> {
        self.list(field, max, 32, |reader| reader.hash(field))
    }

    pub fn option_u64(&mut self, field: &'static str) -> Result<Option<u64>, DecodeError> {
        match self.u8(field)? {
            0 => Ok(None),
            1 => Ok(Some(self.varint(field)?)),
            tag => Err(DecodeError::InvalidValue {
                field,
                value: u64::from(tag),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint_bytes(value: u64) -> Vec<u8> {
        let mut writer = Writer::new();
        writer.varint(value);
        writer.into_bytes()
    }

    #[test]
    fn varints_round_trip_at_the_edges() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
            let bytes = varint_bytes(value);
            let mut reader = Reader::new(&bytes);
            assert_eq!(reader.varint("v"), Ok(value));
            assert_eq!(reader.finish(), Ok(()));
        }
        assert_eq!(varint_bytes(300), vec![0xac, 0x02]);
    }

    #[test]
    fn refuses_non_canonical_and_overflowing_varints() {
        assert_eq!(
            Reader::new(&[0x80, 0x00]).varint("v"),
            Err(DecodeError::BadVarint("v"))
        );
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert_eq!(
            Reader::new(&too_big).varint("v"),
            Err(DecodeError::BadVarint("v"))
        );
        assert_eq!(
            Reader::new(&[0xff; 11]).varint("v"),
            Err(DecodeError::BadVarint("v"))
        );
        assert_eq!(
            Reader::new(&[0x80]).varint("v"),
            Err(DecodeError::UnexpectedEnd("v"))
        );
    }

    #[test]
    fn a_count_larger_than_the_input_fails_before_allocating() {
        // 2^40 hashes claimed, two bytes present: must fail on the arithmetic, not in the allocator.
        let mut bytes = varint_bytes(1 << 40);
        bytes.extend([0, 0]);
        let result = Reader::new(&bytes).hashes("heads", usize::MAX);
        assert_eq!(result, Err(DecodeError::UnexpectedEnd("heads")));
        let result = Reader::new(&bytes).hashes("heads", 1000);
        assert!(matches!(result, Err(DecodeError::TooLong { .. })));
    }
}
