//! Validation errors: one typed shape for every refused write, naming the field that is wrong.
//!
//! Validation runs on the device before a change is made and again on the server before a change is accepted,
//! so the error has to be data (a field path and a stable code) that both ends and the TypeScript client agree on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What is wrong with a field. The snake_case names are stable: clients and test vectors match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A number outside its allowed range (a FIT item outside 0–100 mm, negative hours, …).
    OutOfRange,
    /// Some but not all items of a FIT instrument were given.
    PartialItems,
    /// A required field is empty or absent.
    Missing,
    /// A code that is not in the code system it must come from (FFB, contact kinds, …).
    UnknownCode,
    /// An end date or time before its start.
    EndBeforeStart,
    /// A date or time that does not parse.
    Malformed,
    /// Text longer than allowed.
    TooLong,
    /// The document's schema is newer than this build understands.
    UnsupportedSchema,
    /// A key the case schema does not define.
    UnknownField,
    /// A map, list, change or document beyond its bound.
    TooLarge,
    /// A recorded entry (a contact, rating, goal, course, follow-up or outcome) is gone: history is append-only.
    Removed,
    /// A recorded value this writer may not change (another worker's rating, a mark of an entry made in error).
    Immutable,
    /// A value that is there already (a worker assigned twice).
    Duplicate,
}

/// A refused write: which field, what is wrong, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationError {
    /// Dotted path to the field, e.g. `contacts.<id>.ors.items[2]`.
    pub field: String,
    pub problem: Problem,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: Problem, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem,
            message: message.into(),
        }
    }

    /// The same error for a field nested under `prefix` (`items[2]` under `ors` becomes `ors.items[2]`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
