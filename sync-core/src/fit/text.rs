//! Ratings typed as text, as the `tov` CLI takes them: `"6.5,5.0,7.2,6.0"` for items, `"24.7"` for a paper total.
//!
//! People think in points (0.0–10.0 per item); the document stores millimetres. The parsers convert and return the
//! same [`ValidationError`] fields as [`Rating::validate`] (`items`, `items[i]`, `total_mm`), so the CLI can point
//! at the number that is wrong whichever way the rating arrived.

use super::instrument::{ITEM_COUNT, Instrument};
use super::points::{PointsError, parse_points};
use super::rating::{Entry, RaterKind, Rating};
use crate::validation::{Problem, ValidationError};

impl Rating {
    /// Reads four comma-separated item scores in points with at most one decimal, e.g. `"6.5,5.0,7.2,6.0"`.
    ///
    /// Empty text is [`Problem::Missing`] on `items`; any other count than four is [`Problem::PartialItems`] on
    /// `items`; an item that is not a number with at most one decimal is [`Problem::Malformed`] on `items[i]`; a
    /// number outside 0.0–10.0 is [`Problem::OutOfRange`] on `items[i]`. The count is checked first, so "three of
    /// four" is reported as a partial set even when one of the three is also malformed.
    pub fn parse_items(
        instrument: Instrument,
        text: &str,
        rater: RaterKind,
    ) -> Result<Rating, ValidationError> {
        if text.trim().is_empty() {
            return Err(ValidationError::new(
                "items",
                Problem::Missing,
                format!("type the {ITEM_COUNT} item scores, e.g. 6.5,5.0,7.2,6.0"),
            ));
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() != ITEM_COUNT {
            return Err(ValidationError::new(
                "items",
                Problem::PartialItems,
                format!("{instrument} needs all {ITEM_COUNT} items, got {}", parts.len()),
            ));
        }
        let mut items = Vec::with_capacity(ITEM_COUNT);
        for (i, part) in parts.iter().enumerate() {
            items.push(points_field(part, &format!("items[{i}]"))?);
        }
        let rating = Rating {
            instrument,
            entry: Entry::Items { items },
            rater,
        };
        // The range belongs to `validate`, so the typed and the stored path can never disagree about it.
        rating.validate()?;
        Ok(rating)
    }

    /// Reads a paper form's total in points with at most one decimal, e.g. `"24.7"`: [`Problem::Malformed`] or
    /// [`Problem::OutOfRange`] (outside 0.0–40.0) on `total_mm`.
    pub fn parse_paper_total(
        instrument: Instrument,
        text: &str,
        rater: RaterKind,
    ) -> Result<Rating, ValidationError> {
        let total_mm = points_field(text, "total_mm")?;
        let rating = Rating::paper_total(instrument, total_mm, rater);
        rating.validate()?;
        Ok(rating)
    }
}

/// One typed number in millimetres, or the error for `field`.
fn points_field(text: &str, field: &str) -> Result<i64, ValidationError> {
    parse_points(text).map_err(|error| match error {
        PointsError::Malformed => ValidationError::new(
            field,
            Problem::Malformed,
            format!(
                "{:?} is not a score in points with at most one decimal",
                text.trim()
            ),
        ),
        PointsError::TooLarge => ValidationError::new(
            field,
            Problem::OutOfRange,
            "the number is far too large for a score",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Result<Rating, (String, Problem)> {
        Rating::parse_items(Instrument::Ors, text, RaterKind::Citizen).map_err(|e| (e.field, e.problem))
    }

    #[test]
    fn typed_points_become_millimetres() {
        assert_eq!(
            items("6.5,5.0,7.2,6.0"),
            Ok(Rating::items(
                Instrument::Ors,
                [65, 50, 72, 60],
                RaterKind::Citizen
            ))
        );
        assert_eq!(
            items(" 0, 10 ,0.1,9.9"),
            Ok(Rating::items(
                Instrument::Ors,
                [0, 100, 1, 99],
                RaterKind::Citizen
            ))
        );
    }

    #[test]
    fn a_wrong_count_is_a_partial_item_set() {
        assert_eq!(items("6.5,5.0,7.2"), Err(("items".into(), Problem::PartialItems)));
        assert_eq!(
            items("6.5,5.0,7.2,6.0,1.0"),
            Err(("items".into(), Problem::PartialItems))
        );
        assert_eq!(
            items("6.5,5.0,7.2,"),
            Err(("items[3]".into(), Problem::Malformed))
        );
    }

    #[test]
    fn empty_text_is_missing() {
        assert_eq!(items("  "), Err(("items".into(), Problem::Missing)));
    }

    #[test]
    fn a_non_number_is_malformed_and_named() {
        assert_eq!(
            items("6.5,five,7.2,6.0"),
            Err(("items[1]".into(), Problem::Malformed))
        );
        assert_eq!(
            items("6.5,5.0,7.25,6.0"),
            Err(("items[2]".into(), Problem::Malformed))
        );
    }

    #[test]
    fn a_number_off_the_line_is_out_of_range_and_named() {
        assert_eq!(
            items("6.5,5.0,7.2,10.1"),
            Err(("items[3]".into(), Problem::OutOfRange))
        );
        assert_eq!(
            items("-0.1,5.0,7.2,6.0"),
            Err(("items[0]".into(), Problem::OutOfRange))
        );
    }

    #[test]
    fn a_paper_total_is_read_in_points() {
        let total = |text| {
            Rating::parse_paper_total(Instrument::Srs, text, RaterKind::Citizen)
                .map_err(|e| (e.field, e.problem))
        };
        assert_eq!(
            total("36.0"),
            Ok(Rating::paper_total(Instrument::Srs, 360, RaterKind::Citizen))
        );
        assert_eq!(total("40.1"), Err(("total_mm".into(), Problem::OutOfRange)));
        assert_eq!(total("x"), Err(("total_mm".into(), Problem::Malformed)));
    }
}
