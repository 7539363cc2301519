// The case document as the web app reads and writes it: the plain-JSON shape of sync-core/src/case/model.rs
// (maps keyed by UUID strings, codes as strings, notes and the own goal as automerge Text), the code lists the
// app offers, and the validation of a new contact, which follows sync-core/src/case/validate.rs field by field.

import * as Automerge from "@automerge/automerge";
import { family, type Rating, validateRating, invalid, within, type ValidationError, type Family } from "../fit";

/** An entry recorded by mistake: kept for the record, left out of FIT and figures (sync-core model.rs ErrorMark). */
export interface ErrorMark {
  by: string;
  at_ms: number;
  reason: string;
}

export interface Goal {
  title: string;
  level: string;
  parent: string | null;
  goal_type: string;
  status: string;
  target_date: string | null;
  created_ms: number;
  entered_in_error?: ErrorMark;
}

/** A course's planned end moved later (sync-core model.rs Extension). */
export interface Extension {
  /** The planned end before; null for a course that had none. */
  from: string | null;
  to: string;
  reason: string;
  by: string;
  at_ms: number;
}

export interface Course {
  service: string;
  legal_basis: string;
  start: string;
  planned_end: string | null;
  end: string | null;
  end_reason: string | null;
  granted_minutes_per_week: number;
  /** A punch card (klippekort): granted as this many sessions; absent for a course granted in hours only. */
  granted_sessions?: number | null;
  approval: { state: string; by: string | null; at_ms: number | null };
  /** Each move of the planned end, oldest first; absent when there was none. */
  extensions?: Extension[];
  entered_in_error?: ErrorMark;
}

export interface Contact {
  kind: string;
  start_ms: number;
  duration_minutes: number;
  course: string | null;
  workers: string[];
  notes: string;
  goals: string[];
  ors: Rating | null;
  srs: Rating | null;
  recorded_by: string;
  entered_in_error?: ErrorMark;
}

/** A planned follow-up of the plan (sync-core model.rs FollowUp). Done is final. */
export interface FollowUp {
  due: string;
  purpose: string;
  /** Who it is held with (FOLLOW_UP_WITH codes); absent in documents written before it existed. */
  with?: string[];
  done: boolean;
  /** How it went, written when it is marked done; absent in documents written before it existed. */
  done_note?: string;
  entered_in_error?: ErrorMark;
}

/** A measured result: own home, a job, less support, support ended (sync-core model.rs OutcomeEvent). */
export interface OutcomeEvent {
  kind: string;
  date: string;
  note: string;
  entered_in_error?: ErrorMark;
}

/** A coordination with the network around the citizen (sync-core model.rs Coordination). */
export interface Coordination {
  date: string;
  /** COORDINATION_PARTIES codes. */
  parties: string[];
  participants: string;
  agreements: string;
  recorded_by: string;
  entered_in_error?: ErrorMark;
}

export interface Case {
  schema: number;
  tenant: string;
  team: string;
  citizen: { display_name: string; reference: string; birth_year: number | null };
  tovholder: string | null;
  workers: Record<string, string>;
  plan: {
    purpose: string;
    own_goal: string;
    goals: Record<string, Goal>;
    /**
     * Each goal's position among its siblings, lower first (sync-core model.rs `goal_order`; see ./goals.ts). Absent
     * in documents written before goals could be re-ordered: read it as empty.
     */
    goal_order?: Record<string, number>;
  };
  courses: Record<string, Course>;
  contacts: Record<string, Contact>;
  follow_ups: Record<string, FollowUp>;
  outcomes: Record<string, OutcomeEvent>;
  /** Absent in documents written before coordination entries existed. */
  coordination?: Record<string, Coordination>;
}

export interface Code {
  code: string;
  da: string;
  en: string;
}

/** sync-core/src/case/codes.rs CONTACT_KINDS. */
export const CONTACT_KINDS: readonly Code[] = [
  { code: "home_visit", da: "Hjemmebesøg", en: "Home visit" },
  { code: "video", da: "Videosamtale", en: "Video call" },
  { code: "phone", da: "Telefonsamtale", en: "Phone call" },
  { code: "group", da: "Gruppeforløb", en: "Group session" },
  { code: "cafe", da: "Åben café", en: "Open café" },
  { code: "office", da: "Kontorsamtale", en: "Office meeting" },
  { code: "acute", da: "Akut kontakt (§82c)", en: "Acute contact (§82c)" },
];

export const GOAL_LEVELS: readonly Code[] = [
  { code: "goal", da: "Mål", en: "Goal" },
  { code: "sub_goal", da: "Delmål", en: "Sub-goal" },
  { code: "stepping_stone", da: "Snublemål", en: "Stepping-stone goal" },
];

export const GOAL_STATUSES: readonly Code[] = [
  { code: "active", da: "Igangværende", en: "Active" },
  { code: "achieved", da: "Opnået", en: "Achieved" },
  { code: "paused", da: "Sat på pause", en: "Paused" },
  { code: "dropped", da: "Opgivet", en: "Dropped" },
];

/** sync-core/src/case/codes.rs LEGAL_BASES, END_REASONS, APPROVAL_STATES, OUTCOME_KINDS. */
export const LEGAL_BASES: readonly Code[] = [
  { code: "s85", da: "§85 Socialpædagogisk støtte", en: "§85 Socio-educational support" },
  { code: "s82a", da: "§82a Gruppebaseret hjælp", en: "§82a Group-based help" },
  { code: "s82b", da: "§82b Individuel tidsbegrænset hjælp", en: "§82b Individual time-limited help" },
  { code: "s82c", da: "§82c Akut hjælp", en: "§82c Acute help" },
  { code: "s82d", da: "§82d Med frivillige", en: "§82d With volunteer organisations" },
];

export const END_REASONS: readonly Code[] = [
  { code: "mutual_agreement", da: "Afsluttet efter aftale", en: "Ended by mutual agreement" },
  { code: "citizen_dropped_out", da: "Borgeren faldt fra", en: "Citizen dropped out" },
  { code: "moved", da: "Fraflyttet", en: "Moved away" },
  { code: "other", da: "Andet", en: "Other" },
];

export const APPROVAL_STATES: readonly Code[] = [
  { code: "not_required", da: "Kræver ikke godkendelse", en: "No approval needed" },
  { code: "awaiting", da: "Afventer godkendelse", en: "Awaiting approval" },
  { code: "approved", da: "Godkendt", en: "Approved" },
  { code: "rejected", da: "Afvist", en: "Rejected" },
];

/** sync-core/src/case/codes.rs FOLLOW_UP_WITH: who a follow-up is held with. */
export const FOLLOW_UP_WITH: readonly Code[] = [
  { code: "citizen", da: "Borgeren", en: "The citizen" },
  { code: "jobcenter", da: "Jobcenter", en: "Job centre" },
  { code: "psychiatry", da: "Psykiatrien", en: "Psychiatry" },
  { code: "network", da: "Netværk", en: "Network" },
];

/** sync-core/src/case/codes.rs COORDINATION_PARTIES: who a coordination involved. */
export const COORDINATION_PARTIES: readonly Code[] = [
  { code: "jobcenter", da: "Jobcenter", en: "Job centre" },
  { code: "psychiatry", da: "Psykiatrien", en: "Psychiatry" },
  { code: "housing", da: "Boligområdet", en: "Housing" },
  { code: "treatment", da: "Misbrugsbehandling", en: "Addiction treatment" },
  { code: "general_practice", da: "Egen læge", en: "GP" },
  { code: "network", da: "Netværk", en: "Network" },
];

export const OUTCOME_KINDS: readonly Code[] = [
  { code: "own_home", da: "Egen bolig", en: "Own home" },
  { code: "job", da: "Job", en: "Job" },
  { code: "job_special_terms", da: "Job på særlige vilkår", en: "Job on special terms" },
  { code: "less_support", da: "Mindre støtte", en: "Less support" },
  { code: "support_ended", da: "Støtte afsluttet", en: "Support ended" },
  { code: "self_support", da: "Selvforsørgelse", en: "Self-support" },
];

/**
 * sync-core/src/case/codes.rs OPEN_PURPOSES: why a worker opens a case on the phone, kept with the opening in the
 * server's access log (POST /v1/access/opens). Not case content. Pinned to the Rust list, as every list here, by tests/code-lists.test.ts.
 */
export const OPEN_PURPOSES: readonly Code[] = [
  { code: "visit", da: "Besøg eller kontakt", en: "Visit or contact" },
  { code: "follow_up", da: "Opfølgning", en: "Follow-up" },
  { code: "review", da: "Gennemgang af sagen", en: "Reviewing the case" },
  { code: "coordination", da: "Koordinering med netværk", en: "Coordination with the network" },
];

export const SCHEMA_VERSION = 1;
export const MAX_TEXT_CHARS = 20_000;
export const MAX_LINE_CHARS = 500;

/**
 * The document as plain JSON. automerge returns scalar strings as ImmutableString and text as strings; their
 * JSON forms are both plain strings, which is exactly the serde form of the Rust model.
 */
export function readCase(doc: Automerge.Doc<unknown>): Case | null {
  // Integers written by Rust as u64 (the schema version) come back as BigInt; every number here fits a double.
  const plain = JSON.parse(JSON.stringify(doc, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v))) as Partial<Case>;
  return plain && typeof plain === "object" && plain.citizen && plain.plan ? (plain as Case) : null;
}

const chars = (s: string) => [...s].length;

function ratingOfFamily(field: string, rating: Rating, slot: Family): ValidationError | null {
  if (family(rating.instrument) !== slot) {
    return invalid(`${field}.instrument`, "unknown_code", "this instrument does not belong here");
  }
  const error = validateRating(rating);
  return error ? within(error, field) : null;
}

/** Validates one contact in the order sync-core does, so the first error named is the server's. */
export function validateContact(contact: Contact): ValidationError | null {
  if (contact.kind === "") return invalid("kind", "missing", "a contact needs a kind");
  if (!CONTACT_KINDS.some((k) => k.code === contact.kind)) return invalid("kind", "unknown_code", "not a known code");
  if (!(contact.start_ms > 0)) return invalid("start_ms", "missing", "a contact needs a start time");
  if (!Number.isInteger(contact.duration_minutes) || contact.duration_minutes < 0 || contact.duration_minutes > 1440) {
    return invalid("duration_minutes", "out_of_range", "must be between 0 and 1440");
  }
  if (chars(contact.notes) > MAX_TEXT_CHARS) return invalid("notes", "too_long", `longer than ${MAX_TEXT_CHARS}`);
  if (contact.recorded_by.trim() === "") return invalid("recorded_by", "missing", "must not be empty");
  if (chars(contact.recorded_by) > MAX_LINE_CHARS) return invalid("recorded_by", "too_long", "too long");
  if (contact.ors) {
    const e = ratingOfFamily("ors", contact.ors, "outcome");
    if (e) return e;
  }
  if (contact.srs) {
    const e = ratingOfFamily("srs", contact.srs, "session");
    if (e) return e;
  }
  return null;
}

const s = (value: string) => new Automerge.ImmutableString(value);

/** A rating in the document's form: codes as scalar strings (as autosurgeon writes them), scores as integers. */
function ratingValue(r: Rating): unknown {
  const entry =
    r.entry === "skipped"
      ? s("skipped")
      : "items" in r.entry
        ? { items: { items: [...r.entry.items.items] } }
        : { paper_total: { total_mm: r.entry.paper_total.total_mm } };
  return { instrument: s(r.instrument), entry, rater: s(r.rater) };
}

/**
 * Writes a validated contact into a case document. Strings that are codes or ids are scalar strings; notes are
 * Text (a plain string in automerge's JS API), so two workers' edits to them interleave.
 */
export function putContact(draft: Record<string, unknown>, id: string, contact: Contact): void {
  const contacts = draft.contacts as Record<string, unknown>;
  contacts[id] = {
    kind: s(contact.kind),
    start_ms: contact.start_ms,
    duration_minutes: contact.duration_minutes,
    course: contact.course === null ? null : s(contact.course),
    workers: contact.workers.map(s),
    notes: contact.notes,
    goals: contact.goals.map(s),
    ors: contact.ors ? ratingValue(contact.ors) : null,
    srs: contact.srs ? ratingValue(contact.srs) : null,
    recorded_by: s(contact.recorded_by),
  };
}

/** The course a new contact belongs to: the one running now (started, not ended), latest start first. */
export function currentCourse(c: Case): string | null {
  const running = Object.entries(c.courses)
    .filter(([, course]) => course.end === null)
    .sort(([, a], [, b]) => b.start.localeCompare(a.start));
  return running[0]?.[0] ?? null;
}
