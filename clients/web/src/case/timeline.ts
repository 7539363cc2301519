// A goal's status history on the phone, read from the document's own changes as sync-core reads it
// (src/case/timeline.rs `goal_status_history`, pinned by sync-core/tests/vectors/goal-history.json in
// tests/goal-history-vectors.test.ts): for each change that writes a `status` key, in the document's change order,
// the goal's status at the change is compared with its status at the change's own parents; where they differ, the
// change made a step. Concurrent statuses the merged document still holds end the history in a step without an
// actor (the conflict a person resolves). The walk is bounded as in sync-core, and a device's clock is not trusted.

import * as Automerge from "@automerge/automerge";

/** The most changes walked; a longer history is cut off at its newest changes. */
export const MAX_CHANGES = 20_000;
/** The most status-writing changes looked at closely. */
export const MAX_STATUS_CHANGES = 2_000;
/** The latest time a step may carry (9999-12-31, in seconds). */
const MAX_TIME_S = 253_402_300_799;

export interface StatusStep {
  /** The status codes after the change: one, or several written concurrently (a conflict). */
  statuses: string[];
  /** The change's time (whole seconds) as milliseconds. */
  at_ms: number;
  /** Hex actor id of the phone (or server edit) that made the change; null for the merged state of a conflict. */
  actor: string | null;
}

/** The status codes at `heads` (now, when absent) of the goal object `obj`, sorted; none where it did not exist. */
function statuses(backend: ReturnType<typeof Automerge.getBackend>, obj: Automerge.ObjID, heads?: Automerge.Heads): string[] {
  let values: unknown[][];
  try {
    values = backend.getAll(obj, "status", heads);
  } catch {
    return [];
  }
  return values
    .filter((v) => v[0] === "str" && typeof v[1] === "string")
    .map((v) => v[1] as string)
    .sort();
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Each goal's status steps, oldest first, by goal id. Goals that never changed status have one step. */
export function goalStatusHistory(doc: Automerge.Doc<unknown>): Record<string, StatusStep[]> {
  const history: Record<string, StatusStep[]> = {};
  const goals = (doc as { plan?: { goals?: Record<string, unknown> } }).plan?.goals;
  if (!goals || typeof goals !== "object") return history;
  // The goals' objects as the document holds them now, read at each point in time through automerge's own API (a
  // view's proxies answer conflicts of the current document, not of the view).
  const backend = Automerge.getBackend(doc);
  const goalObjects = Object.keys(goals)
    .map((id) => [id, goals[id] !== null && typeof goals[id] === "object" ? Automerge.getObjectId(goals, id) : null] as const)
    .filter((entry): entry is readonly [string, Automerge.ObjID] => entry[1] !== null);
  const changes = Automerge.getAllChanges(doc);
  let latestMs = 0;
  let lookedAt = 0;
  for (const raw of changes.slice(Math.max(0, changes.length - MAX_CHANGES))) {
    const change = Automerge.decodeChange(raw);
    const atMs = Math.min(Math.max(change.time, 0), MAX_TIME_S) * 1000;
    latestMs = Math.max(latestMs, atMs);
    // Only a change that writes a `status` key can change a goal's status (a new goal writes one too).
    if (!change.ops.some((op) => op.key === "status") || lookedAt >= MAX_STATUS_CHANGES) continue;
    lookedAt += 1;
    for (const [id, obj] of goalObjects) {
      // What this change changed: the status at the change against the status at its own parents, so a phone that
      // was offline and never touched the status adds no step.
      const was = statuses(backend, obj, change.deps);
      const now = statuses(backend, obj, [change.hash]);
      if (now.length === 0 || same(was, now)) continue;
      (history[id] ??= []).push({ statuses: now, at_ms: atMs, actor: change.actor });
    }
  }
  // The document as merged: concurrent statuses no single change saw together.
  for (const [id, obj] of goalObjects) {
    const now = statuses(backend, obj);
    const steps = (history[id] ??= []);
    const last = steps[steps.length - 1];
    if (now.length > 1 && (!last || !same(last.statuses, now))) steps.push({ statuses: now, at_ms: latestMs, actor: null });
    if (steps.length === 0) delete history[id];
  }
  return history;
}
