//! `tests/vectors/assignment-edits.json`: who holds a case, each edit applied by sync-core's own [`CaseDocument`]:
//! a worker assigned or unassigned, the tovholder role handed over, with the tovholder and the list as they read
//! afterwards, nothing changed, the refusal (`field`, `problem`) or the worker not found. The web app runs every
//! vector (`clients/web/tests/assignment-edits-vectors.test.ts`), so the phone writes and refuses exactly what
//! `tov` and the server do.
//!
//! After a deliberate rule change, regenerate it with
//! `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test assignment_vectors` and review the diff.

mod vectors_common;

use automerge::ActorId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sync_core::case::{Case, CaseDocument, CaseError};
use vectors_common::{check_vectors, citizen_case, unchanged_or_refused};

const NOW_MS: i64 = 1_781_524_800_000;
const ANNA: &str = "a0000000-0000-4000-8000-000000000001";
const BO: &str = "b0000000-0000-4000-8000-000000000002";
const CARL: &str = "c0000000-0000-4000-8000-000000000003";

/// One edit in the JSON form the vectors carry (externally tagged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Edit {
    AssignWorker { user: String, name: String },
    UnassignWorker { user: String },
    HandOverTovholder { user: String },
}

impl Edit {
    fn apply(&self, doc: &mut CaseDocument) -> Result<Option<automerge::ChangeHash>, CaseError> {
        match self {
            Edit::AssignWorker { user, name } => doc.assign_worker(user, name, NOW_MS),
            Edit::UnassignWorker { user } => doc.unassign_worker(user, NOW_MS),
            Edit::HandOverTovholder { user } => doc.hand_over_tovholder(user, NOW_MS),
        }
    }
}

/// A case Anna holds as tovholder, with Bo assigned too.
fn base() -> Case {
    let mut case = citizen_case("ref-assignment-edits");
    case.tovholder = Some(ANNA.into());
    case.workers.insert(ANNA.into(), "Anna".into());
    case.workers.insert(BO.into(), "Bo".into());
    case
}

fn assign(user: &str, name: &str) -> Edit {
    Edit::AssignWorker {
        user: user.into(),
        name: name.into(),
    }
}

fn vectors() -> Vec<(&'static str, &'static str, Edit)> {
    vec![
        (
            "worker_is_assigned",
            "A worker is named by user id, with the name shown for them (trimmed).",
            assign(CARL, " Carl "),
        ),
        (
            "worker_assigned_twice_is_refused",
            "No one is on the list twice.",
            assign(BO, "Bo B."),
        ),
        (
            "blank_name_is_refused",
            "A worker has a name to show.",
            assign(CARL, "  "),
        ),
        (
            "name_instead_of_id_is_refused",
            "Workers are named by user id.",
            assign("carl", "Carl"),
        ),
        (
            "uppercase_id_is_refused",
            "A user id has one text form, lowercase and hyphenated.",
            assign(&CARL.to_uppercase(), "Carl"),
        ),
        (
            "worker_is_unassigned",
            "A worker who is not the tovholder steps off the case.",
            Edit::UnassignWorker { user: BO.into() },
        ),
        (
            "tovholder_is_not_unassigned",
            "The tovholder stays on the list: hand the role over first.",
            Edit::UnassignWorker { user: ANNA.into() },
        ),
        (
            "unassigning_someone_not_assigned_is_not_found",
            "An edit names a worker the case does not have.",
            Edit::UnassignWorker { user: CARL.into() },
        ),
        (
            "tovholder_is_handed_over",
            "The role goes to an assigned worker.",
            Edit::HandOverTovholder { user: BO.into() },
        ),
        (
            "tovholder_outside_the_list_is_refused",
            "The tovholder is one of the assigned workers.",
            Edit::HandOverTovholder { user: CARL.into() },
        ),
        (
            "tovholder_by_name_is_refused",
            "The tovholder is named by user id.",
            Edit::HandOverTovholder { user: "Bo".into() },
        ),
        (
            "same_tovholder_changes_nothing",
            "Handing the role to the one who holds it writes no change.",
            Edit::HandOverTovholder { user: ANNA.into() },
        ),
    ]
}

/// What sync-core makes of `edit` on `case`: who holds it afterwards, or why nothing changed.
fn expectation(case: &Case, edit: &Edit) -> Value {
    let mut doc =
        CaseDocument::create(ActorId::from(vec![7; 16]), case, NOW_MS).expect("the input case is valid");
    let heads = doc.heads();
    let before = serde_json::to_value(doc.read().expect("read")).expect("json");
    let result = edit.apply(&mut doc);
    let after = serde_json::to_value(doc.read().expect("read")).expect("json");
    match result {
        Ok(Some(_)) => {
            // An assignment edit writes the tovholder and the list and nothing else.
            let mut only_these = before;
            only_these["tovholder"] = after["tovholder"].clone();
            only_these["workers"] = after["workers"].clone();
            assert_eq!(after, only_these, "the edit changed more than who holds the case");
            json!({"result": "changed", "tovholder": after["tovholder"], "workers": after["workers"]})
        }
        refused => {
            assert_eq!(doc.heads(), heads);
            assert_eq!(after, before);
            unchanged_or_refused(refused, "an assignment vector")
        }
    }
}

#[test]
fn assignment_edit_vectors_are_what_sync_core_computes() {
    let case = base();
    let cases: Vec<Value> = vectors()
        .into_iter()
        .map(|(name, why, edit)| {
            json!({
                "name": name,
                "why": why,
                "edit": serde_json::to_value(&edit).expect("json"),
                "expect": expectation(&case, &edit),
            })
        })
        .collect();
    let generated = json!({
        "about": "Assigning and unassigning workers and handing the tovholder role over, applied to `case` by \
                  sync-core's CaseDocument (tests/assignment_vectors.rs), with the tovholder and workers as they read \
                  afterwards or the refusal. See README.md.",
        "now_ms": NOW_MS,
        "case": serde_json::to_value(&case).expect("json"),
        "cases": cases,
    });
    check_vectors("assignment-edits.json", "assignment_vectors", &generated);
}
