//! The FIT series of a case: which contacts are assessed together, in which order. One rule, used by the server's
//! projection (the back office's alerts), `tov` and, through the vectors in `sync-core/tests/vectors/series.json`,
//! the web app, so that the phone and the back office raise the same alerts from the same document, offline.
//!
//! - Contacts are grouped by course; the contacts with no course, or naming a course the case does not have, form
//!   one more group, listed after the courses. Courses are in order of their start (ties by id).
//! - Each group is in chronological order, ties broken by contact id.
//! - Only the citizen's own ratings are assessed: a relative's or a professional's score is a different
//!   measurement, and mixing it in would make a change no one measured.
//! - A contact marked as made in error is left out of FIT altogether (it stays in the record, struck through).

use crate::fit::{Assessment, RaterKind, Rating, RuleSet, ScoredContact, assess};

use super::date::Date;
use super::model::{Case, Contact};

/// One group of contacts assessed together.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The course, or `None` for the contacts that belong to no course.
    pub course: Option<&'a str>,
    /// Chronological, ties broken by id; contacts made in error are not here.
    pub contacts: Vec<(&'a str, &'a Contact)>,
    pub assessment: Assessment,
}

impl Series<'_> {
    /// Whether the series is still running: an open course, or the contacts with no course.
    pub fn is_open(&self, case: &Case) -> bool {
        self.course
            .is_none_or(|id| case.courses.get(id).is_some_and(|course| course.end.is_none()))
    }
}

/// The calendar year of a contact (UTC), for age-dependent cutoffs.
pub fn contact_year(start_ms: i64) -> i32 {
    i32::try_from(Date::from_unix_ms(start_ms).year()).unwrap_or(i32::MAX)
}

/// The case's series: courses in order of their start, then the contacts with no course (if any).
pub fn series<'a>(case: &'a Case, rules: &RuleSet) -> Vec<Series<'a>> {
    let birth_year = case.citizen.birth_year.and_then(|y| i32::try_from(y).ok());
    let counted: Vec<(&str, &Contact)> = case
        .contacts
        .iter()
        .filter(|(_, c)| c.entered_in_error.is_none())
        .map(|(id, c)| (id.as_str(), c))
        .collect();
    // A contact naming a course the case does not have counts as having none.
    fn course_of<'c>(case: &Case, contact: &'c Contact) -> Option<&'c str> {
        contact
            .course
            .as_deref()
            .filter(|id| case.courses.contains_key(*id))
    }
    let mut courses: Vec<(&str, &str)> = case
        .courses
        .iter()
        .map(|(id, c)| (id.as_str(), c.start.as_str()))
        .collect();
    courses.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    let mut groups: Vec<Option<&str>> = courses.into_iter().map(|(id, _)| Some(id)).collect();
    if counted.iter().any(|(_, c)| course_of(case, c).is_none()) {
        groups.push(None);
    }
    groups
        .into_iter()
        .map(|course| {
            let mut contacts: Vec<(&str, &Contact)> = counted
                .iter()
                .filter(|(_, c)| course_of(case, c) == course)
                .copied()
                .collect();
            contacts.sort_by(|(a_id, a), (b_id, b)| a.start_ms.cmp(&b.start_ms).then(a_id.cmp(b_id)));
            let scored: Vec<ScoredContact> = contacts
                .iter()
                .map(|(_, c)| ScoredContact {
                    year: contact_year(c.start_ms),
                    ors: citizen_rating(c.ors.as_ref()),
                    srs: citizen_rating(c.srs.as_ref()),
                })
                .collect();
            Series {
                course,
                contacts,
                assessment: assess(rules, birth_year, &scored),
            }
        })
        .collect()
}

/// The series a worker is in now: the open course that started last, else the series with the latest contact.
pub fn current<'a, 'b>(case: &Case, all: &'b [Series<'a>]) -> Option<&'b Series<'a>> {
    let latest_contact = |s: &Series<'_>| s.contacts.last().map_or(i64::MIN, |(_, c)| c.start_ms);
    all.iter()
        .rev()
        .find(|s| s.course.is_some() && s.is_open(case))
        .or_else(|| all.iter().max_by_key(|s| latest_contact(s)))
}

fn citizen_rating(rating: Option<&Rating>) -> Option<Rating> {
    rating.filter(|r| r.rater == RaterKind::Citizen).cloned()
}
