//! Millimetres as points: how FIT scores are shown ("24.7") and typed ("6.5"), while they are stored as integers.
//!
//! Scores are stored in whole millimetres so that no floating point ever enters a total, a comparison or a merge.
//! People read and type them in points (one point = one centimetre = 10 mm) with one decimal, so this module is
//! the one place that converts, with integer arithmetic only.

use std::fmt;

/// A score in millimetres, displayed in points with one decimal: `Points(247)` shows as `24.7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i64);

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let mm = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", mm / 10, mm % 10)
    }
}

/// Why a typed score could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsError {
    /// Not a number with at most one decimal (e.g. `abc`, `6.55`, `1e1`, empty).
    Malformed,
    /// A number, but too large to be any score.
    TooLarge,
}

/// Reads a score typed in points with at most one decimal (`"6.5"`, `"10"`, `"-1.0"`) as millimetres.
///
/// The range is not checked here (the caller knows whether it reads an item or a total); only the form. A second
/// decimal is refused rather than rounded, because it would claim a precision finer than the millimetre the score
/// is stored in, and silently rounding a typed score would change what the citizen marked.
pub fn parse_points(text: &str) -> Result<i64, PointsError> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, decimal) = match unsigned.split_once('.') {
        Some((whole, decimal)) => (whole, Some(decimal)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) {
        return Err(PointsError::Malformed);
    }
    let tenths = match decimal {
        None => 0,
        Some(d) if d.len() == 1 && all_digits(d) => i64::from(d.as_bytes()[0] - b'0'),
        Some(_) => return Err(PointsError::Malformed),
    };
    let mm = whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(10))
        .and_then(|w| w.checked_add(tenths))
        .ok_or(PointsError::TooLarge)?;
    Ok(if negative { -mm } else { mm })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millimetres_display_as_points_with_one_decimal() {
        assert_eq!(Points(0).to_string(), "0.0");
        assert_eq!(Points(7).to_string(), "0.7");
        assert_eq!(Points(247).to_string(), "24.7");
        assert_eq!(Points(400).to_string(), "40.0");
        assert_eq!(Points(-50).to_string(), "-5.0");
        assert_eq!(Points(-5).to_string(), "-0.5");
    }

    #[test]
    fn typed_points_become_whole_millimetres() {
        assert_eq!(parse_points("6.5"), Ok(65));
        assert_eq!(parse_points(" 10 "), Ok(100));
        assert_eq!(parse_points("0.0"), Ok(0));
        assert_eq!(parse_points("+7.2"), Ok(72));
        assert_eq!(parse_points("-1.0"), Ok(-10));
    }

    #[test]
    fn a_second_decimal_or_a_non_number_is_malformed() {
        for text in ["6.55", "abc", "", ".5", "5.", "1e1", "6,5", "--1", "NaN"] {
            assert_eq!(parse_points(text), Err(PointsError::Malformed), "{text:?}");
        }
    }

    #[test]
    fn a_number_too_large_for_any_score_is_reported_as_such() {
        assert_eq!(parse_points("99999999999999999999"), Err(PointsError::TooLarge));
    }
}
