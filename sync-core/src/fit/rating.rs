//! One FIT rating as stored in the case document: which form, who gave it, and what was recorded.
//!
//! Scores are whole millimetres on a 10 cm line (0–100 per item, 0–400 for a total). A rating is stored as it
//! arrives and checked by [`Rating::validate`], rather than made unrepresentable by its type, because the case
//! document is merged from many devices: a broken or hostile document must still hydrate so that validation can
//! name the field that is wrong instead of the whole case failing to load.

use std::fmt;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::instrument::{ITEM_COUNT, ITEM_MAX_MM, Instrument, TOTAL_MAX_MM};
use super::points::Points;
use crate::validation::{Problem, ValidationError};

/// Who gave the score: the citizen about themself, or a collateral rater about the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RaterKind {
    #[autosurgeon(rename = "citizen")]
    Citizen,
    /// A parent, partner or other relative.
    #[autosurgeon(rename = "relative")]
    Relative,
    /// A teacher, a worker from another service or another professional.
    #[autosurgeon(rename = "professional")]
    Professional,
}

/// What was recorded for one rating.
///
/// In JSON and in the case document an entry is `{"items": {"items": [65, 50, 72, 60]}}`,
/// `{"paper_total": {"total_mm": 247}}` or the string `"skipped"`: the external tagging autosurgeon derives for
/// enums, which serde is told to mirror so that there is one shape everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// The four item scores in millimetres, in the instrument's item order. 0 is a real score ("as bad as it
    /// gets"), never a stand-in for a missing item. A `Vec` rather than an array so a wrong count still hydrates.
    #[autosurgeon(rename = "items")]
    Items {
        #[autosurgeon(reconcile = "reconcile_items")]
        items: Vec<i64>,
    },
    /// A transcription from a paper form that kept only the total. It counts as a total everywhere, but the item
    /// alerts cannot look at it, so it is flagged wherever it is shown.
    #[autosurgeon(rename = "paper_total")]
    PaperTotal { total_mm: i64 },
    /// The rating was deliberately not given (the citizen declined, a crisis contact, …). Its own state, so that
    /// "we chose not to ask" is never confused with "we forgot" or with a score of 0.
    #[autosurgeon(rename = "skipped")]
    Skipped,
}

/// Writes item scores in place, index by index, and only those that changed. autosurgeon diffs a list of numbers
/// by value, so a changed score became a delete and an insert: two workers changing scores of one rating offline
/// then merged into five items, which the server refuses (found by the convergence property test). In place, a
/// score both changed is a conflict on that item, which a person resolves.
fn reconcile_items<R: autosurgeon::Reconciler>(items: &[i64], mut reconciler: R) -> Result<(), R::Error> {
    use autosurgeon::reconcile::SeqReconciler;
    let mut seq = reconciler.seq()?;
    let stored = seq.len()?;
    for (index, &item) in items.iter().enumerate() {
        if index >= stored {
            seq.insert(index, item)?;
        } else if !matches!(seq.get(index)?, Some(automerge::Value::Scalar(value)) if *value == automerge::ScalarValue::Int(item))
        {
            seq.set(index, item)?;
        }
    }
    for index in (items.len()..stored).rev() {
        seq.delete(index)?;
    }
    Ok(())
}

/// One rating on one instrument, as stored on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub instrument: Instrument,
    pub entry: Entry,
    pub rater: RaterKind,
}

impl Rating {
    /// A rating with all four item scores in millimetres, e.g. `Rating::items(Instrument::Ors, [65, 50, 72, 60],
    /// RaterKind::Citizen)`.
    pub fn items(instrument: Instrument, items: [i64; ITEM_COUNT], rater: RaterKind) -> Self {
        Self {
            instrument,
            entry: Entry::Items {
                items: items.to_vec(),
            },
            rater,
        }
    }

    /// A paper transcription that carries only the total, in millimetres.
    pub fn paper_total(instrument: Instrument, total_mm: i64, rater: RaterKind) -> Self {
        Self {
            instrument,
            entry: Entry::PaperTotal { total_mm },
            rater,
        }
    }

    /// A rating that was deliberately not given.
    pub fn skipped(instrument: Instrument, rater: RaterKind) -> Self {
        Self {
            instrument,
            entry: Entry::Skipped,
            rater,
        }
    }

    /// Checks the entry, naming the field relative to the rating (`items`, `items[2]`, `total_mm`).
    ///
    /// A wrong number of items (three, none, five) is [`Problem::PartialItems`] on `items`: the count is checked
    /// before the values, since a value cannot be judged without knowing which item it is. Then the first item
    /// outside 0–100 mm is [`Problem::OutOfRange`] on `items[i]`; a paper total outside 0–400 mm is
    /// [`Problem::OutOfRange`] on `total_mm`. A skipped rating is always valid.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match &self.entry {
            Entry::Items { items } => {
                if items.len() != ITEM_COUNT {
                    return Err(ValidationError::new(
                        "items",
                        Problem::PartialItems,
                        format!(
                            "{} needs all {ITEM_COUNT} items, got {}",
                            self.instrument,
                            items.len()
                        ),
                    ));
                }
                match items.iter().position(|mm| !(0..=ITEM_MAX_MM).contains(mm)) {
                    Some(i) => Err(ValidationError::new(
                        format!("items[{i}]"),
                        Problem::OutOfRange,
                        format!("an item is 0 to {ITEM_MAX_MM} mm, got {}", items[i]),
                    )),
                    None => Ok(()),
                }
            }
            Entry::PaperTotal { total_mm } if !(0..=TOTAL_MAX_MM).contains(total_mm) => {
                Err(ValidationError::new(
                    "total_mm",
                    Problem::OutOfRange,
                    format!("a total is 0 to {TOTAL_MAX_MM} mm, got {total_mm}"),
                ))
            }
            Entry::PaperTotal { .. } | Entry::Skipped => Ok(()),
        }
    }

    /// The total in millimetres: the sum of the items or the paper total; `None` when skipped.
    ///
    /// Meaningful only for a rating that [validates](Self::validate); for any other the sum saturates instead of
    /// overflowing, so a hostile document cannot make this panic.
    pub fn total_mm(&self) -> Option<i64> {
        match &self.entry {
            Entry::Items { items } => Some(items.iter().fold(0, |sum: i64, mm| sum.saturating_add(*mm))),
            Entry::PaperTotal { total_mm } => Some(*total_mm),
            Entry::Skipped => None,
        }
    }

    /// The item scores in millimetres, when the rating has items.
    pub fn item_scores(&self) -> Option<&[i64]> {
        match &self.entry {
            Entry::Items { items } => Some(items),
            Entry::PaperTotal { .. } | Entry::Skipped => None,
        }
    }

    /// Whether the rating is a paper transcription with a total only.
    pub fn is_paper_total(&self) -> bool {
        matches!(self.entry, Entry::PaperTotal { .. })
    }

    /// Whether the rating was deliberately skipped.
    pub fn is_skipped(&self) -> bool {
        matches!(self.entry, Entry::Skipped)
    }
}

/// Shows the total in points with one decimal: `ORS 24.7`, `ORS 24.7 (paper total)` or `SRS skipped`.
impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.total_mm() {
            Some(mm) if self.is_paper_total() => {
                write!(f, "{} {} (paper total)", self.instrument, Points(mm))
            }
            Some(mm) => write!(f, "{} {}", self.instrument, Points(mm)),
            None => write!(f, "{} skipped", self.instrument),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ors(items: Vec<i64>) -> Rating {
        Rating {
            instrument: Instrument::Ors,
            entry: Entry::Items { items },
            rater: RaterKind::Citizen,
        }
    }

    fn refused(rating: &Rating) -> (String, Problem) {
        let error = rating.validate().expect_err("should be refused");
        (error.field, error.problem)
    }

    #[test]
    fn zero_is_a_real_score_not_missing() {
        let rating = ors(vec![0, 0, 0, 0]);
        assert_eq!(rating.validate(), Ok(()));
        assert_eq!(rating.total_mm(), Some(0));
    }

    #[test]
    fn a_partial_item_set_is_refused_on_the_items_field() {
        assert_eq!(
            refused(&ors(vec![65, 50, 72])),
            ("items".into(), Problem::PartialItems)
        );
        assert_eq!(refused(&ors(vec![])), ("items".into(), Problem::PartialItems));
        assert_eq!(
            refused(&ors(vec![1, 2, 3, 4, 5])),
            ("items".into(), Problem::PartialItems)
        );
    }

    #[test]
    fn an_item_outside_the_line_names_its_index() {
        assert_eq!(
            refused(&ors(vec![65, 50, 101, 60])),
            ("items[2]".into(), Problem::OutOfRange)
        );
        assert_eq!(
            refused(&ors(vec![-1, 50, 72, 60])),
            ("items[0]".into(), Problem::OutOfRange)
        );
        assert_eq!(ors(vec![100, 100, 100, 100]).validate(), Ok(()));
    }

    #[test]
    fn a_paper_total_is_checked_against_four_full_lines() {
        let paper = |mm| Rating::paper_total(Instrument::Srs, mm, RaterKind::Citizen);
        assert_eq!(paper(400).validate(), Ok(()));
        assert_eq!(paper(0).validate(), Ok(()));
        assert_eq!(refused(&paper(401)), ("total_mm".into(), Problem::OutOfRange));
        assert_eq!(refused(&paper(-1)), ("total_mm".into(), Problem::OutOfRange));
        assert!(paper(310).is_paper_total());
        assert_eq!(paper(310).total_mm(), Some(310));
    }

    #[test]
    fn a_skipped_rating_is_valid_and_has_no_total() {
        let skipped = Rating::skipped(Instrument::Srs, RaterKind::Citizen);
        assert_eq!(skipped.validate(), Ok(()));
        assert_eq!(skipped.total_mm(), None);
        assert!(!skipped.is_paper_total());
    }

    #[test]
    fn a_hostile_sum_saturates_instead_of_panicking() {
        assert_eq!(ors(vec![i64::MAX, 1, 0, 0]).total_mm(), Some(i64::MAX));
    }

    #[test]
    fn display_shows_the_total_in_points() {
        let items = Rating::items(Instrument::Ors, [65, 50, 72, 60], RaterKind::Citizen);
        assert_eq!(items.to_string(), "ORS 24.7");
        let paper = Rating::paper_total(Instrument::Cors, 320, RaterKind::Relative);
        assert_eq!(paper.to_string(), "CORS 32.0 (paper total)");
        assert_eq!(
            Rating::skipped(Instrument::Srs, RaterKind::Citizen).to_string(),
            "SRS skipped"
        );
    }

    #[test]
    fn json_shape_is_snake_case_and_externally_tagged() {
        let rating = Rating::items(Instrument::Ors, [65, 50, 72, 60], RaterKind::Citizen);
        let json = serde_json::to_value(&rating).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"instrument": "ors", "entry": {"items": {"items": [65, 50, 72, 60]}}, "rater": "citizen"})
        );
        let skipped = serde_json::to_value(Rating::skipped(Instrument::Gsrs, RaterKind::Professional))
            .expect("serializes");
        assert_eq!(
            skipped,
            serde_json::json!({"instrument": "gsrs", "entry": "skipped", "rater": "professional"})
        );
    }
}
