// Opening a case on the phone, as sync-core's `Case::opened_by` and `CaseDocument::create` do (pinned by
// sync-core/tests/vectors/case-create.json, see tests/case-create-vectors.test.ts): the worker opens it in their
// own team, becomes its tovholder and its first assigned worker, and the case is validated as a whole before the
// document is written. The document is written the way autosurgeon writes the Rust model: codes, ids and names as
// scalar strings, the citizen's own goal as Text, the schema version as an unsigned integer, other numbers as
// integers.

import * as Automerge from "@automerge/automerge";
import type { ValidationError } from "../fit";
import { SCHEMA_VERSION, type Case } from "./model";
import { validateCase } from "./validate";

export interface Citizen {
  display_name: string;
  /** The municipality's pseudonymous reference (never a CPR number). */
  reference: string;
  birth_year: number | null;
}

/** The worker opening the case: their user id and the name the case lists them by. */
export interface Worker {
  id: string;
  name: string;
}

/** The new case, or why it is refused (sync-core's field and problem). */
export function openedBy(tenant: string, team: string, citizen: Citizen, worker: Worker): Case | ValidationError {
  const c: Case = {
    schema: SCHEMA_VERSION,
    tenant,
    team,
    citizen: { ...citizen },
    tovholder: worker.id,
    workers: { [worker.id]: worker.name },
    plan: { purpose: "", own_goal: "", goals: {} },
    courses: {},
    contacts: {},
    follow_ups: {},
    outcomes: {},
  };
  return validateCase(c) ?? c;
}

const s = (value: string) => new Automerge.ImmutableString(value);

/** Writes a validated new case into an empty document. */
export function writeNewCase(draft: Record<string, unknown>, c: Case): void {
  // The schema version is a u64 in the Rust model: autosurgeon reads it back only as an unsigned integer.
  draft.schema = new Automerge.Uint(c.schema);
  draft.tenant = s(c.tenant);
  draft.team = s(c.team);
  draft.citizen = {
    display_name: s(c.citizen.display_name),
    reference: s(c.citizen.reference),
    birth_year: c.citizen.birth_year,
  };
  draft.tovholder = c.tovholder === null ? null : s(c.tovholder);
  draft.workers = Object.fromEntries(Object.entries(c.workers).map(([id, name]) => [id, s(name)]));
  // own_goal is Text: a plain string in automerge's JS API.
  // The goals' order is an empty map from the start, as autosurgeon writes the Rust model's: were it created only
  // at the first move, two phones moving goals offline would each create it, and one map would hide the other.
  draft.plan = { purpose: s(c.plan.purpose), own_goal: c.plan.own_goal, goals: {}, goal_order: {} };
  draft.courses = {};
  draft.contacts = {};
  draft.follow_ups = {};
  draft.outcomes = {};
  // As autosurgeon writes a new case: the map exists before its first entry (see goal_order above).
  draft.coordination = {};
}
