//! The released data key, held for the working session in a RAM-backed directory, so `tov sync`, `tov cases`, …
//! need no password after `tov login` or `tov unlock`.
//!
//! The directory is one that never reaches the disk: `$XDG_RUNTIME_DIR` (systemd mounts it as tmpfs per user and
//! removes it at logout), else `/dev/shm`, each used only if `/proc/self/mountinfo` says it is tmpfs or ramfs;
//! `TOV_RUNTIME_DIR` names one explicitly (its owner vouches for it). In it, `tov-keys-UID/` (mode 0700, owned by
//! the user, refused otherwise) holds one file per profile (named by a hash of the profile's path, mode 0600) with
//! the key, its id and a deadline [`UNLOCKED_FOR`] after the release. A powered-off or rebooted machine has no such
//! file; a logout removes it; past its deadline it is not used. Without such a directory nothing is kept and every
//! command asks for the password.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::zeroize::Zeroize;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cipher::{DataKey, KeyId};

/// How long a released key stays usable without the password: a working day.
pub const UNLOCKED_FOR_MS: i64 = 12 * 60 * 60 * 1000;

/// The environment variable naming the session directory explicitly.
const RUNTIME_DIR_VAR: &str = "TOV_RUNTIME_DIR";

/// One profile's entry.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// The profile directory, so entries of deleted profiles can be swept.
    profile: PathBuf,
    key_id: String,
    /// Base64 of the raw key.
    key: String,
    until_ms: i64,
}

/// The session directory of the user running tov.
#[derive(Debug, Clone)]
pub struct Session {
    dir: PathBuf,
}

impl Session {
    /// The session directory for the profile in `profile_dir` (an existing directory), or `None` where tov has no
    /// RAM-backed place to keep a key.
    pub fn locate(profile_dir: &Path) -> Option<Session> {
        let owner = owner(profile_dir)?;
        let base = match std::env::var_os(RUNTIME_DIR_VAR) {
            Some(dir) => PathBuf::from(dir),
            None => [dirs::runtime_dir(), Some(PathBuf::from("/dev/shm"))]
                .into_iter()
                .flatten()
                .find(|dir| is_ram_backed(dir))?,
        };
        let dir = base.join(format!("tov-keys-{owner}"));
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        match builder.create(&dir) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
        is_private_dir(&dir, owner).then_some(Session { dir })
    }

    /// Keeps `key` for the profile in `profile_dir` until `until_ms`, and sweeps out entries that have expired or
    /// whose profile is gone.
    pub fn keep(&self, profile_dir: &Path, key: &DataKey, until_ms: i64, now_ms: i64) -> std::io::Result<()> {
        self.sweep(now_ms);
        let entry = Entry {
            profile: canonical(profile_dir),
            key_id: key.id().to_hex(),
            key: BASE64.encode(key.expose()),
            until_ms,
        };
        let mut json = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        let path = self.entry_path(profile_dir);
        let result = write_private(&path, &json);
        json.zeroize();
        let mut key_text = entry.key;
        key_text.zeroize();
        result
    }

    /// The key kept for the profile, if it is the key `id` and still within its time.
    pub fn key(&self, profile_dir: &Path, id: KeyId, now_ms: i64) -> Option<DataKey> {
        let path = self.entry_path(profile_dir);
        let mut bytes = fs::read(&path).ok()?;
        let entry: Option<Entry> = serde_json::from_slice(&bytes).ok();
        bytes.zeroize();
        let mut entry = entry?;
        if entry.until_ms <= now_ms || entry.key_id != id.to_hex() {
            let _ = fs::remove_file(&path);
            entry.key.zeroize();
            return None;
        }
        let mut raw = BASE64.decode(&entry.key).ok();
        entry.key.zeroize();
        let key = raw
            .as_deref()
            .and_then(|raw| <&[u8; 32]>::try_from(raw).ok())
            .map(|raw| DataKey::from_bytes(id, raw));
        raw.zeroize();
        key
    }

    /// Forgets the profile's key (`tov lock`, a revoked device, another user's login).
    pub fn forget(&self, profile_dir: &Path) -> std::io::Result<()> {
        match fs::remove_file(self.entry_path(profile_dir)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    fn entry_path(&self, profile_dir: &Path) -> PathBuf {
        let digest = Sha256::digest(canonical(profile_dir).as_os_str().as_encoded_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    /// Removes entries past their time and entries of profiles that no longer exist (a test's, a bench's).
    fn sweep(&self, now_ms: i64) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for file in entries.flatten() {
            let path = file.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let Ok(mut bytes) = fs::read(&path) else { continue };
            let stale = match serde_json::from_slice::<Entry>(&bytes) {
                Ok(mut entry) => {
                    entry.key.zeroize();
                    entry.until_ms <= now_ms || !entry.profile.is_dir()
                }
                Err(_) => true,
            };
            bytes.zeroize();
            if stale {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

fn canonical(dir: &Path) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned())
}

/// The owner of `dir` (the user running tov owns the profile it created), as a number for the directory name.
#[cfg(unix)]
fn owner(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(dir).ok().map(|meta| meta.uid())
}

#[cfg(not(unix))]
fn owner(_dir: &Path) -> Option<u32> {
    Some(0)
}

/// Whether `dir` is a real directory (not a link someone planted), owned by `owner`, closed to everyone else.
#[cfg(unix)]
fn is_private_dir(dir: &Path, owner: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(dir)
        .is_ok_and(|meta| meta.is_dir() && meta.uid() == owner && meta.mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn is_private_dir(dir: &Path, _owner: u32) -> bool {
    fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir())
}

/// Whether `dir` exists on a filesystem held in memory (tmpfs, ramfs), by `/proc/self/mountinfo`: the mount
/// point that is the longest prefix of the directory decides, and of equal ones the last (it is mounted on top).
fn is_ram_backed(dir: &Path) -> bool {
    let Ok(dir) = fs::canonicalize(dir) else {
        return false;
    };
    let Ok(mounts) = fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    let mut best: Option<(usize, bool)> = None;
    for line in mounts.lines() {
        let Some((before, after)) = line.split_once(" - ") else {
            continue;
        };
        let Some(point) = before.split(' ').nth(4) else {
            continue;
        };
        let point = PathBuf::from(unescape(point));
        if !dir.starts_with(&point) {
            continue;
        }
        let depth = point.components().count();
        let ram = matches!(after.split(' ').next(), Some("tmpfs" | "ramfs"));
        if best.is_none_or(|(best_depth, _)| depth >= best_depth) {
            best = Some((depth, ram));
        }
    }
    best.is_some_and(|(_, ram)| ram)
}

/// mountinfo writes space, tab, newline and backslash in paths as octal escapes (`\040`).
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 4)
            .and_then(|octal| u8::from_str_radix(octal, 8).ok());
        match code {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes `bytes` to a fresh owner-only file and renames it over `path`, so a reader sees the old entry or the new.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut suffix = [0u8; 8];
    rand::fill(&mut suffix);
    let temporary = path.with_extension(format!("tmp{}", u64::from_le_bytes(suffix)));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes));
    match written.and_then(|()| fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = fs::remove_file(&temporary);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(dir: &Path) -> Session {
        let base = dir.join("run");
        fs::create_dir(&base).expect("creates");
        let dir = base.join("tov-keys-test");
        fs::create_dir(&dir).expect("creates");
        Session { dir }
    }

    #[test]
    fn a_kept_key_is_found_for_its_profile_and_key_until_its_time() {
        let temp = tempfile::tempdir().expect("temp dir");
        let session = session(temp.path());
        let profile = temp.path().join("profile");
        fs::create_dir(&profile).expect("creates");
        let key = DataKey::generate();
        session.keep(&profile, &key, 2_000, 1_000).expect("keeps");
        let found = session.key(&profile, key.id(), 1_500).expect("found");
        assert_eq!(found.expose(), key.expose());
        assert!(
            session.key(&profile, DataKey::generate().id(), 1_500).is_none(),
            "another key's id"
        );
        assert!(session.key(&temp.path().join("other"), key.id(), 1_500).is_none());
        assert!(session.key(&profile, key.id(), 2_000).is_none(), "past its time");
        assert!(
            session.key(&profile, key.id(), 1_500).is_none(),
            "and removed then"
        );
    }

    #[test]
    fn forgetting_removes_the_key_and_keeping_sweeps_entries_of_gone_profiles() {
        let temp = tempfile::tempdir().expect("temp dir");
        let session = session(temp.path());
        let gone = temp.path().join("gone");
        let kept = temp.path().join("kept");
        fs::create_dir(&gone).expect("creates");
        fs::create_dir(&kept).expect("creates");
        let key = DataKey::generate();
        session.keep(&gone, &key, 10_000, 1).expect("keeps");
        let gone_entry = session.entry_path(&gone);
        fs::remove_dir(&gone).expect("removes");
        session.keep(&kept, &key, 10_000, 1).expect("keeps");
        assert!(!gone_entry.exists(), "swept");
        session.forget(&kept).expect("forgets");
        assert!(session.key(&kept, key.id(), 2).is_none());
        assert_eq!(fs::read_dir(&session.dir).expect("lists").count(), 0);
    }

    #[test]
    fn mountinfo_paths_are_unescaped() {
        assert_eq!(
            unescape(r"/run/user/1000/with\040space"),
            "/run/user/1000/with space"
        );
        assert_eq!(unescape(r"/plain"), "/plain");
        assert_eq!(unescape(r"/odd\x"), r"/odd\x");
    }
}
