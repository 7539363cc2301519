// The edits of the plan (Serviceloven §141) on the phone: its purpose, the citizen's own goal in their own words,
// goals with their sub-goals and stepping-stone goals, a goal's status, title, FFB goal type and target date, and
// its place among its siblings. sync-core decides them (src/case/edit.rs `set_purpose`, `set_own_goal`, `add_goal`,
// `set_goal_status`, `set_goal_title`, `set_goal_type`, `set_goal_target`, `move_goal`, validated by
// `case/validate.rs`; the order in `case/goals.rs`, ported in ./goals.ts); this is its port, pinned by
// sync-core/tests/vectors/plan-edits.json (tests/plan-edits-vectors.test.ts).
//
// As the course edits do (course.ts), each edit is worked out on the plain case and the whole resulting case is
// validated; an accepted one comes with `write`, which puts it into an automerge draft with autosurgeon's types.

import * as Automerge from "@automerge/automerge";
import { invalid, type ValidationError } from "../fit";
import { positionsForMove } from "./goals";
import type { Case, Goal } from "./model";
import { validateCase } from "./validate";
import type { Draft } from "./course";

export type PlanEdit =
  | {
      result: "changed";
      /** The plan as it reads after the edit. */
      plan: Case["plan"];
      write: (draft: Draft) => void;
    }
  | { result: "unchanged" }
  | { result: "invalid"; error: ValidationError }
  | { result: "not_found"; what: "goal"; id: string };

const s = (value: string) => new Automerge.ImmutableString(value);
const optional = (value: string | null) => (value === null ? null : s(value));
const planOf = (draft: Draft) => draft.plan as unknown as Record<string, unknown>;
const goalsOf = (draft: Draft) => draft.plan.goals as unknown as Record<string, unknown>;

/** The edit's outcome for the case with `plan`: nothing when the plan reads the same, else validated as a whole. */
function checked(c: Case, plan: Case["plan"], write: (draft: Draft) => void): PlanEdit {
  if (JSON.stringify(plan) === JSON.stringify(c.plan)) return { result: "unchanged" };
  const error = validateCase({ ...c, plan });
  if (error) return { result: "invalid", error };
  return { result: "changed", plan, write };
}

/** What the support is for, in the worker's words. */
export function setPurpose(c: Case, purpose: string): PlanEdit {
  return checked(c, { ...c.plan, purpose }, (draft) => {
    planOf(draft).purpose = s(purpose);
  });
}

/** The citizen's own goal: Text, written as a minimal edit so two phones' changes interleave. */
export function setOwnGoal(c: Case, words: string): PlanEdit {
  return checked(c, { ...c.plan, own_goal: words }, (draft) => {
    Automerge.updateText(draft, ["plan", "own_goal"], words);
  });
}

/** Adds a goal, a sub-goal under a goal, or a stepping-stone goal under a sub-goal. */
export function addGoal(c: Case, id: string, goal: Goal): PlanEdit {
  const plan = { ...c.plan, goals: { ...c.plan.goals, [id]: goal } };
  return checked(c, plan, (draft) => {
    goalsOf(draft)[id] = {
      title: s(goal.title),
      level: s(goal.level),
      parent: optional(goal.parent),
      goal_type: s(goal.goal_type),
      status: s(goal.status),
      target_date: optional(goal.target_date),
      created_ms: goal.created_ms,
    };
  });
}

/** A goal of the plan, or none for an id the plan does not hold. */
const goalIn = (c: Case, goalId: string): Goal | undefined =>
  Object.hasOwn(c.plan.goals, goalId) ? c.plan.goals[goalId] : undefined;

const notFound = (id: string): PlanEdit => ({ result: "not_found", what: "goal", id });

/** A goal made in error stays as it was recorded (sync-core's `not_in_error`: `Problem::Immutable`). */
const refusedInError: PlanEdit = {
  result: "invalid",
  error: invalid("entered_in_error", "immutable", "this goal was marked as made in error"),
};

/** A goal not made in error with the fields of `changed`, which `put` writes into the goal's draft map. */
function setGoalField(c: Case, goalId: string, changed: Partial<Goal>, put: (goal: Record<string, unknown>) => void): PlanEdit {
  const goal = goalIn(c, goalId);
  if (!goal) return notFound(goalId);
  if (goal.entered_in_error) return refusedInError;
  const plan = { ...c.plan, goals: { ...c.plan.goals, [goalId]: { ...goal, ...changed } } };
  return checked(c, plan, (draft) => put(goalsOf(draft)[goalId] as Record<string, unknown>));
}

/** Sets a goal's status (active, achieved, paused, dropped). */
export function setGoalStatus(c: Case, goalId: string, status: string): PlanEdit {
  return setGoalField(c, goalId, { status }, (goal) => {
    goal.status = s(status);
  });
}

/** Renames a goal. */
export function setGoalTitle(c: Case, goalId: string, title: string): PlanEdit {
  return setGoalField(c, goalId, { title }, (goal) => {
    goal.title = s(title);
  });
}

/** Sets a goal's FFB goal type (validated against KL's code system with the whole case). */
export function setGoalType(c: Case, goalId: string, goalType: string): PlanEdit {
  return setGoalField(c, goalId, { goal_type: goalType }, (goal) => {
    goal.goal_type = s(goalType);
  });
}

/** Sets or clears (`null`) a goal's target date (YYYY-MM-DD). */
export function setGoalTarget(c: Case, goalId: string, targetDate: string | null): PlanEdit {
  return setGoalField(c, goalId, { target_date: targetDate }, (goal) => {
    goal.target_date = optional(targetDate);
  });
}

/**
 * Moves a goal among the goals with the same parent: right after `after`, or first when `after` is null (see
 * ./goals.ts). A goal made in error stays where it is.
 */
export function moveGoal(c: Case, goalId: string, after: string | null): PlanEdit {
  const moved = goalIn(c, goalId);
  if (!moved) return notFound(goalId);
  if (moved.entered_in_error) return refusedInError;
  if (after !== null) {
    const sibling = goalIn(c, after);
    if (!sibling) return notFound(after);
    if (after === goalId || (sibling.parent ?? null) !== (moved.parent ?? null)) {
      return { result: "invalid", error: invalid("after", "out_of_range", "a goal moves among the other goals with the same parent") };
    }
  }
  const positions = positionsForMove(c.plan, goalId, after);
  if (!positions) return { result: "unchanged" };
  const plan = { ...c.plan, goal_order: { ...(c.plan.goal_order ?? {}), ...positions } };
  return checked(c, plan, (draft) => {
    // Only the positions that change are written, into the map as it stands (created once for a plan written
    // before goals could be re-ordered), so a position another phone wrote meanwhile for another goal is kept.
    const record = planOf(draft);
    if (!record.goal_order) record.goal_order = {};
    const order = record.goal_order as Record<string, number>;
    for (const [id, at] of Object.entries(positions)) if (order[id] !== at) order[id] = at;
  });
}
