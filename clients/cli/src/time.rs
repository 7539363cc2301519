//! Reading and showing times: unix milliseconds inside, RFC 3339 on the command line, local time on screen.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use sync_core::validation::{Problem, ValidationError};

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Reads an RFC 3339 time with an offset (`2025-03-01T10:00:00+01:00`, `…Z`) as unix milliseconds. `field` names
/// the option in the error, as validation errors name fields.
pub fn parse_rfc3339(text: &str, field: &str) -> Result<i64, ValidationError> {
    text.trim()
        .parse::<Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            ValidationError::new(
                field,
                Problem::Malformed,
                "expected an RFC 3339 time with an offset, e.g. 2025-03-01T10:00:00+01:00",
            )
        })
}

fn local(ms: i64) -> Option<ZonedDateTime> {
    // The system zone is read once per call; a missing zoneinfo database falls back to UTC rather than failing.
    let zone = TimeZone::try_system().unwrap_or(TimeZone::UTC);
    Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned_datetime(zone))
}

/// `2025-03-01 10:00` in the local time zone.
pub fn local_minute(ms: i64) -> String {
    local(ms).map_or_else(|| "?".to_owned(), |z| z.strftime("%Y-%m-%d %H:%M").to_string())
}

/// `2025-03-01` in the local time zone.
pub fn local_date(ms: i64) -> String {
    local(ms).map_or_else(|| "?".to_owned(), |z| z.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_honoured() {
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00", "at"), Ok(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z", "at"), Ok(1000));
    }

    #[test]
    fn a_time_without_offset_is_refused_naming_the_field() {
        let error = parse_rfc3339("2025-03-01 10:00", "at").expect_err("refused");
        assert_eq!((error.field.as_str(), error.problem), ("at", Problem::Malformed));
    }
}
