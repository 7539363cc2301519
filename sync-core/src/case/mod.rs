//! The case document: one automerge document per citizen's case.
//!
//! - [`model`]: the typed structs (autosurgeon maps them to the document).
//! - [`document`]: [`CaseDocument`], reading and changing a case with validation before every write.
//! - [`edit`]: the typed edits a worker makes.
//! - [`validate`]: the rules every case must obey, on device and server alike.
//! - [`shape`]: the keys and value types the schema defines, checked on the raw document first.
//! - [`history`]: the append-only rules: recorded entries are marked in error, never removed.
//! - [`changes`]: the checks on a device's automerge changes before they are applied.
//! - [`conflicts`]: concurrent values of one field, listed and resolved.
//! - [`reader`]: reading a document once per object, for the shape check, the typed case and the conflicts.
//! - [`schema`]: the schema version and migrations.
//! - [`series`]: the FIT series of a case, the one grouping every client and the server assess.
//! - [`agenda`]: what is due on a case: overdue follow-ups, courses ending soon, the next follow-up to offer.
//! - [`codes`], [`ffb`]: the code lists, the project's own and KL's FFB.
//! - [`date`]: ISO calendar dates.

pub mod agenda;
pub mod changes;
pub mod codes;
pub mod conflicts;
pub mod date;
pub mod document;
pub mod edit;
pub mod ffb;
pub mod goals;
pub mod history;
pub mod model;
pub mod reader;
pub mod schema;
pub mod series;
pub mod shape;
pub mod timeline;
pub mod validate;

pub use conflicts::Conflict;
pub use document::{CaseDocument, CaseError, read_case, read_valid_case, read_valid_case_and_conflicts};
pub use edit::{DEFAULT_GRANT_LIMIT_MINUTES, EntryRef, NewContact, NewCourse, RatingSlot};
pub use model::{
    Approval, Case, Citizen, Contact, Coordination, Course, ErrorMark, Extension, FollowUp, Goal,
    OutcomeEvent, Plan,
};
pub use schema::SCHEMA_VERSION;
