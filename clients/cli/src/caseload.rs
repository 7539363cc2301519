//! What the device shows of a case at a glance: its current course, last contact, FIT alerts, and what is due
//! (sync-core's `case::agenda`: overdue follow-ups, courses ending within 14 days).
//!
//! The FIT series are sync-core's (`sync_core::case::series`), the grouping the server's projection uses too, so
//! the phone and the back office raise the same alerts from the same document, offline. The caseload lists the
//! alerts of the series still running: the open courses and the contacts with no course. An ended course's alerts
//! are history, shown with the case itself.

use sync_core::DocumentId;
use sync_core::case::Case;
use sync_core::case::agenda::{Agenda, agenda};
use sync_core::case::date::Date;
use sync_core::case::series::{current, series};
use sync_core::fit::{AlertKind, RuleSet};

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
    /// What is due today.
    pub agenda: Agenda,
    pub conflicts: usize,
    pub pending: bool,
    pub refused: bool,
}

impl CaseSummary {
    pub fn of(id: DocumentId, case: &Case, rules: &RuleSet, today: Date) -> CaseSummary {
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
            agenda: agenda(case, today),
            conflicts: 0,
            pending: false,
            refused: false,
        }
    }
}
