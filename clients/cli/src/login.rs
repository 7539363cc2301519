//! Logging a profile in: ask the server for a token and a device id, release the data key, and record them in the
//! profile.
//!
//! A profile's store belongs to one user on one server. Logging in again as the same user keeps the store and
//! continues the same device (the server registers a new one only if that device was revoked), so the server's
//! record of which cases the device holds, and the purges it owes, carry over. Logging in as someone else is
//! refused while the store holds documents, so one worker's caseload never ends up syncing under another's login.
//!
//! The password the server accepted also opens the data key ([`crate::keys`]):
//! - A profile without a key (the first login, or a profile of an older tov with a plaintext store) gets a fresh
//!   random key, wrapped under the password; opening the store with it seals what an older tov left in plaintext,
//!   pending changes included.
//! - A key the password does not unwrap was wrapped under the previous password, changed on the server since. The
//!   store may hold unsent work, so it is never replaced silently: tov asks once for the previous password and
//!   wraps the same key under the new one (nothing is re-encrypted). A store holding no documents is simply started
//!   afresh under a new key.
//!
//! The key file is written before the store is opened with a new key and before the tokens are sealed, so an
//! interruption at any step leaves a profile that the next login completes.

use std::path::Path;
use std::sync::Arc;

use secrecy::SecretString;

use crate::api::{self, ApiError, Endpoint};
use crate::keys::{self, DataKey, KeyError, WrappedKey};
use crate::profile::{Profile, ProfileError, Settings};
use crate::store::{Census, Store, StoreError};
use crate::tls::Trust;

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "this profile holds {documents} documents of {holder}; use another --profile, or `tov reset` it first"
    )]
    OtherUser { holder: String, documents: usize },
    /// The server accepted the password, but the store is locked with the previous one.
    #[error(
        "your password was changed since this device's store was locked, and the store holds {} case(s), {} with \
         unsent changes: give the previous password once to keep them (at the prompt, or in \
         TOV_PREVIOUS_PASSWORD), or discard them with `tov reset --force` and log in again",
        .0.documents,
        .0.pending
    )]
    PreviousPasswordNeeded(Census),
    #[error(
        "the previous password does not open the store either ({} case(s), {} with unsent changes): try again, \
         or discard them with `tov reset --force` and log in again",
        .0.documents,
        .0.pending
    )]
    PreviousPasswordWrong(Census),
}

impl LoginError {
    /// Whether the store stayed locked and a password is what the user must give next (exit code 4).
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            Self::PreviousPasswordNeeded(_) | Self::PreviousPasswordWrong(_)
        ) || matches!(self, Self::Key(key) if key.is_locked())
    }
}

/// What to log in with.
#[derive(Debug)]
pub struct LoginInput {
    pub server: String,
    pub tenant: String,
    pub username: String,
    pub password: SecretString,
    /// The name the server registers this device under.
    pub device_name: String,
    /// The certificates to trust for an `https://` server (`--ca-cert`).
    pub trust: Trust,
}

/// Logs the profile in `dir` in; returns the profile with its new settings, holding the data key (which is also
/// released for the session). `previous_password` is asked, with what the store holds, only when the server
/// accepted a password that does not open the store; `None` leaves the store locked
/// ([`LoginError::PreviousPasswordNeeded`]).
pub async fn login(
    dir: &Path,
    input: LoginInput,
    now_ms: i64,
    previous_password: impl FnOnce(&Census) -> Option<SecretString>,
) -> Result<Profile, LoginError> {
    let mut profile = Profile::open(dir)?;
    let endpoint = Endpoint::new(&input.server, input.trust.clone())?;
    let server = endpoint.base().to_owned();
    // The same login again continues this profile's device, so the server's record of what it holds (and owes a
    // purge) carries over; another login gives up the store first.
    let mut resume = None;
    if let Some(previous) = profile.settings() {
        if previous.server != server
            || previous.tenant_slug != input.tenant
            || previous.username != input.username
        {
            release_store(&profile, previous).await?;
        } else {
            resume = Some(previous.device_id.clone());
        }
    }
    let answer = api::login(
        &endpoint,
        &input.tenant,
        &input.username,
        &input.password,
        &input.device_name,
        resume.as_deref(),
    )
    .await?;
    let key = Arc::new(data_key(&profile, &input.password, previous_password).await?);
    open_store(&profile, key.clone()).await?;
    profile.set_key(key.clone());
    let settings = Settings {
        server,
        tenant_slug: answer.user.tenant_slug,
        tenant_id: answer.user.tenant,
        user_id: answer.user.id,
        username: answer.user.username,
        role: answer.user.role,
        team_id: answer.user.team_id,
        device_id: answer.device_id,
        device_name: input.device_name,
        token_expires_ms: now_ms.saturating_add(seconds_ms(answer.expires_in)),
        offline_until_ms: answer
            .refresh_expires_in
            .map(|seconds| now_ms.saturating_add(seconds_ms(seconds))),
    };
    profile.save_login(settings, &answer.access_token, Some(&answer.refresh_token))?;
    keys::release(dir, &key, now_ms);
    Ok(profile)
}

fn seconds_ms(seconds: u64) -> i64 {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX / 2)
        .saturating_mul(1000)
}

/// The data key that `password` (accepted by the server) opens, with `key.json` written for it; see the module
/// documentation.
async fn data_key(
    profile: &Profile,
    password: &SecretString,
    previous_password: impl FnOnce(&Census) -> Option<SecretString>,
) -> Result<DataKey, LoginError> {
    let dir = profile.dir();
    let Some(wrapped) = keys::wrapped(dir)? else {
        return new_key(dir, password);
    };
    match wrapped.unwrap(password) {
        Ok(key) => {
            if !wrapped.is_current() {
                keys::save_wrapped(dir, &WrappedKey::wrap(&key, password)?)?;
            }
            return Ok(key);
        }
        Err(KeyError::WrongPassword) => {}
        Err(other) => return Err(other.into()),
    }
    let store = profile.store_path();
    let census = Store::census(&store).await?;
    if census.documents == 0 {
        remove_store(&store)?;
        return new_key(dir, password);
    }
    let previous = previous_password(&census).ok_or(LoginError::PreviousPasswordNeeded(census))?;
    let key = match wrapped.unwrap(&previous) {
        Ok(key) => key,
        Err(KeyError::WrongPassword) => return Err(LoginError::PreviousPasswordWrong(census)),
        Err(other) => return Err(other.into()),
    };
    keys::save_wrapped(dir, &WrappedKey::wrap(&key, password)?)?;
    Ok(key)
}

fn new_key(dir: &Path, password: &SecretString) -> Result<DataKey, LoginError> {
    let key = DataKey::generate();
    keys::save_wrapped(dir, &WrappedKey::wrap(&key, password)?)?;
    Ok(key)
}

/// Opens the store with the key, which seals a plaintext store and checks a sealed one. A store sealed under
/// another key that holds no documents (its key file was lost) is started afresh; one with documents is an error.
async fn open_store(profile: &Profile, key: Arc<DataKey>) -> Result<(), LoginError> {
    let path = profile.store_path();
    match Store::open(&path, key.clone()).await {
        Ok(store) => store.close().await,
        Err(StoreError::WrongKey) if Store::census(&path).await?.documents == 0 => {
            remove_store(&path)?;
            Store::open(&path, key).await?.close().await;
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}

fn remove_store(path: &Path) -> Result<(), ProfileError> {
    Store::remove_files(path).map_err(|source| ProfileError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Lets a profile change hands: only an empty store may, and it is removed (its cursor belongs to the old login),
/// with the old login's key and tokens.
async fn release_store(profile: &Profile, previous: &Settings) -> Result<(), LoginError> {
    let path = profile.store_path();
    let documents = Store::census(&path).await?.documents;
    if documents > 0 {
        return Err(LoginError::OtherUser {
            holder: format!(
                "{}@{} on {}",
                previous.username, previous.tenant_slug, previous.server
            ),
            documents,
        });
    }
    remove_store(&path)?;
    profile.forget_tokens()?;
    keys::destroy(profile.dir())?;
    Ok(())
}

/// Refresh the access token when it has less than this left, so it does not expire during a sync.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// The access token to connect with: the stored one while it is good for another minute, else a new one,
/// fetched with the refresh token (which rotates), so a worker does not type the password again within the
/// maximum offline period. Under the profile's lock, read afresh from disk: two `tov` processes of one profile
/// never present the same refresh token twice. The tokens are sealed under `key`, the profile's data key.
pub async fn fresh_token(
    dir: &Path,
    server: &Endpoint,
    key: Arc<DataKey>,
    now_ms: i64,
) -> Result<SecretString, LoginError> {
    let lock = Profile::open(dir)?.lock()?;
    let mut profile = Profile::open(dir)?;
    profile.set_key(key);
    let settings = profile.logged_in()?.clone();
    if settings.token_expires_ms.saturating_sub(now_ms) > REFRESH_MARGIN_MS {
        return Ok(profile.token()?);
    }
    let Some(refresh) = profile.refresh_token()? else {
        // A login of an older tov: the server will say whether the token still works.
        return Ok(profile.token()?);
    };
    let answer = api::refresh(server, &refresh).await?;
    profile.save_tokens(
        &answer.access_token,
        now_ms.saturating_add(seconds_ms(answer.expires_in)),
        &answer.refresh_token,
        answer
            .refresh_expires_in
            .map(|seconds| now_ms.saturating_add(seconds_ms(seconds))),
    )?;
    drop(lock);
    Ok(answer.access_token)
}
