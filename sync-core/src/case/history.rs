//! The case's history is append-only: the write rules that compare a case before and after a writer's changes.
//!
//! Municipal case records are archived, not deleted. So a recorded contact, rating, goal, course, follow-up or
//! outcome is never removed, whatever the automerge operations that got there (deleting a key, replacing the
//! `contacts` map with an empty one, resolving a "conflict" with nothing). An entry made in error is marked so
//! ([`super::model::ErrorMark`]: who, when, why) and stays, shown struck through and left out of FIT; the mark
//! itself is never removed. A rating belongs to the worker who recorded the contact: another writer may add a missing
//! one (a citizen's own check-in does) but never rewrite or remove it.
//!
//! The rules compare typed cases, so they judge what the record says, not how the document was edited. The server
//! runs [`check`] on every device's changes (before = the document the server held, after = the merged result);
//! [`super::CaseDocument::change`] runs it on the device before a change is even made.

use std::collections::BTreeMap;

use crate::validation::{Problem, ValidationError};

use super::model::{Case, Contact, ErrorMark};

/// Checks that `after` keeps everything `before` recorded. `writer` is the user id of whoever made the changes
/// between them; `None` where the device does not know it (only the ownership of ratings needs it).
pub fn check(before: &Case, after: &Case, writer: Option<&str>) -> Result<(), ValidationError> {
    kept("plan.goals", &before.plan.goals, &after.plan.goals, |g| {
        &g.entered_in_error
    })?;
    kept("courses", &before.courses, &after.courses, |c| {
        &c.entered_in_error
    })?;
    kept("contacts", &before.contacts, &after.contacts, |c| {
        &c.entered_in_error
    })?;
    kept("follow_ups", &before.follow_ups, &after.follow_ups, |f| {
        &f.entered_in_error
    })?;
    kept("outcomes", &before.outcomes, &after.outcomes, |o| {
        &o.entered_in_error
    })?;
    kept("coordination", &before.coordination, &after.coordination, |c| {
        &c.entered_in_error
    })?;
    // Every extension recorded stays, as recorded. Not "in the same order": two phones that extend the same course
    // offline each append one, and automerge orders concurrent insertions by actor, so the second to arrive may
    // land before the first.
    for (id, earlier) in &before.courses {
        if let Some(later) = after.courses.get(id)
            && earlier.extensions.iter().any(|e| !later.extensions.contains(e))
        {
            return Err(ValidationError::new(
                format!("courses.{id}.extensions"),
                Problem::Removed,
                "a course's extensions are kept as recorded; a new one is added beside them",
            ));
        }
    }
    for (id, earlier) in &before.contacts {
        if let Some(later) = after.contacts.get(id) {
            ratings_kept(earlier, later, writer).map_err(|e| e.within(&format!("contacts.{id}")))?;
        }
    }
    Ok(())
}

/// Every entry of `before` is still in `after`, and its error mark, once set, stays set.
///
/// The mark's who and why may be replaced by another mark, and only so: when two people mark the same entry
/// offline, automerge keeps both marks as a conflict and shows one, which may differ from the one the server
/// showed before (the later writer's actor may sort first), and a person resolving the conflict picks one. Both
/// marks stay in the document's change history.
fn kept<T>(
    collection: &str,
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    mark: impl Fn(&T) -> &Option<ErrorMark>,
) -> Result<(), ValidationError> {
    for (id, earlier) in before {
        let field = format!("{collection}.{id}");
        let Some(later) = after.get(id) else {
            return Err(ValidationError::new(
                field,
                Problem::Removed,
                "a recorded entry is never removed; mark it as made in error instead",
            ));
        };
        if mark(earlier).is_some() && mark(later).is_none() {
            return Err(ValidationError::new(
                format!("{field}.entered_in_error"),
                Problem::Immutable,
                "a mark of an entry made in error is permanent",
            ));
        }
    }
    Ok(())
}

/// A contact's recorded ratings stay, and only the worker who recorded the contact changes them.
fn ratings_kept(before: &Contact, after: &Contact, writer: Option<&str>) -> Result<(), ValidationError> {
    if after.recorded_by != before.recorded_by {
        return Err(ValidationError::new(
            "recorded_by",
            Problem::Immutable,
            "who recorded a contact does not change",
        ));
    }
    for (slot, earlier, later) in [("ors", &before.ors, &after.ors), ("srs", &before.srs, &after.srs)] {
        let Some(earlier) = earlier else { continue };
        match later {
            None => {
                return Err(ValidationError::new(
                    slot,
                    Problem::Removed,
                    "a recorded rating is never removed; correct it or mark the contact as made in error",
                ));
            }
            Some(later) if later != earlier && writer.is_some_and(|w| w != before.recorded_by) => {
                return Err(ValidationError::new(
                    slot,
                    Problem::Immutable,
                    "only the worker who recorded the contact changes its ratings",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use autosurgeon::Text;

    use super::*;
    use crate::case::{Citizen, Goal};
    use crate::fit::{Instrument, RaterKind, Rating};

    fn case_with_contact() -> Case {
        let mut case = Case::new(
            "t",
            "team",
            Citizen {
                display_name: "Synthetic".into(),
                reference: "ref".into(),
                birth_year: None,
            },
        );
        case.contacts.insert(
            "c1".into(),
            Contact {
                kind: "home_visit".into(),
                start_ms: 1,
                duration_minutes: 60,
                course: None,
                workers: vec![],
                notes: Text::with_value(""),
                goals: vec![],
                ors: Some(Rating::items(
                    Instrument::Ors,
                    [65, 50, 72, 60],
                    RaterKind::Citizen,
                )),
                srs: None,
                recorded_by: "anna".into(),
                entered_in_error: None,
            },
        );
        case.plan.goals.insert(
            "g1".into(),
            Goal {
                title: "Keep the flat".into(),
                level: "goal".into(),
                parent: None,
                goal_type: "x".into(),
                status: "active".into(),
                target_date: None,
                created_ms: 1,
                entered_in_error: None,
            },
        );
        case
    }

    #[test]
    fn emptying_the_contacts_is_refused() {
        let before = case_with_contact();
        let mut after = before.clone();
        after.contacts.clear();
        let error = check(&before, &after, Some("anna")).expect_err("removed");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("contacts.c1", Problem::Removed)
        );
    }

    #[test]
    fn a_courses_extensions_are_kept_and_only_added_to() {
        let mut before = case_with_contact();
        let extension = |to: &str| crate::case::Extension {
            from: None,
            to: to.into(),
            reason: "Close to the goal".into(),
            by: "anna".into(),
            at_ms: 1,
        };
        before.courses.insert(
            "k1".into(),
            crate::case::Course {
                service: "s".into(),
                legal_basis: "s82b".into(),
                start: "2026-01-01".into(),
                planned_end: Some("2026-09-01".into()),
                end: None,
                end_reason: None,
                granted_minutes_per_week: 120,
                granted_sessions: None,
                approval: crate::case::Approval {
                    state: "not_required".into(),
                    by: None,
                    at_ms: None,
                },
                extensions: vec![extension("2026-09-01")],
                entered_in_error: None,
            },
        );
        let mut added = before.clone();
        added
            .courses
            .get_mut("k1")
            .expect("course")
            .extensions
            .push(extension("2026-12-01"));
        assert_eq!(check(&before, &added, Some("anna")), Ok(()));
        let mut rewritten = before.clone();
        rewritten.courses.get_mut("k1").expect("course").extensions[0].reason = "Another".into();
        let error = check(&before, &rewritten, Some("anna")).expect_err("rewritten");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("courses.k1.extensions", Problem::Removed)
        );
    }

    #[test]
    fn a_goal_is_marked_in_error_instead_of_removed_and_the_mark_stays() {
        let before = case_with_contact();
        let mut marked = before.clone();
        let mark = ErrorMark::new("anna", 2, "recorded on the wrong citizen");
        if let Some(goal) = marked.plan.goals.get_mut("g1") {
            goal.entered_in_error = Some(mark);
        }
        assert_eq!(check(&before, &marked, Some("anna")), Ok(()));
        let error = check(&marked, &before, Some("anna")).expect_err("unmarked");
        assert_eq!(error.problem, Problem::Immutable);
        // A colleague's concurrent mark may be the one shown after a merge: still marked, so still kept.
        let mut remarked = marked.clone();
        if let Some(goal) = remarked.plan.goals.get_mut("g1") {
            goal.entered_in_error = Some(ErrorMark::new("bo", 3, "a duplicate goal"));
        }
        assert_eq!(check(&marked, &remarked, Some("bo")), Ok(()));
    }

    #[test]
    fn only_the_recorder_changes_a_rating_and_nobody_removes_it() {
        let before = case_with_contact();
        let mut corrected = before.clone();
        if let Some(contact) = corrected.contacts.get_mut("c1") {
            contact.ors = Some(Rating::items(
                Instrument::Ors,
                [60, 50, 72, 60],
                RaterKind::Citizen,
            ));
        }
        assert_eq!(check(&before, &corrected, Some("anna")), Ok(()));
        assert_eq!(
            check(&before, &corrected, Some("bo")).expect_err("bo").problem,
            Problem::Immutable
        );
        let mut cleared = before.clone();
        if let Some(contact) = cleared.contacts.get_mut("c1") {
            contact.ors = None;
        }
        assert_eq!(
            check(&before, &cleared, Some("anna")).expect_err("cleared").field,
            "contacts.c1.ors"
        );
    }

    #[test]
    fn a_missing_rating_may_be_added_by_anyone() {
        let before = case_with_contact();
        let mut added = before.clone();
        if let Some(contact) = added.contacts.get_mut("c1") {
            contact.srs = Some(Rating::items(
                Instrument::Srs,
                [90, 90, 90, 90],
                RaterKind::Citizen,
            ));
        }
        assert_eq!(check(&before, &added, Some("citizen-checkin")), Ok(()));
    }
}
