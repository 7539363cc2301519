// What is due on a case, as sync-core/src/case/agenda.rs decides it (one rule: the vectors in
// sync-core/tests/vectors/agenda.json pin this file to it, see tests/agenda-vectors.test.ts):
// - a follow-up is overdue when it is not done, not made in error, and due before today;
// - a course ends soon when it is open, not made in error, and its planned end is at most 14 days away or passed;
// - the next follow-up offered is a quarter after the latest one planned (today if that is past), or a quarter
//   from today when none is planned;
// - a punch card (an open course granted as sessions, not made in error) shows granted, used (contacts in the course,
//   not those made in error) and left, negative when overused; by course id.
// Dates that do not parse are left out.

import type { Case } from "./model";

export const ENDS_SOON_DAYS = 14;
export const FOLLOW_UP_INTERVAL_DAYS = 91;

export interface EndingCourse {
  id: string;
  planned_end: string;
  /** Days from today to the planned end; negative when it has passed. */
  days_left: number;
}

export interface PunchCard {
  id: string;
  granted: number;
  used: number;
  left: number;
}

export interface Agenda {
  overdue_follow_ups: string[];
  courses_ending: EndingCourse[];
  /** YYYY-MM-DD. */
  next_follow_up: string;
  punch_cards: PunchCard[];
}

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of an ISO date, or null when it does not parse. */
export function dayNumber(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return Date.UTC(y, mo - 1, d) / DAY_MS;
}

/** The ISO date of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Today (UTC) as a day number, as sync-core's `Date::from_unix_ms`. */
export const today = (nowMs: number = Date.now()) => Math.floor(nowMs / DAY_MS);

const byDayThenId = (a: [number, string], b: [number, string]) =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** The agenda of `c` on the day number `day`. */
export function agenda(c: Case, day: number): Agenda {
  const overdue: [number, string][] = [];
  for (const [id, f] of Object.entries(c.follow_ups ?? {})) {
    const due = dayNumber(f.due);
    if (!f.done && !f.entered_in_error && due !== null && due < day) overdue.push([due, id]);
  }
  const ending: [number, string][] = [];
  for (const [id, course] of Object.entries(c.courses ?? {})) {
    const end = course.planned_end === null ? null : dayNumber(course.planned_end);
    if (course.end === null && !course.entered_in_error && end !== null && end - day <= ENDS_SOON_DAYS) ending.push([end, id]);
  }
  const planned = Object.values(c.follow_ups ?? {})
    .filter((f) => !f.entered_in_error)
    .map((f) => dayNumber(f.due))
    .filter((d): d is number => d !== null);
  const next = planned.length === 0 ? day + FOLLOW_UP_INTERVAL_DAYS : Math.max(Math.max(...planned) + FOLLOW_UP_INTERVAL_DAYS, day);
  return {
    overdue_follow_ups: overdue.sort(byDayThenId).map(([, id]) => id),
    courses_ending: ending.sort(byDayThenId).map(([end, id]) => ({ id, planned_end: isoDay(end), days_left: end - day })),
    next_follow_up: isoDay(next),
    punch_cards: punchCards(c),
  };
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The punch cards of the open courses, by course id (sync-core iterates a BTreeMap). */
function punchCards(c: Case): PunchCard[] {
  const contacts = Object.values(c.contacts ?? {}).filter((k) => !k.entered_in_error);
  return Object.entries(c.courses ?? {})
    .filter(([, course]) => course.end === null && !course.entered_in_error && course.granted_sessions != null)
    .sort(([a], [b]) => byId(a, b))
    .map(([id, course]) => {
      const granted = course.granted_sessions!;
      const used = contacts.filter((k) => k.course === id).length;
      return { id, granted, used, left: granted - used };
    });
}

/** Whether the caseload should mark the case. */
export const needsAttention = (a: Agenda) => a.overdue_follow_ups.length > 0 || a.courses_ending.length > 0;
