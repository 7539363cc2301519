//! The profile directory: who this device is logged in as, the access token, and the local store's file.
//!
//! A profile is one simulated phone: `--profile DIR` (or `TOV_PROFILE`) picks it, so several devices can run side
//! by side on one machine. The directory holds `profile.json` (server, user and device ids: nothing secret),
//! `token` and `refresh` (the access and refresh tokens, readable by the owner only, never printed), `lock` (held
//! while the tokens are refreshed, so two `tov` processes never spend one refresh token twice, which the server
//! would take for a stolen token) and `store.db` (see [`crate::store`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const SETTINGS_FILE: &str = "profile.json";
const TOKEN_FILE: &str = "token";
const REFRESH_FILE: &str = "refresh";
const LOCK_FILE: &str = "lock";
const STORE_FILE: &str = "store.db";

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
}

/// One profile directory.
#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
    settings: Option<Settings>,
}

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
        })
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
        let path = self.dir.join(TOKEN_FILE);
        match fs::read_to_string(&path) {
            Ok(token) => Ok(SecretString::from(token.trim().to_owned())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Err(ProfileError::NotLoggedIn(self.dir.clone()))
            }
            Err(source) => Err(ProfileError::Io { path, source }),
        }
    }

    /// The refresh token, if the login left one (profiles of older versions of tov have none).
    pub fn refresh_token(&self) -> Result<Option<SecretString>, ProfileError> {
        let path = self.dir.join(REFRESH_FILE);
        match fs::read_to_string(&path) {
            Ok(token) => Ok(Some(SecretString::from(token.trim().to_owned()))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ProfileError::Io { path, source }),
        }
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
    /// access token and its expiry.
    pub fn save_tokens(
        &mut self,
        access: &SecretString,
        expires_ms: i64,
        refresh: &SecretString,
    ) -> Result<(), ProfileError> {
        let path = self.dir.join(REFRESH_FILE);
        write_private(&path, refresh.expose_secret().as_bytes())
            .map_err(|source| ProfileError::Io { path, source })?;
        let mut settings = self.logged_in()?.clone();
        settings.token_expires_ms = expires_ms;
        self.save_login(settings, access, None)
    }

    /// Records a login: the tokens first (owner-only), then the settings, each written whole or not at all.
    pub fn save_login(
        &mut self,
        settings: Settings,
        token: &SecretString,
        refresh: Option<&SecretString>,
    ) -> Result<(), ProfileError> {
        for (name, token) in [(REFRESH_FILE, refresh), (TOKEN_FILE, Some(token))] {
            if let Some(token) = token {
                let path = self.dir.join(name);
                write_private(&path, token.expose_secret().as_bytes())
                    .map_err(|source| ProfileError::Io { path, source })?;
            }
        }
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
        }
    }

    #[test]
    fn a_login_survives_reopening_and_the_token_stays_out_of_the_settings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut profile = Profile::open(dir.path()).expect("opens");
        assert!(profile.logged_in().is_err());
        profile
            .save_login(
                settings(),
                &SecretString::from("secret-token"),
                Some(&SecretString::from("secret-refresh")),
            )
            .expect("saves");
        let reopened = Profile::open(dir.path()).expect("reopens");
        assert_eq!(reopened.settings(), Some(&settings()));
        assert_eq!(reopened.token().expect("token").expose_secret(), "secret-token");
        let json = fs::read_to_string(dir.path().join(SETTINGS_FILE)).expect("settings file");
        assert!(!json.contains("secret-token") && !json.contains("secret-refresh"));
        let refresh = reopened.refresh_token().expect("reads").expect("a refresh token");
        assert_eq!(refresh.expose_secret(), "secret-refresh");
    }
}
