// FIT instruments and ratings: the shapes the case document stores, mirroring sync-core/src/fit/instrument.rs and
// rating.rs. Scores are millimetres on a 10 cm line (an item is 0–100, a total 0–400); 0 is a real score.

export type Instrument = "ors" | "cors" | "srs" | "csrs" | "gsrs";
export type Family = "outcome" | "session";
export type RaterKind = "citizen" | "relative" | "professional";

/** autosurgeon's externally tagged enum, the same in JSON and in the automerge document. */
export type Entry = { items: { items: number[] } } | { paper_total: { total_mm: number } } | "skipped";

export interface Rating {
  instrument: Instrument;
  entry: Entry;
  rater: RaterKind;
}

export const ITEM_COUNT = 4;
export const ITEM_MAX_MM = 100;
export const TOTAL_MAX_MM = ITEM_COUNT * ITEM_MAX_MM;

export const INSTRUMENTS: readonly Instrument[] = ["ors", "cors", "srs", "csrs", "gsrs"];

export function family(instrument: Instrument): Family {
  return instrument === "ors" || instrument === "cors" ? "outcome" : "session";
}

/** Neutral item keys with short domain labels only: the licensed item wording is never shipped (DOMAIN.md). */
export interface ItemLabel {
  key: string;
  da: string;
  en: string;
}

export const OUTCOME_ITEMS: readonly ItemLabel[] = [
  { key: "individual", da: "Personligt", en: "Personal" },
  { key: "interpersonal", da: "Nære relationer", en: "Close relationships" },
  { key: "social", da: "Socialt liv", en: "Social life" },
  { key: "overall", da: "Samlet set", en: "Overall" },
];

export const SESSION_ITEMS: readonly ItemLabel[] = [
  { key: "relationship", da: "Relationen", en: "Relationship" },
  { key: "goals_and_topics", da: "Mål og emner", en: "Goals and topics" },
  { key: "approach_or_method", da: "Tilgang og metode", en: "Approach or method" },
  { key: "overall", da: "Samlet set", en: "Overall" },
];

export function itemLabels(instrument: Instrument): readonly ItemLabel[] {
  return family(instrument) === "outcome" ? OUTCOME_ITEMS : SESSION_ITEMS;
}

export function isInstrument(value: unknown): value is Instrument {
  return typeof value === "string" && (INSTRUMENTS as readonly string[]).includes(value);
}
