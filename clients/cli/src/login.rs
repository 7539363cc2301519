//! Logging a profile in: ask the server for a token and a device id, and record them in the profile.
//!
//! A profile's store belongs to one user on one server. Logging in again as the same user keeps the store (the
//! server registers a new device, and the documents, acknowledged heads and cursor stay valid: they describe the
//! server's documents, not the device row). Logging in as someone else is refused while the store holds
//! documents, so one worker's caseload never ends up syncing under another's login.

use std::path::Path;

use secrecy::SecretString;

use crate::api::{self, ApiError};
use crate::profile::{Profile, ProfileError, Settings};
use crate::store::{Store, StoreError};

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
}

/// Logs the profile in `dir` in; returns the profile with its new settings.
pub async fn login(dir: &Path, input: LoginInput, now_ms: i64) -> Result<Profile, LoginError> {
    let mut profile = Profile::open(dir)?;
    let server = api::base_url(&input.server)?;
    if let Some(previous) = profile.settings()
        && (previous.server != server
            || previous.tenant_slug != input.tenant
            || previous.username != input.username)
    {
        release_store(&profile, previous).await?;
    }
    let answer = api::login(
        &server,
        &input.tenant,
        &input.username,
        &input.password,
        &input.device_name,
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
    profile.save_login(settings, &answer.access_token)?;
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
