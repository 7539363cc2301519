//! Logging a profile in: ask the server for a token and a device id, and record them in the profile.
//!
//! A profile's store belongs to one user on one server. Logging in again as the same user keeps the store and
//! continues the same device (the server registers a new one only if that device was revoked), so the server's
//! record of which cases the device holds, and the purges it owes, carry over. Logging in as someone else is refused while the store holds
//! documents, so one worker's caseload never ends up syncing under another's login.

use std::path::Path;

use secrecy::SecretString;

use crate::api::{self, ApiError, Endpoint};
use crate::profile::{Profile, ProfileError, Settings};
use crate::store::{Store, StoreError};
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
    #[error(
        "this profile holds {documents} documents of {holder}; use another --profile, or `tov reset` it first"
    )]
    OtherUser { holder: String, documents: usize },
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

/// Logs the profile in `dir` in; returns the profile with its new settings.
pub async fn login(dir: &Path, input: LoginInput, now_ms: i64) -> Result<Profile, LoginError> {
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
    let expires_ms = i64::try_from(answer.expires_in)
        .unwrap_or(i64::MAX / 2)
        .saturating_mul(1000);
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
        token_expires_ms: now_ms.saturating_add(expires_ms),
    };
    profile.save_login(settings, &answer.access_token, Some(&answer.refresh_token))?;
    Ok(profile)
}

/// Lets a profile change hands: only an empty store may, and it is removed (its cursor belongs to the old login).
async fn release_store(profile: &Profile, previous: &Settings) -> Result<(), LoginError> {
    let path = profile.store_path();
    if !path.exists() {
        return Ok(());
    }
    let store = Store::open(&path).await?;
    let documents = store.documents().await?.len();
    store.close().await;
    if documents > 0 {
        return Err(LoginError::OtherUser {
            holder: format!(
                "{}@{} on {}",
                previous.username, previous.tenant_slug, previous.server
            ),
            documents,
        });
    }
    Store::remove_files(&path).map_err(|source| ProfileError::Io { path, source })?;
    Ok(())
}

/// Refresh the access token when it has less than this left, so it does not expire during a sync.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// The access token to connect with: the stored one while it is good for another minute, else a new one,
/// fetched with the refresh token (which rotates), so a worker does not type the password again within the
/// maximum offline period. Under the profile's lock, read afresh from disk: two `tov` processes of one profile
/// never present the same refresh token twice.
pub async fn fresh_token(dir: &Path, server: &Endpoint, now_ms: i64) -> Result<SecretString, LoginError> {
    let lock = Profile::open(dir)?.lock()?;
    let mut profile = Profile::open(dir)?;
    let settings = profile.logged_in()?.clone();
    if settings.token_expires_ms.saturating_sub(now_ms) > REFRESH_MARGIN_MS {
        return Ok(profile.token()?);
    }
    let Some(refresh) = profile.refresh_token()? else {
        // A login of an older tov: the server will say whether the token still works.
        return Ok(profile.token()?);
    };
    let answer = api::refresh(server, &refresh).await?;
    let expires_ms = i64::try_from(answer.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
    profile.save_tokens(
        &answer.access_token,
        now_ms.saturating_add(expires_ms),
        &answer.refresh_token,
    )?;
    drop(lock);
    Ok(answer.access_token)
}
