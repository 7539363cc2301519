// The FIT series of a case, as sync-core/src/case/series.rs defines them (one rule: the vectors in
// sync-core/tests/vectors/series.json pin this file to it, see tests/series-vectors.test.ts):
// - contacts are grouped by course, courses in order of their start (ties by id); the contacts with no course, or
//   naming a course the case does not have, form one more series, after the courses;
// - each series is chronological, ties broken by contact id;
// - the citizen's series assess only the citizen's own ratings (a relative's score is another measurement); where
//   someone else rated in the citizen's place, the citizen's rating counts as skipped, never as missing;
// - each other rater (relative, professional) has series of its own (`collateral`), grouped the same way, holding
//   only the contacts that rater rated; an absent session rating there is not missing either;
// - a contact marked as made in error is left out of FIT altogether.
// The rule set is always the caller's to give: the tenant's (../app/fitrules) on the phone, fit-rules/1 in tests.

import { assess, type Assessment, type RaterKind, type Rating, type RuleSet } from "../fit";
import type { Case, Contact } from "./model";

export interface Series {
  /** The course, or null for the contacts that belong to no course. */
  course: string | null;
  /** Whose ratings are assessed: the citizen's in `series`, another rater's in `collateral`. */
  rater: RaterKind;
  /** Contact ids in the order the assessment's contacts are in. */
  contactIds: string[];
  assessment: Assessment;
}

/** The calendar year of a contact (UTC), for age-dependent cutoffs. */
const contactYear = (startMs: number) => new Date(startMs).getUTCFullYear();

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `rater`'s rating; one given by someone else in the citizen's place counts as the citizen's skipped. */
function ratingOf(r: Rating | null | undefined, rater: RaterKind): Rating | null {
  if (!r) return null;
  if (r.rater === rater) return r;
  return rater === "citizen" ? { instrument: r.instrument, entry: "skipped", rater } : null;
}

/** As `ratingOf`; and a collateral rater's absent session rating is not missing: they are not asked every time. */
function sessionRatingOf(r: Rating | null | undefined, rater: RaterKind): Rating | null {
  const own = ratingOf(r, rater);
  if (own === null && rater !== "citizen") return { instrument: r?.instrument ?? "srs", entry: "skipped", rater };
  return own;
}

type Group = { course: string | null; contacts: [string, Contact][] };

/** The contacts that count for FIT, grouped by course (courses by start, ties by id), then those with no course. */
function groups(c: Case): Group[] {
  const counted = Object.entries(c.contacts).filter(([, contact]) => !contact.entered_in_error);
  const courseOf = (contact: Contact) =>
    contact.course !== null && contact.course !== undefined && Object.hasOwn(c.courses, contact.course)
      ? contact.course
      : null;
  const courses: (string | null)[] = Object.entries(c.courses)
    .sort(([aId, a], [bId, b]) => byString(a.start, b.start) || byString(aId, bId))
    .map(([id]) => id);
  if (counted.some(([, contact]) => courseOf(contact) === null)) courses.push(null);
  return courses.map((course) => ({
    course,
    contacts: counted
      .filter(([, contact]) => courseOf(contact) === course)
      .sort(([aId, a], [bId, b]) => a.start_ms - b.start_ms || byString(aId, bId)),
  }));
}

function assessed(c: Case, rules: RuleSet, course: string | null, rater: RaterKind, contacts: [string, Contact][]): Series {
  const assessment = assess(
    rules,
    c.citizen.birth_year,
    contacts.map(([, contact]) => ({
      year: contactYear(contact.start_ms),
      ors: ratingOf(contact.ors, rater),
      srs: sessionRatingOf(contact.srs, rater),
    })),
  );
  return { course, rater, contactIds: contacts.map(([id]) => id), assessment };
}

/** The case's series of the citizen's own ratings: courses in order of their start, then the contacts with no course. */
export function series(c: Case, rules: RuleSet): Series[] {
  return groups(c).map((g) => assessed(c, rules, g.course, "citizen", g.contacts));
}

/** The other raters' series: per group of `series`, one per rater kind (relatives, then professionals) that rated. */
export function collateral(c: Case, rules: RuleSet): Series[] {
  const ratedBy = (contact: Contact, rater: RaterKind) => contact.ors?.rater === rater || contact.srs?.rater === rater;
  const all: Series[] = [];
  for (const g of groups(c)) {
    for (const rater of ["relative", "professional"] as const) {
      const theirs = g.contacts.filter(([, contact]) => ratedBy(contact, rater));
      if (theirs.length > 0) all.push(assessed(c, rules, g.course, rater, theirs));
    }
  }
  return all;
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
export function assessCase(c: Case, rules: RuleSet): Series {
  return current(c, series(c, rules)) ?? { course: null, rater: "citizen", contactIds: [], assessment: assess(rules, c.citizen.birth_year, []) };
}
