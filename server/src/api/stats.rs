//! `GET /v1/review/stats/fit?team=&from=&to=`: the FIT figures of each team the caller reviews (and of all of
//! them together) for a period, counted by [`crate::stats`] from the rows sync-core's assessment wrote.
//!
//! The period is two ISO dates, both included; without them, the twelve months up to today. The search is in
//! the access log with its criteria.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use sync_core::case::date::Date;

use super::ApiError;
use super::audit::bad_query;
use crate::app::AppState;
use crate::audit::{self, Action, Actor};
use crate::auth::AuthUser;
use crate::clock;
use crate::stats::{self, FitRow, FitStats, Period};

const PURPOSE: &str = "statistics";
const DAY_MS: i64 = 86_400_000;
/// The longest period a report may span.
const MAX_DAYS: i64 = 10 * 366;
const MAX_ID_CHARS: usize = 128;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    team: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize)]
pub struct TeamStats {
    team_id: String,
    name: String,
    stats: FitStats,
}

#[derive(Serialize)]
pub struct FitReport {
    from: String,
    to: String,
    /// What the figures are and are not.
    about: &'static str,
    /// The smallest base a figure is shown for.
    min_n: usize,
    teams: Vec<TeamStats>,
    /// Every team above together.
    all: FitStats,
}

pub async fn fit(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Json<FitReport>, ApiError> {
    let viewer = state
        .store
        .viewer(&caller.user_id)
        .await?
        .filter(|viewer| viewer.tenant_id == caller.tenant_id)
        .ok_or(ApiError::Unauthorized)?;
    let Query(query) = query.map_err(bad_query)?;
    if query
        .team
        .as_ref()
        .is_some_and(|team| team.chars().count() > MAX_ID_CHARS)
    {
        return Err(ApiError::BadRequest(format!(
            "team is longer than {MAX_ID_CHARS} characters"
        )));
    }
    let period = period(query.from.as_deref(), query.to.as_deref())?;
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let criterion = format!(
        "fit from={from} to={to} team={}",
        query.team.as_deref().unwrap_or("*")
    );
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    audit::record(
        &state.store,
        audit::event(actor, Action::Search, None, Some(PURPOSE), Some(&criterion)),
    )
    .await?;

    let rows: Vec<FitRow> = state
        .store
        .fit_rows(&viewer.user_id, &from, &to)
        .await?
        .into_iter()
        .map(|(doc_id, team_id, course)| FitRow {
            doc_id,
            team_id,
            course,
        })
        .collect();
    // The teams reviewed, as the dashboard lists them (an admin: every team of the tenant).
    let teams = state
        .store
        .review_data(&viewer.user_id, clock::now_ms())
        .await?
        .teams;
    let teams: Vec<(String, String)> = teams
        .into_iter()
        .filter(|(id, _)| query.team.as_ref().is_none_or(|wanted| wanted == id))
        .collect();
    let in_team = |team: &str| -> Vec<&FitRow> {
        rows.iter()
            .filter(|r| r.team_id.as_deref() == Some(team))
            .collect()
    };
    let all: Vec<&FitRow> = rows
        .iter()
        .filter(|r| teams.iter().any(|(id, _)| r.team_id.as_deref() == Some(id)))
        .collect();
    Ok(Json(FitReport {
        from,
        to,
        about: stats::ABOUT,
        min_n: stats::MIN_N,
        all: stats::fit_stats(&all, period),
        teams: teams
            .iter()
            .map(|(id, name)| TeamStats {
                team_id: id.clone(),
                name: name.clone(),
                stats: stats::fit_stats(&in_team(id), period),
            })
            .collect(),
    }))
}

/// The asked-for period, or the twelve months up to today.
fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    let date = |text: &str, field: &str| {
        Date::parse(text, field).map_err(|_| ApiError::BadRequest(format!("{field}: expected YYYY-MM-DD")))
    };
    let to = match to {
        Some(text) => date(text, "to")?,
        None => Date::from_unix_ms(clock::now_ms()),
    };
    let from = match from {
        Some(text) => date(text, "from")?,
        None => Date::from_unix_ms((to.days_since_epoch() - 364) * DAY_MS),
    };
    if from > to {
        return Err(ApiError::BadRequest("from: must not be after to".into()));
    }
    if from.days_until(to) > MAX_DAYS {
        return Err(ApiError::BadRequest(
            "the period may span at most ten years".into(),
        ));
    }
    Ok(Period { from, to })
}
