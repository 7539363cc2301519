//! FIT (Feedback Informed Treatment): ORS and SRS ratings, the versioned rule set, and the assessment of a course.
//!
//! - `instrument`: the five forms, their families and the neutral item keys with short labels (never the
//!   licensed wording).
//! - `rating`: one rating as stored in the case document (items in millimetres, a paper total, or skipped) and
//!   its validation; `text` reads ratings typed at the CLI; `points` shows millimetres as points.
//! - `forms`: which forms a contact uses (the children's forms by age, GSRS for a group session).
//! - `rules`: the thresholds as data (`rules-v1.json`), loaded and checked.
//! - `assess`: totals, clinical flags and the change category of a course; `alerts`: what must be seen.
//!
//! Scores are integers in millimetres everywhere, so totals and comparisons are exact and identical in Rust and
//! TypeScript; only display converts to points. The FIT numbers are a dialogue tool, not proof of effect (a Danish
//! trial of FIT in bostøtte found no effect on well-being), so the assessment reports categories and alerts and
//! stops there.

mod alerts;
mod assess;
mod forms;
mod instrument;
mod points;
mod rating;
mod rules;
mod text;

#[cfg(test)]
mod stored;

pub use alerts::{Alert, AlertKind};
pub use assess::{Assessment, ChangeCategory, ContactAssessment, ScoredContact, assess};
pub use forms::{CHILD_FORMS_MAX_AGE, Forms, GROUP_CONTACT_KIND, age_in, forms};
pub use instrument::{Family, ITEM_COUNT, ITEM_MAX_MM, Instrument, ItemLabel, TOTAL_MAX_MM};
pub use points::{Points, PointsError, parse_points};
pub use rating::{Entry, RaterKind, Rating};
pub use rules::{Checkpoint, Cutoff, CutoffComparison, RuleSet, RuleSetError};
