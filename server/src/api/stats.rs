//! `GET /v1/review/stats/fit?team=&from=&to=` and `GET /v1/review/stats/outcomes?…`: the FIT figures and the
//! outcomes of each team the caller reviews (and of all of them together) for a period, counted by
//! [`crate::stats`] from the rows sync-core's assessment (and the documents' outcome events) wrote.
//!
//! The period is two ISO dates, both included; without them, the twelve months up to today. The search is in
//! the access log with its criteria.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use sync_core::case::date::Date;

use super::AuthUser;
use super::audit::bad_query;
use super::{ApiError, caller};
use crate::audit::Action;
use crate::clock;
use crate::ids::TeamId;
use crate::state::AppState;
use crate::stats::{self, FitRow, FitStats, Outcome, OutcomeStats, Period};
use crate::store::Viewer;

const PURPOSE: &str = "statistics";
const DAY_MS: i64 = 86_400_000;
/// The longest period a report may span.
const MAX_DAYS: i64 = 10 * 366;
const MAX_ID_CHARS: usize = 128;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    #[param(max_length = 128)]
    team: Option<String>,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    from: Option<String>,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    to: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamStats<S> {
    #[schema(value_type = String)]
    team_id: TeamId,
    name: String,
    stats: S,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Report<S> {
    from: String,
    to: String,
    /// What the figures are and are not.
    about: &'static str,
    /// The smallest base a figure is shown for.
    min_n: usize,
    teams: Vec<TeamStats<S>>,
    /// Every team above together.
    all: S,
}

/// What both reports start from: the caller's teams (only the asked-for one, if any), the period, and the
/// rows of the caller's scope; the search is logged.
struct Asked {
    period: Period,
    teams: Vec<(TeamId, String)>,
    courses: Vec<FitRow>,
}

impl Asked {
    async fn read(
        state: &AppState,
        caller: &AuthUser,
        query: Result<Query<StatsQuery>, QueryRejection>,
        report: &str,
    ) -> Result<(Asked, Viewer), ApiError> {
        let viewer = caller::viewer(&state.store, caller).await?;
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
            "{report} from={from} to={to} team={}",
            query.team.as_deref().unwrap_or("*")
        );
        caller::log(
            &state.store,
            &viewer,
            caller,
            Action::Search,
            None,
            PURPOSE,
            Some(&criterion),
        )
        .await?;
        // The teams reviewed, as the dashboard lists them (an admin: every team of the tenant).
        let teams = state
            .store
            .review_teams(&viewer.user_id)
            .await?
            .into_iter()
            .filter(|(id, _)| query.team.as_ref().is_none_or(|wanted| wanted == id.as_str()))
            .collect();
        let courses = state
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
        Ok((
            Asked {
                period,
                teams,
                courses,
            },
            viewer,
        ))
    }

    /// The report of each team and of all of them together: `count(Some(team))` gives a team's figures,
    /// `count(None)` those of every team asked for.
    fn report<S>(&self, count: impl Fn(Option<&str>) -> S) -> Report<S> {
        Report {
            from: self.period.from.to_string(),
            to: self.period.to.to_string(),
            about: stats::ABOUT,
            min_n: stats::MIN_N,
            all: count(None),
            teams: self
                .teams
                .iter()
                .map(|(id, name)| TeamStats {
                    team_id: id.clone(),
                    name: name.clone(),
                    stats: count(Some(id.as_str())),
                })
                .collect(),
        }
    }

    /// The rows of `team`, or of every team asked for (`None`).
    fn of_team<'r, T>(
        &self,
        rows: &'r [T],
        team_of: fn(&T) -> Option<&str>,
        team: Option<&str>,
    ) -> Vec<&'r T> {
        rows.iter()
            .filter(|row| match team {
                Some(team) => team_of(row) == Some(team),
                None => self.teams.iter().any(|(id, _)| team_of(row) == Some(id.as_str())),
            })
            .collect()
    }
}

fn course_team(row: &FitRow) -> Option<&str> {
    row.team_id.as_ref().map(TeamId::as_str)
}

fn outcome_team(row: &Outcome) -> Option<&str> {
    row.team_id.as_ref().map(TeamId::as_str)
}

/// `GET /v1/review/stats/fit?team=&from=&to=`: the figures a FIT system reports per team and period, from
/// sync-core's own assessment; small numbers suppressed.
#[utoipa::path(get, path = "/v1/review/stats/fit", tag = "statistics", params(StatsQuery), security(("bearer" = [])), responses((status = 200, body = Report<FitStats>), super::Refusals))]
pub async fn fit(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Json<Report<FitStats>>, ApiError> {
    let (asked, _) = Asked::read(&state, &caller, query, "fit").await?;
    Ok(Json(asked.report(|team| {
        stats::fit_stats(&asked.of_team(&asked.courses, course_team, team), asked.period)
    })))
}

/// `GET /v1/review/stats/outcomes?team=&from=&to=`: outcome events, how courses ended and their length against
/// the plan, month by month.
#[utoipa::path(get, path = "/v1/review/stats/outcomes", tag = "statistics", params(StatsQuery), security(("bearer" = [])), responses((status = 200, body = Report<OutcomeStats>), super::Refusals))]
pub async fn outcomes(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Json<Report<OutcomeStats>>, ApiError> {
    let (asked, viewer) = Asked::read(&state, &caller, query, "outcomes").await?;
    let (from, to) = (asked.period.from.to_string(), asked.period.to.to_string());
    let events: Vec<Outcome> = state
        .store
        .outcome_rows(&viewer.user_id, &from, &to)
        .await?
        .into_iter()
        .map(|(doc_id, team_id, kind, date)| Outcome {
            doc_id,
            team_id,
            kind,
            date,
        })
        .collect();
    Ok(Json(asked.report(|team| {
        stats::outcome_stats(
            &asked.of_team(&asked.courses, course_team, team),
            &asked.of_team(&events, outcome_team, team),
            asked.period,
        )
    })))
}

/// The asked-for period (two ISO dates, both included, at most ten years apart), or without them the twelve
/// months up to today: the reports' and the exports' one period rule.
pub(super) fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
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
