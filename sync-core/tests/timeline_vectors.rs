//! `tests/vectors/goal-history.json`: a goal's status history as sync-core reads it from a document's own changes
//! (`case::timeline::goal_status_history`): each vector is a saved document (hex) written by one or two phones and
//! the steps expected for each goal. The web app reads the same steps from the same bytes with Automerge JS
//! (`clients/web/tests/goal-history-vectors.test.ts`), so the goal page and the review show the same history.
//!
//! The documents are built with fixed actors and times, so their bytes are the same at every run. After a
//! deliberate change, regenerate with `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test timeline_vectors`
//! and review the diff.

mod vectors_common;

use automerge::ActorId;
use serde_json::{Value, json};
use sync_core::case::ffb::Ffb;
use sync_core::case::timeline::goal_status_history;
use sync_core::case::{CaseDocument, Goal};
use uuid::Uuid;
use vectors_common::{check_vectors, citizen_case};

const GOAL: Uuid = Uuid::from_u128(0x90a1_0000_0000_4000_8000_0000_0000_0001);
const OTHER_GOAL: Uuid = Uuid::from_u128(0x90a1_0000_0000_4000_8000_0000_0000_0002);

fn phone(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn goal(title: &str) -> Goal {
    Goal {
        title: title.into(),
        level: "goal".into(),
        parent: None,
        goal_type: Ffb::get()
            .goal_type_code("Udvikle funktionsevne")
            .expect("the FFB goal type")
            .to_owned(),
        status: "active".into(),
        target_date: None,
        created_ms: 2_000_000,
        entered_in_error: None,
    }
}

/// A case phone 1 created at 1,000 s, with an active goal added at 2,000 s.
fn with_goal() -> CaseDocument {
    let mut doc =
        CaseDocument::create(phone(1), &citizen_case("ref-goal-history"), 1_000_000).expect("valid");
    doc.add_goal(GOAL, goal("Egen bolig"), 2_000_000).expect("valid");
    doc
}

fn second_phone(doc: &CaseDocument, now_ms: i64) -> CaseDocument {
    CaseDocument::load(&doc.save(), phone(2), now_ms).expect("loads")
}

fn merge(into: &mut CaseDocument, from: &mut CaseDocument) {
    into.automerge_mut().merge(from.automerge_mut()).expect("merges");
}

fn documents() -> Vec<(&'static str, &'static str, CaseDocument)> {
    let g = GOAL.to_string();
    let no_goals = CaseDocument::create(phone(1), &citizen_case("ref-no-goals"), 1_000_000).expect("valid");

    let never_changed = with_goal();

    let mut steps = with_goal();
    steps
        .set_own_goal("At bo for mig selv", 2_500_000)
        .expect("valid");
    steps.set_goal_status(&g, "paused", 3_000_000).expect("valid");
    let mut other = second_phone(&steps, 4_000_000);
    other.set_goal_status(&g, "achieved", 4_000_000).expect("valid");
    other
        .add_goal(OTHER_GOAL, goal("Et arbejdsliv"), 4_500_000)
        .expect("valid");
    other
        .set_goal_status(&OTHER_GOAL.to_string(), "dropped", 5_000_000)
        .expect("valid");
    merge(&mut steps, &mut other);

    let mut untouched = with_goal();
    let mut other = second_phone(&untouched, 3_000_000);
    other
        .set_own_goal("At bo for mig selv", 3_000_000)
        .expect("valid");
    untouched.set_goal_status(&g, "paused", 3_000_000).expect("valid");
    other
        .set_goal_title(&g, "Egen lejlighed", 4_000_000)
        .expect("valid");
    merge(&mut untouched, &mut other);

    let mut concurrent = with_goal();
    let mut other = second_phone(&concurrent, 3_000_000);
    other.set_goal_status(&g, "achieved", 3_000_000).expect("valid");
    concurrent
        .set_goal_status(&g, "paused", 3_500_000)
        .expect("valid");
    merge(&mut concurrent, &mut other);

    vec![
        (
            "no_goals_no_history",
            "A case without goals has no history.",
            no_goals,
        ),
        (
            "a_goal_never_changed_has_one_step",
            "The status the goal was made with, when and by which phone.",
            never_changed,
        ),
        (
            "each_status_is_a_step_with_its_time_and_phone",
            "Steps in causal order, on two phones; an edit of something else adds none.",
            steps,
        ),
        (
            "a_phone_that_never_touched_the_status_adds_no_step",
            "A change elsewhere in the goal, made on a phone that had not seen the newer status, is no step.",
            untouched,
        ),
        (
            "concurrent_statuses_end_in_a_step_holding_both",
            "Each phone's step, then the merged state holding both values and no actor: a conflict.",
            concurrent,
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn goal_history_vectors_are_what_sync_core_reads() {
    let cases: Vec<Value> = documents()
        .into_iter()
        .map(|(name, why, doc)| {
            let bytes = doc.save();
            // The vector is read from the saved bytes, as the web app will read them.
            let loaded = automerge::Automerge::load(&bytes).expect("loads");
            json!({
                "name": name,
                "why": why,
                "document": hex(&bytes),
                "history": serde_json::to_value(goal_status_history(&loaded)).expect("json"),
            })
        })
        .collect();
    let generated = json!({
        "about": "Saved case documents (hex) and each goal's status steps as sync-core's \
                  case::timeline::goal_status_history reads them (tests/timeline_vectors.rs). See README.md.",
        "cases": cases,
    });
    check_vectors("goal-history.json", "timeline_vectors", &generated);
}
