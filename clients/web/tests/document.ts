// Test helpers for the edit vectors: a case's JSON as autosurgeon writes it into an automerge document, and the
// strings read back from one.

import * as Automerge from "@automerge/automerge";

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
