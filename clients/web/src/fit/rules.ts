// The FIT rule set as data: read from sync-core/src/fit/rules-v1.json, the very file the Rust code embeds, so the
// phone and the server use the same cutoffs and thresholds and stamp alerts with the same version.

import rulesV1Json from "../../../../sync-core/src/fit/rules-v1.json";
import type { Instrument } from "./instrument";

export type CutoffComparison = "below" | "at_or_below";

export type AlertKind =
  | "no_baseline"
  | "srs_below_cutoff"
  | "srs_item_low"
  | "srs_dropped"
  | "srs_missing"
  | "no_reliable_change_revisit_goals"
  | "no_reliable_change_change_support"
  | "no_reliable_change_consider_other"
  | "reliable_deterioration";

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
