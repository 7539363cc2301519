// Test helpers for the edit vectors: a case's JSON as autosurgeon writes it into an automerge document, the
// strings read back from one, and the check of an edit that did not change the case.

import * as Automerge from "@automerge/automerge";
import { expect } from "vitest";

/** Every string under `value` as read from the document; automerge reads scalar strings as ImmutableString. */
export function strings(value: unknown): unknown[] {
  if (typeof value === "string" || value instanceof Automerge.ImmutableString) return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/**
 * The case as autosurgeon writes it: every string a scalar string but the own goal and contact notes (Text, a plain
 * string in automerge's JS API), so an edit's fields can be told apart from what was there.
 */
export function asDocument(value: unknown, path: string[] = []): unknown {
  const text = path.join(".") === "plan.own_goal" || (path[0] === "contacts" && path[2] === "notes" && path.length === 3);
  if (typeof value === "string") return text ? value : new Automerge.ImmutableString(value);
  if (Array.isArray(value)) return value.map((v, i) => asDocument(v, [...path, String(i)]));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDocument(v, [...path, k])]));
  return value;
}

/** What the vectors expect of an edit that changed nothing: a refusal, an entry not found, or no change. */
export type Unchanged =
  | { result: "unchanged" }
  | { result: "invalid"; error: { field: string; problem: string } }
  | { result: "not_found"; what: string; id: string };

/** Checks an edit against a vector's expectation that it changed nothing (field and problem for a refusal). */
export function expectUnchanged(edit: { result: string }, expected: Unchanged, why: string): void {
  switch (expected.result) {
    case "invalid": {
      expect(edit.result, why).toBe("invalid");
      const { error } = edit as unknown as { error: { field: string; problem: string } };
      expect({ field: error.field, problem: error.problem }, why).toEqual(expected.error);
      break;
    }
    case "not_found":
      expect(edit, why).toEqual({ result: "not_found", what: expected.what, id: expected.id });
      break;
    case "unchanged":
      expect(edit, why).toEqual({ result: "unchanged" });
      break;
  }
}
