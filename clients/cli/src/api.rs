//! The server's HTTP API as the device uses it: password login (which registers this device), refreshing the
//! tokens, and `/v1/me`.
//!
//! Only plain `http://` servers for now: this build has no TLS backend (see the workspace's reqwest entry). Errors
//! carry the server's own message from its one error shape, `{"error":{"code","message"}}`, which is safe to show.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// How long a request may take before the device gives up (a phone on a weak signal).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error: wrong password, blocked user, revoked device, …
    #[error("the server refused: {message} ({code})")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
    #[error("{0:?} is not an http:// URL (this build of tov has no TLS)")]
    Unsupported(String),
}

/// A user as the server shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: String,
    /// The tenant id.
    pub tenant: String,
    pub tenant_slug: String,
    pub team_id: Option<String>,
}

/// The answer to a login. The token stays a secret: its `Debug` output is redacted.
#[derive(Debug, Deserialize)]
pub struct LoginAnswer {
    pub access_token: SecretString,
    pub expires_in: u64,
    /// Exchanged once for new tokens (`POST /v1/auth/refresh`); valid for the maximum offline period.
    pub refresh_token: SecretString,
    pub device_id: String,
    pub user: UserView,
}

/// The answer to a refresh: new tokens for the same device; the refresh token presented is used up.
#[derive(Debug, Deserialize)]
pub struct RefreshAnswer {
    pub access_token: SecretString,
    pub expires_in: u64,
    pub refresh_token: SecretString,
}

/// The answer of `/v1/me`.
#[derive(Debug, Clone, Deserialize)]
pub struct MeAnswer {
    pub user: UserView,
    pub device_id: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// `server` without a trailing slash, checked to be plain HTTP.
pub fn base_url(server: &str) -> Result<String, ApiError> {
    let trimmed = server.trim().trim_end_matches('/');
    if !trimmed.starts_with("http://") {
        return Err(ApiError::Unsupported(trimmed.to_owned()));
    }
    Ok(trimmed.to_owned())
}

/// A transport error with its causes: reqwest's own message names the URL but not why ("connection refused").
fn unreachable(error: reqwest::Error) -> ApiError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    ApiError::Unreachable(text)
}

fn client() -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .user_agent(crate::CLIENT_NAME)
        .build()
        .map_err(|e| ApiError::Unexpected(e.to_string()))
}

async fn answer<T: for<'de> Deserialize<'de>>(response: reqwest::Response) -> Result<T, ApiError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|body| body.error)
            .unwrap_or(ErrorDetail {
                code: "unknown".to_owned(),
                message: format!("HTTP {status}"),
            });
        return Err(ApiError::Refused {
            status: status.as_u16(),
            code: detail.code,
            message: detail.message,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `POST /v1/auth/login`: registers a device named `device` (or continues `device_id`, this profile's device from
/// an earlier login, if the server still allows it) and returns its tokens.
pub async fn login(
    server: &str,
    tenant: &str,
    username: &str,
    password: &SecretString,
    device: &str,
    device_id: Option<&str>,
) -> Result<LoginAnswer, ApiError> {
    let body = serde_json::json!({
        "tenant": tenant,
        "username": username,
        "password": password.expose_secret(),
        "device": device,
        "device_id": device_id,
    });
    let response = client()?
        .post(format!("{}/v1/auth/login", base_url(server)?))
        .json(&body)
        .send()
        .await
        .map_err(unreachable)?;
    answer(response).await
}

/// `POST /v1/auth/refresh`: exchanges the refresh token (once) for a new access token and refresh token.
pub async fn refresh(server: &str, refresh_token: &SecretString) -> Result<RefreshAnswer, ApiError> {
    let body = serde_json::json!({ "refresh_token": refresh_token.expose_secret() });
    let response = client()?
        .post(format!("{}/v1/auth/refresh", base_url(server)?))
        .json(&body)
        .send()
        .await
        .map_err(unreachable)?;
    answer(response).await
}

/// `GET /v1/me`: who the token belongs to, as the database knows them now.
pub async fn me(server: &str, token: &SecretString) -> Result<MeAnswer, ApiError> {
    let response = client()?
        .get(format!("{}/v1/me", base_url(server)?))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .map_err(unreachable)?;
    answer(response).await
}
