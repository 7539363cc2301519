//! The FIT instruments (ORS, SRS and their child and group versions) and the neutral keys of their four items.
//!
//! The forms' wording is licensed to each municipality, so nothing here reproduces it: items are stored under
//! neutral keys, and each key has only a short domain label (English and Danish) for charts and alerts. The full
//! item text is configuration a licensed municipality loads; it never ships with the code.

use std::fmt;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// Which form a score was given on.
///
/// The serde names and the names stored in the case document are the same snake_case strings (`"ors"`, …), so a
/// rating reads the same in JSON, in the automerge document and in the TypeScript client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// Outcome Rating Scale, given at the start of a contact (ages 13 and up).
    #[autosurgeon(rename = "ors")]
    Ors,
    /// Session Rating Scale, given at the end of a contact.
    #[autosurgeon(rename = "srs")]
    Srs,
    /// Child Outcome Rating Scale (ages 6–12).
    #[autosurgeon(rename = "cors")]
    Cors,
    /// Child Session Rating Scale.
    #[autosurgeon(rename = "csrs")]
    Csrs,
    /// Group Session Rating Scale, for group sessions.
    #[autosurgeon(rename = "gsrs")]
    Gsrs,
}

/// What an instrument measures: how life is going (outcome) or how the contact went (session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// ORS and CORS: "the last week including today", at the start of a contact.
    Outcome,
    /// SRS, CSRS and GSRS: the alliance in this contact, at its end.
    Session,
}

/// One item of an instrument: its neutral key and a short domain label. Not the form's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemLabel {
    /// The neutral key scores are stored and reported under, e.g. `interpersonal`.
    pub key: &'static str,
    /// A short English label for the life domain, e.g. "Close relationships".
    pub en: &'static str,
    /// The same label in Danish, e.g. "Nære relationer".
    pub da: &'static str,
}

const OUTCOME_ITEMS: [ItemLabel; 4] = [
    ItemLabel {
        key: "individual",
        en: "Personal",
        da: "Personligt",
    },
    ItemLabel {
        key: "interpersonal",
        en: "Close relationships",
        da: "Nære relationer",
    },
    ItemLabel {
        key: "social",
        en: "Social life",
        da: "Socialt liv",
    },
    ItemLabel {
        key: "overall",
        en: "Overall",
        da: "Samlet set",
    },
];

const SESSION_ITEMS: [ItemLabel; 4] = [
    ItemLabel {
        key: "relationship",
        en: "Relationship",
        da: "Relationen",
    },
    ItemLabel {
        key: "goals_and_topics",
        en: "Goals and topics",
        da: "Mål og emner",
    },
    ItemLabel {
        key: "approach_or_method",
        en: "Approach or method",
        da: "Tilgang og metode",
    },
    ItemLabel {
        key: "overall",
        en: "Overall",
        da: "Samlet set",
    },
];

/// Every instrument has exactly four items, each a mark on a 10 cm line.
pub const ITEM_COUNT: usize = 4;

/// The highest score of one item: the full 10 cm line, in millimetres.
pub const ITEM_MAX_MM: i64 = 100;

/// The highest total: four full lines.
pub const TOTAL_MAX_MM: i64 = ITEM_MAX_MM * ITEM_COUNT as i64;

impl Instrument {
    /// Every instrument, in declaration order.
    pub const ALL: [Instrument; 5] = [Self::Ors, Self::Srs, Self::Cors, Self::Csrs, Self::Gsrs];

    /// Whether the instrument measures outcome (ORS, CORS) or the session (SRS, CSRS, GSRS).
    pub fn family(self) -> Family {
        match self {
            Self::Ors | Self::Cors => Family::Outcome,
            Self::Srs | Self::Csrs | Self::Gsrs => Family::Session,
        }
    }

    /// The instrument's usual abbreviation, e.g. "ORS".
    pub fn abbreviation(self) -> &'static str {
        match self {
            Self::Ors => "ORS",
            Self::Srs => "SRS",
            Self::Cors => "CORS",
            Self::Csrs => "CSRS",
            Self::Gsrs => "GSRS",
        }
    }

    /// The four items in the order they are stored. The child and group versions share their family's keys, so a
    /// chart or an alert can compare an SRS item with a CSRS item.
    pub fn items(self) -> &'static [ItemLabel; ITEM_COUNT] {
        match self.family() {
            Family::Outcome => &OUTCOME_ITEMS,
            Family::Session => &SESSION_ITEMS,
        }
    }

    /// The neutral key of item `index` (0–3), or `None` past the fourth item.
    pub fn item_key(self, index: usize) -> Option<&'static str> {
        self.items().get(index).map(|item| item.key)
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_and_session_families_split_as_the_domain_says() {
        assert_eq!(Instrument::Ors.family(), Family::Outcome);
        assert_eq!(Instrument::Cors.family(), Family::Outcome);
        assert_eq!(Instrument::Srs.family(), Family::Session);
        assert_eq!(Instrument::Csrs.family(), Family::Session);
        assert_eq!(Instrument::Gsrs.family(), Family::Session);
    }

    #[test]
    fn item_keys_are_the_neutral_keys_of_each_family() {
        let keys = |i: Instrument| i.items().map(|item| item.key);
        assert_eq!(
            keys(Instrument::Ors),
            ["individual", "interpersonal", "social", "overall"]
        );
        assert_eq!(keys(Instrument::Cors), keys(Instrument::Ors));
        assert_eq!(
            keys(Instrument::Srs),
            [
                "relationship",
                "goals_and_topics",
                "approach_or_method",
                "overall"
            ]
        );
        assert_eq!(keys(Instrument::Gsrs), keys(Instrument::Srs));
        assert_eq!(Instrument::Srs.item_key(4), None);
    }

    #[test]
    fn every_item_has_an_english_and_a_danish_label() {
        for instrument in Instrument::ALL {
            for item in instrument.items() {
                assert!(
                    !item.en.is_empty() && !item.da.is_empty(),
                    "{instrument} {}",
                    item.key
                );
            }
        }
    }

    #[test]
    fn instrument_names_are_snake_case_in_json() {
        let json = serde_json::to_string(&Instrument::ALL).expect("serializes");
        assert_eq!(json, r#"["ors","srs","cors","csrs","gsrs"]"#);
    }
}
