//! One case as `tov case ID` shows it: the citizen, the plan with its goal tree, courses, contacts with their
//! ORS and SRS, the FIT chart and the alerts of the current series; who holds it (names with their user ids, for
//! `tov assign`) and each goal's status history (when, from which device), read from the document's changes by
//! sync-core's `case::timeline`.

use std::collections::BTreeMap;
use std::fmt::Write;

use sync_core::DocumentId;
use sync_core::case::agenda::agenda;
use sync_core::case::date::Date;
use sync_core::case::ffb::Ffb;
use sync_core::case::timeline::StatusStep;
use sync_core::case::{Case, Conflict, Contact, Goal, codes, goals};
use sync_core::fit::{AlertKind, ChangeCategory, Points, RaterKind, Rating, RuleSet};

use super::{alert_sentence, chart, label, short};
use crate::store::RefusalNote;
use crate::time;
use sync_core::case::series;

/// What to show besides the case itself.
#[derive(Debug, Clone, Copy)]
pub struct CaseView<'a> {
    pub pending: bool,
    pub conflicts: &'a [Conflict],
    pub refusals: &'a [RefusalNote],
    /// How many of the latest contacts to list (0: all).
    pub contacts: usize,
    /// Today, for what is overdue.
    pub today: Date,
    /// Each goal's status steps (`case::timeline::goal_status_history` of the document).
    pub goal_history: &'a BTreeMap<String, Vec<StatusStep>>,
    /// This device's actor (hex), so its own steps read "this device".
    pub own_actor: &'a str,
}

/// Renders the case.
pub fn render(id: &DocumentId, case: &Case, view: CaseView<'_>, rules: &RuleSet) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let born = case
        .citizen
        .birth_year
        .map(|y| format!(", born {y}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}  (ref {}{born})",
        case.citizen.display_name, case.citizen.reference
    );
    let _ = writeln!(out, "Case {id}");
    // Each worker with the start of their user id: `tov assign --remove` and `--tovholder` take either.
    let workers: Vec<String> = case
        .workers
        .iter()
        .map(|(id, name)| format!("{name} ({})", short(id)))
        .collect();
    let tovholder = case
        .tovholder
        .as_ref()
        .map_or("-", |id| case.workers.get(id).map_or(id.as_str(), String::as_str));
    let _ = writeln!(out, "Tovholder: {tovholder}   Workers: {}", workers.join(", "));
    if view.pending {
        let _ = writeln!(
            out,
            "* Has changes not yet acknowledged by the server: run `tov sync`."
        );
    }
    for refusal in view.refusals {
        let _ = writeln!(
            out,
            "R The server refused changes ({}): {}",
            refusal.reason, refusal.message
        );
    }
    if !view.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "! {} conflicted field(s): see `tov conflicts {}`.",
            view.conflicts.len(),
            short(&id.to_string())
        );
    }

    let _ = writeln!(out, "\nOwn goal: {}", or_dash(case.plan.own_goal.as_str()));
    if !case.plan.purpose.is_empty() {
        let _ = writeln!(out, "Purpose:  {}", case.plan.purpose);
    }
    goals(&mut out, case, &view);
    courses(&mut out, case, view.today);
    follow_ups(&mut out, case, view.today);
    outcomes(&mut out, case);
    coordination(&mut out, case);
    contacts(&mut out, case, view.contacts);

    let all = series::series(case, rules);
    if let Some(current) = series::current(case, &all) {
        let course = current
            .course
            .map_or("contacts without a course".to_owned(), |c| {
                format!("course {}", short(c))
            });
        let _ = writeln!(
            out,
            "\nFIT, {course} (the citizen's own ratings, rules {}):",
            current.assessment.rule_set_version
        );
        if let Some(chart) = chart::render(current, rules) {
            out.push_str(&chart);
        }
        let a = &current.assessment;
        if let (Some(first), Some(last), Some(change)) = (a.intake_index, a.latest_index, a.change_mm) {
            let total = |i: usize| {
                a.contacts[i]
                    .ors_total_mm
                    .map_or("-".into(), |mm| Points(mm).to_string())
            };
            let sign = if change >= 0 { "+" } else { "" };
            let _ = writeln!(
                out,
                "ORS intake {} -> latest {} ({sign}{}): {}",
                total(first),
                total(last),
                Points(change),
                category(a.category)
            );
        }
        // One line per kind: several low SRS items are one concern, named item by item.
        let mut kinds: Vec<AlertKind> = a.alerts.iter().map(|alert| alert.kind).collect();
        kinds.dedup();
        for kind in kinds {
            let items: Vec<&str> = a
                .alerts
                .iter()
                .filter(|x| x.kind == kind)
                .filter_map(|x| x.item.as_deref())
                .collect();
            let items = if items.is_empty() {
                String::new()
            } else {
                format!(" ({})", items.join(", "))
            };
            let _ = writeln!(out, "  alert: {}{items}", alert_sentence(kind));
        }
    }
    collateral(&mut out, case, rules);
    out
}

/// The relatives' and professionals' ratings, each rater's series on its own line: another measurement than the
/// citizen's, shown beside it and never merged into it.
fn collateral(out: &mut String, case: &Case, rules: &RuleSet) {
    for s in series::collateral(case, rules) {
        let who = match s.rater {
            RaterKind::Relative => "a relative",
            RaterKind::Professional => "a professional",
            RaterKind::Citizen => "the citizen",
        };
        let course = s
            .course
            .map_or("no course".to_owned(), |c| format!("course {}", short(c)));
        let a = &s.assessment;
        let change = a.change_mm.map_or("-".to_owned(), |mm| {
            format!("{}{}", if mm >= 0 { "+" } else { "" }, Points(mm))
        });
        let _ = writeln!(
            out,
            "Rated by {who} ({course}): {} contact(s), ORS change {change}, {}",
            s.contacts.len(),
            category(a.category)
        );
    }
}

fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() { "-" } else { text }
}

fn category(category: ChangeCategory) -> &'static str {
    match category {
        ChangeCategory::NoBaseline => "no baseline",
        ChangeCategory::IntakeAboveCutoff => "intake above the cutoff (use caution)",
        ChangeCategory::ClinicallySignificant => "clinically significant change",
        ChangeCategory::ReliableImprovement => "reliable improvement",
        ChangeCategory::ReliableDeterioration => "reliable deterioration",
        ChangeCategory::NoReliableChange => "no reliable change",
    }
}

fn goals(out: &mut String, case: &Case, view: &CaseView<'_>) {
    let _ = writeln!(out, "\nGoals:");
    if case.plan.goals.is_empty() {
        let _ = writeln!(out, "  (none yet: `tov goal add`)");
    }
    // In plan order, as every client lists them (sync-core's `goals::in_order`; a goal whose parent is missing is
    // shown at the top rather than lost).
    for (id, goal, depth) in goals::in_order(&case.plan) {
        goal_line(out, view, id, goal, depth + 1);
    }
}

/// A goal's status steps on one line, when it changed at all: "active 2026-06-01 10:00 (this device) → paused …".
fn status_history(out: &mut String, view: &CaseView<'_>, id: &str, depth: usize) {
    let Some(steps) = view.goal_history.get(id).filter(|steps| steps.len() > 1) else {
        return;
    };
    let shown: Vec<String> = steps
        .iter()
        .map(|step| {
            let statuses: Vec<String> = step
                .statuses
                .iter()
                .map(|s| label(codes::GOAL_STATUSES, s).to_lowercase())
                .collect();
            let by = match step.actor.as_deref() {
                None => "a conflict: see `tov conflicts`".to_owned(),
                Some(actor) if actor == view.own_actor => "this device".to_owned(),
                Some(actor) => format!("device {}", short(actor)),
            };
            format!(
                "{} {} ({by})",
                statuses.join(" / "),
                time::local_minute(step.at_ms)
            )
        })
        .collect();
    let _ = writeln!(out, "{}   status: {}", "  ".repeat(depth), shown.join(" -> "));
}

fn goal_line(out: &mut String, view: &CaseView<'_>, id: &str, goal: &Goal, depth: usize) {
    let kind = Ffb::get()
        .goal_types
        .get(&goal.goal_type)
        .map_or(goal.goal_type.as_str(), String::as_str);
    let target = goal
        .target_date
        .as_ref()
        .map(|d| format!(", by {d}"))
        .unwrap_or_default();
    let bullet = if depth == 1 { "-" } else { "`-" };
    let _ = writeln!(
        out,
        "{}{bullet} {}  [{}, {}{target}]  {}",
        "  ".repeat(depth),
        goal.title,
        label(codes::GOAL_STATUSES, &goal.status).to_lowercase(),
        kind,
        short(id)
    );
    status_history(out, view, id, depth);
}

fn courses(out: &mut String, case: &Case, today: Date) {
    // A punch card's count is sync-core's agenda rule.
    let cards = agenda(case, today).punch_cards;
    let _ = writeln!(out, "\nCourses:");
    if case.courses.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let mut courses: Vec<_> = case.courses.iter().collect();
    courses.sort_by_key(|(id, c)| (c.start.clone(), (*id).clone()));
    for (id, course) in courses {
        let service = Ffb::get()
            .services
            .get(&course.service)
            .map_or(course.service.as_str(), String::as_str);
        let until = match (&course.end, &course.planned_end) {
            (Some(end), _) => {
                let reason = course
                    .end_reason
                    .as_deref()
                    .map(|r| label(codes::END_REASONS, r))
                    .unwrap_or_default();
                format!("ended {end} ({})", reason.to_lowercase())
            }
            (None, Some(planned)) => format!("planned end {planned}"),
            (None, None) => "open".to_owned(),
        };
        let minutes = course.granted_minutes_per_week;
        let struck = if course.entered_in_error.is_some() {
            " (made in error)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {}  {}{struck} / {service}\n            from {} {until}; {}:{:02} h a week, approval {}",
            short(id),
            label(codes::LEGAL_BASES, &course.legal_basis),
            course.start,
            minutes / 60,
            minutes % 60,
            course.approval.state.replace('_', " ")
        );
        if let Some(card) = cards.iter().find(|card| &card.id == id) {
            let _ = writeln!(
                out,
                "            punch card: {} of {} sessions left",
                card.left, card.granted
            );
        }
        for extension in &course.extensions {
            let _ = writeln!(
                out,
                "            extended {} -> {}: {}",
                extension.from.as_deref().unwrap_or("open"),
                extension.to,
                extension.reason
            );
        }
    }
}

/// Follow-ups by due date, overdue ones marked, and the date sync-core offers for the next one.
fn follow_ups(out: &mut String, case: &Case, today: Date) {
    let due = agenda(case, today);
    let _ = writeln!(out, "\nFollow-ups:");
    let mut all: Vec<_> = case.follow_ups.iter().collect();
    all.sort_by_key(|(id, f)| (f.due.clone(), (*id).clone()));
    for (id, follow_up) in &all {
        let state = if follow_up.entered_in_error.is_some() {
            "made in error"
        } else if follow_up.done {
            "done"
        } else if due.overdue_follow_ups.contains(id) {
            "OVERDUE"
        } else {
            "planned"
        };
        let _ = writeln!(
            out,
            "  {}  {}  {state:<13} {}",
            short(id),
            follow_up.due,
            follow_up.purpose
        );
        if !follow_up.with.is_empty() {
            let with: Vec<&str> = follow_up
                .with
                .iter()
                .map(|code| codes::find(codes::FOLLOW_UP_WITH, code).map_or(code.as_str(), |c| c.en))
                .collect();
            let _ = writeln!(out, "      with: {}", with.join(", "));
        }
        if !follow_up.done_note.is_empty() {
            let _ = writeln!(out, "      how it went: {}", follow_up.done_note);
        }
    }
    for ending in &due.courses_ending {
        let _ = if ending.days_left < 0 {
            writeln!(
                out,
                "  ! course {} ran past its planned end {}: end or extend it",
                short(&ending.id),
                ending.planned_end
            )
        } else {
            writeln!(
                out,
                "  ! course {} ends {} (in {} days)",
                short(&ending.id),
                ending.planned_end,
                ending.days_left
            )
        };
    }
    let _ = writeln!(
        out,
        "  next follow-up offered: {} (`tov follow-up plan` without --due)",
        due.next_follow_up
    );
}

fn outcomes(out: &mut String, case: &Case) {
    if case.outcomes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nOutcomes:");
    let mut all: Vec<_> = case.outcomes.iter().collect();
    all.sort_by_key(|(id, o)| (o.date.clone(), (*id).clone()));
    for (id, outcome) in all {
        let struck = if outcome.entered_in_error.is_some() {
            " (made in error)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {}  {}  {}{struck}  {}",
            short(id),
            outcome.date,
            label(codes::OUTCOME_KINDS, &outcome.kind),
            outcome.note
        );
    }
}

/// Coordination with the network, oldest first: who was involved, who took part, what was agreed.
fn coordination(out: &mut String, case: &Case) {
    if case.coordination.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nCoordination:");
    let mut all: Vec<_> = case.coordination.iter().collect();
    all.sort_by_key(|(id, c)| (c.date.clone(), (*id).clone()));
    for (id, entry) in all {
        let struck = if entry.entered_in_error.is_some() {
            " (made in error)"
        } else {
            ""
        };
        let parties: Vec<String> = entry
            .parties
            .iter()
            .map(|p| label(codes::COORDINATION_PARTIES, p))
            .collect();
        let _ = writeln!(
            out,
            "  {}  {}  {}{struck}",
            short(id),
            entry.date,
            parties.join(", ")
        );
        if !entry.participants.is_empty() {
            let _ = writeln!(out, "      took part: {}", entry.participants);
        }
        let _ = writeln!(out, "      agreed: {}", entry.agreements);
    }
}

fn rating(rating: Option<&Rating>, name: &str) -> String {
    match rating {
        None => format!("{name} -"),
        Some(r) if r.rater == RaterKind::Citizen => r.to_string(),
        Some(r) => format!("{r} ({})", format!("{:?}", r.rater).to_lowercase()),
    }
}

fn contacts(out: &mut String, case: &Case, limit: usize) {
    let mut all: Vec<(&String, &Contact)> = case.contacts.iter().collect();
    all.sort_by_key(|(id, c)| (c.start_ms, (*id).clone()));
    let shown = if limit == 0 {
        all.len()
    } else {
        limit.min(all.len())
    };
    let _ = writeln!(out, "\nContacts ({}, latest {shown} shown):", all.len());
    for (id, contact) in &all[all.len() - shown..] {
        let _ = writeln!(
            out,
            "  {}  {}  {}, {} min  {}  {}",
            short(id),
            time::local_minute(contact.start_ms),
            label(codes::CONTACT_KINDS, &contact.kind),
            contact.duration_minutes,
            rating(contact.ors.as_ref(), "ORS"),
            rating(contact.srs.as_ref(), "SRS"),
        );
        // Kept in the record, never deleted; FIT leaves it out (case::series).
        if let Some(mark) = &contact.entered_in_error {
            let _ = writeln!(
                out,
                "            MADE IN ERROR, not counted in FIT: {} ({}, {})",
                mark.reason,
                mark.by,
                time::local_minute(mark.at_ms)
            );
        }
        for line in contact.notes.as_str().lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "            {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use sync_core::case::{CaseDocument, Citizen, NewContact};
    use sync_core::fit::Instrument;
    use uuid::Uuid;

    use super::*;

    fn visit(start_ms: i64, ors_by: RaterKind, srs_by: RaterKind) -> NewContact {
        NewContact {
            kind: "home_visit".into(),
            start_ms,
            duration_minutes: 60,
            course: None,
            workers: vec![],
            notes: String::new(),
            goals: vec![],
            ors: Some(Rating::items(Instrument::Ors, [50; 4], ors_by)),
            srs: Some(Rating::items(Instrument::Srs, [90; 4], srs_by)),
            recorded_by: "u".into(),
        }
    }

    #[test]
    fn a_relatives_ratings_are_shown_beside_the_citizens_and_raise_no_missing_srs() {
        let citizen = Citizen {
            display_name: "A".into(),
            reference: "R".into(),
            birth_year: None,
        };
        let mut doc = CaseDocument::create(
            ActorId::from([1; 16].as_slice()),
            &Case::new("t", "team", citizen),
            1,
        )
        .expect("valid");
        doc.add_contact(
            Uuid::from_u128(1),
            visit(1_000, RaterKind::Citizen, RaterKind::Citizen),
            2,
        )
        .expect("valid");
        doc.add_contact(
            Uuid::from_u128(2),
            visit(2_000, RaterKind::Citizen, RaterKind::Relative),
            3,
        )
        .expect("valid");
        let case = doc.read().expect("reads");
        let view = CaseView {
            pending: false,
            conflicts: &[],
            refusals: &[],
            contacts: 0,
            today: Date::from_unix_ms(3_000),
            goal_history: &BTreeMap::new(),
            own_actor: "",
        };
        let shown = render(&DocumentId::from_bytes([2; 16]), &case, view, &RuleSet::v1());
        assert!(
            shown.contains("Rated by a relative (no course): 1 contact(s)"),
            "{shown}"
        );
        assert!(!shown.contains(alert_sentence(AlertKind::SrsMissing)), "{shown}");
    }
}
