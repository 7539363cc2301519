// A group session recorded once for several citizens of the caseload (DOMAIN.md: group sessions, §82a): it lands
// as a contact of kind "group" in each citizen's own case document, in that case's running course, with the GSRS
// the citizen filled in (on paper: a total) or none. Each case is validated as a whole before anything is written,
// and nothing is written unless every case accepts its contact, so a session is never half recorded.
//
// The pieces are sync-core's rules as the phone already has them: the forms (`fit/forms.ts`, pinned by forms.json:
// a group session ends with GSRS, and a child starts with CORS), the running course (`currentCourse`) and the
// whole-case validation (pinned by case-validation.json).

import { forms, parsePaperTotal, type Rating, type ValidationError } from "../fit";
import { currentCourse, type Case, type Contact } from "./model";
import { validateCase } from "./validate";

export const GROUP_KIND = "group";

export interface GroupSession {
  start_ms: number;
  duration_minutes: number;
  /** What the session was about: the same words in every participant's case, so nothing about one citizen. */
  notes: string;
  recorded_by: string;
}

/** One participant: their case, and the GSRS total they wrote on paper (points as typed), if any. */
export interface Participant {
  docId: string;
  case: Case;
  gsrsTotal: string;
}

export type GroupResult =
  | { result: "ready"; contacts: { docId: string; contact: Contact }[] }
  | { result: "invalid"; docId: string | null; error: ValidationError };

/** The contact each participant's case gets, or the first refusal (naming whose case refused it). */
export function groupContacts(session: GroupSession, participants: Participant[]): GroupResult {
  if (participants.length === 0) {
    return { result: "invalid", docId: null, error: { field: "participants", problem: "missing", message: "choose who took part" } };
  }
  const contacts: { docId: string; contact: Contact }[] = [];
  for (const p of participants) {
    const { session: instrument } = forms(p.case.citizen.birth_year, GROUP_KIND, new Date(session.start_ms).getUTCFullYear());
    let srs: Rating | null = null;
    if (p.gsrsTotal.trim() !== "") {
      const parsed = parsePaperTotal(instrument, p.gsrsTotal, "citizen");
      if ("problem" in parsed) return { result: "invalid", docId: p.docId, error: { ...parsed, field: `srs.${parsed.field}` } };
      srs = parsed;
    }
    const contact: Contact = {
      kind: GROUP_KIND,
      start_ms: session.start_ms,
      duration_minutes: session.duration_minutes,
      course: currentCourse(p.case),
      workers: [session.recorded_by],
      notes: session.notes,
      goals: [],
      ors: null,
      srs,
      recorded_by: session.recorded_by,
    };
    // The id only names the entry for validation; the caller writes it under a fresh one.
    const error = validateCase({ ...p.case, contacts: { ...p.case.contacts, "new-group-contact": contact } });
    if (error) return { result: "invalid", docId: p.docId, error };
    contacts.push({ docId: p.docId, contact });
  }
  return { result: "ready", contacts };
}
