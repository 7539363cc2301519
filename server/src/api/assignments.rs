//! Case assignments: `PUT` and `DELETE /v1/cases/{id}/assignees/{user}` give a worker a case or take it away.
//!
//! A lead assigns within their team's cases, an admin within the tenant. Taking a case away purges it from the
//! worker's devices once their last changes for it have arrived (see `sync::purge`); connected devices learn at
//! once, through the hub (and, on PostgreSQL, the store's NOTIFY reaches other processes). Each change is written
//! to the access log (purpose `case_assignment`).

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::AuthUser;
use super::{ApiError, caller};
use crate::audit::Action;
use crate::authz::{self, Act, On};
use crate::clock;
use crate::ids::{UserId, parse_case_id};
use crate::state::AppState;
use crate::store::{Reach, Role};
use crate::sync::HubEvent;

/// The purpose the access log records for an assignment change.
const ASSIGNMENT_PURPOSE: &str = "case_assignment";
/// Longer than any id: a longer path segment names nothing.
const MAX_SEGMENT_CHARS: usize = 128;

/// Give a worker a case (lead: own team; admin).
#[utoipa::path(put, path = "/v1/cases/{id}/assignees/{user}", tag = "cases", params(("id" = String, Path, description = "case id"), ("user" = String, Path, description = "user id")), security(("bearer" = [])), responses((status = 204, description = "the worker has the case"), super::Refusals))]
pub async fn assign(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((case_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(&state, &caller, &case_id, &user_id, true).await
}

/// Take a case away from a worker; their phones purge it (lead: own team; admin).
#[utoipa::path(delete, path = "/v1/cases/{id}/assignees/{user}", tag = "cases", params(("id" = String, Path, description = "case id"), ("user" = String, Path, description = "user id")), security(("bearer" = [])), responses((status = 204, description = "the worker no longer has the case"), super::Refusals))]
pub async fn unassign(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((case_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(&state, &caller, &case_id, &user_id, false).await
}

async fn change(
    state: &AppState,
    caller: &AuthUser,
    case_id: &str,
    user_id: &str,
    assign: bool,
) -> Result<StatusCode, ApiError> {
    if case_id.len() > MAX_SEGMENT_CHARS || user_id.len() > MAX_SEGMENT_CHARS {
        return Err(ApiError::NotFound);
    }
    let store = &state.store;
    let viewer = store
        .viewer(&caller.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if viewer.tenant_id != caller.tenant_id {
        return Err(ApiError::Unauthorized);
    }
    let doc = parse_case_id(case_id).ok_or(ApiError::NotFound)?;
    // Seeing a case (an assignment elsewhere, break-the-glass) is not managing it: the case's team decides.
    caller::may_on_case(store, &viewer, Act::ManageAssignments, &doc).await?;
    // A path segment that is no user id names no user.
    let user = match user_id.parse::<UserId>() {
        Ok(user_id) => store.user_by_id(&user_id).await?,
        Err(_) => None,
    }
    .filter(|u| u.tenant_id == viewer.tenant_id);
    let Some(user) = user else {
        return Err(ApiError::NotFound);
    };
    if user.role == Role::Admin {
        return Err(ApiError::BadRequest("admins do not hold cases".into()));
    }
    // A lead gives their team's cases to their own team; handing a case across teams is an admin's decision.
    if assign {
        caller::require(authz::check(
            &viewer,
            Act::AssignWorker,
            On::Team(user.team_id.as_ref()),
        ))?;
    }
    let now = clock::now_ms();
    let changed = if assign {
        store.assign_case(&doc, &user.id, now).await?
    } else {
        store.unassign_case(&doc, &user.id, now).await?
    };
    if changed {
        let team_id = store.case_home(&doc).await?.and_then(|(_, team)| team);
        state.sync.hub.publish(HubEvent::Changed {
            doc,
            seq: 0,
            origin: 0,
            tenant: viewer.tenant_id.clone(),
            reach: Reach::Audience {
                team_id,
                users: vec![user.id.clone()],
            },
        });
        tracing::info!(case.id = %case_id, user.id = %user.id, assign, "case assignment changed");
        let detail = format!("{} user={}", if assign { "assign" } else { "unassign" }, user.id);
        caller::log(
            store,
            &viewer,
            caller,
            Action::Change,
            Some(case_id),
            ASSIGNMENT_PURPOSE,
            Some(&detail),
        )
        .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
