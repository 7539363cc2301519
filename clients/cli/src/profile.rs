//! The profile directory: who this device is logged in as, the tokens, and the local store's file.
//!
//! A profile is one simulated phone: `--profile DIR` (or `TOV_PROFILE`) picks it, so several devices can run side
//! by side on one machine. The directory (owner-only) holds `profile.json` (server, user and device ids: nothing
//! secret), `key.json` (the data key, wrapped under the password: see [`crate::keys`]), `token` and `refresh` (the
//! access and refresh tokens, sealed under the data key, never printed), `lock` (held while the tokens are
//! refreshed, so two `tov` processes never spend one refresh token twice, which the server would take for a stolen
//! token), `store.db` (see [`crate::store`]) and `fit-rules.json` (the municipality's FIT rule set, as the server
//! last sent it; nothing about a citizen) and `team.json` (the user's colleagues' ids and usernames).
//!
//! A [`Profile`] opened from disk is locked: it reads the tokens only once it holds the data key
//! ([`Profile::unlocked`] takes it from the session, [`Profile::set_key`] from a login or an unlock).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::keys::{self, DataKey, KeyError};

const SETTINGS_FILE: &str = "profile.json";
const TOKEN_FILE: &str = "token";
const REFRESH_FILE: &str = "refresh";
const LOCK_FILE: &str = "lock";
const STORE_FILE: &str = "store.db";
const FIT_RULES_FILE: &str = "fit-rules.json";
const TEAM_FILE: &str = "team.json";

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("not logged in (profile {0}): run `tov login` first")]
    NotLoggedIn(PathBuf),
    #[error("no profile directory: set --profile, TOV_PROFILE or HOME")]
    NoDirectory,
    #[error("profile {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("profile {path} is damaged: {source}")]
    Damaged {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the stored {0} cannot be decrypted with this profile's key: run `tov login` again")]
    SealedToken(&'static str),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What login established, kept in `profile.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// The tenant (municipality) slug the user typed, e.g. `hoeje-taastrup`; case documents carry it.
    pub tenant_slug: String,
    pub tenant_id: String,
    pub user_id: String,
    pub username: String,
    pub role: String,
    /// The user's team, where `tov case new` creates cases; administrators have none.
    pub team_id: Option<String>,
    /// The device the server registered at login; the Hello must name it.
    pub device_id: String,
    pub device_name: String,
    /// When the access token expires (unix milliseconds), to say so before a sync fails.
    pub token_expires_ms: i64,
    /// When the refresh token expires (unix milliseconds): the end of the maximum offline period, after which
    /// `tov unlock` refuses and only a login helps. `None` from servers (and profiles) that did not say.
    #[serde(default)]
    pub offline_until_ms: Option<i64>,
}

/// One profile directory.
#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
    settings: Option<Settings>,
    /// The data key, once released to this process.
    key: Option<Arc<DataKey>>,
}

/// Additional data of the sealed tokens: each file opens only as what it is.
const ACCESS_AAD: &[u8] = b"tov access token v1";
const REFRESH_AAD: &[u8] = b"tov refresh token v1";

impl Profile {
    /// The default directory: `tov` in the platform's data directory (`$XDG_DATA_HOME`, `~/.local/share`).
    pub fn default_dir() -> Result<PathBuf, ProfileError> {
        dirs::data_dir()
            .or_else(|| dirs::home_dir().map(|home| home.join(".local").join("share")))
            .map(|dir| dir.join("tov"))
            .ok_or(ProfileError::NoDirectory)
    }

    /// Opens (creating if needed, readable by the owner only) the profile directory `dir`.
    pub fn open(dir: &Path) -> Result<Profile, ProfileError> {
        create_private_dir(dir)?;
        let path = dir.join(SETTINGS_FILE);
        let settings = match fs::read(&path) {
            Ok(bytes) => Some(
                serde_json::from_slice(&bytes).map_err(|source| ProfileError::Damaged { path, source })?,
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ProfileError::Io { path, source }),
        };
        Ok(Profile {
            dir: dir.to_owned(),
            settings,
            key: None,
        })
    }

    /// Gives the profile its data key (from a login, an unlock, or a caller that holds it already).
    pub fn set_key(&mut self, key: Arc<DataKey>) {
        self.key = Some(key);
    }

    /// The data key this process holds, if it was given one.
    pub fn key(&self) -> Option<&Arc<DataKey>> {
        self.key.as_ref()
    }

    /// The data key: the one this process holds, or else the one released for the session (by `tov login` or
    /// `tov unlock`); [`KeyError::Locked`] if there is none.
    pub fn unlocked(&mut self, now_ms: i64) -> Result<Arc<DataKey>, ProfileError> {
        if let Some(key) = &self.key {
            return Ok(key.clone());
        }
        self.logged_in()?;
        let key = Arc::new(keys::released(&self.dir, now_ms)?);
        self.key = Some(key.clone());
        Ok(key)
    }

    fn sealing_key(&self) -> Result<&DataKey, ProfileError> {
        Ok(self.key.as_deref().ok_or(KeyError::Locked)?)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The local store's SQLite file.
    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    /// The login settings, if the profile has logged in.
    pub fn settings(&self) -> Option<&Settings> {
        self.settings.as_ref()
    }

    /// The login settings, or the error that tells the user to log in.
    pub fn logged_in(&self) -> Result<&Settings, ProfileError> {
        self.settings
            .as_ref()
            .ok_or_else(|| ProfileError::NotLoggedIn(self.dir.clone()))
    }

    /// The access token. It stays a [`SecretString`] until the moment it goes into a request header.
    pub fn token(&self) -> Result<SecretString, ProfileError> {
        self.read_token(TOKEN_FILE, ACCESS_AAD, "access token")?
            .ok_or_else(|| ProfileError::NotLoggedIn(self.dir.clone()))
    }

    /// The refresh token, if the login left one (profiles of older versions of tov have none).
    pub fn refresh_token(&self) -> Result<Option<SecretString>, ProfileError> {
        self.read_token(REFRESH_FILE, REFRESH_AAD, "refresh token")
    }

    /// Whether a refresh token is stored (without opening it).
    pub fn has_refresh_token(&self) -> bool {
        self.dir.join(REFRESH_FILE).is_file()
    }

    fn read_token(
        &self,
        name: &str,
        aad: &[u8],
        what: &'static str,
    ) -> Result<Option<SecretString>, ProfileError> {
        let path = self.dir.join(name);
        let sealed = match fs::read(&path) {
            Ok(sealed) => sealed,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ProfileError::Io { path, source }),
        };
        let plain = self
            .sealing_key()?
            .open(aad, &sealed)
            .map_err(|_| ProfileError::SealedToken(what))?;
        let text = String::from_utf8(plain).map_err(|_| ProfileError::SealedToken(what))?;
        Ok(Some(SecretString::from(text)))
    }

    fn write_token(&self, name: &str, aad: &[u8], token: &SecretString) -> Result<(), ProfileError> {
        let sealed = self.sealing_key()?.seal(aad, token.expose_secret().as_bytes());
        let path = self.dir.join(name);
        write_private(&path, &sealed).map_err(|source| ProfileError::Io { path, source })
    }

    /// Deletes the access and refresh tokens (a revoked device); the settings stay, so `tov status` still says who
    /// this profile was.
    pub fn forget_tokens(&self) -> Result<(), ProfileError> {
        for name in [TOKEN_FILE, REFRESH_FILE] {
            let path = self.dir.join(name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ProfileError::Io { path, source }),
            }
        }
        Ok(())
    }

    /// Takes the profile's lock (released when the file is dropped): one process at a time refreshes its tokens.
    pub fn lock(&self) -> Result<fs::File, ProfileError> {
        let path = self.dir.join(LOCK_FILE);
        let io = |source| ProfileError::Io {
            path: path.clone(),
            source,
        };
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        file.lock().map_err(io)?;
        Ok(file)
    }

    /// Records refreshed tokens: the refresh token first (the one on the server is already used up), then the
    /// access token, its expiry and the new end of the offline period.
    pub fn save_tokens(
        &mut self,
        access: &SecretString,
        expires_ms: i64,
        refresh: &SecretString,
        offline_until_ms: Option<i64>,
    ) -> Result<(), ProfileError> {
        self.write_token(REFRESH_FILE, REFRESH_AAD, refresh)?;
        let mut settings = self.logged_in()?.clone();
        settings.token_expires_ms = expires_ms;
        if offline_until_ms.is_some() {
            settings.offline_until_ms = offline_until_ms;
        }
        self.save_login(settings, access, None)
    }

    /// Records a login: the tokens first (sealed under the data key, which the profile must hold), then the
    /// settings, each written whole or not at all.
    pub fn save_login(
        &mut self,
        settings: Settings,
        token: &SecretString,
        refresh: Option<&SecretString>,
    ) -> Result<(), ProfileError> {
        if let Some(refresh) = refresh {
            self.write_token(REFRESH_FILE, REFRESH_AAD, refresh)?;
        }
        self.write_token(TOKEN_FILE, ACCESS_AAD, token)?;
        let path = self.dir.join(SETTINGS_FILE);
        let json = serde_json::to_vec_pretty(&settings).map_err(|source| ProfileError::Damaged {
            path: path.clone(),
            source,
        })?;
        write_private(&path, &json).map_err(|source| ProfileError::Io { path, source })?;
        self.settings = Some(settings);
        Ok(())
    }
}

impl Profile {
    /// The FIT rule set to assess with: the municipality's, as the last sync fetched it, or the built-in
    /// fit-rules/1 when none was fetched (or the kept file is no rule set sync-core accepts).
    pub fn fit_rules(&self) -> sync_core::fit::RuleSet {
        fs::read_to_string(self.dir.join(FIT_RULES_FILE))
            .ok()
            .and_then(|json| sync_core::fit::RuleSet::from_json(&json).ok())
            .unwrap_or_else(sync_core::fit::RuleSet::v1)
    }

    /// The user's team as the last sync fetched it (empty before one did).
    pub fn team(&self) -> Vec<crate::api::TeamMember> {
        fs::read(self.dir.join(TEAM_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Keeps the user's team for [`Profile::team`], written whole or not at all.
    pub fn save_team(&self, members: &[crate::api::TeamMember]) -> Result<(), ProfileError> {
        let path = self.dir.join(TEAM_FILE);
        let json = serde_json::to_vec_pretty(members).map_err(|source| ProfileError::Damaged {
            path: path.clone(),
            source,
        })?;
        write_private(&path, &json).map_err(|source| ProfileError::Io { path, source })
    }

    /// Keeps the municipality's FIT rule set for [`Profile::fit_rules`], written whole or not at all.
    pub fn save_fit_rules(&self, rules: &sync_core::fit::RuleSet) -> Result<(), ProfileError> {
        let path = self.dir.join(FIT_RULES_FILE);
        let json = serde_json::to_vec_pretty(rules).map_err(|source| ProfileError::Damaged {
            path: path.clone(),
            source,
        })?;
        write_private(&path, &json).map_err(|source| ProfileError::Io { path, source })
    }
}

fn create_private_dir(dir: &Path) -> Result<(), ProfileError> {
    let io = |source| ProfileError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // The store holds citizens' case files: other users of the machine have no business reading them.
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io)
}

/// Writes `bytes` to a temporary file readable by the owner only, syncs it, and renames it over `path`.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            server: "http://127.0.0.1:8080".into(),
            tenant_slug: "hoeje-taastrup".into(),
            tenant_id: "t1".into(),
            user_id: "u1".into(),
            username: "anna".into(),
            role: "worker".into(),
            team_id: Some("team".into()),
            device_id: "d1".into(),
            device_name: "test".into(),
            token_expires_ms: 0,
            offline_until_ms: None,
        }
    }

    #[test]
    fn a_login_survives_reopening_and_the_tokens_are_sealed_outside_the_settings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut profile = Profile::open(dir.path()).expect("opens");
        assert!(profile.logged_in().is_err());
        let key = Arc::new(DataKey::generate());
        profile.set_key(key.clone());
        profile
            .save_login(
                settings(),
                &SecretString::from("secret-token"),
                Some(&SecretString::from("secret-refresh")),
            )
            .expect("saves");
        let mut reopened = Profile::open(dir.path()).expect("reopens");
        assert_eq!(reopened.settings(), Some(&settings()));
        assert!(
            matches!(reopened.token(), Err(ProfileError::Key(KeyError::Locked))),
            "a profile read from disk holds no key"
        );
        reopened.set_key(key);
        assert_eq!(reopened.token().expect("token").expose_secret(), "secret-token");
        let refresh = reopened.refresh_token().expect("reads").expect("a refresh token");
        assert_eq!(refresh.expose_secret(), "secret-refresh");
        for name in [SETTINGS_FILE, TOKEN_FILE, REFRESH_FILE] {
            let bytes = fs::read(dir.path().join(name)).expect("a file");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("secret-token") && !text.contains("secret-refresh"),
                "{name}"
            );
        }
        // Under another key the tokens do not open.
        reopened.set_key(Arc::new(DataKey::generate()));
        assert!(matches!(reopened.token(), Err(ProfileError::SealedToken(_))));
    }
}
