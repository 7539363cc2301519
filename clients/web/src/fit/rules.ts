// The FIT rule set as data: read from sync-core/src/fit/rules-v1.json, the very file the Rust code embeds, so the
// phone and the server use the same cutoffs and thresholds and stamp alerts with the same version. A tenant may
// load its own set on the server (GET /v1/fit-rules); `readRuleSet` reads the one the server sends, and
// ../app/fitrules keeps it for offline use.

import rulesV1Json from "../../../../sync-core/src/fit/rules-v1.json";
import { INSTRUMENTS, type Instrument } from "./instrument";

export type CutoffComparison = "below" | "at_or_below";

/** Every alert kind, as sync-core's `AlertKind` serialises them. */
export const ALERT_KINDS = [
  "no_baseline",
  "srs_below_cutoff",
  "srs_item_low",
  "srs_dropped",
  "srs_missing",
  "no_reliable_change_revisit_goals",
  "no_reliable_change_change_support",
  "no_reliable_change_consider_other",
  "reliable_deterioration",
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Cutoff {
  instrument: Instrument;
  min_age: number | null;
  max_age: number | null;
  cutoff_mm: number;
}

export interface Checkpoint {
  from_contact: number;
  until_contact: number | null;
  alert: AlertKind;
}

export interface RuleSet {
  version: string;
  description?: string;
  cutoff_comparison: CutoffComparison;
  cutoffs: Cutoff[];
  reliable_change_mm: number;
  srs_item_threshold_mm: number;
  srs_drop_mm: number;
  no_change_checkpoints: Checkpoint[];
}

export const RULES_V1: RuleSet = rulesV1Json as RuleSet;

const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const isAge = (v: unknown): v is number | null | undefined => v === null || v === undefined || isInteger(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A rule set read from JSON that came from elsewhere (the tenant's set the server sends, or a stored copy of it),
 * or null when it lacks a field the assessment reads or has one of the wrong type. This is the typed reading
 * serde does in sync-core's `RuleSet::from_json`, with its defaults; whether the numbers make sense (cutoffs
 * covering every age, thresholds in range) is sync-core's `RuleSet::check`, which the server ran before it took
 * the set, and is not repeated here.
 */
export function readRuleSet(value: unknown): RuleSet | null {
  if (!isObject(value)) return null;
  const { version, description, cutoff_comparison, cutoffs, no_change_checkpoints } = value;
  if (typeof version !== "string" || version.trim() === "") return null;
  if (description !== undefined && typeof description !== "string") return null;
  if (cutoff_comparison !== undefined && cutoff_comparison !== "below" && cutoff_comparison !== "at_or_below") return null;
  const thresholds = [value.reliable_change_mm, value.srs_item_threshold_mm, value.srs_drop_mm];
  if (!thresholds.every(isInteger)) return null;
  if (!Array.isArray(cutoffs) || !Array.isArray(no_change_checkpoints)) return null;
  const readCutoffs: Cutoff[] = [];
  for (const c of cutoffs) {
    if (!isObject(c) || !INSTRUMENTS.includes(c.instrument as Instrument)) return null;
    if (!isAge(c.min_age) || !isAge(c.max_age) || !isInteger(c.cutoff_mm)) return null;
    readCutoffs.push({ instrument: c.instrument as Instrument, min_age: c.min_age ?? null, max_age: c.max_age ?? null, cutoff_mm: c.cutoff_mm });
  }
  const readCheckpoints: Checkpoint[] = [];
  for (const c of no_change_checkpoints) {
    if (!isObject(c) || !isInteger(c.from_contact) || !ALERT_KINDS.includes(c.alert as AlertKind)) return null;
    if (c.until_contact !== undefined && c.until_contact !== null && !isInteger(c.until_contact)) return null;
    readCheckpoints.push({ from_contact: c.from_contact, until_contact: c.until_contact ?? null, alert: c.alert as AlertKind });
  }
  return {
    version,
    description: description ?? "",
    cutoff_comparison: cutoff_comparison ?? "below",
    cutoffs: readCutoffs,
    reliable_change_mm: value.reliable_change_mm as number,
    srs_item_threshold_mm: value.srs_item_threshold_mm as number,
    srs_drop_mm: value.srs_drop_mm as number,
    no_change_checkpoints: readCheckpoints,
  };
}

/** Whether the total is on the clinical (ORS) or flagged (SRS) side of the cutoff. */
export function isBelow(rules: RuleSet, totalMm: number, cutoffMm: number): boolean {
  return (rules.cutoff_comparison ?? "below") === "at_or_below" ? totalMm <= cutoffMm : totalMm < cutoffMm;
}

/** The cutoff for an instrument at an age; an unknown age gets the open-ended (adult) range, as in Rust. */
export function cutoffMm(rules: RuleSet, instrument: Instrument, age: number | null): number | null {
  const candidates = rules.cutoffs.filter((c) => c.instrument === instrument);
  const found =
    age === null
      ? candidates.find((c) => c.max_age === null || c.max_age === undefined)
      : candidates.find((c) => (c.min_age ?? -Infinity) <= age && age <= (c.max_age ?? Infinity));
  return found ? found.cutoff_mm : null;
}

/** The highest checkpoint reached after this many contacts with an ORS total. */
export function checkpointReached(rules: RuleSet, contactsWithOrs: number): Checkpoint | null {
  let best: Checkpoint | null = null;
  for (const c of rules.no_change_checkpoints) {
    if (c.from_contact <= contactsWithOrs && (best === null || c.from_contact > best.from_contact)) best = c;
  }
  return best;
}
