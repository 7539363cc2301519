//! `POST /v1/auth/refresh`: a refresh token buys a new access token and a new refresh token (rotation). The old
//! refresh token is used up; presenting it again means someone kept a copy, so the device is revoked, its sync
//! connections are closed, and the reuse is logged.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson};
use crate::audit::{self, Action, Actor};
use crate::auth::{Subject, refresh};
use crate::clock;
use crate::ids::DeviceId;
use crate::state::AppState;
use crate::store::{RefreshOwner, Rotation};
use crate::sync::HubEvent;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// The same fields as a login's answer, without the user.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RefreshResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
    refresh_expires_in: u64,
    #[schema(value_type = String)]
    device_id: DeviceId,
}

/// A refresh token handed to a client, with its lifetime in seconds.
pub(super) struct IssuedRefresh {
    pub token: String,
    pub expires_in: u64,
}

/// Issues and stores a new refresh token for `owner`'s device, valid for the maximum offline period.
pub(super) async fn issue(
    state: &AppState,
    owner: &RefreshOwner,
    now: i64,
) -> Result<IssuedRefresh, ApiError> {
    let new = refresh::generate();
    state
        .store
        .issue_refresh_token(&new.hash, owner, now, expiry(state, now))
        .await?;
    Ok(IssuedRefresh {
        token: new.token,
        expires_in: state.max_offline.as_secs(),
    })
}

/// A refresh token buys new tokens (rotation); a reused one revokes the device.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "sessions", request_body = RefreshRequest, responses((status = 200, body = RefreshResponse), super::Refusals))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<RefreshResponse>, ApiError> {
    if request.refresh_token.chars().count() > refresh::MAX_TOKEN_CHARS {
        return Err(ApiError::BadRequest(format!(
            "refresh_token is longer than {} characters",
            refresh::MAX_TOKEN_CHARS
        )));
    }
    let now = clock::now_ms();
    let new = refresh::generate();
    let rotation = state
        .store
        .rotate_refresh_token(
            &refresh::hash(&request.refresh_token),
            &new.hash,
            now,
            expiry(&state, now),
        )
        .await?;
    let owner = match rotation {
        Rotation::Rotated(owner) => owner,
        Rotation::Refused => return Err(ApiError::Unauthorized),
        Rotation::Revoked(owner) => {
            tracing::info!(device.id = %owner.device_id, "refresh by a revoked device; it is told to wipe");
            return Err(ApiError::DeviceRevoked);
        }
        Rotation::Reused(owner) => {
            revoke_on_reuse(&state, &owner, now).await?;
            return Err(ApiError::Unauthorized);
        }
    };
    state.store.touch_device(&owner.device_id, now).await?;
    let subject = Subject {
        user_id: &owner.user_id,
        tenant_id: &owner.tenant_id,
        role: owner.role,
        device_id: &owner.device_id,
    };
    let issued = state.tokens.issue(subject, clock::unix_seconds(now))?;
    tracing::info!(user.id = %owner.user_id, device.id = %owner.device_id, "tokens refreshed");
    Ok(Json(RefreshResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        refresh_token: new.token,
        refresh_expires_in: state.max_offline.as_secs(),
        device_id: owner.device_id,
    }))
}

/// A used refresh token came back: revoke its device everywhere and log it.
async fn revoke_on_reuse(state: &AppState, owner: &RefreshOwner, now: i64) -> Result<(), ApiError> {
    tracing::warn!(user.id = %owner.user_id, device.id = %owner.device_id, "refresh token reused; revoking the device");
    state.store.revoke_device(&owner.device_id, now).await?;
    state.sync.hub.publish(HubEvent::DeviceRevoked {
        device_id: owner.device_id.clone(),
    });
    let actor = Actor {
        tenant_id: &owner.tenant_id,
        user_id: &owner.user_id,
        device_id: &owner.device_id,
    };
    audit::record(
        &state.store,
        audit::event(actor, Action::RefreshReuse, None, None, None),
    )
    .await?;
    Ok(())
}

fn expiry(state: &AppState, now: i64) -> i64 {
    let offline_ms = i64::try_from(state.max_offline.as_millis()).unwrap_or(i64::MAX);
    now.saturating_add(offline_ms)
}
