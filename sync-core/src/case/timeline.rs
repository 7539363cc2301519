//! A field's history as the document's own changes recorded it: for the review page, each goal's status from
//! when the goal was made to now, with when and by which actor it changed.
//!
//! The document keeps every change, so the history is read, not stored: walking the changes in causal order,
//! the status each change leaves visible (at that change's own heads) is compared with the one before. Two
//! phones that set a status concurrently each add their step; where the merged document still holds both, a
//! last step without an actor says so (the conflict `conflicts::list` reports). A device's document is
//! untrusted, so the walk is bounded ([`MAX_CHANGES`]) and reads through automerge's public API only.

use std::collections::BTreeMap;

use automerge::{Automerge, ObjType, ROOT, ReadDoc, Value};
use serde::Serialize;

/// The most changes walked; a longer history is cut off at its newest [`MAX_CHANGES`] changes.
pub const MAX_CHANGES: usize = 20_000;

/// One step of a goal's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusStep {
    /// The status codes visible after the change: one, or several written concurrently (a conflict).
    pub statuses: Vec<String>,
    /// The change's time (its timestamp, whole seconds, as milliseconds).
    pub at_ms: i64,
    /// Hex actor id of the device (or server edit) that made the change; `None` for the merged state of
    /// concurrent changes (a conflict waiting for a person).
    pub actor: Option<String>,
}

/// Each goal's status steps, oldest first, by goal id. Goals that never changed status have one step.
pub fn goal_status_history(doc: &Automerge) -> BTreeMap<String, Vec<StatusStep>> {
    let mut history: BTreeMap<String, Vec<StatusStep>> = BTreeMap::new();
    let Some(goals) = map_at(doc, &ROOT, "plan").and_then(|plan| map_at(doc, &plan, "goals")) else {
        return history;
    };
    let goal_objects: Vec<(String, automerge::ObjId)> = doc
        .keys(&goals)
        .filter_map(|id| map_at(doc, &goals, &id).map(|obj| (id, obj)))
        .collect();
    let changes = doc.get_changes(&[]);
    let skip = changes.len().saturating_sub(MAX_CHANGES);
    let mut latest_ms = 0;
    for change in changes.iter().skip(skip) {
        let heads = [change.hash()];
        let at_ms = change.timestamp().saturating_mul(1000);
        latest_ms = latest_ms.max(at_ms);
        for (goal_id, obj) in &goal_objects {
            let statuses = statuses(doc.get_all_at(obj, "status", &heads).ok());
            push_step(
                &mut history,
                goal_id,
                statuses,
                at_ms,
                Some(change.actor_id().to_hex_string()),
            );
        }
    }
    // The document as merged: concurrent statuses no single change saw together.
    for (goal_id, obj) in &goal_objects {
        let now = statuses(doc.get_all(obj, "status").ok());
        if now.len() > 1 {
            push_step(&mut history, goal_id, now, latest_ms, None);
        }
    }
    history
}

/// The status codes among `values`, sorted.
fn statuses(values: Option<Vec<(Value<'_>, automerge::ObjId)>>) -> Vec<String> {
    let mut statuses: Vec<String> = values
        .unwrap_or_default()
        .iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(scalar) => scalar.as_str().map(str::to_owned),
            Value::Object(_) => None,
        })
        .collect();
    statuses.sort();
    statuses
}

/// Adds a step for `goal_id` unless it shows what the last one does (or nothing).
fn push_step(
    history: &mut BTreeMap<String, Vec<StatusStep>>,
    goal_id: &str,
    statuses: Vec<String>,
    at_ms: i64,
    actor: Option<String>,
) {
    if statuses.is_empty() {
        return;
    }
    let steps = history.entry(goal_id.to_owned()).or_default();
    if steps.last().is_some_and(|last| last.statuses == statuses) {
        return;
    }
    steps.push(StatusStep {
        statuses,
        at_ms,
        actor,
    });
}

/// The map at `key` of `obj`, if there is one.
fn map_at(doc: &Automerge, obj: &automerge::ObjId, key: &str) -> Option<automerge::ObjId> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use uuid::Uuid;

    use super::*;
    use crate::case::{Case, CaseDocument, Citizen, Goal};

    fn goal() -> Goal {
        Goal {
            title: "Egen bolig".into(),
            level: "goal".into(),
            parent: None,
            goal_type: crate::case::ffb::Ffb::get()
                .goal_type_code("Udvikle funktionsevne")
                .expect("code")
                .to_owned(),
            status: "active".into(),
            target_date: None,
            created_ms: 1_000,
            entered_in_error: None,
        }
    }

    #[test]
    fn each_status_a_goal_had_is_a_step_with_its_time_and_actor() {
        let case = Case::new(
            "t",
            "team",
            Citizen {
                display_name: "Test Fiktivsen".into(),
                reference: "ref".into(),
                birth_year: None,
            },
        );
        let mut doc = CaseDocument::create(ActorId::from(vec![1; 16]), &case, 1_000_000).expect("valid");
        let id = Uuid::from_u128(7);
        doc.add_goal(id, goal(), 2_000_000).expect("valid");
        // An edit elsewhere: no new step.
        doc.set_own_goal("At bo for mig selv", 2_500_000).expect("valid");
        doc.set_goal_status(&id.to_string(), "paused", 3_000_000)
            .expect("valid");
        let mut other =
            CaseDocument::load(&doc.save(), ActorId::from(vec![2; 16]), 4_000_000).expect("loads");
        other
            .set_goal_status(&id.to_string(), "achieved", 4_000_000)
            .expect("valid");
        doc.automerge_mut().merge(other.automerge_mut()).expect("merges");

        let history = goal_status_history(doc.automerge());
        let steps = &history[&id.to_string()];
        let seen: Vec<(Vec<&str>, i64)> = steps
            .iter()
            .map(|s| (s.statuses.iter().map(String::as_str).collect(), s.at_ms))
            .collect();
        assert_eq!(
            seen,
            [
                (vec!["active"], 2_000_000),
                (vec!["paused"], 3_000_000),
                (vec!["achieved"], 4_000_000)
            ]
        );
        assert_eq!(steps[2].actor, Some(ActorId::from(vec![2; 16]).to_hex_string()));
    }

    #[test]
    fn concurrent_statuses_end_in_a_step_holding_both() {
        let case = Case::new(
            "t",
            "team",
            Citizen {
                display_name: "Test Fiktivsen".into(),
                reference: "ref".into(),
                birth_year: None,
            },
        );
        let mut doc = CaseDocument::create(ActorId::from(vec![1; 16]), &case, 1_000_000).expect("valid");
        let id = Uuid::from_u128(7);
        doc.add_goal(id, goal(), 2_000_000).expect("valid");
        let mut other =
            CaseDocument::load(&doc.save(), ActorId::from(vec![2; 16]), 3_000_000).expect("loads");
        other
            .set_goal_status(&id.to_string(), "achieved", 3_000_000)
            .expect("valid");
        doc.set_goal_status(&id.to_string(), "paused", 3_000_000)
            .expect("valid");
        doc.automerge_mut().merge(other.automerge_mut()).expect("merges");
        // Each branch's step, in causal order (which of the two comes first is automerge's), then the merged
        // state holding both, with no actor.
        let history = goal_status_history(doc.automerge());
        let steps = &history[&id.to_string()];
        let statuses: Vec<Vec<&str>> = steps
            .iter()
            .map(|s| s.statuses.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(statuses.len(), 4, "{statuses:?}");
        assert_eq!(statuses[0], ["active"]);
        let mut middle = vec![statuses[1].clone(), statuses[2].clone()];
        middle.sort();
        assert_eq!(middle, [vec!["achieved"], vec!["paused"]]);
        assert_eq!(statuses[3], ["achieved", "paused"]);
        assert_eq!(steps[3].actor, None);
    }
}
