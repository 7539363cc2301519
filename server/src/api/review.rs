//! The back office's review API: `GET /v1/review/dashboard`, `GET /v1/review/cases` and
//! `GET /v1/review/cases/{id}`, and the tenant setting the dashboard measures caseloads against
//! (`GET`/`PUT /v1/settings`).
//!
//! Scope (`store::access::in_review!`): an admin reviews the tenant's figures and lists (without citizens'
//! names, and not the case page: case content is the leads' and workers'), a lead their team, a worker their own
//! caseload. A case out of scope answers exactly like a missing one. Every read is written to the access log
//! with its purpose, and a list with its criteria; the figures and lists come from [`crate::review`], so a
//! figure and the list it links to are counted by the same rule.

use std::collections::BTreeMap;

use automerge::Automerge;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use sync_core::case::date::Date;
use sync_core::case::timeline::{self, StatusStep};
use sync_core::case::{Case, Conflict, conflicts, read_case, series};
use sync_core::fit::Assessment;

use super::audit::bad_query;
use super::{ApiError, ApiJson, caller};
use crate::audit::Action;
use crate::ids::{DeviceId, TeamId, UserId, parse_case_id};
use crate::state::AppState;
use sync_core::protocol::Access;

use super::AuthUser;
use crate::authz::{self, Act, On};
use crate::clock;
use crate::projection::{ContactRow, CourseRow, GoalRow};
use crate::review::{self, CaseFilter, CaseFlags, Dashboard};
use crate::store::{ReviewUser, TenantSettings};

/// The purpose the access log records for the review's reads.
const PURPOSE: &str = "case_review";
/// The purpose for reading and changing the tenant's settings.
const SETTINGS_PURPOSE: &str = "tenant_settings";
const MAX_ID_CHARS: usize = 128;
const DAY_MS: i64 = 86_400_000;
/// A recommended caseload above this is a typing error, not a policy.
pub(super) const MAX_RECOMMENDED_CASELOAD: i64 = 1000;
/// Ten years: longer is no retention.
pub(super) const MAX_DEVICE_RETENTION_DAYS: i64 = 3650;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    team: Option<String>,
}

/// A page of a case list: the filter (see [`CaseFilter`]) and where the page starts.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    team: Option<String>,
    worker: Option<String>,
    open: Option<bool>,
    /// An alert kind, or `any`.
    #[param(value_type = Option<sync_core::fit::AlertKind>)]
    alert: Option<String>,
    srs_below_cutoff: Option<bool>,
    follow_up_overdue: Option<bool>,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    course_ending_from: Option<String>,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    course_ending_before: Option<String>,
    awaiting_approval: Option<bool>,
    has_conflict: Option<bool>,
    has_refusal: Option<bool>,
    /// Rows per page (1 to [`review::MAX_PAGE`]).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
    /// Rows to skip.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    offset: Option<u32>,
}

impl ListQuery {
    fn into_parts(self) -> (CaseFilter, Option<usize>, Option<usize>) {
        let filter = CaseFilter {
            team: self.team,
            worker: self.worker,
            open: self.open,
            alert: self.alert,
            srs_below_cutoff: self.srs_below_cutoff,
            follow_up_overdue: self.follow_up_overdue,
            course_ending_from: self.course_ending_from,
            course_ending_before: self.course_ending_before,
            awaiting_approval: self.awaiting_approval,
            has_conflict: self.has_conflict,
            has_refusal: self.has_refusal,
        };
        (filter, self.limit, self.offset.map(|n| n as usize))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// How many cases match, over all pages.
    total: usize,
    offset: usize,
    limit: usize,
    cases: Vec<CaseListRow>,
}

/// A user as the review names them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Person {
    id: String,
    /// `None` for a user outside the viewer's scope (another team's worker holding the case).
    username: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrentCourse {
    id: String,
    service_code: String,
    start_date: String,
    planned_end_date: Option<String>,
    end_date: Option<String>,
    approval_state: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseListRow {
    id: String,
    /// `None` for an admin, who sees the figures but not who they are about.
    display_name: Option<String>,
    #[schema(value_type = Option<String>)]
    team_id: Option<TeamId>,
    tovholder: Option<Person>,
    assignees: Vec<Person>,
    open: bool,
    current_course: Option<CurrentCourse>,
    last_contact_at: Option<i64>,
    alert_kinds: Vec<String>,
    last_srs_below_cutoff: Option<bool>,
    next_follow_up_due: Option<String>,
    follow_up_overdue: bool,
    awaiting_approval: bool,
    conflicts: i64,
    refused_changes: i64,
    /// `GET` this for the case's review page.
    review: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseReview {
    id: String,
    #[schema(value_type = Option<String>)]
    team_id: Option<TeamId>,
    assignees: Vec<Person>,
    /// The typed case as it stands (goals, courses, contacts with their notes, follow-ups, outcomes).
    case: Case,
    /// The projection's rows: what the figures count.
    goals: Vec<GoalRow>,
    courses: Vec<CourseRow>,
    /// Contacts, newest first (no notes: those are in `case`).
    contacts: Vec<ContactRow>,
    /// One FIT series per course (and one for contacts without a course), with the rule set's assessment.
    fit: Vec<FitSeries>,
    /// Each goal's status steps, oldest first, from the document's own changes.
    goal_history: BTreeMap<String, Vec<StatusStep>>,
    /// Fields with concurrent values, every value with the actor that wrote it.
    conflicts: Vec<Conflict>,
    /// Who wrote with each actor named above (conflict values, history steps), where the server knows it.
    authors: BTreeMap<String, Person>,
    refused_changes: Vec<RefusedChange>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FitSeries {
    course_id: Option<String>,
    /// The contacts of the series, in the order assessed: (contact id, start in ms).
    contacts: Vec<(String, i64)>,
    assessment: Assessment,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RefusedChange {
    id: String,
    #[schema(value_type = Option<String>)]
    device_id: Option<DeviceId>,
    #[schema(value_type = Option<String>)]
    user_id: Option<UserId>,
    reason: String,
    message: String,
    byte_len: i64,
    created_at: i64,
    resolved_at: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Settings {
    /// The caseload per worker the municipality aims for; `null`: not set.
    recommended_caseload: Option<i64>,
    /// How many days after its last course ended a case stays on its workers' devices; `null`: until unassigned.
    device_retention_days: Option<i64>,
    updated_at: Option<i64>,
}

/// A change of settings: a field left out keeps its value, `null` unsets it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    recommended_caseload: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 3650)]
    device_retention_days: Option<Option<i64>>,
}

/// A field that is there, `null` or not (one left out is `None` through `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Per team and worker: caseloads and the figures a lead acts on, each with the list behind it.
#[utoipa::path(get, path = "/v1/review/dashboard", tag = "review", params(DashboardQuery), security(("bearer" = [])), responses((status = 200, body = Dashboard), super::Refusals))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Json<Dashboard>, ApiError> {
    // Anyone may review their scope: the store's rule narrows it by role.
    let viewer = caller::viewer(&state.store, &caller).await?;
    let Query(query) = query.map_err(bad_query)?;
    check_id("team", query.team.as_deref())?;
    let now = clock::now_ms();
    let data = state
        .store
        .review_data(&viewer.user_id, now - review::BREAK_GLASS_DAYS * DAY_MS)
        .await?;
    let criterion = format!("dashboard team={}", query.team.as_deref().unwrap_or("*"));
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Search,
        None,
        PURPOSE,
        Some(&criterion),
    )
    .await?;
    let today = Date::from_unix_ms(now);
    let flags = review::case_flags(&data, today);
    let settings = state.store.tenant_settings(&viewer.tenant_id).await?;
    Ok(Json(review::dashboard(
        &data,
        &flags,
        &settings,
        today,
        query.team.as_deref(),
    )))
}

/// The cases behind a figure, filtered and paged (admin: tenant, without names; lead: team; worker: own).
#[utoipa::path(get, path = "/v1/review/cases", tag = "review", params(ListQuery), security(("bearer" = [])), responses((status = 200, body = CaseList), super::Refusals))]
pub async fn cases(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CaseList>, ApiError> {
    // Anyone may review their scope: the store's rule narrows it by role.
    let viewer = caller::viewer(&state.store, &caller).await?;
    let Query(query) = query.map_err(bad_query)?;
    let (filter, limit, offset) = query.into_parts();
    check_id("team", filter.team.as_deref())?;
    check_id("worker", filter.worker.as_deref())?;
    let limit = limit.unwrap_or(review::DEFAULT_PAGE);
    if !(1..=review::MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {}",
            review::MAX_PAGE
        )));
    }
    let offset = offset.unwrap_or(0);
    let now = clock::now_ms();
    let data = state.store.review_data(&viewer.user_id, now).await?;
    let flags = review::case_flags(&data, Date::from_unix_ms(now));
    let matching = review::list(&flags, &filter).map_err(|error| ApiError::BadRequest(error.0))?;
    // A search is logged with its criteria (ids, codes and dates only).
    let criterion = format!("cases {} limit={limit} offset={offset}", filter.query_string());
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Search,
        None,
        PURPOSE,
        Some(&criterion),
    )
    .await?;
    let cases = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|flags| list_row(flags, &data.users, authz::reads_citizen_names(&viewer)))
        .collect();
    Ok(Json(CaseList {
        total: matching.len(),
        offset,
        limit,
        cases,
    }))
}

/// One case for review: goals with their history, courses, contacts, FIT series, conflicts, refusals.
#[utoipa::path(get, path = "/v1/review/cases/{id}", tag = "review", params(("id" = String, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, body = CaseReview), super::Refusals))]
pub async fn case(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(case_id): Path<String>,
) -> Result<Json<CaseReview>, ApiError> {
    // Anyone may review their scope: the store's rule narrows it by role.
    let viewer = caller::viewer(&state.store, &caller).await?;
    // Admins manage users, devices and settings and see the figures; the case itself is the leads' and the workers'
    // (the same answer for every id, so it tells nothing about which cases exist).
    if case_id.chars().count() > MAX_ID_CHARS {
        caller::require(authz::check(
            &viewer,
            Act::ReviewCase,
            On::Case {
                team: None,
                access: Access::Missing,
            },
        ))?;
    }
    let Some(doc_id) = parse_case_id(&case_id) else {
        // A path segment that is no case id is answered as a case that does not exist.
        let no_case = On::Case {
            team: None,
            access: Access::Hidden,
        };
        caller::require(authz::check(&viewer, Act::ReviewCase, no_case))?;
        return Err(ApiError::NotFound);
    };
    caller::may_on_case(&state.store, &viewer, Act::ReviewCase, &doc_id).await?;
    let stored = state
        .store
        .load_document(&doc_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Read,
        Some(&case_id),
        PURPOSE,
        Some("review"),
    )
    .await?;
    let bytes = stored.bytes;
    let rules = state.sync.rules.for_tenant(&viewer.tenant_id).await?;
    // Loading and assessing a long case is CPU work: off the async workers.
    let (case, conflicts, fit, goal_history) = tokio::task::spawn_blocking(move || {
        let doc = Automerge::load(&bytes).map_err(ApiError::internal)?;
        let case = read_case(&doc).map_err(ApiError::internal)?;
        let fit = series::series(&case, &rules)
            .into_iter()
            .map(|s| FitSeries {
                course_id: s.course.map(str::to_owned),
                contacts: s
                    .contacts
                    .iter()
                    .map(|(id, contact)| ((*id).to_owned(), contact.start_ms))
                    .collect(),
                assessment: s.assessment,
            })
            .collect::<Vec<_>>();
        Ok::<_, ApiError>((
            case,
            conflicts::list(&doc),
            fit,
            timeline::goal_status_history(&doc),
        ))
    })
    .await
    .map_err(ApiError::internal)??;
    let projection = state.store.projection_rows(&doc_id).await?;
    let mut assignees = Vec::new();
    for id in state.store.case_assignees(&doc_id).await? {
        let username = state
            .store
            .user_by_id(&id)
            .await?
            .filter(|user| user.tenant_id == viewer.tenant_id)
            .map(|user| user.username);
        assignees.push(Person {
            id: id.to_string(),
            username,
        });
    }
    let refused_changes = state
        .store
        .quarantined_for_case(&viewer.tenant_id, &doc_id)
        .await?
        .into_iter()
        .map(|entry| RefusedChange {
            id: entry.id,
            device_id: entry.device_id,
            user_id: entry.user_id,
            reason: entry.reason,
            message: entry.message,
            byte_len: entry.byte_len,
            created_at: entry.created_at,
            resolved_at: entry.resolved_at,
        })
        .collect();
    let mut actors: Vec<String> = conflicts
        .iter()
        .flat_map(|conflict| conflict.values.iter().map(|value| value.actor.clone()))
        .chain(
            goal_history
                .values()
                .flatten()
                .filter_map(|step| step.actor.clone()),
        )
        .collect();
    actors.sort();
    actors.dedup();
    let authors = state
        .store
        .actor_authors(&viewer.tenant_id, &actors)
        .await?
        .into_iter()
        .map(|(actor, id, username)| {
            (
                actor,
                Person {
                    id,
                    username: Some(username),
                },
            )
        })
        .collect();
    let mut contacts = projection.contacts;
    contacts.sort_by(|a, b| (b.start_ms, &b.contact_id).cmp(&(a.start_ms, &a.contact_id)));
    Ok(Json(CaseReview {
        id: case_id,
        team_id: stored.team_id,
        assignees,
        case,
        goals: projection.goals,
        courses: projection.courses,
        contacts,
        fit,
        goal_history,
        conflicts,
        authors,
        refused_changes,
    }))
}

/// The tenant's settings, e.g. the recommended caseload per worker.
#[utoipa::path(get, path = "/v1/settings", tag = "review", security(("bearer" = [])), responses((status = 200, body = Settings), super::Refusals))]
pub async fn settings(State(state): State<AppState>, caller: AuthUser) -> Result<Json<Settings>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    let settings = state.store.tenant_settings(&viewer.tenant_id).await?;
    Ok(Json(settings_body(settings)))
}

/// Change the tenant's settings (admin).
#[utoipa::path(put, path = "/v1/settings", tag = "review", request_body = SettingsChange, security(("bearer" = [])), responses((status = 200, body = Settings), super::Refusals))]
pub async fn change_settings(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(change): ApiJson<SettingsChange>,
) -> Result<Json<Settings>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    caller::may(&viewer, Act::ChangeSettings)?;
    if let Some(Some(caseload)) = change.recommended_caseload
        && !(1..=MAX_RECOMMENDED_CASELOAD).contains(&caseload)
    {
        return Err(ApiError::BadRequest(format!(
            "recommended_caseload must be between 1 and {MAX_RECOMMENDED_CASELOAD}, or null for not set"
        )));
    }
    if let Some(Some(days)) = change.device_retention_days
        && !(0..=MAX_DEVICE_RETENTION_DAYS).contains(&days)
    {
        return Err(ApiError::BadRequest(format!(
            "device_retention_days must be between 0 and {MAX_DEVICE_RETENTION_DAYS}, or null for until unassigned"
        )));
    }
    let mut settings = state.store.tenant_settings(&viewer.tenant_id).await?;
    if let Some(caseload) = change.recommended_caseload {
        settings.recommended_caseload = caseload;
    }
    if let Some(days) = change.device_retention_days {
        settings.device_retention_days = days;
    }
    let shown = |value: Option<i64>| value.map_or("null".to_owned(), |n| n.to_string());
    let criterion = format!(
        "recommended_caseload={};device_retention_days={}",
        shown(settings.recommended_caseload),
        shown(settings.device_retention_days)
    );
    state
        .store
        .set_tenant_settings(&viewer.tenant_id, &settings, &viewer.user_id, clock::now_ms())
        .await?;
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Change,
        None,
        SETTINGS_PURPOSE,
        Some(&criterion),
    )
    .await?;
    let settings = state.store.tenant_settings(&viewer.tenant_id).await?;
    Ok(Json(settings_body(settings)))
}

fn settings_body(settings: TenantSettings) -> Settings {
    Settings {
        recommended_caseload: settings.recommended_caseload,
        device_retention_days: settings.device_retention_days,
        updated_at: settings.updated_at,
    }
}

fn check_id(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    if value.is_some_and(|v| v.chars().count() > MAX_ID_CHARS) {
        return Err(ApiError::BadRequest(format!(
            "{field} is longer than {MAX_ID_CHARS} characters"
        )));
    }
    Ok(())
}

fn person(id: &str, users: &[ReviewUser]) -> Person {
    Person {
        id: id.to_owned(),
        username: users
            .iter()
            .find(|u| u.id.as_str() == id)
            .map(|u| u.username.clone()),
    }
}

/// A list row; the citizen's name only for those who may open the case (`named`: not an admin).
fn list_row(flags: &CaseFlags<'_>, users: &[ReviewUser], named: bool) -> CaseListRow {
    let case = flags.case;
    CaseListRow {
        id: case.doc_id.clone(),
        display_name: named.then(|| case.display_name.clone()),
        team_id: case.team_id.clone(),
        tovholder: case.tovholder.as_deref().map(|id| person(id, users)),
        assignees: flags.assignees.iter().map(|id| person(id, users)).collect(),
        open: case.is_open,
        current_course: flags.current_course.map(|course| CurrentCourse {
            id: course.course_id.clone(),
            service_code: course.service_code.clone(),
            start_date: course.start_date.clone(),
            planned_end_date: course.planned_end_date.clone(),
            end_date: course.end_date.clone(),
            approval_state: course.approval_state.clone(),
        }),
        last_contact_at: case.last_contact_at,
        alert_kinds: flags.alert_kinds.iter().map(|kind| (*kind).to_owned()).collect(),
        last_srs_below_cutoff: case.last_srs_below_cutoff,
        next_follow_up_due: case.next_follow_up_due.clone(),
        follow_up_overdue: flags.follow_up_overdue,
        awaiting_approval: flags.awaiting_approval,
        conflicts: flags.conflicts,
        refused_changes: flags.refusals,
        review: format!("/v1/review/cases/{}", case.doc_id),
    }
}
