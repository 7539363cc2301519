//! What the device shows of a case at a glance: its current course, last contact and FIT alerts.
//!
//! The FIT assessment is grouped the way the server's projection groups it, so the phone and the back office
//! raise the same alerts from the same document, offline: contacts by course (the contacts with no course form one
//! more group), each group in chronological order, the citizen's own ratings only (a relative's score is another
//! series). The caseload lists the alerts of the groups still running: the open courses and the contacts with no
//! course. An ended course's alerts are history, shown with the case itself.

use sync_core::DocumentId;
use sync_core::case::date::Date;
use sync_core::case::{Case, Contact};
use sync_core::fit::{AlertKind, Assessment, RaterKind, Rating, RuleSet, ScoredContact, assess};

/// One group of contacts assessed together.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The course, or `None` for the contacts that belong to no course.
    pub course: Option<&'a str>,
    /// Chronological, ties broken by id (as the server does).
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

fn citizen_rating(rating: Option<&Rating>) -> Option<Rating> {
    rating.filter(|r| r.rater == RaterKind::Citizen).cloned()
}

/// The calendar year of a contact (UTC, as the server computes it), for age-dependent cutoffs.
pub fn contact_year(start_ms: i64) -> i32 {
    i32::try_from(Date::from_unix_ms(start_ms).year()).unwrap_or(i32::MAX)
}

/// The case's series: courses in order of their start, then the contacts with no course (if any).
pub fn series<'a>(case: &'a Case, rules: &RuleSet) -> Vec<Series<'a>> {
    let birth_year = case.citizen.birth_year.and_then(|y| i32::try_from(y).ok());
    let mut courses: Vec<(&str, &str)> = case
        .courses
        .iter()
        .map(|(id, c)| (id.as_str(), c.start.as_str()))
        .collect();
    courses.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    let mut groups: Vec<Option<&str>> = courses.into_iter().map(|(id, _)| Some(id)).collect();
    if case.contacts.values().any(|c| {
        c.course
            .as_deref()
            .is_none_or(|id| !case.courses.contains_key(id))
    }) {
        groups.push(None);
    }
    groups
        .into_iter()
        .map(|course| {
            let mut contacts: Vec<(&str, &Contact)> = case
                .contacts
                .iter()
                .filter(|(_, c)| match course {
                    Some(id) => c.course.as_deref() == Some(id),
                    // A contact naming a course the case does not have counts as having none.
                    None => c
                        .course
                        .as_deref()
                        .is_none_or(|id| !case.courses.contains_key(id)),
                })
                .map(|(id, c)| (id.as_str(), c))
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

/// One line of the caseload.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: DocumentId,
    pub name: String,
    pub reference: String,
    /// The current course: its legal basis and start.
    pub course: Option<(String, String)>,
    /// The latest contact: its start and kind code.
    pub last_contact: Option<(i64, String)>,
    /// The alerts of the running series, each kind once, in the rule set's order.
    pub alerts: Vec<AlertKind>,
    pub conflicts: usize,
    pub pending: bool,
    pub refused: bool,
}

impl CaseSummary {
    pub fn of(id: DocumentId, case: &Case, rules: &RuleSet) -> CaseSummary {
        let all = series(case, rules);
        let mut alerts: Vec<AlertKind> = all
            .iter()
            .filter(|s| s.is_open(case))
            .flat_map(|s| s.assessment.alerts.iter().map(|a| a.kind))
            .collect();
        alerts.sort_by_key(|kind| AlertKind::ALL.iter().position(|k| k == kind));
        alerts.dedup();
        let course = current(case, &all)
            .and_then(|s| s.course)
            .and_then(|id| case.courses.get(id))
            .map(|c| (c.legal_basis.clone(), c.start.clone()));
        let last_contact = case
            .contacts
            .values()
            .max_by_key(|c| c.start_ms)
            .map(|c| (c.start_ms, c.kind.clone()));
        CaseSummary {
            id,
            name: case.citizen.display_name.clone(),
            reference: case.citizen.reference.clone(),
            course,
            last_contact,
            alerts,
            conflicts: 0,
            pending: false,
            refused: false,
        }
    }
}
