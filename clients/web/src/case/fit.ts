// The FIT series of a case, as sync-core/src/case/series.rs defines them (one rule: the vectors in
// sync-core/tests/vectors/series.json pin this file to it, see tests/series-vectors.test.ts):
// - contacts are grouped by course, courses in order of their start (ties by id); the contacts with no course, or
//   naming a course the case does not have, form one more series, after the courses;
// - each series is chronological, ties broken by contact id;
// - only the citizen's own ratings are assessed (a relative's score is another measurement);
// - a contact marked as made in error is left out of FIT altogether.

import { assess, RULES_V1, type Assessment, type Rating, type RuleSet } from "../fit";
import type { Case, Contact } from "./model";

export interface Series {
  /** The course, or null for the contacts that belong to no course. */
  course: string | null;
  /** Contact ids in the order the assessment's contacts are in. */
  contactIds: string[];
  assessment: Assessment;
}

/** The calendar year of a contact (UTC), for age-dependent cutoffs. */
const contactYear = (startMs: number) => new Date(startMs).getUTCFullYear();

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const citizenRating = (r: Rating | null | undefined) => (r && r.rater === "citizen" ? r : null);

/** The case's series: courses in order of their start, then the contacts with no course (if any). */
export function series(c: Case, rules: RuleSet = RULES_V1): Series[] {
  const counted = Object.entries(c.contacts).filter(([, contact]) => !contact.entered_in_error);
  const courseOf = (contact: Contact) =>
    contact.course !== null && contact.course !== undefined && Object.hasOwn(c.courses, contact.course)
      ? contact.course
      : null;
  const groups: (string | null)[] = Object.entries(c.courses)
    .sort(([aId, a], [bId, b]) => byString(a.start, b.start) || byString(aId, bId))
    .map(([id]) => id);
  if (counted.some(([, contact]) => courseOf(contact) === null)) groups.push(null);
  return groups.map((course) => {
    const contacts = counted
      .filter(([, contact]) => courseOf(contact) === course)
      .sort(([aId, a], [bId, b]) => a.start_ms - b.start_ms || byString(aId, bId));
    const assessment = assess(
      rules,
      c.citizen.birth_year,
      contacts.map(([, contact]) => ({
        year: contactYear(contact.start_ms),
        ors: citizenRating(contact.ors),
        srs: citizenRating(contact.srs),
      })),
    );
    return { course, contactIds: contacts.map(([id]) => id), assessment };
  });
}

/** Whether a series is still running: an open course, or the contacts with no course. */
export function isOpen(c: Case, s: Series): boolean {
  return s.course === null || c.courses[s.course]?.end === null;
}

/** The series a worker is in now: the open course that started last, else the series with the latest contact. */
export function current(c: Case, all: Series[]): Series | null {
  const open = [...all].reverse().find((s) => s.course !== null && isOpen(c, s));
  if (open) return open;
  const latest = (s: Series) => {
    const last = s.contactIds[s.contactIds.length - 1];
    return last === undefined ? -Infinity : (c.contacts[last]?.start_ms ?? -Infinity);
  };
  // Like Rust's max_by_key: the last of equal maxima wins.
  let best: Series | null = null;
  for (const s of all) if (best === null || latest(s) >= latest(best)) best = s;
  return best;
}

/** The current series of a case, as the worker's screens show it; an empty one for a case with no contacts. */
export function assessCase(c: Case, rules: RuleSet = RULES_V1): Series {
  return current(c, series(c, rules)) ?? { course: null, contactIds: [], assessment: assess(rules, c.citizen.birth_year, []) };
}
