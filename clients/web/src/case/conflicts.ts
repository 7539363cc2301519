// Conflicts in a case document: single-valued fields two devices set concurrently. automerge keeps every value;
// like sync-core/src/case/conflicts.rs the app lists them (path and values) so a person chooses, and resolves
// one with a plain put, which supersedes all the concurrent values at once.

import * as Automerge from "@automerge/automerge";

export interface Conflict {
  path: string[];
  values: unknown[];
}

const plain = (v: unknown) =>
  v === undefined ? null : JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x)));

export function listConflicts(doc: Automerge.Doc<unknown>): Conflict[] {
  const found: Conflict[] = [];
  const walk = (obj: unknown, path: string[]) => {
    if (obj === null || typeof obj !== "object" || Automerge.isImmutableString(obj)) return;
    const keys = Array.isArray(obj) ? obj.map((_, i) => i) : Object.keys(obj);
    for (const key of keys) {
      const values = Automerge.getConflicts(obj as Automerge.Doc<unknown>, key);
      const here = [...path, String(key)];
      if (values && Object.keys(values).length > 1) {
        found.push({ path: here, values: Object.values(values).map(plain) });
      }
      walk((obj as Record<string | number, unknown>)[key], here);
    }
  };
  walk(doc, []);
  return found;
}

/** Sets the value at a path inside a change; strings go in as scalars, like the codes and titles they replace. */
export function resolveConflict(draft: unknown, path: string[], value: unknown): void {
  let obj = draft as Record<string, unknown>;
  for (const key of path.slice(0, -1)) obj = obj[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  // Notes and the citizen's own goal are Text (a JS string); every other string field is a scalar string.
  const isText = last === "notes" || last === "own_goal";
  obj[last] = typeof value === "string" && !isText ? new Automerge.ImmutableString(value) : value;
}
