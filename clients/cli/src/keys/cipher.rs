//! The data key and the one AEAD everything at rest is sealed with: XChaCha20-Poly1305 with a random 192-bit nonce
//! per message, and additional data that names what the bytes are (which document chunk, which token), so sealed
//! bytes moved to another place fail to open instead of being read as that place's.
//!
//! Sealed bytes are `version (1) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`. XChaCha20's nonces are long enough to draw
//! at random for every message without a counter to keep (a store writes many chunks over its life), and it is
//! fast without AES instructions, which not every phone-class CPU has.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox};

/// The first byte of everything sealed by this format.
const FORMAT: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Sealed bytes that do not open: damaged, sealed for another place, or under another key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("encrypted data does not open with this key (damaged, or sealed under another key)")]
pub struct NotOpened;

/// A 256-bit key. Zeroed when dropped; its `Debug` shows only its id.
pub struct DataKey {
    id: KeyId,
    secret: SecretBox<[u8; 32]>,
}

/// A random name for a data key, kept in the clear beside the wrapped key, so a key held for the session can be
/// matched to the profile's key file without the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    pub fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id.to_hex())
    }
}

impl DataKey {
    /// A fresh random key with a fresh id.
    pub fn generate() -> DataKey {
        let mut id = [0u8; 16];
        rand::fill(&mut id);
        DataKey {
            id: KeyId(id),
            secret: SecretBox::init_with_mut(|bytes: &mut [u8; 32]| rand::fill(bytes)),
        }
    }

    /// The key with these bytes (unwrapped from the key file, or read from the session).
    pub fn from_bytes(id: KeyId, bytes: &[u8; 32]) -> DataKey {
        DataKey {
            id,
            secret: SecretBox::init_with_mut(|secret: &mut [u8; 32]| secret.copy_from_slice(bytes)),
        }
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The raw key, for wrapping it and for the session file; nowhere else.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        self.secret.expose_secret()
    }

    /// Encrypts `plain`, binding it to `aad`.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        seal_with(self.expose(), aad, plain)
    }

    /// Decrypts what [`DataKey::seal`] sealed with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, NotOpened> {
        open_with(self.expose(), aad, sealed)
    }
}

/// Seals `plain` under the raw key `key`.
pub(crate) fn seal_with(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 seals any message shorter than 256 GiB");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(FORMAT);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens bytes sealed under the raw key `key`.
pub(crate) fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, NotOpened> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT {
        return Err(NotOpened);
    }
    let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| NotOpened)?;
    XChaCha20Poly1305::new(key.into())
        .decrypt(&XNonce::from(nonce), Payload { msg: body, aad })
        .map_err(|_| NotOpened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_their_additional_data() {
        let key = DataKey::generate();
        let sealed = key.seal(b"chunk a", b"Borgeren fortalte om sin mor");
        assert_eq!(
            key.open(b"chunk a", &sealed).as_deref(),
            Ok(&b"Borgeren fortalte om sin mor"[..])
        );
        assert_eq!(key.open(b"chunk b", &sealed), Err(NotOpened), "moved elsewhere");
        assert_eq!(
            DataKey::generate().open(b"chunk a", &sealed),
            Err(NotOpened),
            "another key"
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(key.open(b"chunk a", &flipped), Err(NotOpened), "tampered");
        assert_eq!(key.open(b"chunk a", &sealed[..10]), Err(NotOpened), "truncated");
    }

    #[test]
    fn the_same_text_seals_differently_every_time() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"", b"same"), key.seal(b"", b"same"));
    }

    #[test]
    fn the_debug_output_shows_the_id_and_not_the_key() {
        let key = DataKey::from_bytes(KeyId([7; 16]), &[0xab; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains("0707"), "{shown}");
        assert!(!shown.contains("ab"), "{shown}");
    }
}
