//! The FIT series of a case: which contacts are assessed together, in which order. One rule, used by the server's
//! projection (the back office's alerts), `tov` and, through the vectors in `sync-core/tests/vectors/series.json`,
//! the web app, so that the phone and the back office raise the same alerts from the same document, offline.
//!
//! - Contacts are grouped by course; the contacts with no course, or naming a course the case does not have, form
//!   one more group, listed after the courses. Courses are in order of their start (ties by id).
//! - Each group is in chronological order, ties broken by contact id.
//! - The citizen's series assess only the citizen's own ratings: a relative's or a professional's score is a
//!   different measurement, and mixing it in would make a change no one measured. Where someone else rated in the
//!   citizen's place, the citizen's rating counts as skipped, not as missing: the contact was rated, and an
//!   `srs_missing` alert would send the worker after a form that was filled in.
//! - Each other rater (relative, professional) has series of its own ([`collateral`]), grouped the same way and
//!   holding only the contacts that rater rated; an absent session rating there is not missing either, since a
//!   collateral rater is not asked at every contact. They are shown beside the citizen's, never merged.
//! - A contact marked as made in error is left out of FIT altogether (it stays in the record, struck through).

use crate::fit::{Assessment, RaterKind, Rating, RuleSet, ScoredContact, assess};

use super::date::Date;
use super::model::{Case, Contact};

/// One group of contacts assessed together.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The course, or `None` for the contacts that belong to no course.
    pub course: Option<&'a str>,
    /// Whose ratings are assessed: the citizen's in [`series`], another rater's in [`collateral`].
    pub rater: RaterKind,
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

/// The case's series of the citizen's own ratings: courses in order of their start, then the contacts with no
/// course (if any).
pub fn series<'a>(case: &'a Case, rules: &RuleSet) -> Vec<Series<'a>> {
    groups(case)
        .into_iter()
        .map(|(course, contacts)| assessed(case, rules, course, RaterKind::Citizen, contacts))
        .collect()
}

/// The series of the other raters: for each group of [`series`], in the same order, one series per rater kind
/// (relatives, then professionals) that rated a contact of it, holding only the contacts that rater rated.
pub fn collateral<'a>(case: &'a Case, rules: &RuleSet) -> Vec<Series<'a>> {
    let rated_by = |contact: &Contact, rater: RaterKind| {
        [contact.ors.as_ref(), contact.srs.as_ref()]
            .into_iter()
            .flatten()
            .any(|r| r.rater == rater)
    };
    let mut all = Vec::new();
    for (course, contacts) in groups(case) {
        for rater in [RaterKind::Relative, RaterKind::Professional] {
            let theirs: Vec<_> = contacts
                .iter()
                .filter(|(_, c)| rated_by(c, rater))
                .copied()
                .collect();
            if !theirs.is_empty() {
                all.push(assessed(case, rules, course, rater, theirs));
            }
        }
    }
    all
}

/// A course (or none) and its contacts, by id.
type Group<'a> = (Option<&'a str>, Vec<(&'a str, &'a Contact)>);

/// The contacts that count for FIT, grouped: by course in order of the courses' start (ties by id), then the
/// contacts with no course, or naming a course the case does not have; each group chronological, ties by id.
fn groups(case: &Case) -> Vec<Group<'_>> {
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
            (course, contacts)
        })
        .collect()
}

/// Assesses `rater`'s ratings of `contacts`.
fn assessed<'a>(
    case: &Case,
    rules: &RuleSet,
    course: Option<&'a str>,
    rater: RaterKind,
    contacts: Vec<(&'a str, &'a Contact)>,
) -> Series<'a> {
    let birth_year = case.citizen.birth_year.and_then(|y| i32::try_from(y).ok());
    let scored: Vec<ScoredContact> = contacts
        .iter()
        .map(|(_, c)| ScoredContact {
            year: contact_year(c.start_ms),
            ors: rating_of(c.ors.as_ref(), rater),
            srs: session_rating_of(c.srs.as_ref(), rater),
        })
        .collect();
    Series {
        course,
        rater,
        contacts,
        assessment: assess(rules, birth_year, &scored),
    }
}

/// The series a worker is in now: the open course that started last, else the series with the latest contact.
pub fn current<'a, 'b>(case: &Case, all: &'b [Series<'a>]) -> Option<&'b Series<'a>> {
    let latest_contact = |s: &Series<'_>| s.contacts.last().map_or(i64::MIN, |(_, c)| c.start_ms);
    all.iter()
        .rev()
        .find(|s| s.course.is_some() && s.is_open(case))
        .or_else(|| all.iter().max_by_key(|s| latest_contact(s)))
}

/// `rater`'s rating; one given by someone else in the citizen's place counts as the citizen's skipped (rated, so
/// not missing, but no total of theirs).
fn rating_of(rating: Option<&Rating>, rater: RaterKind) -> Option<Rating> {
    match rating {
        Some(r) if r.rater == rater => Some(r.clone()),
        Some(r) if rater == RaterKind::Citizen => Some(Rating::skipped(r.instrument, rater)),
        _ => None,
    }
}

/// As [`rating_of`]; and a collateral rater's absent session rating is not missing: they are not asked at every
/// contact.
fn session_rating_of(rating: Option<&Rating>, rater: RaterKind) -> Option<Rating> {
    match rating_of(rating, rater) {
        None if rater != RaterKind::Citizen => Some(Rating::skipped(
            rating.map_or(crate::fit::Instrument::Srs, |r| r.instrument),
            rater,
        )),
        other => other,
    }
}
