// The order of the plan's goals (src/case/goals.ts) beyond what plan-edits.json pins: the cases of sync-core's own
// unit tests in src/case/goals.rs, the goal order's validation (validate.rs), and how a move is written into the
// document: the map created once for a plan that has none, and only the positions that change.

import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import type { Draft } from "../src/case/course";
import { inOrder, MAX_POSITION, positionsForMove } from "../src/case/goals";
import { readCase, type Case, type Goal } from "../src/case/model";
import { moveGoal, setGoalTitle } from "../src/case/plan";
import { validateCase } from "../src/case/validate";
import { asDocument } from "./document";

const GOAL_TYPE = "d41c8072-52f8-42b5-9375-ddbea454d27f";

function goal(parent: string | null, created_ms: number): Goal {
  return {
    title: "A goal",
    level: parent === null ? "goal" : "sub_goal",
    parent,
    goal_type: GOAL_TYPE,
    status: "active",
    target_date: null,
    created_ms,
  };
}

function plan(goals: [string, string | null, number][], order?: [string, number][]): Case["plan"] {
  return {
    purpose: "",
    own_goal: "",
    goals: Object.fromEntries(goals.map(([id, parent, created]) => [id, goal(parent, created)])),
    ...(order ? { goal_order: Object.fromEntries(order) } : {}),
  };
}

const ids = (p: Case["plan"]) => inOrder(p).map(({ id, depth }) => [id, depth]);

function aCase(p: Case["plan"]): Case {
  return {
    schema: 1,
    tenant: "t",
    team: "team",
    citizen: { display_name: "Synthetic Citizen", reference: "ref", birth_year: null },
    tovholder: null,
    workers: {},
    plan: p,
    courses: {},
    contacts: {},
    follow_ups: {},
    outcomes: {},
  };
}

describe("goals.rs, ported", () => {
  it("lists placed goals first, then the rest as created, each followed by its sub-goals", () => {
    const p = plan(
      [
        ["a", null, 1],
        ["b", null, 2],
        ["c", null, 3],
        ["a1", "a", 4],
        ["a2", "a", 5],
      ],
      [
        ["c", 10],
        ["a2", -5],
      ],
    );
    expect(ids(p)).toEqual([
      ["c", 0],
      ["a", 0],
      ["a2", 1],
      ["a1", 1],
      ["b", 0],
    ]);
  });

  it("lists a goal whose parent is gone at the top, and every goal once", () => {
    const p = plan([
      ["a", null, 1],
      ["lost", "gone", 2],
    ]);
    expect(ids(p)).toEqual([
      ["a", 0],
      ["lost", 0],
    ]);
  });

  it("numbers equal positions from two phones afresh on the next move", () => {
    const p = plan(
      [
        ["a", null, 1],
        ["b", null, 2],
        ["c", null, 3],
      ],
      [
        ["a", 7],
        ["b", 7],
        ["c", 8],
      ],
    );
    expect(positionsForMove(p, "c", "a")).toEqual({ a: 1024, c: 2048, b: 3072 });
  });

  it("keeps the midpoint exact near the largest positions", () => {
    const p = plan(
      [
        ["a", null, 1],
        ["b", null, 2],
        ["c", null, 3],
      ],
      [
        ["a", -MAX_POSITION],
        ["b", MAX_POSITION - 1],
      ],
    );
    expect(positionsForMove(p, "a", null)).toBeNull();
    // c goes between a and b: b − a = 2^54 − 3, which a double cannot hold; the midpoint is a + 2^53 − 2 = −1.
    expect(positionsForMove(p, "c", "a")).toEqual({ c: -1 });
  });
});

describe("the goal order's validation (validate.rs)", () => {
  const two = plan([
    ["a", null, 1],
    ["b", null, 2],
  ]);

  it("refuses a position naming no goal", () => {
    const e = validateCase(aCase({ ...two, goal_order: { gone: 1 } }));
    expect(e && [e.field, e.problem]).toEqual(["plan.goal_order.gone", "unknown_code"]);
  });

  it("refuses a position beyond 2^53 − 1, and accepts one at it", () => {
    const e = validateCase(aCase({ ...two, goal_order: { a: MAX_POSITION + 2 } }));
    expect(e && [e.field, e.problem]).toEqual(["plan.goal_order.a", "out_of_range"]);
    expect(validateCase(aCase({ ...two, goal_order: { a: -MAX_POSITION } }))).toBeNull();
  });
});

describe("moving a goal in the document", () => {
  const three = plan([
    ["a", null, 1],
    ["b", null, 2],
    ["c", null, 3],
  ]);

  it("creates the order for a plan written without one, and writes every sibling's position", () => {
    const doc = Automerge.from(asDocument(aCase(three)) as Record<string, unknown>);
    const edit = moveGoal(readCase(doc)!, "c", null);
    expect(edit.result).toBe("changed");
    if (edit.result !== "changed") return;
    const after = Automerge.change(doc as Automerge.Doc<Draft>, (d) => edit.write(d));
    expect(readCase(after)!.plan.goal_order).toEqual({ c: 1024, a: 2048, b: 3072 });
    expect(ids(readCase(after)!.plan)).toEqual([
      ["c", 0],
      ["a", 0],
      ["b", 0],
    ]);
  });

  it("writes only the positions that change, so another phone's concurrent position for another goal is kept", () => {
    const start = Automerge.from(
      asDocument(aCase({ ...three, goal_order: { a: 1024, b: 2048, c: 3072 } })) as Record<string, unknown>,
    );
    // This phone moves c first (one position); the other phone, meanwhile, moves b to the end (one position).
    const mine = moveGoal(readCase(start)!, "c", null);
    const theirs = moveGoal(readCase(start)!, "b", "c");
    if (mine.result !== "changed" || theirs.result !== "changed") throw new Error("both moves change the plan");
    expect(mine.plan.goal_order).toEqual({ a: 1024, b: 2048, c: 0 });
    const a = Automerge.change(Automerge.clone(start) as Automerge.Doc<Draft>, (d) => mine.write(d));
    const b = Automerge.change(Automerge.clone(start) as Automerge.Doc<Draft>, (d) => theirs.write(d));
    const merged = readCase(Automerge.merge(a, b))!;
    expect(merged.plan.goal_order).toEqual({ a: 1024, b: 4096, c: 0 });
    expect(ids(merged.plan).map(([id]) => id)).toEqual(["c", "a", "b"]);
  });

  it("leaves a goal made in error where it is, and its title as it was", () => {
    const marked = { ...three.goals.b!, entered_in_error: { by: "anna", at_ms: 1, reason: "a duplicate" } };
    const c = aCase({ ...three, goals: { ...three.goals, b: marked } });
    for (const edit of [moveGoal(c, "b", null), setGoalTitle(c, "b", "Ny titel")]) {
      expect(edit.result === "invalid" && [edit.error.field, edit.error.problem]).toEqual(["entered_in_error", "immutable"]);
    }
  });
});
