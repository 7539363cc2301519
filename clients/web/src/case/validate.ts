// Validation of a whole case, ported from sync-core/src/case/validate.rs: the same checks in the same order
// (schema, tenant, team, citizen, plan (purpose, own goal, goal order, goals), courses, contacts, follow-ups,
// outcomes; each collection in key order), so the phone reports the first error the server would report.
// case-validation.json pins it.

import { invalid, within, type ValidationError } from "../fit";
import { FFB_GOAL_TYPES, FFB_SERVICES } from "./ffb";
import {
  APPROVAL_STATES,
  COORDINATION_PARTIES,
  END_REASONS,
  FOLLOW_UP_WITH,
  GOAL_LEVELS,
  GOAL_STATUSES,
  MAX_LINE_CHARS,
  MAX_TEXT_CHARS,
  OUTCOME_KINDS,
  LEGAL_BASES,
  SCHEMA_VERSION,
  validateContact,
  type Case,
  type Code,
  type Contact,
  type Course,
  type ErrorMark,
  type Goal,
} from "./model";

const MAX_MINUTES_PER_WEEK = 7 * 24 * 60;

/** Thrown inside the checks and caught once, so each check reads as one line like its Rust original. */
class Found {
  constructor(readonly error: ValidationError) {}
}
const fail = (e: ValidationError): never => {
  throw new Found(e);
};
const check = (e: ValidationError | null) => {
  if (e) fail(e);
};
const inside = (prefix: string, run: () => void) => {
  try {
    run();
  } catch (e) {
    if (e instanceof Found) fail(within(e.error, prefix));
    throw e;
  }
};

const chars = (s: string) => [...s].length;
const maxChars = (field: string, value: string, max: number) =>
  check(chars(value) > max ? invalid(field, "too_long", `longer than ${max} characters`) : null);
const requiredLine = (field: string, value: string) => {
  check(value.trim() === "" ? invalid(field, "missing", "must not be empty") : null);
  maxChars(field, value, MAX_LINE_CHARS);
};
const inRange = (field: string, value: number, min: number, max: number) =>
  check(value < min || value > max ? invalid(field, "out_of_range", `must be between ${min} and ${max}`) : null);
const known = (field: string, list: readonly Code[], value: string) => {
  if (list.some((c) => c.code === value)) return;
  fail(value === "" ? invalid(field, "missing", "must not be empty") : invalid(field, "unknown_code", "not a known code"));
};
const sortedEntries = <T>(record: Record<string, T> | undefined) =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An ISO date as a comparable number (days are enough to order them), or a `malformed` error. */
function parseDate(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  if (!m || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    return fail(invalid(field, "malformed", "expected a date as YYYY-MM-DD"));
  }
  return Date.UTC(y, mo - 1, d);
}

const notBefore = (field: string, date: number, start: number) =>
  check(date < start ? invalid(field, "end_before_start", "is before the start") : null);

const depth = (level: string) => GOAL_LEVELS.findIndex((c) => c.code === level);

/** A mark of an entry made in error names who set it, when and why (sync-core validate.rs `error_mark`). */
function errorMark(mark: ErrorMark | undefined) {
  if (!mark) return;
  requiredLine("entered_in_error.by", mark.by);
  requiredLine("entered_in_error.reason", mark.reason);
  if (!(mark.at_ms > 0)) fail(invalid("entered_in_error.at_ms", "missing", "a mark needs the time it was set"));
}

function validateGoal(c: Case, goal: Goal) {
  requiredLine("title", goal.title);
  const d = depth(goal.level);
  if (d < 0) fail(invalid("level", "unknown_code", "not a known code"));
  const parent = goal.parent ?? null;
  // A sub-goal hangs under a goal and a stepping stone under a sub-goal; a top-level goal has no parent.
  if (parent === null && d > 0) fail(invalid("parent", "missing", "a sub-goal needs a parent goal"));
  if (parent !== null && d === 0) fail(invalid("parent", "unknown_code", "a top-level goal has no parent"));
  if (parent !== null && d > 0) {
    const p = c.plan.goals[parent];
    if (!p || depth(p.level) !== d - 1) fail(invalid("parent", "unknown_code", "the parent must be a goal one level up"));
  }
  if (!FFB_GOAL_TYPES.has(goal.goal_type)) fail(invalid("goal_type", "unknown_code", "not a known code"));
  known("status", GOAL_STATUSES, goal.status);
  if (goal.target_date != null) parseDate(goal.target_date, "target_date");
  errorMark(goal.entered_in_error);
}

function validateCourse(course: Course) {
  if (!FFB_SERVICES.has(course.service)) fail(invalid("service", "unknown_code", "not a known code"));
  known("legal_basis", LEGAL_BASES, course.legal_basis);
  const start = parseDate(course.start, "start");
  if (course.planned_end != null) notBefore("planned_end", parseDate(course.planned_end, "planned_end"), start);
  const end = course.end ?? null;
  const reason = course.end_reason ?? null;
  if (end !== null && reason !== null) {
    notBefore("end", parseDate(end, "end"), start);
    known("end_reason", END_REASONS, reason);
  } else if (end !== null) {
    fail(invalid("end_reason", "missing", "an ended course needs a reason"));
  } else if (reason !== null) {
    fail(invalid("end", "missing", "an end reason needs an end date"));
  }
  inRange("granted_minutes_per_week", course.granted_minutes_per_week, 0, MAX_MINUTES_PER_WEEK);
  known("approval.state", APPROVAL_STATES, course.approval.state);
  if (course.granted_sessions != null) inRange("granted_sessions", course.granted_sessions, 1, MAX_GRANTED_SESSIONS);
  for (const [i, extension] of (course.extensions ?? []).entries()) {
    inside(`extensions[${i}]`, () => {
      if (extension.from !== null) parseDate(extension.from, "from");
      notBefore("to", parseDate(extension.to, "to"), start);
      requiredLine("reason", extension.reason);
      requiredLine("by", extension.by);
      if (!(extension.at_ms > 0)) fail(invalid("at_ms", "missing", "an extension needs the time it was made"));
    });
  }
  errorMark(course.entered_in_error);
}

/** The most sessions a punch card grants (sync-core validate.rs MAX_GRANTED_SESSIONS). */
export const MAX_GRANTED_SESSIONS = 104;

/** Checks every rule of the case; returns the first problem, or null when the case is valid. */
export function validateCase(c: Case): ValidationError | null {
  try {
    if (c.schema !== SCHEMA_VERSION) fail(invalid("schema", "unsupported_schema", `schema ${c.schema} is not ${SCHEMA_VERSION}`));
    requiredLine("tenant", c.tenant);
    requiredLine("team", c.team);
    requiredLine("citizen.display_name", c.citizen.display_name);
    requiredLine("citizen.reference", c.citizen.reference);
    if (c.citizen.birth_year != null) inRange("citizen.birth_year", c.citizen.birth_year, 1900, 2200);
    maxChars("plan.purpose", c.plan.purpose, MAX_TEXT_CHARS);
    maxChars("plan.own_goal", c.plan.own_goal, MAX_TEXT_CHARS);
    for (const [id, position] of sortedEntries(c.plan.goal_order)) {
      const field = `plan.goal_order.${id}`;
      if (!Object.hasOwn(c.plan.goals, id)) fail(invalid(field, "unknown_code", "a position names no goal of the plan"));
      // Within ±(2^53 − 1), as sync-core's MAX_POSITION; an integer, as the Rust model's i64 is (its shape check
      // refuses a float, so the phone must never write one).
      if (!Number.isSafeInteger(position)) fail(invalid(field, "out_of_range", "a goal's position is out of range"));
    }
    for (const [id, goal] of sortedEntries(c.plan.goals)) inside(`plan.goals.${id}`, () => validateGoal(c, goal));
    for (const [id, course] of sortedEntries(c.courses)) inside(`courses.${id}`, () => validateCourse(course));
    for (const [id, contact] of sortedEntries(c.contacts)) {
      // Optional fields missing from the JSON are null, as serde reads them.
      const full = { course: null, ors: null, srs: null, ...(contact as Partial<Contact>) } as Contact;
      inside(`contacts.${id}`, () => {
        check(validateContact(full));
        errorMark(full.entered_in_error);
      });
    }
    for (const [id, f] of sortedEntries(c.follow_ups)) {
      inside(`follow_ups.${id}`, () => {
        parseDate(f.due, "due");
        maxChars("purpose", f.purpose, MAX_TEXT_CHARS);
        for (const party of f.with ?? []) known("with", FOLLOW_UP_WITH, party);
        maxChars("done_note", f.done_note ?? "", MAX_TEXT_CHARS);
        errorMark(f.entered_in_error);
      });
    }
    for (const [id, o] of sortedEntries(c.outcomes)) {
      inside(`outcomes.${id}`, () => {
        known("kind", OUTCOME_KINDS, o.kind);
        parseDate(o.date, "date");
        maxChars("note", o.note, MAX_TEXT_CHARS);
        errorMark(o.entered_in_error);
      });
    }
    for (const [id, x] of sortedEntries(c.coordination ?? {})) {
      inside(`coordination.${id}`, () => {
        parseDate(x.date, "date");
        if (x.parties.length === 0) fail(invalid("parties", "missing", "name who was involved"));
        for (const party of x.parties) known("parties", COORDINATION_PARTIES, party);
        maxChars("participants", x.participants, MAX_LINE_CHARS);
        check(x.agreements.trim() === "" ? invalid("agreements", "missing", "must not be empty") : null);
        maxChars("agreements", x.agreements, MAX_TEXT_CHARS);
        requiredLine("recorded_by", x.recorded_by);
        errorMark(x.entered_in_error);
      });
    }
    return null;
  } catch (e) {
    if (e instanceof Found) return e.error;
    throw e;
  }
}
