// The FIT assessment of one case, as the worker's screens need it: the contacts of the course in time order
// (the citizen's own ratings only, since a relative's score is another measurement), assessed with the rule set.

import { assess, RULES_V1, type Assessment, type RuleSet } from "../fit";
import { currentCourse, type Case, type Contact } from "./model";

export interface CaseAssessment {
  /** Contact ids in the order the assessment's contacts are in. */
  contactIds: string[];
  assessment: Assessment;
}

export function assessCase(c: Case, rules: RuleSet = RULES_V1): CaseAssessment {
  const course = currentCourse(c);
  const entries = Object.entries(c.contacts)
    .filter(([, contact]) => course === null || contact.course === null || contact.course === course)
    .sort(([, a], [, b]) => a.start_ms - b.start_ms);
  const own = (r: Contact["ors"]) => (r && r.rater === "citizen" ? r : null);
  const assessment = assess(
    rules,
    c.citizen.birth_year,
    entries.map(([, contact]) => ({
      year: new Date(contact.start_ms).getUTCFullYear(),
      ors: own(contact.ors),
      srs: own(contact.srs),
    })),
  );
  return { contactIds: entries.map(([id]) => id), assessment };
}
