//! Which FIT forms a contact uses: the children's forms (CORS and CSRS) for a citizen aged 12 or under in the
//! contact's year, GSRS at the end of a group session, ORS and SRS otherwise. Youths (13–17) rate on ORS, assessed
//! against the youth cutoff of the rule set (`rules-v1.json`), not on a form of their own.
//!
//! One rule for every place that offers a form: `tov contact add`, the web app's contact form (pinned by
//! `tests/vectors/forms.json`) and the server's check-in links. Only the birth year is in the case, so the age is
//! the year of the contact minus the birth year; a birth year after the contact's year is treated as unknown.

use serde::Serialize;

use super::Instrument;

/// The oldest age, in whole years, that rates on the children's forms.
pub const CHILD_FORMS_MAX_AGE: i64 = 12;

/// The contact kind whose session rating is GSRS.
pub const GROUP_CONTACT_KIND: &str = "group";

/// The two forms of one contact: the outcome rating at its start, the session rating at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Forms {
    pub outcome: Instrument,
    pub session: Instrument,
}

/// The citizen's age in `year`, if the birth year is known and not after `year`.
pub fn age_in(birth_year: Option<i64>, year: i64) -> Option<i64> {
    birth_year.map(|born| year - born).filter(|age| *age >= 0)
}

/// The forms for a contact of `contact_kind` (a `CONTACT_KINDS` code) in `year` with a citizen born in
/// `birth_year`.
pub fn forms(birth_year: Option<i64>, contact_kind: &str, year: i64) -> Forms {
    let child = age_in(birth_year, year).is_some_and(|age| age <= CHILD_FORMS_MAX_AGE);
    let outcome = if child { Instrument::Cors } else { Instrument::Ors };
    let session = match (contact_kind == GROUP_CONTACT_KIND, child) {
        (true, _) => Instrument::Gsrs,
        (false, true) => Instrument::Csrs,
        (false, false) => Instrument::Srs,
    };
    Forms { outcome, session }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_of_twelve_rates_on_the_childrens_forms_and_a_youth_of_thirteen_on_ors() {
        assert_eq!(
            forms(Some(2014), "home_visit", 2026),
            Forms {
                outcome: Instrument::Cors,
                session: Instrument::Csrs
            }
        );
        assert_eq!(
            forms(Some(2013), "home_visit", 2026),
            Forms {
                outcome: Instrument::Ors,
                session: Instrument::Srs
            }
        );
    }

    #[test]
    fn a_group_session_ends_with_gsrs_at_any_age() {
        assert_eq!(forms(Some(2016), "group", 2026).session, Instrument::Gsrs);
        assert_eq!(forms(Some(1970), "group", 2026).session, Instrument::Gsrs);
        assert_eq!(forms(Some(2016), "group", 2026).outcome, Instrument::Cors);
    }

    #[test]
    fn an_unknown_or_impossible_birth_year_gives_the_adult_forms() {
        assert_eq!(forms(None, "phone", 2026).outcome, Instrument::Ors);
        assert_eq!(forms(Some(2027), "phone", 2026).outcome, Instrument::Ors);
        assert_eq!(age_in(Some(2027), 2026), None);
        assert_eq!(age_in(Some(2026), 2026), Some(0));
    }
}
