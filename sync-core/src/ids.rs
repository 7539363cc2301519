//! Identifiers that cross the wire: document ids in automerge-repo's format, device and user ids.
//!
//! A [`DocumentId`] is 16 random bytes (a UUID v4, drawn by the caller, since the core takes randomness as a
//! parameter). Its text form is automerge-repo's: base58check of the bytes, so a later compatibility endpoint for
//! stock automerge-repo clients can use the same ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of one automerge document (one citizen's case).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a document id string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentIdError {
    #[error("document id is not valid base58check")]
    NotBase58Check,
    #[error("document id must decode to 16 bytes, got {0}")]
    WrongLength(usize),
}

impl DocumentId {
    /// Wraps 16 bytes the caller drew from its random source.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A new id from a UUID v4 (the caller supplies the randomness through the UUID).
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(*uuid.as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub fn as_uuid(&self) -> Uuid {
        Uuid::from_bytes(self.0)
    }

    /// Reads the 16 bytes of a binary frame field.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DocumentIdError> {
        let array: [u8; 16] = bytes
            .try_into()
            .map_err(|_| DocumentIdError::WrongLength(bytes.len()))?;
        Ok(Self(array))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // automerge-repo URLs are "automerge:<id>"; accept both forms.
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::NotBase58Check)?;
        Self::from_slice(&bytes)
    }
}

impl Serialize for DocumentId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_automerge_repo_text_form() {
        let id = DocumentId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>(), Ok(id));
        assert_eq!(format!("automerge:{text}").parse::<DocumentId>(), Ok(id));
    }

    #[test]
    fn refuses_a_corrupted_checksum() {
        let mut text = DocumentId::from_bytes([7; 16]).to_string();
        let last = text.pop().map(|c| if c == '2' { '3' } else { '2' });
        text.extend(last);
        assert_eq!(text.parse::<DocumentId>(), Err(DocumentIdError::NotBase58Check));
    }
}
