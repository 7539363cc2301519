//! `GET /v1/users` (admin: the tenant's users; lead: their team's) with who is blocked,
//! `POST /v1/users/{id}/unblock` (admin): clears a lockout, and `GET /v1/team`: the caller's own team, so a worker
//! can put a colleague on a case by name. Three failed logins within a day block a user until
//! an admin has checked it was them (DOMAIN.md); the failures before the unblock stop counting.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::AuthUser;
use super::{ApiError, caller};
use crate::audit::{self, Action, Actor};
use crate::authz::Act;
use crate::clock;
use crate::ids::{TeamId, UserId};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserListing {
    #[schema(value_type = String)]
    id: UserId,
    username: String,
    role: &'static str,
    #[schema(value_type = Option<String>)]
    team_id: Option<TeamId>,
    /// Set while a lockout blocks the user's password logins.
    blocked_at: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    users: Vec<UserListing>,
}

/// The tenant's users (admin) or the lead's team's (lead), with who is blocked.
#[utoipa::path(get, path = "/v1/users", tag = "devices and users", security(("bearer" = [])), responses((status = 200, body = UserList), super::Refusals))]
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<UserList>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    let team = caller::listing(&viewer)?;
    let users = state
        .store
        .users_of_tenant(&viewer.tenant_id, team.as_ref())
        .await?
        .into_iter()
        .map(|user| UserListing {
            role: user.role.as_str(),
            id: user.id,
            username: user.username,
            team_id: user.team_id,
            blocked_at: user.blocked_at,
        })
        .collect();
    Ok(Json(UserList { users }))
}

/// A colleague as the team list shows them: nothing about logins or lockouts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamMember {
    #[schema(value_type = String)]
    id: UserId,
    username: String,
    role: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamList {
    #[schema(value_type = String)]
    team_id: TeamId,
    members: Vec<TeamMember>,
}

/// The caller's own team (a worker or lead): who may be put on the team's cases. Someone in no team (an admin) is
/// answered 403.
#[utoipa::path(get, path = "/v1/team", tag = "devices and users", security(("bearer" = [])), responses((status = 200, body = TeamList), super::Refusals))]
pub async fn team(State(state): State<AppState>, caller: AuthUser) -> Result<Json<TeamList>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    let team_id = viewer.team_id.clone().ok_or(ApiError::Forbidden)?;
    let members = state
        .store
        .users_of_tenant(&viewer.tenant_id, Some(&team_id))
        .await?
        .into_iter()
        .map(|user| TeamMember {
            role: user.role.as_str(),
            id: user.id,
            username: user.username,
        })
        .collect();
    Ok(Json(TeamList { team_id, members }))
}

/// Clear a lockout after three failed logins (admin).
#[utoipa::path(post, path = "/v1/users/{id}/unblock", tag = "devices and users", params(("id" = String, Path, description = "user id")), security(("bearer" = [])), responses((status = 204, description = "the user may log in again"), super::Refusals))]
pub async fn unblock(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    caller::may(&viewer, Act::UnblockUser)?;
    // A path segment that is no user id names nothing.
    let user_id: UserId = user_id.parse().map_err(|_| ApiError::NotFound)?;
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
