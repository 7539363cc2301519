//! Calendar dates as the case document stores them: ISO `YYYY-MM-DD` strings, checked and compared here.

use crate::validation::{Problem, ValidationError};

/// A checked calendar date, as days since 1970-01-01 (so differences are day counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    days: i64,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `field` names the field in the error.
    pub fn parse(text: &str, field: &str) -> Result<Date, ValidationError> {
        let malformed = || ValidationError::new(field, Problem::Malformed, "expected a date as YYYY-MM-DD");
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(malformed());
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, ValidationError> {
            let part = &text[range];
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            part.parse().map_err(|_| malformed())
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(malformed());
        }
        Ok(Date {
            days: days_from_civil(year, month, day),
        })
    }

    /// The date of a unix time in milliseconds (UTC).
    pub fn from_unix_ms(ms: i64) -> Date {
        Date {
            days: ms.div_euclid(86_400_000),
        }
    }

    pub fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// The calendar year, for ages.
    pub fn year(self) -> i64 {
        civil_from_days(self.days).0
    }

    /// The date `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date {
            days: self.days + days,
        }
    }

    /// Days from `self` to `later`.
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.days);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian conversions without tables.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_iso_dates() {
        let date = Date::parse("2026-02-28", "start").expect("valid date");
        assert_eq!(date.to_string(), "2026-02-28");
        assert_eq!(Date::parse("1970-01-01", "d").map(Date::days_since_epoch), Ok(0));
        assert_eq!(Date::parse("2024-03-01", "d").map(Date::year), Ok(2024));
    }

    #[test]
    fn refuses_impossible_dates_naming_the_field() {
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01x",
            "2026/01/01",
            "+026-01-01",
        ] {
            let error = Date::parse(bad, "courses.x.start").expect_err(bad);
            assert_eq!(error.field, "courses.x.start");
            assert_eq!(error.problem, Problem::Malformed);
        }
    }

    #[test]
    fn converts_unix_milliseconds_to_dates() {
        assert_eq!(Date::from_unix_ms(1_764_028_800_000).to_string(), "2025-11-25");
        assert_eq!(Date::from_unix_ms(-1).to_string(), "1969-12-31");
    }
}
