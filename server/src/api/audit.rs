//! `GET /v1/audit` (spot checks with filters) and `GET /v1/audit/sample` (a random sample): the access log of the
//! caller's tenant, for admins only.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::AuthUser;
use crate::audit::{self, Action, Actor};
use crate::authz::Act;
use crate::state::AppState;
use crate::store::{AuditFilter, AuditRow, Store, Viewer};

/// Rows answered when the request names no limit, and the most it may ask for.
const DEFAULT_LIMIT: i64 = 100;
pub(super) const MAX_LIMIT: i64 = 1000;
/// The purpose recorded when the access log itself is searched.
const SPOT_CHECK: &str = "access_log_spot_check";
/// The longest id a filter may name: generous for UUIDs and document ids.
const MAX_ID_CHARS: usize = 128;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    user: Option<String>,
    case: Option<String>,
    #[param(schema_with = action_schema)]
    action: Option<String>,
    /// Unix milliseconds, inclusive.
    from: Option<i64>,
    to: Option<i64>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    #[param(minimum = 1, maximum = 1000)]
    n: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntries {
    entries: Vec<AuditRow>,
}

/// The tenant's access log, filtered by user, case, action and time (admin).
#[utoipa::path(get, path = "/v1/audit", tag = "access log", params(AuditQuery), security(("bearer" = [])), responses((status = 200, body = AuditEntries), super::Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditEntries>, ApiError> {
    let viewer = admin(&state.store, &caller, Act::ReadAccessLog).await?;
    let Query(query) = query.map_err(bad_query)?;
    for (field, value) in [("user", &query.user), ("case", &query.case)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > MAX_ID_CHARS) {
            return Err(ApiError::BadRequest(format!(
                "{field} is longer than {MAX_ID_CHARS} characters"
            )));
        }
    }
    if let Some(action) = &query.action
        && Action::parse(action).is_none()
    {
        return Err(ApiError::BadRequest(
            "action is not a known access log action".to_owned(),
        ));
    }
    let filter = AuditFilter {
        user_id: query.user,
        case_id: query.case,
        action: query.action,
        from: query.from,
        to: query.to,
        limit: limit(query.limit, "limit")?,
    };
    // Reading the access log is itself a search, logged with its criterion (ids and codes only).
    let criterion = format!(
        "user={} action={} from={} to={} limit={}",
        filter.user_id.as_deref().unwrap_or("*"),
        filter.action.as_deref().unwrap_or("*"),
        filter.from.map_or("*".to_owned(), |t| t.to_string()),
        filter.to.map_or("*".to_owned(), |t| t.to_string()),
        filter.limit,
    );
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    let event = audit::event(
        actor,
        Action::Search,
        filter.case_id.as_deref(),
        Some(SPOT_CHECK),
        Some(&criterion),
    );
    audit::record(&state.store, event).await?;
    let entries = state.store.audit_search(&viewer.tenant_id, &filter).await?;
    Ok(Json(AuditEntries { entries }))
}

/// A random sample of the tenant's access log, for spot checks (admin).
#[utoipa::path(get, path = "/v1/audit/sample", tag = "access log", params(SampleQuery), security(("bearer" = [])), responses((status = 200, body = AuditEntries), super::Refusals))]
pub async fn sample(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<SampleQuery>, QueryRejection>,
) -> Result<Json<AuditEntries>, ApiError> {
    let viewer = admin(&state.store, &caller, Act::ReadAccessLog).await?;
    let Query(query) = query.map_err(bad_query)?;
    let n = limit(query.n, "n")?;
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    let criterion = format!("sample n={n}");
    let event = audit::event(actor, Action::Search, None, Some(SPOT_CHECK), Some(&criterion));
    audit::record(&state.store, event).await?;
    let entries = state.store.audit_sample(&viewer.tenant_id, n).await?;
    Ok(Json(AuditEntries { entries }))
}

/// The caller, if the database says they may take `act`, an admin's, now (a token's role may be stale).
pub(super) async fn admin(store: &Store, caller: &AuthUser, act: Act) -> Result<Viewer, ApiError> {
    let viewer = super::caller::viewer(store, caller).await?;
    super::caller::may(&viewer, act)?;
    Ok(viewer)
}

/// The access log's action codes, from [`Action::ALL`].
fn action_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(Action::ALL.map(Action::as_str)))
        .build()
}

/// A query string that does not parse (a word where a number belongs) is the client's error.
pub(super) fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::BadRequest(rejection.body_text())
}

fn limit(value: Option<i64>, field: &str) -> Result<i64, ApiError> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::BadRequest(format!(
            "{field} must be between 1 and {MAX_LIMIT}"
        ))),
    }
}
