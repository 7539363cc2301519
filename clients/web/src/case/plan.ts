// The edits of the plan (Serviceloven §141) on the phone: its purpose, the citizen's own goal in their own words,
// goals with their sub-goals and stepping-stone goals, and a goal's status. sync-core decides them
// (src/case/edit.rs `set_purpose`, `set_own_goal`, `add_goal`, `set_goal_status`, validated by `case/validate.rs`);
// this is its port, pinned by sync-core/tests/vectors/plan-edits.json (tests/plan-edits-vectors.test.ts).
//
// As the course edits do (course.ts), each edit is worked out on the plain case and the whole resulting case is
// validated; an accepted one comes with `write`, which puts it into an automerge draft with autosurgeon's types.

import * as Automerge from "@automerge/automerge";
import type { ValidationError } from "../fit";
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

/** Sets a goal's status (active, achieved, paused, dropped). */
export function setGoalStatus(c: Case, goalId: string, status: string): PlanEdit {
  const goal = c.plan.goals[goalId];
  if (!goal) return { result: "not_found", what: "goal", id: goalId };
  const plan = { ...c.plan, goals: { ...c.plan.goals, [goalId]: { ...goal, status } } };
  return checked(c, plan, (draft) => {
    (goalsOf(draft)[goalId] as Record<string, unknown>).status = s(status);
  });
}
