//! The FIT rule set as data: cutoffs, reliable change, SRS thresholds and the "no change" checkpoints.
//!
//! Sources differ on the numbers (is 25.0 itself clinical? which cutoff for a 17-year-old?), and a municipality
//! may adopt its own, so the numbers live in a versioned JSON file rather than in the code. Every threshold is in
//! millimetres, like the scores. The assessment compares only against what a [`RuleSet`] holds, and every alert
//! records the [`RuleSet::version`] that fired it, so an old alert can be explained after the rules change.

use serde::{Deserialize, Serialize};

use super::alerts::AlertKind;
use super::instrument::{Instrument, TOTAL_MAX_MM};

/// The rule set this build ships, embedded at compile time.
const V1_JSON: &str = include_str!("rules-v1.json");

/// The longest version name a rule set may have.
pub const MAX_VERSION_CHARS: usize = 64;
/// The longest description.
const MAX_DESCRIPTION_CHARS: usize = 4000;
/// More cutoffs than a handful per instrument, or checkpoints than contacts in a long course, is no rule set.
const MAX_CUTOFFS: usize = 100;
const MAX_CHECKPOINTS: usize = 100;

/// A versioned FIT rule set. Build it with [`RuleSet::v1`] or [`RuleSet::from_json`], which check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Stable name of this rule set, e.g. `fit-rules/1`; copied into every alert it fires.
    pub version: String,
    /// What the rule set is and where its numbers come from, for people.
    #[serde(default)]
    pub description: String,
    /// Whether a total equal to the cutoff counts as clinical. Applies to every cutoff, ORS and SRS alike.
    #[serde(default)]
    pub cutoff_comparison: CutoffComparison,
    /// Cutoffs by instrument and age group: for each instrument, the age ranges cover every age exactly once.
    pub cutoffs: Vec<Cutoff>,
    /// The smallest change of ORS total, intake to latest, that counts as reliable (up or down).
    pub reliable_change_mm: i64,
    /// An SRS item below this is an alert: one part of the alliance is not working even when the total is fine.
    pub srs_item_threshold_mm: i64,
    /// An SRS total this much or more below the previous SRS total is an alert.
    pub srs_drop_mm: i64,
    /// Checkpoints for "no reliable ORS change yet", by number of contacts with an ORS total.
    pub no_change_checkpoints: Vec<Checkpoint>,
}

/// How a total is compared with its cutoff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffComparison {
    /// A total strictly below the cutoff is clinical; the cutoff itself is not (the default).
    #[default]
    Below,
    /// A total at or below the cutoff is clinical.
    AtOrBelow,
}

impl CutoffComparison {
    /// Whether `total_mm` is on the clinical (ORS) or flagged (SRS) side of `cutoff_mm`.
    pub fn is_below(self, total_mm: i64, cutoff_mm: i64) -> bool {
        match self {
            Self::Below => total_mm < cutoff_mm,
            Self::AtOrBelow => total_mm <= cutoff_mm,
        }
    }
}

/// The cutoff of one instrument for one age range (ages in whole years, both ends included; `None` = unbounded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cutoff {
    pub instrument: Instrument,
    #[serde(default)]
    pub min_age: Option<i32>,
    #[serde(default)]
    pub max_age: Option<i32>,
    pub cutoff_mm: i64,
}

impl Cutoff {
    fn covers(&self, age: i32) -> bool {
        self.min_age.is_none_or(|min| min <= age) && self.max_age.is_none_or(|max| age <= max)
    }
}

/// A point in a course where "no reliable ORS change" calls for action.
///
/// Only `from_contact` decides whether it fires: once reached, the checkpoint stays reached until a later one
/// takes over. `until_contact` is the window in which the worker is expected to act ("by contact 5–7"), shown to
/// people; it does not end the alert, because an alert that vanished at contact 8 while there is still no change
/// would hide the very problem it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub from_contact: usize,
    #[serde(default)]
    pub until_contact: Option<usize>,
    /// One of the `no_reliable_change_*` alert kinds.
    pub alert: AlertKind,
}

/// Why a rule set was refused.
#[derive(Debug, thiserror::Error)]
pub enum RuleSetError {
    #[error("the rule set is not JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the rule set's {field} is invalid: {reason}")]
    Invalid { field: String, reason: String },
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> RuleSetError {
    RuleSetError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

impl RuleSet {
    /// The rule set shipped with this build (`fit-rules/1`).
    pub fn v1() -> RuleSet {
        // The embedded file is checked by `the_embedded_rule_set_is_valid`; it cannot differ at run time.
        Self::from_json(V1_JSON).expect("the embedded rules-v1.json is a valid rule set")
    }

    /// Reads and checks a rule set, e.g. one a municipality supplies. Unknown fields are refused rather than
    /// ignored, so a misspelt threshold cannot silently fall back to nothing.
    pub fn from_json(json: &str) -> Result<RuleSet, RuleSetError> {
        let rules: RuleSet = serde_json::from_str(json)?;
        rules.check()?;
        Ok(rules)
    }

    /// Checks what the types cannot: cutoffs cover every age once per instrument, thresholds are in range, and
    /// checkpoints ascend and name a "no reliable change" alert.
    pub fn check(&self) -> Result<(), RuleSetError> {
        if self.version.trim().is_empty() {
            return Err(invalid("version", "is empty"));
        }
        // The version is copied into every alert and shown beside it: a short name, not a document.
        if self.version.chars().count() > MAX_VERSION_CHARS || self.version.chars().any(char::is_control) {
            return Err(invalid(
                "version",
                format!("must be at most {MAX_VERSION_CHARS} characters, without control characters"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(invalid(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if self.cutoffs.len() > MAX_CUTOFFS || self.no_change_checkpoints.len() > MAX_CHECKPOINTS {
            return Err(invalid("cutoffs", "too many cutoffs or checkpoints"));
        }
        for instrument in Instrument::ALL {
            self.check_cutoffs(instrument)?;
        }
        if self.reliable_change_mm <= 0 || self.reliable_change_mm > TOTAL_MAX_MM {
            return Err(invalid("reliable_change_mm", "must be 1 to 400 mm"));
        }
        if !(0..=100).contains(&self.srs_item_threshold_mm) {
            return Err(invalid("srs_item_threshold_mm", "must be 0 to 100 mm"));
        }
        if self.srs_drop_mm <= 0 || self.srs_drop_mm > TOTAL_MAX_MM {
            return Err(invalid("srs_drop_mm", "must be 1 to 400 mm"));
        }
        let mut previous = 0;
        for (i, checkpoint) in self.no_change_checkpoints.iter().enumerate() {
            let field = format!("no_change_checkpoints[{i}]");
            if checkpoint.from_contact <= previous {
                return Err(invalid(field, "from_contact must be 1 or more and ascend"));
            }
            if checkpoint
                .until_contact
                .is_some_and(|until| until < checkpoint.from_contact)
            {
                return Err(invalid(field, "until_contact is before from_contact"));
            }
            if !checkpoint.alert.is_no_reliable_change() {
                return Err(invalid(field, "alert must be a no_reliable_change_* kind"));
            }
            previous = checkpoint.from_contact;
        }
        Ok(())
    }

    fn check_cutoffs(&self, instrument: Instrument) -> Result<(), RuleSetError> {
        let field = format!("cutoffs of {}", instrument.abbreviation());
        let mut ranges: Vec<&Cutoff> = self
            .cutoffs
            .iter()
            .filter(|c| c.instrument == instrument)
            .collect();
        ranges.sort_by_key(|c| c.min_age);
        // Walk the ranges from the youngest age up: each must start where the previous ended, and the last must
        // be open-ended, so that every age (and an unknown one) finds exactly one cutoff.
        let mut next_age: Option<i32> = None;
        for (i, cutoff) in ranges.iter().enumerate() {
            if !(0..=TOTAL_MAX_MM).contains(&cutoff.cutoff_mm) {
                return Err(invalid(field, "a cutoff must be 0 to 400 mm"));
            }
            if i == 0 && cutoff.min_age.is_some() {
                return Err(invalid(
                    field,
                    "the youngest range must have no min_age, so every age finds a cutoff",
                ));
            }
            if cutoff.min_age != next_age {
                return Err(invalid(field, "age ranges must cover every age exactly once"));
            }
            match cutoff.max_age {
                Some(max) if cutoff.min_age.is_some_and(|min| max < min) => {
                    return Err(invalid(field, "max_age is below min_age"));
                }
                Some(max) => next_age = Some(max.saturating_add(1)),
                None if i + 1 == ranges.len() => return Ok(()),
                None => return Err(invalid(field, "age ranges must cover every age exactly once")),
            }
        }
        Err(invalid(
            field,
            "needs a range with no max_age, for adults and unknown ages",
        ))
    }

    /// The cutoff for `instrument` at `age` in whole years. An unknown age gets the open-ended (adult) range,
    /// since the adult cutoff is the lowest and so the least likely to call someone clinical who is not.
    pub fn cutoff_mm(&self, instrument: Instrument, age: Option<i32>) -> Option<i64> {
        let mut candidates = self.cutoffs.iter().filter(|c| c.instrument == instrument);
        let found = match age {
            Some(age) => candidates.find(|c| c.covers(age)),
            None => candidates.find(|c| c.max_age.is_none()),
        };
        found.map(|c| c.cutoff_mm)
    }

    /// Whether `total_mm` is below `cutoff_mm` under this rule set's comparison.
    pub fn is_below(&self, total_mm: i64, cutoff_mm: i64) -> bool {
        self.cutoff_comparison.is_below(total_mm, cutoff_mm)
    }

    /// The highest checkpoint reached after `contacts_with_ors` contacts with an ORS total, if any.
    pub fn checkpoint_reached(&self, contacts_with_ors: usize) -> Option<&Checkpoint> {
        self.no_change_checkpoints
            .iter()
            .filter(|c| c.from_contact <= contacts_with_ors)
            .max_by_key(|c| c.from_contact)
    }
}

#[cfg(test)]
mod tests;
