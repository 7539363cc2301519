//! Password hashing with argon2id (RustCrypto's `argon2`, default parameters: 19 MiB, 2 passes, 1 lane, the
//! OWASP recommendation).
//!
//! Hashing takes tens of milliseconds of CPU on purpose, so async code calls the `*_blocking` wrappers, which move
//! the work to tokio's blocking pool instead of stalling a runtime worker (there are only two on this machine).

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// Why hashing or verifying failed (not a wrong password: that is `Ok(false)`).
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2 failed: {0}")]
    Argon2(argon2::password_hash::Error),
    #[error("stored password hash is not a valid PHC string")]
    Malformed,
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Hashes a password to a PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash(password: &SecretString) -> Result<String, PasswordError> {
    let hash = Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map_err(PasswordError::Argon2)?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string.
///
/// With no stored hash (unknown user) it verifies against a dummy hash of the same cost and returns false, so
/// both paths take about as long.
pub fn verify(password: &SecretString, stored: Option<&str>) -> Result<bool, PasswordError> {
    let (phc, real) = match stored {
        Some(phc) => (phc, true),
        None => (dummy_hash()?, false),
    };
    let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::Malformed)?;
    match Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed) {
        Ok(()) => Ok(real),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(other) => Err(PasswordError::Argon2(other)),
    }
}

/// [`hash`] on the blocking pool.
pub async fn hash_blocking(password: SecretString) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// [`verify`] on the blocking pool.
pub async fn verify_blocking(password: SecretString, stored: Option<String>) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await?
}

/// Computes the dummy hash now, on the blocking pool, so the first login for an unknown user is not slower than
/// the rest (which would tell an attacker something).
pub async fn prepare() -> Result<(), PasswordError> {
    tokio::task::spawn_blocking(|| dummy_hash().map(|_| ())).await?
}

/// A hash of a fixed password with the same parameters as real hashes, made once per process.
fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let made = hash(&SecretString::from("tovholder: no such user"))?;
    Ok(DUMMY.get_or_init(|| made))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let password = SecretString::from("correct horse");
        let stored = hash(&password).expect("hashes");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(&password, Some(&stored)).expect("verifies"));
        assert!(!verify(&SecretString::from("wrong horse"), Some(&stored)).expect("verifies"));
    }

    #[test]
    fn an_unknown_user_never_verifies() {
        let password = SecretString::from("tovholder: no such user");
        assert!(!verify(&password, None).expect("verifies"));
    }

    #[test]
    fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let password = SecretString::from("x");
        assert!(matches!(
            verify(&password, Some("plaintext")),
            Err(PasswordError::Malformed)
        ));
    }
}
