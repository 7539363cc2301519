//! `POST /v1/auth/oidc`: exchanges an ID token of the configured identity provider for a Tovholder session
//! (access and refresh token, a registered device), as `POST /v1/auth/login` does for a password. 404 when no
//! provider is configured. Every refusal is the same generic 401 and is logged as a failed login.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::session::{DeviceChoice, LoginResponse, start_session};
use super::{ApiError, ApiJson};
use crate::audit::{self, Action};
use crate::clock;
use crate::state::AppState;
use crate::store::AuditRecord;

/// ID tokens are a few kilobytes; anything longer is not one.
pub(super) const MAX_TOKEN_BYTES: usize = 16 * 1024;
const MAX_DEVICE_CHARS: usize = 128;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OidcLogin {
    #[schema(max_length = 16384)]
    id_token: String,
    #[schema(max_length = 128, pattern = r"\S")]
    device: String,
}

/// An ID token of the configured identity provider buys a session, as a password login does.
#[utoipa::path(post, path = "/v1/auth/oidc", tag = "sessions", request_body = OidcLogin, responses((status = 200, body = LoginResponse), super::Refusals))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<OidcLogin>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Some(oidc) = state.oidc.clone() else {
        return Err(ApiError::NotFound);
    };
    let device = request.device.trim();
    // The name as sent is bounded, as the schema says; blanks around it are trimmed, not a way past the limit.
    if device.is_empty() || request.device.chars().count() > MAX_DEVICE_CHARS {
        return Err(ApiError::BadRequest(format!(
            "device must name the device in 1 to {MAX_DEVICE_CHARS} characters"
        )));
    }
    if request.id_token.len() > MAX_TOKEN_BYTES {
        return Err(ApiError::BadRequest("id_token is too long".into()));
    }
    let now = clock::now_ms();
    let tenant = state
        .store
        .tenant_by_slug(&oidc.tenant)
        .await?
        .ok_or(ApiError::LoginFailed)?;
    let user = match oidc.verify(&request.id_token).await {
        Ok(username) => state.store.user_by_username(&tenant.id, &username).await?,
        Err(error) => {
            tracing::warn!(%error, "identity provider token refused");
            None
        }
    };
    let Some(user) = user.filter(|user| user.blocked_at.is_none()) else {
        let failed = AuditRecord {
            at: now,
            tenant_id: Some(&tenant.id),
            user_id: None,
            device_id: None,
            action: Action::LoginFailed.as_str(),
            case_id: None,
            purpose: None,
            detail: Some("identity provider"),
        };
        audit::record(&state.store, failed).await?;
        return Err(ApiError::LoginFailed);
    };
    let choice = DeviceChoice {
        name: device,
        resume: None,
    };
    start_session(&state, user, tenant, choice, now).await.map(Json)
}
