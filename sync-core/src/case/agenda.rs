//! What is due on a case, as the caseload marks it (DOMAIN.md: time-limited courses with a planned end, follow-up
//! up to four times a year). One rule for `tov`, the web app (pinned by `tests/vectors/agenda.json`) and the back
//! office:
//!
//! - A follow-up is **overdue** when it is not done, not marked as made in error, and its due date is before today.
//! - A course **ends soon** when it is still open (no end date), not marked in error, and its planned end is at
//!   most [`ENDS_SOON_DAYS`] days away; a planned end already passed counts too (the course ran over and needs
//!   ending or extending), with a negative number of days.
//! - The **next follow-up** offered is a quarter ([`FOLLOW_UP_INTERVAL_DAYS`]) after the latest follow-up planned
//!   (done or not), but today when that is already past; a quarter from today when none is planned.
//!
//! - A **punch card** (a course granted as sessions) shows what is left: the sessions granted less the contacts
//!   recorded in the course (not those made in error), for each open course not made in error; negative when more
//!   were held than granted.
//!
//! Dates that do not parse are left out rather than guessed (validation refuses them in new changes anyway).

use super::date::Date;
use super::model::Case;

/// How close a planned end must be for the caseload to mark the course.
pub const ENDS_SOON_DAYS: i64 = 14;
/// Four follow-ups a year: one every 91 days.
pub const FOLLOW_UP_INTERVAL_DAYS: i64 = 91;

/// A course whose planned end is near or passed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EndingCourse {
    pub id: String,
    pub planned_end: String,
    /// Days from today to the planned end; negative when it has passed.
    pub days_left: i64,
}

/// A punch card's count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PunchCard {
    /// The course.
    pub id: String,
    pub granted: i64,
    pub used: i64,
    /// Granted less used; negative when more sessions were held than granted.
    pub left: i64,
}

/// What is due on one case on one day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Agenda {
    /// Ids of overdue follow-ups, earliest due first (ties by id).
    pub overdue_follow_ups: Vec<String>,
    /// Courses ending soon, earliest planned end first (ties by id).
    pub courses_ending: Vec<EndingCourse>,
    /// The date to offer for the next follow-up, YYYY-MM-DD.
    pub next_follow_up: String,
    /// The open courses' punch cards, by course id.
    pub punch_cards: Vec<PunchCard>,
}

impl Agenda {
    /// Whether the caseload should mark the case.
    pub fn needs_attention(&self) -> bool {
        !self.overdue_follow_ups.is_empty() || !self.courses_ending.is_empty()
    }
}

/// The agenda of `case` on `today`.
pub fn agenda(case: &Case, today: Date) -> Agenda {
    let parse = |text: &str| Date::parse(text, "date").ok();
    let mut overdue: Vec<(Date, &str)> = case
        .follow_ups
        .iter()
        .filter(|(_, f)| !f.done && f.entered_in_error.is_none())
        .filter_map(|(id, f)| parse(&f.due).map(|due| (due, id.as_str())))
        .filter(|(due, _)| *due < today)
        .collect();
    overdue.sort();
    let mut ending: Vec<(Date, &str)> = case
        .courses
        .iter()
        .filter(|(_, c)| c.end.is_none() && c.entered_in_error.is_none())
        .filter_map(|(id, c)| {
            c.planned_end
                .as_deref()
                .and_then(parse)
                .map(|end| (end, id.as_str()))
        })
        .filter(|(end, _)| today.days_until(*end) <= ENDS_SOON_DAYS)
        .collect();
    ending.sort();
    let latest_planned = case
        .follow_ups
        .values()
        .filter(|f| f.entered_in_error.is_none())
        .filter_map(|f| parse(&f.due))
        .max();
    let next = match latest_planned {
        Some(latest) => latest.plus_days(FOLLOW_UP_INTERVAL_DAYS).max(today),
        None => today.plus_days(FOLLOW_UP_INTERVAL_DAYS),
    };
    Agenda {
        overdue_follow_ups: overdue.into_iter().map(|(_, id)| id.to_owned()).collect(),
        courses_ending: ending
            .into_iter()
            .map(|(end, id)| EndingCourse {
                id: id.to_owned(),
                planned_end: end.to_string(),
                days_left: today.days_until(end),
            })
            .collect(),
        next_follow_up: next.to_string(),
        punch_cards: punch_cards(case),
    }
}

/// The punch cards of the case's open courses (BTreeMap order: by course id).
fn punch_cards(case: &Case) -> Vec<PunchCard> {
    case.courses
        .iter()
        .filter(|(_, c)| c.end.is_none() && c.entered_in_error.is_none())
        .filter_map(|(id, c)| {
            let granted = c.granted_sessions?;
            let used = case
                .contacts
                .values()
                .filter(|contact| contact.entered_in_error.is_none() && contact.course.as_deref() == Some(id))
                .count();
            let used = i64::try_from(used).unwrap_or(i64::MAX);
            Some(PunchCard {
                id: id.clone(),
                granted,
                used,
                left: granted - used,
            })
        })
        .collect()
}
