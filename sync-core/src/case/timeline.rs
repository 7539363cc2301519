//! A field's history as the document's own changes recorded it: for the review page, each goal's status from
//! when the goal was made to now, with when and by which actor it changed.
//!
//! The document keeps every change, so the history is read, not stored: for each change that writes a `status`
//! key, in causal order, the status at the change is compared with the status at the change's own parents; where
//! they differ, the change made a step. Two phones that set a status concurrently each add their step; where the
//! merged document still holds both, a last step without an actor says so (the conflict `conflicts::list`
//! reports). A device's document is untrusted, so the walk is bounded ([`MAX_CHANGES`], [`MAX_STATUS_CHANGES`]),
//! timestamps are clamped, and it reads through automerge's public API only.

use std::collections::BTreeMap;

use automerge::{Automerge, ObjType, ROOT, ReadDoc, Value};
use serde::Serialize;

/// The most changes walked; a longer history is cut off at its newest [`MAX_CHANGES`] changes.
pub const MAX_CHANGES: usize = 20_000;
/// The most status-writing changes looked at closely (each costs a read of the document at two points in time).
pub const MAX_STATUS_CHANGES: usize = 2_000;
/// The latest time a step may carry (9999-12-31, in seconds): a device's clock is not trusted.
const MAX_TIME_S: i64 = 253_402_300_799;

/// One step of a goal's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    let mut looked_at = 0;
    for change in changes.iter().skip(skip) {
        let at_ms = change.timestamp().clamp(0, MAX_TIME_S).saturating_mul(1000);
        latest_ms = latest_ms.max(at_ms);
        // Only a change that writes a `status` key can change a goal's status (a new goal writes one too).
        let writes_status = change
            .decode()
            .operations
            .iter()
            .any(|op| matches!(&op.key, automerge::legacy::Key::Map(key) if key == "status"));
        if !writes_status || looked_at >= MAX_STATUS_CHANGES {
            continue;
        }
        looked_at += 1;
        let actor = change.actor_id().to_hex_string();
        for (goal_id, obj) in &goal_objects {
            // What this change changed: the status at the change against the status at its own parents, so a
            // phone that was offline and never touched the status adds no step.
            let before = statuses(doc.get_all_at(obj, "status", change.deps()).ok());
            let after = statuses(doc.get_all_at(obj, "status", &[change.hash()]).ok());
            if after.is_empty() || before == after {
                continue;
            }
            history.entry(goal_id.clone()).or_default().push(StatusStep {
                statuses: after,
                at_ms,
                actor: Some(actor.clone()),
            });
        }
    }
    // The document as merged: concurrent statuses no single change saw together.
    for (goal_id, obj) in &goal_objects {
        let now = statuses(doc.get_all(obj, "status").ok());
        let steps = history.entry(goal_id.clone()).or_default();
        if now.len() > 1 && steps.last().is_none_or(|last| last.statuses != now) {
            steps.push(StatusStep {
                statuses: now,
                at_ms: latest_ms,
                actor: None,
            });
        }
    }
    history.retain(|_, steps| !steps.is_empty());
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

    /// A case written by phone 1 at 1,000 s, with an active goal (id 7) added at 2,000 s.
    fn case_with_goal() -> (CaseDocument, Uuid) {
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
        (doc, id)
    }

    #[test]
    fn each_status_a_goal_had_is_a_step_with_its_time_and_actor() {
        let (mut doc, id) = case_with_goal();
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
    fn a_phone_that_never_touched_the_status_adds_no_step() {
        let (mut doc, id) = case_with_goal();
        // Offline, phone 2 edits the own goal only; phone 1 pauses the goal; then phone 2 changes the title.
        let mut other =
            CaseDocument::load(&doc.save(), ActorId::from(vec![2; 16]), 3_000_000).expect("loads");
        other
            .set_own_goal("At bo for mig selv", 3_000_000)
            .expect("valid");
        doc.set_goal_status(&id.to_string(), "paused", 3_000_000)
            .expect("valid");
        other
            .set_goal_title(&id.to_string(), "Egen lejlighed", 4_000_000)
            .expect("valid");
        doc.automerge_mut().merge(other.automerge_mut()).expect("merges");
        let history = goal_status_history(doc.automerge());
        let steps: Vec<(Vec<String>, Option<String>)> = history[&id.to_string()]
            .iter()
            .map(|s| (s.statuses.clone(), s.actor.clone()))
            .collect();
        let phone_one = Some(ActorId::from(vec![1; 16]).to_hex_string());
        assert_eq!(
            steps,
            [
                (vec!["active".to_owned()], phone_one.clone()),
                (vec!["paused".to_owned()], phone_one)
            ]
        );
    }

    #[test]
    fn concurrent_statuses_end_in_a_step_holding_both() {
        let (mut doc, id) = case_with_goal();
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
