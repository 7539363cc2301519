// The edits of a course of support on the phone: start and end a course, plan a follow-up and mark it done, record
// an outcome, and mark any of them (or a contact) as made in error. sync-core decides them (src/case/edit.rs: `NewCourse::into_course`, `end_course`, `add_follow_up`,
// `complete_follow_up`, `add_outcome`); this is its port, pinned by sync-core/tests/vectors/course-edits.json
// (tests/course-edits-vectors.test.ts), which sync-core generates from its own CaseDocument.
//
// Each edit is worked out on the plain case first and the whole resulting case is validated (`validateCase`), as
// CaseDocument::change does before it writes; only an accepted edit comes with `write`, which puts the same entry
// into an automerge draft with the types autosurgeon writes (codes, ids and dates as scalar strings, integers),
// so the server's shape check and validation accept the change when it syncs.

import * as Automerge from "@automerge/automerge";
import { invalid, type ValidationError } from "../fit";
import { dayNumber } from "./agenda";
import type { Case, Contact, Coordination, Course, ErrorMark, Extension, FollowUp, OutcomeEvent } from "./model";
import { validateCase } from "./validate";

/** The grant a caseworker may give alone, in minutes a week (sync-core edit.rs DEFAULT_GRANT_LIMIT_MINUTES). */
export const DEFAULT_GRANT_LIMIT_MINUTES = 5 * 60;

/** A course as a worker starts it (sync-core edit.rs NewCourse). */
export interface NewCourse {
  /** FFB service (ydelse) code. */
  service: string;
  legal_basis: string;
  /** YYYY-MM-DD. */
  start: string;
  /** YYYY-MM-DD; required for a time-limited course (§82b). */
  planned_end: string | null;
  granted_minutes_per_week: number;
  /** A punch card's sessions, when the course is granted as sessions. */
  granted_sessions?: number | null;
}

export type Collection = "contacts" | "courses" | "follow_ups" | "outcomes" | "coordination";

/** A draft of the case document inside `Repo.change`. */
export type Draft = Case;

/** What an edit comes to, in the terms of sync-core's EditResult and CaseError. */
export type Edit =
  | {
      result: "changed";
      collection: Collection;
      id: string;
      /** The entry as it reads after the edit. */
      entry: Contact | Course | FollowUp | OutcomeEvent | Coordination;
      /** Writes the edit into a draft of the same case. */
      write: (draft: Draft) => void;
    }
  | { result: "unchanged" }
  | { result: "invalid"; error: ValidationError }
  | { result: "not_found"; what: "contact" | "course" | "follow-up" | "outcome" | "coordination"; id: string };

const s = (value: string) => new Automerge.ImmutableString(value);
const optional = (value: string | null) => (value === null ? null : s(value));

/** The draft's maps as plain records, to put automerge values (scalar strings) that the typed model reads as strings. */
const mapOf = (draft: Draft, collection: Collection) => draft[collection] as unknown as Record<string, unknown>;
const fieldsOf = (entry: unknown) => entry as Record<string, unknown>;

/** Validates `after` as a whole; the edit is accepted only if the case with it would be. */
function checked(after: Case, collection: Collection, id: string, write: (draft: Draft) => void): Edit {
  const error = validateCase(after);
  if (error) return { result: "invalid", error };
  return { result: "changed", collection, id, entry: (after[collection] ?? {})[id]!, write };
}

/**
 * Starts a course: a §82b course must have a planned end (it is time-limited by law; checked on the course before
 * the case, as sync-core does), and a grant above `limitMinutes` starts out awaiting a lead's approval.
 */
export function startCourse(c: Case, id: string, input: NewCourse, limitMinutes = DEFAULT_GRANT_LIMIT_MINUTES): Edit {
  if (input.legal_basis === "s82b" && input.planned_end === null) {
    return {
      result: "invalid",
      error: invalid("planned_end", "missing", "a §82b course is time-limited: give its planned end"),
    };
  }
  const course: Course = {
    service: input.service,
    legal_basis: input.legal_basis,
    start: input.start,
    planned_end: input.planned_end,
    end: null,
    end_reason: null,
    granted_minutes_per_week: input.granted_minutes_per_week,
    ...(input.granted_sessions == null ? {} : { granted_sessions: input.granted_sessions }),
    approval: { state: input.granted_minutes_per_week > limitMinutes ? "awaiting" : "not_required", by: null, at_ms: null },
  };
  return checked({ ...c, courses: { ...c.courses, [id]: course } }, "courses", id, (draft) => {
    mapOf(draft, "courses")[id] = {
      service: s(course.service),
      legal_basis: s(course.legal_basis),
      start: s(course.start),
      planned_end: optional(course.planned_end),
      end: null,
      end_reason: null,
      granted_minutes_per_week: course.granted_minutes_per_week,
      // Absent for a course granted in hours only, as the vectors read it (an added field may be absent).
      ...(course.granted_sessions == null ? {} : { granted_sessions: course.granted_sessions }),
      approval: { state: s(course.approval.state), by: null, at_ms: null },
      // The list of extensions exists from the start, as autosurgeon writes it: were it created only at the first
      // extension (or by another phone's next edit, which writes it empty), two phones' lists would be two objects
      // and one would hide the other.
      extensions: [],
    };
  });
}

/** Ends a course on `end` (YYYY-MM-DD) with a reason code; both are set together. */
export function endCourse(c: Case, courseId: string, end: string, reason: string): Edit {
  const course = Object.hasOwn(c.courses, courseId) ? c.courses[courseId] : undefined;
  if (!course) return { result: "not_found", what: "course", id: courseId };
  // A course ends once, and an entry made in error is not acted on (sync-core's end_course).
  if (course.entered_in_error) return refusedFinal("entered_in_error", "this course was marked as made in error");
  if (course.end !== null) return refusedFinal("end", "this course has already ended");
  const ended: Course = { ...course, end, end_reason: reason };
  return checked({ ...c, courses: { ...c.courses, [courseId]: ended } }, "courses", courseId, (draft) => {
    const entry = fieldsOf(mapOf(draft, "courses")[courseId]);
    entry.end = s(end);
    entry.end_reason = s(reason);
  });
}

/** A value of the record that may not change (sync-core's `Problem::Immutable`). */
function refusedFinal(field: string, message: string): Edit {
  return { result: "invalid", error: invalid(field, "immutable", message) };
}

/**
 * Moves a course's planned end later to `to`, with why (sync-core `extend_course`): the extension is kept in the
 * course with who and when. An ended course, or one made in error, is not extended; never earlier.
 */
export function extendCourse(c: Case, courseId: string, to: string, reason: string, by: string, atMs: number): Edit {
  const course = Object.hasOwn(c.courses, courseId) ? c.courses[courseId] : undefined;
  if (!course) return { result: "not_found", what: "course", id: courseId };
  if (course.entered_in_error) return refusedFinal("entered_in_error", "this course was marked as made in error");
  if (course.end !== null) return refusedFinal("end", "this course has ended");
  const newEnd = dayNumber(to);
  if (newEnd === null) return { result: "invalid", error: invalid("planned_end", "malformed", "expected a date as YYYY-MM-DD") };
  const current = course.planned_end === null ? null : dayNumber(course.planned_end);
  if (course.planned_end !== null && current === null) {
    return { result: "invalid", error: invalid("planned_end", "malformed", "expected a date as YYYY-MM-DD") };
  }
  if (current !== null && newEnd <= current) {
    return { result: "invalid", error: invalid("planned_end", "out_of_range", "an extension moves the planned end later") };
  }
  if (reason.trim() === "") return { result: "invalid", error: invalid("reason", "missing", "an extension says why") };
  const extension: Extension = { from: course.planned_end, to, reason: reason.trim(), by, at_ms: atMs };
  const extended: Course = { ...course, planned_end: to, extensions: [...(course.extensions ?? []), extension] };
  return checked({ ...c, courses: { ...c.courses, [courseId]: extended } }, "courses", courseId, (draft) => {
    const entry = fieldsOf(mapOf(draft, "courses")[courseId]);
    entry.planned_end = s(to);
    const value = { from: optional(extension.from), to: s(to), reason: s(extension.reason), by: s(by), at_ms: atMs };
    // A course written before extensions existed has no list yet.
    if (Array.isArray(entry.extensions)) (entry.extensions as unknown[]).push(value);
    else entry.extensions = [value];
  });
}

/** Plans a follow-up on `due` with `with` (FOLLOW_UP_WITH codes); it starts undone. */
export function addFollowUp(c: Case, id: string, due: string, purpose: string, with_: string[] = []): Edit {
  const followUp: FollowUp = { due, purpose, with: [...with_], done: false, done_note: "" };
  return checked({ ...c, follow_ups: { ...c.follow_ups, [id]: followUp } }, "follow_ups", id, (draft) => {
    mapOf(draft, "follow_ups")[id] = { due: s(due), purpose: s(purpose), with: with_.map(s), done: false, done_note: s("") };
  });
}

/**
 * Marks a follow-up done with a short note of how it went (trimmed). Done is final: one already done is left as
 * it is, note and all (no change is written).
 */
export function completeFollowUp(c: Case, followUpId: string, note = ""): Edit {
  const followUp = Object.hasOwn(c.follow_ups, followUpId) ? c.follow_ups[followUpId] : undefined;
  if (!followUp) return { result: "not_found", what: "follow-up", id: followUpId };
  if (followUp.entered_in_error) return refusedFinal("entered_in_error", "this follow-up was marked as made in error");
  if (followUp.done) {
    // sync-core still validates the (unchanged) case, so a case already invalid is refused, not "unchanged".
    const error = validateCase(c);
    return error ? { result: "invalid", error } : { result: "unchanged" };
  }
  const doneNote = note.trim();
  const done: FollowUp = { ...followUp, done: true, done_note: doneNote };
  return checked({ ...c, follow_ups: { ...c.follow_ups, [followUpId]: done } }, "follow_ups", followUpId, (draft) => {
    const entry = fieldsOf(mapOf(draft, "follow_ups")[followUpId]);
    entry.done = true;
    entry.done_note = s(doneNote);
  });
}

/** Records a coordination with the network: a date, who was involved, who took part, what was agreed. */
export function addCoordination(c: Case, id: string, entry: Coordination): Edit {
  const copy: Coordination = { ...entry, parties: [...entry.parties] };
  return checked({ ...c, coordination: { ...(c.coordination ?? {}), [id]: copy } }, "coordination", id, (draft) => {
    const value = {
      date: s(copy.date),
      parties: copy.parties.map(s),
      participants: s(copy.participants),
      agreements: s(copy.agreements),
      recorded_by: s(copy.recorded_by),
    };
    // A case written before coordination entries existed has no map yet.
    const d = draft as unknown as Record<string, unknown>;
    if (d.coordination === undefined) d.coordination = {};
    (d.coordination as Record<string, unknown>)[id] = value;
  });
}

/** Records an outcome event (own home, a job, less support, support ended). */
export function addOutcome(c: Case, id: string, kind: string, date: string, note: string): Edit {
  const outcome: OutcomeEvent = { kind, date, note };
  return checked({ ...c, outcomes: { ...c.outcomes, [id]: outcome } }, "outcomes", id, (draft) => {
    mapOf(draft, "outcomes")[id] = { kind: s(kind), date: s(date), note: s(note) };
  });
}

/** The entries that can be marked as made in error from the case page (sync-core `EntryRef`). */
export type EntryKind = "contact" | "course" | "follow_up" | "outcome" | "coordination";

const COLLECTIONS: Record<EntryKind, Collection> = {
  contact: "contacts",
  course: "courses",
  follow_up: "follow_ups",
  outcome: "outcomes",
  coordination: "coordination",
};

/**
 * Marks an entry as made in error, with who, when and why (sync-core `mark_in_error`): it stays in the record,
 * struck through and not acted on again. The first mark stands: a second one is refused.
 */
export function markInError(c: Case, entry: EntryKind, id: string, mark: ErrorMark): Edit {
  const collection = COLLECTIONS[entry];
  const current = (c[collection] ?? {})[id];
  if (!current) return { result: "not_found", what: entry === "follow_up" ? "follow-up" : entry, id };
  if (current.entered_in_error) {
    return { result: "invalid", error: invalid("entered_in_error", "immutable", "this entry is already marked as made in error") };
  }
  const marked = { ...current, entered_in_error: mark };
  return checked({ ...c, [collection]: { ...(c[collection] ?? {}), [id]: marked } }, collection, id, (draft) => {
    fieldsOf(mapOf(draft, collection)[id]).entered_in_error = { by: s(mark.by), at_ms: mark.at_ms, reason: s(mark.reason) };
  });
}
