//! The device's data key: the one random 256-bit key that the store's citizen data and the tokens are encrypted
//! under, how it is kept at rest, and how it is released.
//!
//! - [`cipher`]: the key and the AEAD (XChaCha20-Poly1305) that seals documents, refusal messages and tokens.
//! - [`wrap`]: the key at rest, wrapped under an argon2id key of the worker's password in the profile's
//!   `key.json` (as the web app wraps its store's key).
//! - [`session`]: the released key, held for the working session in a RAM-backed directory.
//!
//! # How the key is released
//! `tov login` (online: the server checks the password) derives the password's key, unwraps the data key, and
//! keeps it for the session; `tov unlock` does the same offline, until the maximum offline period since the last
//! login or token refresh has passed (as the web app's unlock screen). Later commands (`tov sync`, `tov cases`, …)
//! take the key from the session without asking; `tov lock` forgets it; after [`UNLOCKED_FOR_MS`] (a working day),
//! a logout or a reboot, the next command asks for the password again. A password changed on the server is met at
//! the next `tov login`: the new password does not unwrap the key, so tov asks once for the previous one and wraps
//! the same key under the new password (nothing is re-encrypted, nothing unsent is lost).
//!
//! # What this protects, and what not
//! - **A lost or stolen device that is off, or whose session has ended** (reboot, logout, 12 hours passed): the
//!   profile directory holds the wrapped key, the store with its documents and refusal messages sealed, and the
//!   tokens sealed. Without the password none of it opens; every guess at the password costs an argon2id
//!   derivation with 19 MiB. A weak password remains guessable offline: the password policy is the server's.
//! - **In the clear** stay what the protocol needs without the key and what names no citizen: the profile's
//!   settings (server, tenant, worker's user name, device id), document ids (random), heads (hashes), the cursor,
//!   timestamps of writes and syncs, purge notes (ids and reason codes), and so how many cases the device holds and
//!   how many have unsent changes (what `tov status` and `tov reset` count without the password).
//! - **Not protected: a device taken while unlocked.** For the session the key sits in a file readable by the
//!   worker's account (in RAM, mode 0600): anyone who can run code as that user on the running machine (malware,
//!   an unlocked desktop, root) can read it, as they could read the screen. Releasing the key per command would
//!   need the password per command; an OS keyring would keep it unlocked for the same login session. The deadline
//!   and `tov lock` narrow the window; the machine's screen lock and full-disk encryption are the rest of the
//!   defence.
//! - **Not protected: swap and hibernation.** A RAM-backed file can be paged to an unencrypted swap partition, and
//!   suspend-to-disk writes memory out; full-disk encryption covers both.
//! - **Not erased: plaintext an older tov wrote.** Migrating a plaintext store seals every row, vacuums the file and
//!   truncates its WAL, and `secure_delete` zeroes freed pages from then on; blocks the filesystem or an SSD kept
//!   from before may still hold the old plaintext, as may the old token files' blocks.

mod cipher;
mod session;
mod wrap;

use std::fs;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

pub use cipher::{DataKey, KeyId, NotOpened};
pub use session::UNLOCKED_FOR_MS;
pub use wrap::{ARGON2ID, KdfParams, WrappedKey};

use session::Session;

/// The profile's wrapped key.
const KEY_FILE: &str = "key.json";

/// Why the data key is not available.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the local store is locked: run `tov unlock` (asks for the password, works offline) or `tov login`"
    )]
    Locked,
    #[error(
        "this profile was written by an older tov and is not encrypted yet: run `tov login` to encrypt it \
         (nothing unsent is lost)"
    )]
    NotEncrypted,
    #[error(
        "the password does not open this device's store (if it was changed, `tov login` with the new one)"
    )]
    WrongPassword,
    #[error(
        "the maximum offline period ended {0}: connect and run `tov login` (nothing is deleted, unsent changes \
         go out after it)"
    )]
    OfflineTooLong(String),
    #[error("the profile's key file is damaged: {0}")]
    Damaged(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl KeyError {
    /// Whether a password (`tov unlock`, `tov login`) is what the user must give next: exit code 4.
    pub fn is_locked(&self) -> bool {
        matches!(self, Self::Locked | Self::NotEncrypted | Self::OfflineTooLong(_))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The profile's wrapped key, if it has one.
pub fn wrapped(profile_dir: &Path) -> Result<Option<WrappedKey>, KeyError> {
    let path = profile_dir.join(KEY_FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            let key: WrappedKey =
                serde_json::from_slice(&bytes).map_err(|e| KeyError::Damaged(e.to_string()))?;
            key.checked().map(Some)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io(&path)(error)),
    }
}

/// Records the wrapped key, whole or not at all.
pub fn save_wrapped(profile_dir: &Path, key: &WrappedKey) -> Result<(), KeyError> {
    let path = profile_dir.join(KEY_FILE);
    let json = serde_json::to_vec_pretty(key).map_err(|e| KeyError::Damaged(e.to_string()))?;
    crate::profile::write_private(&path, &json).map_err(io(&path))
}

/// The key released for this session (by `tov login` or `tov unlock`), without asking for anything.
pub fn released(profile_dir: &Path, now_ms: i64) -> Result<DataKey, KeyError> {
    let wrapped = wrapped(profile_dir)?.ok_or(KeyError::NotEncrypted)?;
    let id = wrapped.key_id()?;
    Session::locate(profile_dir)
        .and_then(|session| session.key(profile_dir, id, now_ms))
        .ok_or(KeyError::Locked)
}

/// Keeps `key` for the session; returns whether there was a RAM-backed place to keep it (if not, later commands
/// ask for the password).
pub fn release(profile_dir: &Path, key: &DataKey, now_ms: i64) -> bool {
    Session::locate(profile_dir).is_some_and(|session| {
        session
            .keep(profile_dir, key, now_ms.saturating_add(UNLOCKED_FOR_MS), now_ms)
            .is_ok()
    })
}

/// Unlocks offline with the password: unwraps the key and releases it for the session. Refused once
/// `offline_until_ms` (the end of the maximum offline period, if the server said it) has passed.
pub fn unlock(
    profile_dir: &Path,
    password: &SecretString,
    offline_until_ms: Option<i64>,
    now_ms: i64,
) -> Result<DataKey, KeyError> {
    let wrapped = wrapped(profile_dir)?.ok_or(KeyError::NotEncrypted)?;
    if let Some(until) = offline_until_ms
        && until <= now_ms
    {
        return Err(KeyError::OfflineTooLong(crate::time::local_minute(until)));
    }
    let key = wrapped.unwrap(password)?;
    release(profile_dir, &key, now_ms);
    Ok(key)
}

/// Forgets the session's key: the next command asks for the password.
pub fn lock(profile_dir: &Path) -> Result<(), KeyError> {
    match Session::locate(profile_dir) {
        Some(session) => session.forget(profile_dir).map_err(io(profile_dir)),
        None => Ok(()),
    }
}

/// Deletes the wrapped key and the session's copy (a revoked device; a profile changing hands): whatever was
/// sealed under the key can no longer be opened by anyone.
pub fn destroy(profile_dir: &Path) -> Result<(), KeyError> {
    lock(profile_dir)?;
    let path = profile_dir.join(KEY_FILE);
    match fs::remove_file(&path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(error)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unlock_needs_the_right_password_and_time_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let password = SecretString::from("hemmeligt");
        assert!(matches!(
            unlock(dir.path(), &password, None, 1),
            Err(KeyError::NotEncrypted)
        ));
        let key = DataKey::generate();
        save_wrapped(dir.path(), &WrappedKey::wrap(&key, &password).expect("wraps")).expect("saves");
        assert!(matches!(
            unlock(dir.path(), &SecretString::from("forkert"), None, 1),
            Err(KeyError::WrongPassword)
        ));
        assert!(matches!(
            unlock(dir.path(), &password, Some(1_000), 1_000),
            Err(KeyError::OfflineTooLong(_))
        ));
        let unlocked = unlock(dir.path(), &password, Some(1_000), 999).expect("unlocks");
        assert_eq!(unlocked.id(), key.id());
    }

    #[test]
    fn a_destroyed_key_leaves_nothing_to_unlock() {
        let dir = tempfile::tempdir().expect("temp dir");
        let password = SecretString::from("hemmeligt");
        let key = DataKey::generate();
        save_wrapped(dir.path(), &WrappedKey::wrap(&key, &password).expect("wraps")).expect("saves");
        release(dir.path(), &key, 1);
        destroy(dir.path()).expect("destroys");
        assert!(wrapped(dir.path()).expect("reads").is_none());
        assert!(matches!(released(dir.path(), 2), Err(KeyError::NotEncrypted)));
    }
}
