//! `POST /v1/users/{id}/unblock` (admin): clears a lockout. Three failed logins within a day block a user until
//! an admin has checked it was them (DOMAIN.md); the failures before the unblock stop counting.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::ApiError;
use crate::app::AppState;
use crate::audit::{self, Action, Actor};
use crate::auth::AuthUser;
use crate::clock;
use crate::store::Role;

/// Longer than any id: a longer path segment names nothing.
const MAX_SEGMENT_CHARS: usize = 128;

pub async fn unblock(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    if user_id.len() > MAX_SEGMENT_CHARS {
        return Err(ApiError::NotFound);
    }
    // Another tenant's user answers exactly like a missing one.
    let user = state
        .store
        .user_by_id(&user_id)
        .await?
        .filter(|user| user.tenant_id == caller.tenant_id)
        .ok_or(ApiError::NotFound)?;
    state.store.unblock_user(&user.id, clock::now_ms()).await?;
    let actor = Actor {
        tenant_id: &caller.tenant_id,
        user_id: &caller.user_id,
        device_id: &caller.device_id,
    };
    let detail = format!("user={}", user.id);
    audit::record(
        &state.store,
        audit::event(actor, Action::Unblock, None, None, Some(&detail)),
    )
    .await?;
    tracing::info!(user.id = %user.id, admin.id = %caller.user_id, "user unblocked");
    Ok(StatusCode::NO_CONTENT)
}
