//! `GET`/`PUT /v1/fit-rules`: the FIT rule set the municipality assesses with (issue 12, point 9).
//!
//! An admin loads the municipality's own set as sync-core's rule set JSON; it is checked by sync-core
//! (`RuleSet::from_json`'s rules) before anything is stored, and a version once loaded never changes its content
//! (409), so an alert's `rule_set_version` always names the thresholds that fired it. Staff read the current set,
//! and the clients fetch it whenever they sync, so a phone offline assesses with the same numbers as the server.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use sync_core::fit::RuleSet;

use super::{ApiError, ApiJson, AuthUser, caller};
use crate::audit::Action;
use crate::authz::Act;
use crate::backfill;
use crate::clock;
use crate::state::AppState;
use crate::store::RuleSetLoad;

/// The purpose for loading a rule set, in the access log.
const PURPOSE: &str = "fit_rules";

/// A rule set as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FitRuleSet {
    /// The set's version, named by every alert it fires (e.g. `fit-rules/1`).
    version: String,
    /// When the municipality loaded it; `null` for the built-in set.
    loaded_at: Option<i64>,
    /// The whole rule set, as `sync-core/src/fit/rules-v1.json` shows its shape.
    #[schema(value_type = Object)]
    rules: Value,
}

fn body(rules: &RuleSet, loaded_at: Option<i64>) -> Result<FitRuleSet, ApiError> {
    Ok(FitRuleSet {
        version: rules.version.clone(),
        loaded_at,
        rules: serde_json::to_value(rules).map_err(ApiError::internal)?,
    })
}

/// The FIT rule set the caller's municipality assesses with now.
#[utoipa::path(get, path = "/v1/fit-rules", tag = "review", security(("bearer" = [])), responses((status = 200, body = FitRuleSet), super::Refusals))]
pub async fn current(State(state): State<AppState>, caller: AuthUser) -> Result<Json<FitRuleSet>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    match state.store.current_fit_rules(&viewer.tenant_id).await? {
        Some(stored) => {
            let rules = RuleSet::from_json(&stored.rules).map_err(ApiError::internal)?;
            Ok(Json(body(&rules, Some(stored.loaded_at))?))
        }
        None => Ok(Json(body(state.sync.rules.built_in(), None)?)),
    }
}

/// Load the municipality's own FIT rule set (admin): checked, then current for every assessment from now on; the
/// municipality's case projections are reassessed with it in the background.
#[utoipa::path(put, path = "/v1/fit-rules", tag = "review", request_body(content = Object, description = "A FIT rule set, in the shape of sync-core/src/fit/rules-v1.json"), security(("bearer" = [])), responses((status = 200, body = FitRuleSet), super::Refusals))]
pub async fn load(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(given): ApiJson<Value>,
) -> Result<Json<FitRuleSet>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    caller::may(&viewer, Act::ChangeSettings)?;
    let rules: RuleSet = serde_json::from_value(given)
        .map_err(|error| ApiError::BadRequest(format!("not a FIT rule set: {error}")))?;
    rules
        .check()
        .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    // Stored in one canonical form, so the same rules sent with other spacing or key order are the same content.
    let canonical = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    let loaded = state
        .store
        .load_fit_rules(
            &viewer.tenant_id,
            &rules.version,
            &canonical,
            &viewer.user_id,
            clock::now_ms(),
        )
        .await?;
    let loaded_at = match loaded {
        RuleSetLoad::New { loaded_at } | RuleSetLoad::Again { loaded_at } => loaded_at,
        RuleSetLoad::OtherContent => {
            return Err(ApiError::StateConflict(format!(
                "version {} was loaded before with other rules; a version's rules never change, so give the new \
                 rules a new version",
                rules.version
            )));
        }
    };
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Change,
        None,
        PURPOSE,
        Some(&format!("version={}", rules.version)),
    )
    .await?;
    state.sync.rules.replace(&viewer.tenant_id, rules.clone());
    let (store, all, tenant) = (
        state.store.clone(),
        state.sync.rules.clone(),
        viewer.tenant_id.clone(),
    );
    tokio::spawn(async move {
        if let Err(error) = backfill::reassess(&store, &all, &tenant).await {
            tracing::warn!(%error, "reassessing the cases with a new FIT rule set failed");
        }
    });
    Ok(Json(body(&rules, Some(loaded_at))?))
}
