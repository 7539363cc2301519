//! Case documents as the tests' devices create and edit them.

use automerge::Automerge;
use sync_core::DocumentId;
pub use tests::cases::team_of;

/// A new case in `team` with `contacts` home visits.
pub fn new_case(team: &str, contacts: usize) -> (DocumentId, Automerge) {
    tests::cases::new_cases(team, 1, contacts, "Synthetic E2E").remove(0)
}

/// Records one more home visit in `doc`.
pub fn add_contact(doc: &mut Automerge) {
    tests::cases::add_visit(doc, "Synthetic end-to-end note");
}
