// Which FIT forms a contact uses, as sync-core decides (sync-core/src/fit/forms.rs, pinned by
// sync-core/tests/vectors/forms.json): the children's forms (CORS, CSRS) for a citizen aged 12 or under in the
// contact's year, GSRS at the end of a group session, ORS and SRS otherwise. Only the birth year is known, so the
// age is the contact's year minus it; a birth year after the contact's year counts as unknown.

import type { Instrument } from "./instrument";

/** The oldest age, in whole years, that rates on the children's forms. */
export const CHILD_FORMS_MAX_AGE = 12;

/** The contact kind whose session rating is GSRS. */
export const GROUP_CONTACT_KIND = "group";

export interface Forms {
  outcome: Instrument;
  session: Instrument;
}

/** The citizen's age in `year`, if the birth year is known and not after `year`. */
export function ageIn(birthYear: number | null, year: number): number | null {
  if (birthYear === null) return null;
  const age = year - birthYear;
  return age >= 0 ? age : null;
}

/** The forms for a contact of `kind` (a contact kind code) in `year` with a citizen born in `birthYear`. */
export function forms(birthYear: number | null, kind: string, year: number): Forms {
  const age = ageIn(birthYear, year);
  const child = age !== null && age <= CHILD_FORMS_MAX_AGE;
  return {
    outcome: child ? "cors" : "ors",
    session: kind === GROUP_CONTACT_KIND ? "gsrs" : child ? "csrs" : "srs",
  };
}
