//! Break-the-glass: `POST /v1/cases/{id}/break-glass` opens a case outside the caller's caseload for
//! [`GRANT_HOURS`] hours, with a stated reason; `GET /v1/break-glass` shows a lead the recent ones of their team
//! (an admin, the tenant's).
//!
//! The reason is required (10 to 500 characters) because the data protection rules demand a stated purpose for
//! every look outside one's caseload. It goes to the access log as the event's purpose and to the lead.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, caller};
use crate::audit::{self, Action, Actor};
use crate::ids::parse_case_id;
use crate::state::AppState;
use sync_core::protocol::Access;

use super::AuthUser;
use crate::authz::{self, Act, On};
use crate::clock;
use crate::store::{BreakGlass, NewBreakGlass};

/// How long a grant lasts: a working day.
pub const GRANT_HOURS: i64 = 8;
/// How far back `GET /v1/break-glass` looks.
const RECENT_DAYS: i64 = 30;
const HOUR_MS: i64 = 60 * 60 * 1000;
pub(super) const MIN_REASON_CHARS: usize = 10;
pub(super) const MAX_REASON_CHARS: usize = 500;
/// Longer than any document id; a longer path segment cannot name a case.
const MAX_CASE_ID_CHARS: usize = 128;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BreakGlassRequest {
    /// Why, in 10 to 500 characters (leading and trailing blanks count toward the 500, not toward the 10).
    #[schema(min_length = 10, max_length = 500)]
    reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Granted {
    id: String,
    case_id: String,
    expires_at: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Grants {
    grants: Vec<BreakGlass>,
}

/// Open a case outside one's caseload for 8 hours, with a reason (worker, lead); logged and shown to the lead.
#[utoipa::path(post, path = "/v1/cases/{id}/break-glass", tag = "cases", params(("id" = String, Path, description = "case id")), request_body = BreakGlassRequest, security(("bearer" = [])), responses((status = 200, body = Granted), super::Refusals))]
pub async fn open(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<BreakGlassRequest>,
) -> Result<Json<Granted>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    // Admins manage users and devices; they do not read case content, glass or no glass. Which case it is does not
    // matter here: the store keeps a grant within the municipality.
    let any_case = On::Case {
        team: None,
        access: Access::Hidden,
    };
    caller::require(authz::check(&viewer, Act::BreakGlass, any_case))?;
    let reason = request.reason.trim();
    let length = reason.chars().count();
    // The text as sent is bounded too, as the schema says: blanks around a reason are no way past the limit.
    let sent = request.reason.chars().count();
    if sent > MAX_REASON_CHARS || !(MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&length) {
        return Err(ApiError::BadRequest(format!(
            "reason must state why, in {MIN_REASON_CHARS} to {MAX_REASON_CHARS} characters"
        )));
    }
    if case_id.chars().count() > MAX_CASE_ID_CHARS {
        return Err(ApiError::NotFound);
    }
    // A path segment that is no case id names no case of the municipality.
    let doc_id = parse_case_id(&case_id).ok_or(ApiError::NotFound)?;
    let now = clock::now_ms();
    let expires_at = now + GRANT_HOURS * HOUR_MS;
    let grant = NewBreakGlass {
        tenant_id: &viewer.tenant_id,
        case_id: &doc_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
        team_id: viewer.team_id.as_ref(),
        reason,
        now,
        expires_at,
    };
    let id = state.store.break_glass(&grant).await?.ok_or(ApiError::NotFound)?;
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    let event = audit::event(actor, Action::BreakGlass, Some(&case_id), Some(reason), None);
    audit::record(&state.store, event).await?;
    tracing::info!(case.id = %case_id, user.id = %viewer.user_id, "broke the glass");
    Ok(Json(Granted {
        id,
        case_id,
        expires_at,
    }))
}

/// Recent break-the-glass grants of the lead's team (lead; admin: the tenant).
#[utoipa::path(get, path = "/v1/break-glass", tag = "cases", security(("bearer" = [])), responses((status = 200, body = Grants), super::Refusals))]
pub async fn recent(State(state): State<AppState>, caller: AuthUser) -> Result<Json<Grants>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    let team = caller::listing(&viewer)?;
    let since = clock::now_ms() - RECENT_DAYS * 24 * HOUR_MS;
    let grants = state
        .store
        .break_glass_since(&viewer.tenant_id, team.as_ref(), since)
        .await?;
    Ok(Json(Grants { grants }))
}
