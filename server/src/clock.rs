//! The wall clock, read in one place. Store methods take `now` as a parameter so tests can move time (e.g. past
//! the lockout window) without sleeping; handlers read it here.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch, the unit of every timestamp column.
#[allow(
    clippy::disallowed_methods,
    reason = "the one place that reads the wall clock"
)]
pub fn now_ms() -> i64 {
    // A clock before 1970 or past the year 292 million is not a case worth an error path.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whole unix seconds (the unit of JWT claims) of a millisecond timestamp.
pub fn unix_seconds(ms: i64) -> u64 {
    u64::try_from(ms / 1000).unwrap_or(0)
}
