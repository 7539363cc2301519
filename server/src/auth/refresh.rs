//! Refresh tokens: 32 random bytes, base64url, handed to the device once and stored only as a SHA-256 hash.
//!
//! A refresh token is opaque (not a JWT): the server looks it up, so rotation, reuse detection and revocation are
//! a row update, and nothing about the user can be read from it. SHA-256 without a salt is enough here, unlike
//! for passwords: the token has 256 bits of entropy, so there is nothing to guess.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The longest refresh token a request may carry; real ones are 43 characters.
pub const MAX_TOKEN_CHARS: usize = 128;

/// A new refresh token and the hash to store. Deliberately not `Debug`: the token is a credential.
pub struct NewRefreshToken {
    pub token: String,
    pub hash: String,
}

/// A fresh random token.
pub fn generate() -> NewRefreshToken {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    NewRefreshToken { token, hash }
}

/// The stored form of a token: lowercase hex SHA-256.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_stored_hashed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert!(
            a.token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(a.hash, hash(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.token));
    }
}
