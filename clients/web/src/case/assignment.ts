// Who holds a case, on the phone: a worker assigned to the case or taken off it, and the tovholder role handed over.
// sync-core decides them (src/case/edit.rs `assign_worker`, `unassign_worker`, `hand_over_tovholder`); this is its
// port, pinned by sync-core/tests/vectors/assignment-edits.json (tests/assignment-edits-vectors.test.ts).
//
// The list is the case's record of who works on it, named by user id. Which phones may see the case is the
// server's assignment table's, which a team lead manages (docs/PROTOCOL.md): a worker put on the list here does not
// get the case on their phone unless the lead assigns it (or the team shares its cases).

import * as Automerge from "@automerge/automerge";
import { invalid, type Problem, type ValidationError } from "../fit";
import type { Case } from "./model";
import type { Draft } from "./course";

export type AssignmentEdit =
  | {
      result: "changed";
      tovholder: string | null;
      workers: Record<string, string>;
      write: (draft: Draft) => void;
    }
  | { result: "unchanged" }
  | { result: "invalid"; error: ValidationError }
  | { result: "not_found"; what: "worker"; id: string };

/** A user id in its one text form, as the server stores it: a lowercase hyphenated UUID. */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const refused = (field: string, problem: Problem, message: string): AssignmentEdit => ({
  result: "invalid",
  error: invalid(field, problem, message),
});

const workersOf = (draft: Draft) => (draft as unknown as { workers: Record<string, unknown> }).workers;

/** Whether `user` is on the list (its own key: never one of Object's, whatever a device wrote). */
const assigned = (c: Case, user: string) => Object.prototype.hasOwnProperty.call(c.workers, user);

function notUserId(field: string, id: string): AssignmentEdit | null {
  return USER_ID.test(id) ? null : refused(field, "malformed", "a worker is named by their user id");
}

/** Puts a worker (user id, name shown for them) on the list; someone on it already is refused, not renamed. */
export function assignWorker(c: Case, user: string, name: string): AssignmentEdit {
  const malformed = notUserId("workers", user);
  if (malformed) return malformed;
  const trimmed = name.trim();
  if (trimmed === "") return refused("workers", "missing", "give the worker's name");
  if (assigned(c, user)) return refused("workers", "duplicate", "this worker is assigned already");
  return {
    result: "changed",
    tovholder: c.tovholder,
    workers: { ...c.workers, [user]: trimmed },
    write: (draft) => {
      workersOf(draft)[user] = new Automerge.ImmutableString(trimmed);
    },
  };
}

/** Takes a worker off the list; never the tovholder (hand the role over first) and never the last one. */
export function unassignWorker(c: Case, user: string): AssignmentEdit {
  if (!assigned(c, user)) return { result: "not_found", what: "worker", id: user };
  if (c.tovholder === user) return refused("tovholder", "immutable", "the tovholder stays assigned: hand the role over first");
  if (Object.keys(c.workers).length === 1) return refused("workers", "missing", "a case keeps at least one assigned worker");
  const workers = { ...c.workers };
  delete workers[user];
  return {
    result: "changed",
    tovholder: c.tovholder,
    workers,
    write: (draft) => {
      delete workersOf(draft)[user];
    },
  };
}

/** Hands the tovholder role to one of the assigned workers; nothing changes if they hold it already. */
export function handOverTovholder(c: Case, user: string): AssignmentEdit {
  const malformed = notUserId("tovholder", user);
  if (malformed) return malformed;
  if (!assigned(c, user)) return refused("tovholder", "unknown_code", "the tovholder is one of the case's assigned workers");
  if (c.tovholder === user) return { result: "unchanged" };
  return {
    result: "changed",
    tovholder: user,
    workers: c.workers,
    write: (draft) => {
      (draft as unknown as Record<string, unknown>).tovholder = new Automerge.ImmutableString(user);
    },
  };
}
