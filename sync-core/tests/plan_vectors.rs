//! `tests/vectors/plan-edits.json`: the edits of the plan (§141): its purpose, the citizen's own goal, goals with
//! their sub-goals and stepping-stone goals, and a goal's status, each applied by sync-core's own [`CaseDocument`]
//! to a case, with the plan as it reads afterwards, nothing changed, the refusal (`field`, `problem`) or the goal
//! not found. The web app runs every vector (`clients/web/tests/plan-edits-vectors.test.ts`), so the phone writes
//! and refuses exactly what `tov` and the server do.
//!
//! After a deliberate rule change, regenerate it with
//! `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test plan_vectors` and review the diff.

mod vectors_common;

use std::collections::BTreeMap;

use automerge::ActorId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sync_core::case::ffb::Ffb;
use sync_core::case::{Case, CaseDocument, CaseError, Goal};
use uuid::Uuid;
use vectors_common::{check_vectors, citizen_case, unchanged_or_refused};

const NOW_MS: i64 = 1_781_524_800_000;
const GOAL: &str = "90a10000-0000-4000-8000-000000000001";
const SUB_GOAL: &str = "90a10000-0000-4000-8000-000000000002";
const SECOND_GOAL: &str = "90a10000-0000-4000-8000-000000000003";
const THIRD_GOAL: &str = "90a10000-0000-4000-8000-000000000004";
const MARKED_GOAL: &str = "90a10000-0000-4000-8000-000000000005";
const NEW_GOAL: &str = "90a10000-0000-4000-8000-000000000010";
const UNKNOWN: &str = "00000000-0000-4000-8000-00000000dead";

/// One edit in the JSON form the vectors carry (externally tagged). A new goal's id is fixed by the vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Edit {
    SetPurpose {
        purpose: String,
    },
    SetOwnGoal {
        words: String,
    },
    AddGoal {
        id: String,
        goal: Goal,
    },
    SetGoalStatus {
        goal: String,
        status: String,
    },
    SetGoalTitle {
        goal: String,
        title: String,
    },
    SetGoalType {
        goal: String,
        goal_type: String,
    },
    SetGoalTarget {
        goal: String,
        target_date: Option<String>,
    },
    MoveGoal {
        goal: String,
        after: Option<String>,
    },
}

impl Edit {
    fn apply(&self, doc: &mut CaseDocument) -> Result<Option<automerge::ChangeHash>, CaseError> {
        match self.clone() {
            Edit::SetPurpose { purpose } => doc.set_purpose(&purpose, NOW_MS),
            Edit::SetOwnGoal { words } => doc.set_own_goal(&words, NOW_MS),
            Edit::AddGoal { id, goal } => doc.add_goal(Uuid::parse_str(&id).expect("a UUID"), goal, NOW_MS),
            Edit::SetGoalStatus { goal, status } => doc.set_goal_status(&goal, &status, NOW_MS),
            Edit::SetGoalTitle { goal, title } => doc.set_goal_title(&goal, &title, NOW_MS),
            Edit::SetGoalType { goal, goal_type } => doc.set_goal_type(&goal, &goal_type, NOW_MS),
            Edit::SetGoalTarget { goal, target_date } => {
                doc.set_goal_target(&goal, target_date.as_deref(), NOW_MS)
            }
            Edit::MoveGoal { goal, after } => doc.move_goal(&goal, after.as_deref(), NOW_MS),
        }
    }
}

fn develop() -> String {
    Ffb::get()
        .goal_type_code("Udvikle funktionsevne")
        .expect("the FFB goal type")
        .to_owned()
}

fn goal(title: &str, level: &str, parent: Option<&str>) -> Goal {
    Goal {
        title: title.into(),
        level: level.into(),
        parent: parent.map(str::to_owned),
        goal_type: develop(),
        status: "active".into(),
        target_date: Some("2026-12-31".into()),
        created_ms: NOW_MS,
        entered_in_error: None,
    }
}

/// A case whose plan has a purpose, the citizen's own words, three goals (the first two placed, the third, newer,
/// not), one sub-goal under the first, and a goal marked as made in error.
fn base() -> Case {
    let mut case = citizen_case("ref-plan-edits");
    case.plan.purpose = "Støtte til at bo i egen bolig".into();
    case.plan.own_goal = autosurgeon::Text::with_value("Jeg vil klare min egen økonomi");
    case.plan.goals = BTreeMap::from([
        (GOAL.into(), goal("Styr på økonomien", "goal", None)),
        (
            SUB_GOAL.into(),
            goal("Betale regninger til tiden", "sub_goal", Some(GOAL)),
        ),
        (SECOND_GOAL.into(), goal("Et arbejdsliv", "goal", None)),
        (THIRD_GOAL.into(), {
            let mut newer = goal("Ro i lejligheden", "goal", None);
            newer.created_ms = NOW_MS + 1;
            newer
        }),
    ]);
    let mut marked = goal("Forkert borger", "goal", None);
    marked.created_ms = NOW_MS + 2;
    marked.entered_in_error = Some(sync_core::case::ErrorMark {
        by: "anna".into(),
        at_ms: NOW_MS,
        reason: "oprettet på den forkerte borger".into(),
    });
    case.plan.goals.insert(MARKED_GOAL.into(), marked);
    case.plan.goal_order = BTreeMap::from([(GOAL.into(), 1024), (SECOND_GOAL.into(), 2048)]);
    case
}

fn add(goal: Goal) -> Edit {
    Edit::AddGoal {
        id: NEW_GOAL.into(),
        goal,
    }
}

fn vectors() -> Vec<(&'static str, &'static str, Edit)> {
    let mut untitled = goal(" ", "goal", None);
    untitled.target_date = None;
    let mut unknown_type = goal("Et mål", "goal", None);
    unknown_type.goal_type = "not-an-ffb-code".into();
    let mut bad_date = goal("Et mål", "goal", None);
    bad_date.target_date = Some("2026-13-01".into());
    vec![
        (
            "purpose_is_set",
            "The plan's purpose is a line the worker writes.",
            Edit::SetPurpose {
                purpose: "Støtte til job og bolig".into(),
            },
        ),
        (
            "own_goal_is_rewritten",
            "The citizen's own goal is Text: rewritten as a minimal edit.",
            Edit::SetOwnGoal {
                words: "Jeg vil klare min egen økonomi og få et job".into(),
            },
        ),
        (
            "own_goal_may_be_emptied",
            "The own goal may be left empty until the citizen has words for it.",
            Edit::SetOwnGoal { words: String::new() },
        ),
        (
            "top_level_goal_is_added",
            "A goal has no parent.",
            add(goal("Et arbejdsliv", "goal", None)),
        ),
        (
            "stepping_stone_under_a_sub_goal_is_added",
            "A stepping-stone goal hangs under a sub-goal.",
            add(goal("Åbne posten hver mandag", "stepping_stone", Some(SUB_GOAL))),
        ),
        (
            "sub_goal_under_a_sub_goal_is_refused",
            "A sub-goal must hang under a goal, one level up.",
            add(goal("Forkert niveau", "sub_goal", Some(SUB_GOAL))),
        ),
        (
            "sub_goal_without_parent_is_refused",
            "A sub-goal needs its parent goal.",
            add(goal("Uden forælder", "sub_goal", None)),
        ),
        (
            "top_level_goal_with_parent_is_refused",
            "A top-level goal has no parent.",
            add(goal("Med forælder", "goal", Some(GOAL))),
        ),
        ("untitled_goal_is_refused", "A goal needs a title.", add(untitled)),
        (
            "goal_type_outside_ffb_is_refused",
            "The goal type is one of FFB's.",
            add(unknown_type),
        ),
        (
            "malformed_target_date_is_refused",
            "A target date is a YYYY-MM-DD date.",
            add(bad_date),
        ),
        (
            "goal_status_is_set",
            "A goal is achieved.",
            Edit::SetGoalStatus {
                goal: SUB_GOAL.into(),
                status: "achieved".into(),
            },
        ),
        (
            "unknown_goal_status_is_refused",
            "The status is one of the code list's.",
            Edit::SetGoalStatus {
                goal: GOAL.into(),
                status: "finished".into(),
            },
        ),
        (
            "status_of_an_unknown_goal_is_not_found",
            "An edit names a goal the case does not have.",
            Edit::SetGoalStatus {
                goal: UNKNOWN.into(),
                status: "achieved".into(),
            },
        ),
        (
            "goal_is_retitled",
            "A goal's title is edited.",
            Edit::SetGoalTitle {
                goal: GOAL.into(),
                title: "Overblik over økonomien".into(),
            },
        ),
        (
            "untitled_goal_edit_is_refused",
            "A goal keeps a title.",
            Edit::SetGoalTitle {
                goal: GOAL.into(),
                title: "  ".into(),
            },
        ),
        (
            "goal_type_is_changed",
            "A goal's FFB goal type is changed.",
            Edit::SetGoalType {
                goal: SUB_GOAL.into(),
                goal_type: Ffb::get()
                    .goal_type_code("Fastholde funktionsevne")
                    .expect("the FFB goal type")
                    .to_owned(),
            },
        ),
        (
            "goal_type_change_outside_ffb_is_refused",
            "The goal type stays one of FFB's.",
            Edit::SetGoalType {
                goal: SUB_GOAL.into(),
                goal_type: "not-an-ffb-code".into(),
            },
        ),
        (
            "target_date_is_moved",
            "A goal's target date is moved.",
            Edit::SetGoalTarget {
                goal: GOAL.into(),
                target_date: Some("2027-06-30".into()),
            },
        ),
        (
            "target_date_is_cleared",
            "A goal may have no target date.",
            Edit::SetGoalTarget {
                goal: GOAL.into(),
                target_date: None,
            },
        ),
        (
            "malformed_target_date_edit_is_refused",
            "A target date stays a YYYY-MM-DD date.",
            Edit::SetGoalTarget {
                goal: GOAL.into(),
                target_date: Some("31-12-2026".into()),
            },
        ),
        (
            "unplaced_goal_moves_first_before_a_placed_one",
            "First, one step before the first placed goal: one position written.",
            Edit::MoveGoal {
                goal: THIRD_GOAL.into(),
                after: None,
            },
        ),
        (
            "unplaced_goal_moves_between_two_placed_ones",
            "Between two placed goals with room: the midpoint, one position written.",
            Edit::MoveGoal {
                goal: THIRD_GOAL.into(),
                after: Some(GOAL.into()),
            },
        ),
        (
            "placed_goal_moves_before_an_unplaced_one",
            "Next to a goal with no position: the siblings are numbered afresh.",
            Edit::MoveGoal {
                goal: GOAL.into(),
                after: Some(SECOND_GOAL.into()),
            },
        ),
        (
            "goal_already_first_changes_nothing",
            "Moving a goal to where it stands writes no change.",
            Edit::MoveGoal {
                goal: GOAL.into(),
                after: None,
            },
        ),
        (
            "goal_moved_after_itself_is_refused",
            "A goal moves after another goal.",
            Edit::MoveGoal {
                goal: GOAL.into(),
                after: Some(GOAL.into()),
            },
        ),
        (
            "goal_moved_among_another_parents_goals_is_refused",
            "A sub-goal moves among the sub-goals of its own goal.",
            Edit::MoveGoal {
                goal: SUB_GOAL.into(),
                after: Some(SECOND_GOAL.into()),
            },
        ),
        (
            "goal_made_in_error_is_not_retitled",
            "A goal marked as made in error stays as it was recorded.",
            Edit::SetGoalTitle {
                goal: MARKED_GOAL.into(),
                title: "Et andet mål".into(),
            },
        ),
        (
            "goal_made_in_error_keeps_its_status",
            "A goal marked as made in error is not achieved, paused or dropped either.",
            Edit::SetGoalStatus {
                goal: MARKED_GOAL.into(),
                status: "achieved".into(),
            },
        ),
        (
            "goal_made_in_error_is_not_moved",
            "A goal marked as made in error stays where it is.",
            Edit::MoveGoal {
                goal: MARKED_GOAL.into(),
                after: None,
            },
        ),
        (
            "unknown_goal_is_not_moved",
            "An edit names a goal the case does not have.",
            Edit::MoveGoal {
                goal: UNKNOWN.into(),
                after: None,
            },
        ),
        (
            "same_status_changes_nothing",
            "Setting the status a goal already has writes no change.",
            Edit::SetGoalStatus {
                goal: GOAL.into(),
                status: "active".into(),
            },
        ),
    ]
}

/// What sync-core makes of `edit` on `case`: the plan as it reads back, or why nothing changed.
fn expectation(case: &Case, edit: &Edit) -> Value {
    let mut doc =
        CaseDocument::create(ActorId::from(vec![7; 16]), case, NOW_MS).expect("the input case is valid");
    let heads = doc.heads();
    let before = serde_json::to_value(doc.read().expect("read")).expect("json");
    let result = edit.apply(&mut doc);
    let after = serde_json::to_value(doc.read().expect("read")).expect("json");
    match result {
        Ok(Some(_)) => {
            // A plan edit writes the plan and nothing else.
            let mut only_plan = before;
            only_plan["plan"] = after["plan"].clone();
            assert_eq!(after, only_plan, "the edit changed more than the plan");
            // The goals as every client lists them, with their depth.
            let plan = doc.read().expect("read").plan;
            let order: Vec<Value> = sync_core::case::goals::in_order(&plan)
                .into_iter()
                .map(|(id, _, depth)| json!([id, depth]))
                .collect();
            json!({"result": "changed", "plan": after["plan"], "order": order})
        }
        refused => {
            assert_eq!(doc.heads(), heads);
            assert_eq!(after, before);
            unchanged_or_refused(refused, "a plan vector")
        }
    }
}

#[test]
fn plan_edit_vectors_are_what_sync_core_computes() {
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
        "about": "The edits of a plan applied to `case` by sync-core's CaseDocument (tests/plan_vectors.rs), with the \
                  plan as it reads afterwards or the refusal. See README.md.",
        "now_ms": NOW_MS,
        "case": serde_json::to_value(&case).expect("json"),
        "cases": cases,
    });
    check_vectors("plan-edits.json", "plan_vectors", &generated);
}
