//! The caseload table of `tov cases`: one line per citizen, with markers for what needs attention.

use std::fmt::Write;

use sync_core::case::codes;

use super::{alert_marker, fit, label, short};
use crate::caseload::CaseSummary;
use crate::time;

/// Renders the table; `summaries` are shown in the order given.
pub fn render(summaries: &[CaseSummary]) -> String {
    if summaries.is_empty() {
        return "No cases on this device. Run `tov sync`, or create one with `tov case new`.\n".to_owned();
    }
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        "{}  {}  {}  {}  {}  ALERTS",
        fit("ID", 8),
        fit("CITIZEN", 24),
        fit("COURSE", 17),
        fit("LAST CONTACT", 28),
        fit("", 3),
    );
    for summary in summaries {
        let course = summary.course.as_ref().map_or_else(
            || "-".to_owned(),
            |(basis, start)| {
                format!(
                    "{} {start}",
                    label(codes::LEGAL_BASES, basis)
                        .split(' ')
                        .next()
                        .unwrap_or(basis)
                )
            },
        );
        let last = summary.last_contact.as_ref().map_or_else(
            || "-".to_owned(),
            |(ms, kind)| {
                format!(
                    "{} {}",
                    time::local_date(*ms),
                    label(codes::CONTACT_KINDS, kind).to_lowercase()
                )
            },
        );
        let flags = format!(
            "{}{}{}",
            if summary.pending { "*" } else { "" },
            if summary.conflicts > 0 { "!" } else { "" },
            if summary.refused { "R" } else { "" },
        );
        let mut alerts: Vec<String> = summary
            .alerts
            .iter()
            .map(|kind| alert_marker(*kind).to_owned())
            .collect();
        if !summary.agenda.overdue_follow_ups.is_empty() {
            alerts.push("follow-up-overdue".to_owned());
        }
        if let Some(ending) = summary.agenda.courses_ending.first() {
            alerts.push(if ending.days_left < 0 {
                format!("course-ran-over:{}", ending.planned_end)
            } else {
                format!("course-ends:{}", ending.planned_end)
            });
        }
        // A punch card down to its last session (or past it) needs a new grant or an end.
        if let Some(card) = summary.agenda.punch_cards.iter().find(|card| card.left <= 1) {
            alerts.push(format!("sessions-left:{}", card.left));
        }
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}  {}",
            fit(short(&summary.id.to_string()), 8),
            fit(&summary.name, 24),
            fit(&course, 17),
            fit(&last, 28),
            fit(&flags, 3),
            alerts.join(" "),
        );
    }
    let pending = summaries.iter().filter(|s| s.pending).count();
    let conflicted = summaries.iter().filter(|s| s.conflicts > 0).count();
    let _ = writeln!(
        out,
        "\n{} cases; {pending} with unsynced changes (*), {conflicted} with conflicts (!), R = refused by the server.",
        summaries.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use sync_core::DocumentId;
    use sync_core::case::agenda::{Agenda, EndingCourse, PunchCard};
    use sync_core::fit::AlertKind;

    use super::*;

    #[test]
    fn a_line_shows_markers_and_alerts() {
        let summary = CaseSummary {
            id: DocumentId::from_bytes([0x11; 16]),
            name: "Jens Hansen".into(),
            reference: "HT-1".into(),
            course: Some(("s85".into(), "2025-01-06".into())),
            last_contact: Some((1_740_823_200_000, "home_visit".into())),
            alerts: vec![AlertKind::SrsBelowCutoff, AlertKind::NoReliableChangeRevisitGoals],
            agenda: Agenda {
                overdue_follow_ups: vec!["f1".into()],
                courses_ending: vec![EndingCourse {
                    id: "c1".into(),
                    planned_end: "2025-03-10".into(),
                    days_left: 9,
                }],
                next_follow_up: "2025-06-01".into(),
                punch_cards: vec![PunchCard {
                    id: "c1".into(),
                    granted: 10,
                    used: 9,
                    left: 1,
                }],
            },
            conflicts: 1,
            pending: true,
            refused: false,
        };
        let table = render(&[summary]);
        let line = table.lines().nth(1).expect("a line per case");
        assert!(line.starts_with("EnrGHeqC  Jens Hansen"), "{line}");
        assert!(line.contains("§85 2025-01-06"), "{line}");
        assert!(line.contains("home visit"), "{line}");
        assert!(line.contains("*!"), "{line}");
        assert!(
            line.ends_with(
                "SRS<cutoff revisit-goals follow-up-overdue course-ends:2025-03-10 sessions-left:1"
            ),
            "{line}"
        );
    }
}
