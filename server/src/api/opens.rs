//! `POST /v1/access/opens`: a device tells why its worker opened cases. A phone shows cases it holds without the
//! server knowing, often offline, so the client keeps each opening (case, stated purpose, when) and sends them at
//! its next connection; each becomes a `read` row of the access log with that purpose (DOMAIN.md: every read with
//! its purpose), on top of the `sync` rows of the downloads themselves.
//!
//! Only cases the device's user may see now are logged (a case lost meanwhile is skipped, as is an id that names
//! nothing); the answer counts both, so a client can drop what it sent either way. The time the device reports is
//! kept in the row's detail, since a device's clock is not trusted.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sync_core::case::codes::{OPEN_PURPOSES, find};
use sync_core::protocol::Access;

use super::AuthUser;
use super::{ApiError, ApiJson, caller};
use crate::audit::{self, Action, Actor};
use crate::ids::parse_case_id;
use crate::state::AppState;

/// At most this many openings per request.
pub(super) const MAX_OPENS: usize = 500;
/// Longer than any id.
pub(super) const MAX_ID_CHARS: usize = 128;

/// Openings of cases on the device, with why.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opens {
    #[schema(max_items = 500)]
    opens: Vec<Opened>,
}

/// One case opened on the device.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opened {
    #[schema(max_length = 128)]
    case_id: String,
    /// One of `visit`, `follow_up`, `review`, `coordination`.
    #[schema(pattern = "^(visit|follow_up|review|coordination)$")]
    purpose: String,
    /// When, by the device's clock (milliseconds since the epoch).
    at_ms: i64,
}

/// How many openings were logged, and how many named no case the user may see now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OpensLogged {
    logged: usize,
    skipped: usize,
}

/// Log why the worker opened cases on this device (a worker's or lead's device; offline openings sent later).
#[utoipa::path(post, path = "/v1/access/opens", tag = "cases", request_body = Opens, security(("bearer" = [])), responses((status = 200, body = OpensLogged), super::Refusals))]
pub async fn log_opens(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<Opens>,
) -> Result<Json<OpensLogged>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    if request.opens.len() > MAX_OPENS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_OPENS} openings at once"
        )));
    }
    if let Some(bad) = request
        .opens
        .iter()
        .find(|o| find(OPEN_PURPOSES, &o.purpose).is_none())
    {
        return Err(ApiError::BadRequest(format!(
            "purpose {:?} is not one of visit, follow_up, review, coordination",
            bad.purpose.chars().take(40).collect::<String>()
        )));
    }
    if request
        .opens
        .iter()
        .any(|o| o.case_id.chars().count() > MAX_ID_CHARS)
    {
        return Err(ApiError::BadRequest(format!(
            "case_id is longer than {MAX_ID_CHARS} characters"
        )));
    }
    let mut visible = Vec::new();
    for opened in &request.opens {
        // A case id that is none names no case the caller may see: it is not logged, as an unknown one.
        let Some(doc_id) = parse_case_id(&opened.case_id) else {
            continue;
        };
        let access = state.store.access(&viewer, &caller.device_id, &doc_id).await?;
        if matches!(access, Access::Read | Access::Write) {
            visible.push(opened);
        }
    }
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    let details: Vec<String> = visible.iter().map(|o| format!("opened at={}", o.at_ms)).collect();
    let rows: Vec<_> = visible
        .iter()
        .zip(&details)
        .map(|(opened, detail)| {
            audit::event(
                actor,
                Action::Read,
                Some(&opened.case_id),
                Some(&opened.purpose),
                Some(detail),
            )
        })
        .collect();
    state.store.append_audit(&rows).await?;
    Ok(Json(OpensLogged {
        logged: rows.len(),
        skipped: request.opens.len() - rows.len(),
    }))
}
