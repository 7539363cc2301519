// The order of the plan's goals, and moving a goal among its siblings. This mirrors sync-core/src/case/goals.rs
// function by function, and sync-core/tests/vectors/plan-edits.json pins it (tests/plan-edits-vectors.test.ts checks
// every changed plan's `order` against `inOrder`).
//
// Goals are a map keyed by id (so two phones adding goals offline never collide), and their order lives beside them
// in `plan.goal_order`: a position per goal among the goals with the same parent, lower first. A goal with no
// position follows those with one, in the order it was created, so a new goal goes last and a document written
// before goals could be re-ordered keeps its order. Every screen that lists goals lists them with `inOrder`.
//
// Moving a goal (`positionsForMove`) writes one position where its new neighbours leave room, and renumbers the
// siblings otherwise. Two phones moving the same goal offline write two positions for it: a conflict listed like any
// other, until a person resolves it.

import type { Case, Goal } from "./model";

type Plan = Case["plan"];

/** The gap between positions when siblings are numbered afresh: room for many moves before the next renumbering. */
export const POSITION_STEP = 1024;

/** The largest position magnitude, 2^53 − 1: JavaScript numbers hold integers exactly up to it. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/** A goal's position, or none (a plan written before goals could be re-ordered has no `goal_order` at all). */
const positionOf = (plan: Plan, id: string): number | undefined =>
  plan.goal_order && Object.hasOwn(plan.goal_order, id) ? plan.goal_order[id] : undefined;

/** Ids compare as Rust's `String`s do; goal ids are ASCII, where UTF-16 order is byte order. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** How `a` compares with its sibling `b` in the plan's order: placed first, by position, then as created, then id. */
function siblingOrder(plan: Plan, [aId, a]: [string, Goal], [bId, b]: [string, Goal]): number {
  const aAt = positionOf(plan, aId);
  const bAt = positionOf(plan, bId);
  if ((aAt === undefined) !== (bAt === undefined)) return aAt === undefined ? 1 : -1;
  if (aAt !== undefined && bAt !== undefined && aAt !== bAt) return aAt < bAt ? -1 : 1;
  if (a.created_ms !== b.created_ms) return a.created_ms < b.created_ms ? -1 : 1;
  return compareIds(aId, bId);
}

/** The goals with parent `parent` (`null`: the top-level goals), in order. */
export function siblings(plan: Plan, parent: string | null): [string, Goal][] {
  return Object.entries(plan.goals)
    .filter(([, goal]) => (goal.parent ?? null) === parent)
    .sort((a, b) => siblingOrder(plan, a, b));
}

/** A goal in plan order with its depth among the listed goals (0 for a goal at the top). */
export interface Listed {
  id: string;
  goal: Goal;
  depth: number;
}

/**
 * Every goal in plan order with its depth (0 for a goal): each goal followed by its sub-goals, each sub-goal by its
 * stepping stones. A goal whose parent is missing is listed at the top level rather than lost. The walk keeps its
 * own stack and visits each goal once, whatever the parent links say.
 */
export function inOrder(plan: Plan): Listed[] {
  const has = (id: string) => Object.hasOwn(plan.goals, id);
  const roots = Object.entries(plan.goals)
    .filter(([, goal]) => goal.parent == null || !has(goal.parent))
    .sort((a, b) => siblingOrder(plan, a, b));
  const listed: Listed[] = [];
  const seen = new Set<string>();
  const stack: Listed[] = roots.reverse().map(([id, goal]) => ({ id, goal, depth: 0 }));
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (seen.has(next.id)) continue;
    seen.add(next.id);
    listed.push(next);
    for (const [child, goal] of siblings(plan, next.id).reverse()) stack.push({ id: child, goal, depth: next.depth + 1 });
  }
  return listed;
}

/**
 * The positions to write so that `goal` stands right after `after` among its siblings (first when `after` is
 * `null`): one position when the neighbours leave room, else every sibling's, numbered afresh. `null` when the goal
 * already stands there. The caller has checked that `after` is a sibling other than `goal`.
 */
export function positionsForMove(plan: Plan, goal: string, after: string | null): Record<string, number> | null {
  if (!Object.hasOwn(plan.goals, goal)) return null;
  const parent = plan.goals[goal]!.parent ?? null;
  const current = siblings(plan, parent).map(([id]) => id);
  const others = current.filter((id) => id !== goal);
  let index = 0;
  if (after !== null) {
    const at = others.indexOf(after);
    if (at < 0) return null;
    index = at + 1;
  }
  const wanted = [...others];
  wanted.splice(index, 0, goal);
  if (wanted.length === current.length && wanted.every((id, i) => id === current[i])) return null;
  const position = (i: number) => (i < wanted.length ? positionOf(plan, wanted[i]!) : undefined);
  // `before` is absent when the goal goes first, `{ at: undefined }` when its neighbour before has no position.
  const before = index > 0 ? { at: position(index - 1) } : undefined;
  const next = position(index + 1);
  let single: number | null = null;
  if (before?.at !== undefined && next !== undefined && next - before.at >= 2) {
    // Both neighbours placed, with room between them. BigInt keeps the midpoint exact near ±2^53.
    single = Number(BigInt(before.at) + (BigInt(next) - BigInt(before.at)) / 2n);
  } else if (before === undefined && next !== undefined && next - POSITION_STEP >= -MAX_POSITION) {
    // First, before a placed neighbour.
    single = next - POSITION_STEP;
  } else if (
    before?.at !== undefined &&
    next === undefined &&
    before.at + POSITION_STEP <= MAX_POSITION &&
    others.every((id) => positionOf(plan, id) !== undefined)
  ) {
    // Last, after a placed neighbour, when every sibling is placed (an unplaced one sorts after all placed).
    single = before.at + POSITION_STEP;
  }
  if (single !== null) return { [goal]: single };
  return Object.fromEntries(wanted.map((id, i) => [id, (i + 1) * POSITION_STEP]));
}
