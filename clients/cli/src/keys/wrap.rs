//! The data key at rest: sealed ("wrapped") under a key derived from the worker's password with argon2id, and
//! kept in the profile's `key.json` beside the argon2id salt and parameters and the key's id. That file is all a
//! powered-off device holds of the key; without the password it opens nothing.
//!
//! The parameters are the web app's (`clients/web/src/store/crypto.ts`): m = 19 MiB, t = 2, p = 1, OWASP's
//! setting. They are stored with the wrapped key, so raising them later re-wraps each key at its next login; and
//! they are bounded when read, so a doctored file cannot make an unlock take all the machine's memory.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::KeyError;
use super::cipher::{DataKey, KeyId, open_with, seal_with};

/// How the key-encryption key is derived from the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

/// argon2id as the web app derives its key: well under a second on a phone, and every guess at a stolen key
/// file's password costs the same 19 MiB.
pub const ARGON2ID: KdfParams = KdfParams {
    memory_kib: 19 * 1024,
    iterations: 2,
    parallelism: 1,
};

/// The largest parameters accepted from a key file.
const MAX: KdfParams = KdfParams {
    memory_kib: 1024 * 1024,
    iterations: 16,
    parallelism: 8,
};

/// The one key-file format so far.
const FORMAT: u32 = 1;
const ALGORITHM: &str = "argon2id";
const SALT_LEN: usize = 16;

/// The contents of `key.json`: nothing in it is secret without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    format: u32,
    algorithm: String,
    kdf: KdfParams,
    /// Hex.
    key_id: String,
    /// Base64.
    salt: String,
    /// Base64 of the data key sealed under the password's key.
    wrapped: String,
}

impl WrappedKey {
    /// Wraps `key` under `password` with the current parameters and a fresh salt.
    pub fn wrap(key: &DataKey, password: &SecretString) -> Result<WrappedKey, KeyError> {
        let mut salt = [0u8; SALT_LEN];
        rand::fill(&mut salt);
        let mut kek = password_key(password, &salt, ARGON2ID)?;
        let wrapped = seal_with(&kek, &additional_data(key.id()), key.expose());
        kek.zeroize();
        Ok(WrappedKey {
            format: FORMAT,
            algorithm: ALGORITHM.to_owned(),
            kdf: ARGON2ID,
            key_id: key.id().to_hex(),
            salt: BASE64.encode(salt),
            wrapped: BASE64.encode(wrapped),
        })
    }

    /// The data key, if `password` is the one it was wrapped with; [`KeyError::WrongPassword`] if not.
    pub fn unwrap(&self, password: &SecretString) -> Result<DataKey, KeyError> {
        let id = self.key_id()?;
        let salt = BASE64.decode(&self.salt).map_err(|e| damaged(&e.to_string()))?;
        let wrapped = BASE64
            .decode(&self.wrapped)
            .map_err(|e| damaged(&e.to_string()))?;
        let mut kek = password_key(password, &salt, self.kdf)?;
        let opened = open_with(&kek, &additional_data(id), &wrapped);
        kek.zeroize();
        let mut raw = opened.map_err(|_| KeyError::WrongPassword)?;
        let bytes: Result<&[u8; 32], _> = raw.as_slice().try_into();
        let key = bytes.map(|bytes| DataKey::from_bytes(id, bytes));
        raw.zeroize();
        key.map_err(|_| damaged("the wrapped key is not 32 bytes"))
    }

    /// The id of the key inside.
    pub fn key_id(&self) -> Result<KeyId, KeyError> {
        let bytes = (0..self.key_id.len())
            .step_by(2)
            .map(|i| {
                self.key_id
                    .get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| damaged("the key id is not hex"))?;
        Ok(KeyId(
            bytes
                .try_into()
                .map_err(|_| damaged("the key id is not 16 bytes"))?,
        ))
    }

    /// Whether the key is wrapped with today's parameters (if not, the next login wraps it again).
    pub fn is_current(&self) -> bool {
        self.kdf == ARGON2ID
    }

    /// Checks what `serde` cannot: the format and the bounds of the parameters.
    pub(super) fn checked(self) -> Result<WrappedKey, KeyError> {
        if self.format != FORMAT || self.algorithm != ALGORITHM {
            return Err(damaged(&format!(
                "format {} with {:?} is not one this tov reads",
                self.format, self.algorithm
            )));
        }
        let kdf = self.kdf;
        if kdf.memory_kib > MAX.memory_kib
            || kdf.iterations > MAX.iterations
            || kdf.parallelism > MAX.parallelism
        {
            return Err(damaged("argon2id parameters beyond their bounds"));
        }
        Ok(self)
    }
}

/// Additional data of the wrapped key: what it is, and which key, so no other sealed bytes can stand in for it.
fn additional_data(id: KeyId) -> Vec<u8> {
    let mut aad = b"tov data key v1:".to_vec();
    aad.extend_from_slice(&id.0);
    aad
}

fn damaged(reason: &str) -> KeyError {
    KeyError::Damaged(reason.to_owned())
}

/// argon2id of the password: the key that wraps the data key.
fn password_key(password: &SecretString, salt: &[u8], kdf: KdfParams) -> Result<[u8; 32], KeyError> {
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| damaged(&format!("argon2id parameters: {e}")))?;
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon2
        .hash_password_into(password.expose_secret().as_bytes(), salt, &mut out)
        .map_err(|e| damaged(&format!("argon2id: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn a_wrapped_key_unwraps_with_its_password_to_the_same_key() {
        let key = DataKey::generate();
        let wrapped = WrappedKey::wrap(&key, &password("hemmeligt")).expect("wraps");
        let unwrapped = wrapped.unwrap(&password("hemmeligt")).expect("unwraps");
        assert_eq!(unwrapped.id(), key.id());
        assert_eq!(unwrapped.expose(), key.expose());
        assert!(wrapped.is_current());
        // What reaches the disk holds neither the key nor the password.
        let json = serde_json::to_string(&wrapped).expect("serialises");
        assert!(!json.contains(&BASE64.encode(key.expose())) && !json.contains("hemmeligt"));
        let read: WrappedKey = serde_json::from_str(&json).expect("reads");
        let read = read.checked().expect("checks");
        assert_eq!(
            read.unwrap(&password("hemmeligt")).expect("unwraps").expose(),
            key.expose()
        );
    }

    #[test]
    fn a_wrong_password_is_told_apart_from_a_damaged_file() {
        let key = DataKey::generate();
        let wrapped = WrappedKey::wrap(&key, &password("hemmeligt")).expect("wraps");
        assert!(matches!(
            wrapped.unwrap(&password("Hemmeligt")),
            Err(KeyError::WrongPassword)
        ));
        assert!(matches!(
            wrapped.unwrap(&password("")),
            Err(KeyError::WrongPassword)
        ));
        let mut damaged = wrapped.clone();
        damaged.key_id = "zz".into();
        assert!(matches!(
            damaged.unwrap(&password("hemmeligt")),
            Err(KeyError::Damaged(_))
        ));
    }

    #[test]
    fn the_same_key_wrapped_twice_differs_so_a_rewrap_leaves_no_trace_of_the_old_password() {
        let key = DataKey::generate();
        let old = WrappedKey::wrap(&key, &password("gammelt")).expect("wraps");
        let new = WrappedKey::wrap(&key, &password("nyt")).expect("wraps");
        assert_ne!(old.salt, new.salt);
        assert!(matches!(
            new.unwrap(&password("gammelt")),
            Err(KeyError::WrongPassword)
        ));
        assert_eq!(
            new.unwrap(&password("nyt")).expect("unwraps").expose(),
            key.expose()
        );
    }

    #[test]
    fn parameters_beyond_their_bounds_are_refused_before_any_work() {
        let key = DataKey::generate();
        let mut wrapped = WrappedKey::wrap(&key, &password("x")).expect("wraps");
        wrapped.kdf.memory_kib = u32::MAX;
        assert!(matches!(wrapped.checked(), Err(KeyError::Damaged(_))));
    }
}
