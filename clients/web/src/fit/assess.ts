// Assessing a course: totals and flags per contact, the ORS change from intake to latest, the change category and
// the alerts. A pure function ported from sync-core/src/fit/assess.rs and alerts.rs; the shared vectors in
// sync-core/tests/vectors/fit.json pin that both give the same answer.

import { family, itemLabels, isInstrument, type Family, type Rating } from "./instrument";
import { isPaperTotal, itemScores, totalMm, validateRating } from "./rating";
import { checkpointReached, cutoffMm, isBelow, type AlertKind, type RuleSet } from "./rules";

export interface ScoredContact {
  /** Calendar year of the contact: with the birth year it gives the age that picks the cutoff. */
  year: number;
  ors: Rating | null;
  srs: Rating | null;
}

export interface ContactAssessment {
  age: number | null;
  ors_total_mm: number | null;
  ors_cutoff_mm: number | null;
  ors_clinical: boolean | null;
  ors_paper_total: boolean;
  srs_total_mm: number | null;
  srs_cutoff_mm: number | null;
  srs_below_cutoff: boolean | null;
  srs_paper_total: boolean;
}

export type ChangeCategory =
  | "no_baseline"
  | "intake_above_cutoff"
  | "clinically_significant"
  | "reliable_improvement"
  | "reliable_deterioration"
  | "no_reliable_change";

export interface Alert {
  kind: AlertKind;
  rule_set_version: string;
  contact_index: number | null;
  item: string | null;
}

export interface Assessment {
  rule_set_version: string;
  contacts: ContactAssessment[];
  intake_index: number | null;
  latest_index: number | null;
  contacts_with_ors: number;
  change_mm: number | null;
  category: ChangeCategory;
  alerts: Alert[];
}

/** The rating if it can be used: a known instrument of the slot's family, and valid. Otherwise treated as absent. */
function usable(rating: Rating | null | undefined, slot: Family): Rating | null {
  if (!rating || !isInstrument(rating.instrument)) return null;
  return family(rating.instrument) === slot && validateRating(rating) === null ? rating : null;
}

export function assess(rules: RuleSet, birthYear: number | null, contacts: ScoredContact[]): Assessment {
  const ors = contacts.map((c) => usable(c.ors, "outcome"));
  const srs = contacts.map((c) => usable(c.srs, "session"));
  const summaries: ContactAssessment[] = contacts.map((contact, i) => {
    // Only years are known; a contact before the birth year is a data error and counts as an unknown age.
    const rawAge = birthYear === null ? null : contact.year - birthYear;
    const age = rawAge !== null && rawAge >= 0 ? rawAge : null;
    const o = ors[i] ?? null;
    const s = srs[i] ?? null;
    const oTotal = o ? totalMm(o) : null;
    const oCutoff = o ? cutoffMm(rules, o.instrument, age) : null;
    const sTotal = s ? totalMm(s) : null;
    const sCutoff = s ? cutoffMm(rules, s.instrument, age) : null;
    return {
      age,
      ors_total_mm: oTotal,
      ors_cutoff_mm: oCutoff,
      ors_clinical: oTotal !== null && oCutoff !== null ? isBelow(rules, oTotal, oCutoff) : null,
      ors_paper_total: o !== null && isPaperTotal(o),
      srs_total_mm: sTotal,
      srs_cutoff_mm: sCutoff,
      srs_below_cutoff: sTotal !== null && sCutoff !== null ? isBelow(rules, sTotal, sCutoff) : null,
      srs_paper_total: s !== null && isPaperTotal(s),
    };
  });

  const withTotal = summaries.flatMap((c, i) => (c.ors_total_mm !== null ? [i] : []));
  const intake = withTotal.length > 0 ? withTotal[0]! : null;
  const latest = withTotal.length > 0 ? withTotal[withTotal.length - 1]! : null;
  const changeMm =
    intake !== null && latest !== null ? summaries[latest]!.ors_total_mm! - summaries[intake]!.ors_total_mm! : null;
  const category =
    intake !== null && latest !== null && changeMm !== null
      ? categorise(rules, summaries[intake]!.ors_clinical, summaries[latest]!.ors_clinical, changeMm)
      : "no_baseline";
  return {
    rule_set_version: rules.version,
    contacts: summaries,
    intake_index: intake,
    latest_index: latest,
    contacts_with_ors: withTotal.length,
    change_mm: changeMm,
    category,
    alerts: raise(rules, summaries, srs, { intake, latest, changeMm, count: withTotal.length }),
  };
}

/** First match wins; an unknown clinical state at intake counts as not clinical, so it is never a success. */
function categorise(
  rules: RuleSet,
  intakeClinical: boolean | null,
  latestClinical: boolean | null,
  changeMm: number,
): ChangeCategory {
  if (intakeClinical !== true) return "intake_above_cutoff";
  if (changeMm >= rules.reliable_change_mm && latestClinical === false) return "clinically_significant";
  if (changeMm >= rules.reliable_change_mm) return "reliable_improvement";
  if (changeMm <= -rules.reliable_change_mm) return "reliable_deterioration";
  return "no_reliable_change";
}

interface OrsChange {
  intake: number | null;
  latest: number | null;
  changeMm: number | null;
  count: number;
}

function raise(rules: RuleSet, contacts: ContactAssessment[], srs: (Rating | null)[], ors: OrsChange): Alert[] {
  const alerts: Alert[] = [];
  const alert = (kind: AlertKind, contact_index: number | null, item: string | null = null) =>
    alerts.push({ kind, rule_set_version: rules.version, contact_index, item });
  // A course that has not started is not missing anything yet.
  if (contacts.length === 0) return alerts;
  const latest = contacts.length - 1;
  const last = contacts[latest]!;
  const lastSrs = srs[latest] ?? null;

  if (ors.intake === null) alert("no_baseline", null);
  // The SRS alerts look at the latest contact only: they are about the alliance now.
  if (last.srs_below_cutoff === true) alert("srs_below_cutoff", latest);
  if (lastSrs) {
    // A paper total has no items, so it can never raise an item alert.
    const labels = itemLabels(lastSrs.instrument);
    (itemScores(lastSrs) ?? []).forEach((mm, i) => {
      if (mm < rules.srs_item_threshold_mm) alert("srs_item_low", latest, labels[i]?.key ?? null);
    });
  }
  if (last.srs_total_mm !== null) {
    // The previous contact that had an SRS total: a skipped SRS in between neither hides nor makes a drop.
    const previous = contacts
      .slice(0, latest)
      .reverse()
      .find((c) => c.srs_total_mm !== null)?.srs_total_mm;
    if (previous !== undefined && previous !== null && previous - last.srs_total_mm >= rules.srs_drop_mm) {
      alert("srs_dropped", latest);
    }
  }
  // An explicit "skipped" is documentation, not a forgotten SRS, so only an absent or unusable one is missing.
  if (lastSrs === null) alert("srs_missing", latest);

  if (ors.latest !== null && ors.changeMm !== null) {
    if (ors.changeMm < rules.reliable_change_mm) {
      const checkpoint = checkpointReached(rules, ors.count);
      if (checkpoint) alert(checkpoint.alert, ors.latest);
    }
    if (ors.changeMm <= -rules.reliable_change_mm) alert("reliable_deterioration", ors.latest);
  }
  return alerts;
}
