//! The relational projection of one case document: the rows the back office queries instead of the CRDT.
//!
//! [`Projection::of`] is a pure function of the typed case, its conflicts and the FIT rule set, so the rows the
//! store holds can always be rebuilt from the document and compared (a test does exactly that). The store writes
//! a projection in the same transaction as the commit it belongs to (`Store::commit_document`).
//!
//! What is left out is as deliberate as what is in: no note text, no conflicting values (both may be citizen data),
//! only whether notes exist and how many values a conflicted field holds. Every row list is sorted by its key, so
//! two projections of the same document compare equal.

use sync_core::case::date::Date;
use sync_core::case::{Case, Conflict, Contact, Course, series};
use sync_core::fit::{Entry, RaterKind, Rating, RuleSet, ScoredContact, assess};

/// Every projection row of one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Projection {
    pub doc_id: String,
    pub contacts: Vec<ContactRow>,
    pub fit_scores: Vec<FitScoreRow>,
    pub goals: Vec<GoalRow>,
    pub courses: Vec<CourseRow>,
    pub alerts: Vec<AlertRow>,
    pub conflicts: Vec<ConflictRow>,
    pub summary: CaseSummary,
    /// One row per course: sync-core's assessment of its FIT series, for the statistics.
    pub course_fit: Vec<CourseFitRow>,
    pub outcomes: Vec<OutcomeRow>,
}

/// An outcome event, without its note.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OutcomeRow {
    pub outcome_id: String,
    /// One of sync-core's OUTCOME_KINDS (`own_home`, `job`, `job_special_terms`, `less_support`, `support_ended`,
    /// `self_support`).
    pub kind: String,
    pub date: String,
    pub in_error: bool,
}

/// The version of what [`Projection::of`] writes: cases whose rows are older are rebuilt at start-up
/// (`crate::backfill`). Raise it when a migration adds a projection table or column.
pub const PROJECTION_VERSION: i64 = 5;

/// The assessment of one course's FIT series (`proj_course_fit`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CourseFitRow {
    pub course_id: String,
    pub start_date: String,
    pub planned_end_date: Option<String>,
    pub end_date: Option<String>,
    pub end_reason: Option<String>,
    /// Whole years at the course's start; `None` without a birth year.
    pub age_at_start: Option<i64>,
    /// Contacts in the series (not those made in error).
    pub contacts: i64,
    pub intake_ors_mm: Option<i64>,
    /// The first SRS total of the series.
    pub intake_srs_mm: Option<i64>,
    pub change_mm: Option<i64>,
    /// sync-core's change category, snake_case.
    pub category: String,
    pub rule_set_version: String,
}

/// The one row per case the review's dashboard and lists read (`proj_cases`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub display_name: String,
    pub birth_year: Option<i64>,
    /// The user id of the tovholder.
    pub tovholder: Option<String>,
    /// Open until every course of the case (at least one) has ended.
    pub is_open: bool,
    /// Once closed, the day its last course ended (days since 1970-01-01): the case leaves its workers' phones a
    /// retention the municipality sets after it.
    pub closed_day: Option<i64>,
    pub current_course_id: Option<String>,
    /// The start of the latest contact not made in error.
    pub last_contact_ms: Option<i64>,
    /// Whether the latest contact with a usable SRS total had it below the cutoff.
    pub last_srs_below_cutoff: Option<bool>,
    /// The earliest due date of a follow-up that is neither done nor made in error.
    pub next_follow_up_due: Option<String>,
}

/// One contact, without its notes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ContactRow {
    pub contact_id: String,
    pub kind: String,
    pub start_ms: i64,
    pub duration_minutes: i64,
    pub course_id: Option<String>,
    pub recorded_by: String,
    pub has_notes: bool,
    /// Marked as made in error: kept in the record, left out of FIT (no score rows, no alerts).
    pub in_error: bool,
}

/// One FIT rating, in the contact's `ors` or `srs` slot.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FitScoreRow {
    pub contact_id: String,
    /// `ors` or `srs`: the slot, whichever instrument filled it.
    pub slot: String,
    /// `ors`, `srs`, `cors`, `csrs` or `gsrs`.
    pub instrument: String,
    /// `items`, `paper_total` or `skipped`.
    pub entry: String,
    /// The four item scores in millimetres; `None` unless the entry holds exactly four.
    pub items_mm: Option<[i64; 4]>,
    pub total_mm: Option<i64>,
    pub paper_total: bool,
    /// `citizen`, `relative` or `professional`.
    pub rater: String,
    /// ORS: the total is clinical; SRS: the total is below the SRS cutoff. `None` without a usable total.
    pub below_cutoff: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct GoalRow {
    pub goal_id: String,
    pub parent_id: Option<String>,
    pub level: String,
    pub goal_type: String,
    pub status: String,
    pub title: String,
    pub target_date: Option<String>,
    pub created_ms: i64,
    pub in_error: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CourseRow {
    pub course_id: String,
    pub service_code: String,
    pub legal_basis: String,
    pub start_date: String,
    pub planned_end_date: Option<String>,
    pub end_date: Option<String>,
    pub end_reason: Option<String>,
    pub granted_minutes_per_week: i64,
    pub approval_state: String,
    pub in_error: bool,
}

/// One FIT alert of a course as it stands now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AlertRow {
    /// The course the alert is about; `None` for the group of contacts that belong to no course.
    pub course_id: Option<String>,
    /// The alert kind's stable snake_case name, e.g. `srs_below_cutoff`.
    pub kind: String,
    pub contact_id: Option<String>,
    /// The neutral item key, for `srs_item_low` only.
    pub item: Option<String>,
    pub rule_set_version: String,
}

/// A field with concurrent values: where, and how many. Never the values.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ConflictRow {
    /// Dotted path, e.g. `plan.goals.<id>.status`.
    pub path: String,
    pub value_count: i64,
}

impl Projection {
    /// The projection of `case` (the document `doc_id`), with its `conflicts` and the FIT `rules`.
    pub fn of(doc_id: &str, case: &Case, conflicts: &[Conflict], rules: &RuleSet) -> Projection {
        let birth_year = case.citizen.birth_year.and_then(|year| i32::try_from(year).ok());
        let mut fit_scores = Vec::new();
        // A contact made in error stays in the record but is left out of FIT.
        for (id, contact) in case.contacts.iter().filter(|(_, c)| c.entered_in_error.is_none()) {
            for (slot, rating) in [("ors", &contact.ors), ("srs", &contact.srs)] {
                if let Some(rating) = rating {
                    fit_scores.push(fit_score(id, slot, contact, rating, birth_year, rules));
                }
            }
        }
        let mut conflicts: Vec<ConflictRow> = conflicts
            .iter()
            .map(|conflict| ConflictRow {
                path: conflict.field(),
                value_count: i64::try_from(conflict.values.len()).unwrap_or(i64::MAX),
            })
            .collect();
        conflicts.sort_by(|a, b| a.path.cmp(&b.path));
        let summary = summary(case, &fit_scores);
        let all_series = series::series(case, rules);
        Projection {
            doc_id: doc_id.to_owned(),
            contacts: case.contacts.iter().map(|(id, c)| contact_row(id, c)).collect(),
            fit_scores,
            goals: case
                .plan
                .goals
                .iter()
                .map(|(id, goal)| GoalRow {
                    goal_id: id.clone(),
                    parent_id: goal.parent.clone(),
                    level: goal.level.clone(),
                    goal_type: goal.goal_type.clone(),
                    status: goal.status.clone(),
                    title: goal.title.clone(),
                    target_date: goal.target_date.clone(),
                    created_ms: goal.created_ms,
                    in_error: goal.entered_in_error.is_some(),
                })
                .collect(),
            courses: case
                .courses
                .iter()
                .map(|(id, course)| CourseRow {
                    course_id: id.clone(),
                    service_code: course.service.clone(),
                    legal_basis: course.legal_basis.clone(),
                    start_date: course.start.clone(),
                    planned_end_date: course.planned_end.clone(),
                    end_date: course.end.clone(),
                    end_reason: course.end_reason.clone(),
                    granted_minutes_per_week: course.granted_minutes_per_week,
                    approval_state: course.approval.state.clone(),
                    in_error: course.entered_in_error.is_some(),
                })
                .collect(),
            alerts: alerts(&all_series),
            course_fit: course_fit(case, &all_series),
            outcomes: case
                .outcomes
                .iter()
                .map(|(id, outcome)| OutcomeRow {
                    outcome_id: id.clone(),
                    kind: outcome.kind.clone(),
                    date: outcome.date.clone(),
                    in_error: outcome.entered_in_error.is_some(),
                })
                .collect(),
            conflicts,
            summary,
        }
    }
}

fn summary(case: &Case, fit_scores: &[FitScoreRow]) -> CaseSummary {
    let courses: Vec<(&String, &Course)> = case
        .courses
        .iter()
        .filter(|(_, course)| course.entered_in_error.is_none())
        .collect();
    let is_open = courses.is_empty() || courses.iter().any(|(_, course)| course.end.is_none());
    // ISO dates compare as strings; the id breaks ties so the choice is stable.
    let latest = |running_only: bool| {
        courses
            .iter()
            .filter(|(_, course)| !running_only || course.end.is_none())
            .max_by(|(a_id, a), (b_id, b)| (&a.start, a_id).cmp(&(&b.start, b_id)))
            .map(|(id, _)| (*id).clone())
    };
    let current_course_id = latest(true).or_else(|| latest(false));
    // Dates are validated before a commit; one that does not parse leaves the case on the phones, never off them.
    let closed_day = if is_open {
        None
    } else {
        courses
            .iter()
            .filter_map(|(_, course)| course.end.as_deref())
            .map(|end| Date::parse(end, "end").map(Date::days_since_epoch))
            .collect::<Result<Vec<i64>, _>>()
            .ok()
            .and_then(|days| days.into_iter().max())
    };
    let live_contacts = || case.contacts.iter().filter(|(_, c)| c.entered_in_error.is_none());
    let last_contact_ms = live_contacts().map(|(_, c)| c.start_ms).max();
    let last_srs_below_cutoff = fit_scores
        .iter()
        .filter(|score| score.slot == "srs")
        .filter_map(|score| {
            let below = score.below_cutoff?;
            let contact = case.contacts.get(&score.contact_id)?;
            Some(((contact.start_ms, &score.contact_id), below))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, below)| below);
    let next_follow_up_due = case
        .follow_ups
        .values()
        .filter(|f| !f.done && f.entered_in_error.is_none())
        .map(|f| f.due.clone())
        .min();
    CaseSummary {
        display_name: case.citizen.display_name.clone(),
        birth_year: case.citizen.birth_year,
        tovholder: case.tovholder.clone(),
        is_open,
        closed_day,
        current_course_id,
        last_contact_ms,
        last_srs_below_cutoff,
        next_follow_up_due,
    }
}

fn contact_row(id: &str, contact: &Contact) -> ContactRow {
    ContactRow {
        contact_id: id.to_owned(),
        kind: contact.kind.clone(),
        start_ms: contact.start_ms,
        duration_minutes: contact.duration_minutes,
        course_id: contact.course.clone(),
        recorded_by: contact.recorded_by.clone(),
        has_notes: !contact.notes.as_str().trim().is_empty(),
        in_error: contact.entered_in_error.is_some(),
    }
}

fn fit_score(
    contact_id: &str,
    slot: &str,
    contact: &Contact,
    rating: &Rating,
    birth_year: Option<i32>,
    rules: &RuleSet,
) -> FitScoreRow {
    // The flag comes from the rule set's own assessment of this one rating, so the age, cutoff and "usable"
    // rules are sync-core's and cannot drift from what the phone shows.
    let single = ScoredContact {
        year: contact_year(contact),
        ors: (slot == "ors").then(|| rating.clone()),
        srs: (slot == "srs").then(|| rating.clone()),
    };
    let assessed = assess(rules, birth_year, std::slice::from_ref(&single));
    let below_cutoff = assessed.contacts.first().and_then(|c| {
        if slot == "ors" {
            c.ors_clinical
        } else {
            c.srs_below_cutoff
        }
    });
    let (entry, items_mm) = match &rating.entry {
        Entry::Items { items } => ("items", <[i64; 4]>::try_from(items.as_slice()).ok()),
        Entry::PaperTotal { .. } => ("paper_total", None),
        Entry::Skipped => ("skipped", None),
    };
    FitScoreRow {
        contact_id: contact_id.to_owned(),
        slot: slot.to_owned(),
        instrument: rating.instrument.abbreviation().to_lowercase(),
        entry: entry.to_owned(),
        items_mm,
        total_mm: rating.total_mm(),
        paper_total: rating.is_paper_total(),
        rater: rater_name(rating.rater).to_owned(),
        below_cutoff,
    }
}

/// The alerts of every FIT series of the case (`sync_core::case::series`: the grouping every client uses).
fn alerts(all_series: &[series::Series<'_>]) -> Vec<AlertRow> {
    let mut rows = Vec::new();
    for series in all_series {
        for alert in series.assessment.alerts.iter().cloned() {
            rows.push(AlertRow {
                course_id: series.course.map(str::to_owned),
                kind: alert_kind_name(&alert.kind),
                contact_id: alert
                    .contact_index
                    .and_then(|index| series.contacts.get(index))
                    .map(|(id, _)| (*id).to_owned()),
                item: alert.item,
                rule_set_version: alert.rule_set_version,
            });
        }
    }
    rows
}

/// One row per course with a series, from sync-core's assessment of it: never a second implementation.
fn course_fit(case: &Case, all_series: &[series::Series<'_>]) -> Vec<CourseFitRow> {
    let mut rows: Vec<CourseFitRow> = all_series
        .iter()
        .filter_map(|series| {
            let id = series.course?;
            // A course made in error stays in the record but is no course of the statistics.
            let course = case
                .courses
                .get(id)
                .filter(|course| course.entered_in_error.is_none())?;
            let assessment = &series.assessment;
            let start_year = sync_core::case::date::Date::parse(&course.start, "start")
                .ok()
                .map(sync_core::case::date::Date::year);
            Some(CourseFitRow {
                course_id: id.to_owned(),
                start_date: course.start.clone(),
                planned_end_date: course.planned_end.clone(),
                end_date: course.end.clone(),
                end_reason: course.end_reason.clone(),
                age_at_start: start_year
                    .zip(case.citizen.birth_year)
                    .map(|(year, born)| year - born)
                    .filter(|age| *age >= 0),
                contacts: i64::try_from(series.contacts.len()).unwrap_or(i64::MAX),
                intake_ors_mm: assessment
                    .intake_index
                    .and_then(|i| assessment.contacts.get(i))
                    .and_then(|c| c.ors_total_mm),
                intake_srs_mm: assessment.contacts.iter().find_map(|c| c.srs_total_mm),
                change_mm: assessment.change_mm,
                category: snake_name(&assessment.category),
                rule_set_version: assessment.rule_set_version.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.course_id.cmp(&b.course_id));
    rows
}

fn contact_year(contact: &Contact) -> i32 {
    series::contact_year(contact.start_ms)
}

fn rater_name(rater: RaterKind) -> &'static str {
    match rater {
        RaterKind::Citizen => "citizen",
        RaterKind::Relative => "relative",
        RaterKind::Professional => "professional",
    }
}

/// The alert kind's serde name, the stable code clients and vectors use.
fn alert_kind_name(kind: &sync_core::fit::AlertKind) -> String {
    snake_name(kind)
}

/// A unit enum's serde name (snake_case in sync-core's FIT types).
fn snake_name<T: serde::Serialize + std::fmt::Debug>(kind: &T) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        // A unit enum variant always serialises to a string; this arm only satisfies the type.
        _ => format!("{kind:?}"),
    }
}
