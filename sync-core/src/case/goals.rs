//! The order of the plan's goals, and moving a goal among its siblings.
//!
//! Goals are a map keyed by id (so two phones adding goals offline never collide), and their order lives beside
//! them in `plan.goal_order`: a position per goal among the goals with the same parent, lower first. A goal with no
//! position follows those with one, in the order it was created, so a new goal goes last and a document written
//! before goals could be re-ordered keeps its order. Every client lists goals with [`in_order`], and the web app
//! through the vectors of `tests/vectors/plan-edits.json`.
//!
//! Moving a goal ([`positions_for_move`]) writes one position where its new neighbours leave room, and renumbers the
//! siblings otherwise. Two phones moving the same goal offline write two positions for it: a conflict listed like
//! any other, until a person resolves it.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::model::{Goal, Plan};

/// The gap between positions when siblings are numbered afresh: room for many moves before the next renumbering.
pub const POSITION_STEP: i64 = 1024;

/// The largest position magnitude: JavaScript numbers hold integers exactly up to 2^53 − 1, and the web app must
/// read every position as written.
pub const MAX_POSITION: i64 = (1 << 53) - 1;

/// How `a` compares with its sibling `b` in the plan's order.
fn sibling_order(plan: &Plan, a: (&String, &Goal), b: (&String, &Goal)) -> Ordering {
    let key = |(id, goal): (&String, &Goal)| {
        let position = plan.goal_order.get(id).copied();
        (
            position.is_none(),
            position.unwrap_or(0),
            goal.created_ms,
            id.clone(),
        )
    };
    key(a).cmp(&key(b))
}

/// The goals with parent `parent` (`None`: the top-level goals), in order.
pub fn siblings<'a>(plan: &'a Plan, parent: Option<&str>) -> Vec<(&'a String, &'a Goal)> {
    let mut found: Vec<(&String, &Goal)> = plan
        .goals
        .iter()
        .filter(|(_, goal)| goal.parent.as_deref() == parent)
        .collect();
    found.sort_by(|a, b| sibling_order(plan, *a, *b));
    found
}

/// Every goal in plan order with its depth (0 for a goal): each goal followed by its sub-goals, each sub-goal by its
/// stepping stones. A goal whose parent is missing is listed at the top level rather than lost. The walk keeps its
/// own stack and visits each goal once, whatever the parent links say.
pub fn in_order(plan: &Plan) -> Vec<(&String, &Goal, usize)> {
    let mut roots: Vec<(&String, &Goal)> = plan
        .goals
        .iter()
        .filter(|(_, goal)| goal.parent.as_ref().is_none_or(|p| !plan.goals.contains_key(p)))
        .collect();
    roots.sort_by(|a, b| sibling_order(plan, *a, *b));
    let mut listed = Vec::with_capacity(plan.goals.len());
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<(&String, &Goal, usize)> = roots.into_iter().rev().map(|(id, g)| (id, g, 0)).collect();
    while let Some((id, goal, depth)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        listed.push((id, goal, depth));
        for (child, child_goal) in siblings(plan, Some(id)).into_iter().rev() {
            stack.push((child, child_goal, depth + 1));
        }
    }
    listed
}

/// The positions to write so that `goal` stands right after `after` among its siblings (first when `after` is
/// `None`): one position when the neighbours leave room, else every sibling's, numbered afresh. `None` when the
/// goal already stands there. The caller has checked that `after` is a sibling other than `goal`.
pub fn positions_for_move(plan: &Plan, goal: &str, after: Option<&str>) -> Option<BTreeMap<String, i64>> {
    let parent = plan.goals.get(goal)?.parent.as_deref();
    let current: Vec<&String> = siblings(plan, parent).into_iter().map(|(id, _)| id).collect();
    let others: Vec<&String> = current.iter().copied().filter(|id| *id != goal).collect();
    let index = match after {
        None => 0,
        Some(after) => others.iter().position(|id| *id == after)? + 1,
    };
    let mut wanted = others.clone();
    let moved = plan.goals.get_key_value(goal)?.0;
    wanted.insert(index, moved);
    if wanted == current {
        return None;
    }
    let position = |i: usize| wanted.get(i).and_then(|id| plan.goal_order.get(*id).copied());
    let (before, next) = (index.checked_sub(1).map(position), position(index + 1));
    let single = match (before, next) {
        // Both neighbours placed, with room between them.
        (Some(Some(low)), Some(high)) if high - low >= 2 => Some(low + (high - low) / 2),
        // First, before a placed neighbour.
        (None, Some(high)) if high - POSITION_STEP >= -MAX_POSITION => Some(high - POSITION_STEP),
        // Last, after a placed neighbour, when every sibling is placed (an unplaced one sorts after all placed).
        (Some(Some(low)), None)
            if low + POSITION_STEP <= MAX_POSITION
                && others.iter().all(|id| plan.goal_order.contains_key(*id)) =>
        {
            Some(low + POSITION_STEP)
        }
        _ => None,
    };
    Some(match single {
        Some(at) => BTreeMap::from([(goal.to_owned(), at)]),
        None => wanted
            .iter()
            .enumerate()
            .map(|(i, id)| ((*id).clone(), (i as i64 + 1) * POSITION_STEP))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(parent: Option<&str>, created_ms: i64) -> Goal {
        Goal {
            title: "A goal".into(),
            level: if parent.is_some() { "sub_goal" } else { "goal" }.into(),
            parent: parent.map(str::to_owned),
            goal_type: "x".into(),
            status: "active".into(),
            target_date: None,
            created_ms,
            entered_in_error: None,
        }
    }

    fn plan(goals: &[(&str, Option<&str>, i64)], order: &[(&str, i64)]) -> Plan {
        Plan {
            purpose: String::new(),
            own_goal: autosurgeon::Text::with_value(""),
            goals: goals
                .iter()
                .map(|(id, parent, created)| ((*id).to_owned(), goal(*parent, *created)))
                .collect(),
            goal_order: order.iter().map(|(id, at)| ((*id).to_owned(), *at)).collect(),
        }
    }

    fn ids(plan: &Plan) -> Vec<(String, usize)> {
        in_order(plan)
            .into_iter()
            .map(|(id, _, depth)| (id.clone(), depth))
            .collect()
    }

    #[test]
    fn placed_goals_come_first_then_the_rest_as_created_each_followed_by_its_sub_goals() {
        let plan = plan(
            &[
                ("a", None, 1),
                ("b", None, 2),
                ("c", None, 3),
                ("a1", Some("a"), 4),
                ("a2", Some("a"), 5),
            ],
            &[("c", 10), ("a2", -5)],
        );
        let expected = [("c", 0), ("a", 0), ("a2", 1), ("a1", 1), ("b", 0)];
        assert_eq!(ids(&plan), expected.map(|(id, d)| (id.to_owned(), d)));
    }

    #[test]
    fn a_goal_whose_parent_is_gone_is_listed_at_the_top_and_every_goal_once() {
        let plan = plan(&[("a", None, 1), ("lost", Some("gone"), 2)], &[]);
        assert_eq!(ids(&plan), [("a".to_owned(), 0), ("lost".to_owned(), 0)]);
    }

    #[test]
    fn equal_positions_from_two_phones_are_numbered_afresh_on_the_next_move() {
        let plan = plan(
            &[("a", None, 1), ("b", None, 2), ("c", None, 3)],
            &[("a", 7), ("b", 7), ("c", 8)],
        );
        let moved = positions_for_move(&plan, "c", Some("a")).expect("moves");
        assert_eq!(
            moved,
            BTreeMap::from([("a".into(), 1024), ("c".into(), 2048), ("b".into(), 3072)])
        );
    }
}
