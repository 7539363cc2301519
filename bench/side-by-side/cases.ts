// The benchmark's case documents, built by the web app's own case module (clients/web/src/case), so the stock
// server and Tovholder receive what a phone really writes, not one-change toys.
//
// Each case is opened in a team (`openedBy` + `writeNewCase`, one change) and then gets two home visits with ORS,
// SRS and a visit note (some 400 characters unless run.mjs says otherwise; `putContact`, one change each), exactly as the web app's new-case and contact forms do, with the forms
// sync-core would choose (`forms`) and the whole case validated before each change (`validateCase`). Everything is
// deterministic: citizens, times, contact ids, automerge actors and change times come from the case's number, so
// two runs upload the same bytes.
//
// run.mjs bundles this file with esbuild (the web app's TypeScript, resolved from its sources) and calls `build`.
// It returns, per case, the saved automerge document (what the stock client uploads) and the case's JSON content
// as the web app reads it back (`readCase`; what `tov bench --cases-from` rebuilds through sync-core's edits).

import { createHash } from "node:crypto";

import * as Automerge from "@automerge/automerge";
import { openedBy, writeNewCase } from "../../clients/web/src/case/create";
import { putContact, readCase, type Case, type Contact } from "../../clients/web/src/case/model";
import { validateCase } from "../../clients/web/src/case/validate";
import { forms, type Rating } from "../../clients/web/src/fit";

/** The demo tenant and team and worker anna: Tovholder's phone uses its own login's ids, of the same lengths. */
export const TENANT = "hoeje-taastrup";
const TEAM = "6f1c0a52-7f0e-4d51-9a8e-0b6c3f2d9a10";
const WORKER = { id: "0c9e7d1a-52b4-4c7e-8f3a-2d6b9e4f1a77", name: "anna" };

/** 2 November 2026, 09:00 UTC: the first visit; every case's visits follow a week apart. */
const FIRST_VISIT_MS = Date.UTC(2026, 10, 2, 9, 0);
const WEEK_MS = 7 * 24 * 3600 * 1000;
/** automerge's change time is in seconds; a fixed one keeps the bytes the same from run to run. */
const CHANGE_TIME_S = Math.floor(FIRST_VISIT_MS / 1000);

export interface BuiltCase {
  /** The document as automerge saves it: three changes by one actor. */
  document: Uint8Array;
  heads: string[];
  /** The case's JSON, as the web app reads it (`readCase`). */
  content: Case;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
/**
 * A version 4 UUID that is the same in every run, from the case's number and the entry's. Its other digits look as
 * random as a phone's ids (a hash of the two numbers): ids of mostly zeros deflate in automerge's saved columns,
 * which made these documents some 7 % smaller than the same cases with a phone's random ids.
 */
const fixedUuid = (c: number, entry: number) => {
  const digits = createHash("sha256").update(`tovholder-bench/${c}/${entry}`).digest("hex");
  const variant = ((parseInt(digits[16], 16) & 0x3) | 0x8).toString(16);
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-4${digits.slice(13, 16)}-${variant}${digits.slice(17, 20)}-${digits.slice(20, 32)}`;
};

/** Sentences of a synthetic visit note, in Danish as the workers write them; no real person's words. */
const NOTE_SENTENCES = [
  "Borgeren tog imod besøget og havde ryddet op i stuen siden sidst.",
  "Vi gennemgik ugens aftaler og ringede sammen til lægen om en ny tid.",
  "Borgeren fortæller, at søvnen er blevet bedre, men at indkøb stadig er svære.",
  "Vi øvede at åbne posten og lagde regningerne i den nye mappe.",
  "Næste gang går vi sammen til biblioteket, som borgeren selv foreslog.",
  "Borgeren var træt i dag, og vi holdt besøget kort efter aftale.",
  "Mødet med jobcentret er flyttet; borgeren skriver selv til dem i morgen.",
  "Vi talte om målet om at lave mad to gange om ugen, og hvad der står i vejen.",
];

/**
 * A visit note of `sentences` of the sentences, starting at a place given by the case and the visit: six are some
 * 400 characters, as a worker writes after a home visit (notes are automerge text, an operation per character, so
 * their length is part of what a case costs to send and check). None gives the short note of earlier figures.
 */
function visitNote(n: number, k: number, sentences: number): string {
  if (sentences === 0) return "Benchmark visit";
  return Array.from({ length: sentences }, (_, i) => NOTE_SENTENCES[(n * 3 + k + i) % NOTE_SENTENCES.length]).join(" ");
}

function rating(instrument: Rating["instrument"], items: number[]): Rating {
  return { instrument, entry: { items: { items } }, rater: "citizen" };
}

function visit(c: Case, n: number, k: number, sentences: number): Contact {
  const start_ms = FIRST_VISIT_MS + n * 60_000 + k * WEEK_MS;
  const { outcome, session } = forms(c.citizen.birth_year, "home_visit", new Date(start_ms).getUTCFullYear());
  return {
    kind: "home_visit",
    start_ms,
    duration_minutes: 45,
    course: null,
    workers: [WORKER.id],
    notes: visitNote(n, k, sentences),
    goals: [],
    // Millimetres, as the paper form is measured: 5.0 cm is 50.
    ors: rating(outcome, [50, 55, 60, 55]),
    srs: rating(session, [90, 92, 94, 91]),
    recorded_by: WORKER.id,
  };
}

function buildOne(n: number, sentences: number): BuiltCase {
  const citizen = { display_name: `Bench citizen ${n}`, reference: `bench-${hex(n, 32)}`, birth_year: 1980 };
  const opened = openedBy(TENANT, TEAM, citizen, WORKER);
  if ("problem" in opened) throw new Error(`case ${n} refused: ${opened.field} ${opened.problem}`);
  let c: Case = opened;
  // One actor per case, as one phone writes it; the actor is the case's number.
  let doc = Automerge.init<Record<string, unknown>>({ actor: hex(n + 1, 32) });
  doc = Automerge.change(doc, { message: "create case", time: CHANGE_TIME_S }, (d) => writeNewCase(d, c));
  for (const k of [0, 1]) {
    const id = fixedUuid(n, k + 1);
    const contact = visit(c, n, k, sentences);
    const next = { ...c, contacts: { ...c.contacts, [id]: contact } };
    const invalid = validateCase(next);
    if (invalid) throw new Error(`contact of case ${n} refused: ${invalid.field} ${invalid.problem}`);
    doc = Automerge.change(doc, { message: "add contact", time: CHANGE_TIME_S }, (d) => putContact(d, id, contact));
    c = next;
  }
  const content = readCase(doc);
  if (!content) throw new Error(`case ${n} does not read back`);
  return { document: Automerge.save(doc), heads: Automerge.getHeads(doc), content };
}

/** The first `count` benchmark cases, their visit notes of `sentences` sentences each (see `visitNote`). */
export function build(count: number, sentences: number): BuiltCase[] {
  return Array.from({ length: count }, (_, n) => buildOne(n, sentences));
}
