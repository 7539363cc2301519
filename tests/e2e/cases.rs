//! Case documents as the tests' devices create and edit them.

use automerge::Automerge;
use sync_core::DocumentId;
use sync_core::case::read_case;

/// The team of the first downloaded case: the tests' users all hold their own team's cases.
pub fn team_of(docs: &std::collections::BTreeMap<DocumentId, Automerge>) -> String {
    docs.values()
        .find_map(|doc| read_case(doc).ok())
        .map(|case| case.team)
        .expect("the demo gave the user some cases")
}

/// A new case in `team` with `contacts` home visits.
pub fn new_case(team: &str, contacts: usize) -> (DocumentId, Automerge) {
    tests::cases::new_cases(team, 1, contacts, "Synthetic E2E").remove(0)
}

/// Records one more home visit in `doc`.
pub fn add_contact(doc: &mut Automerge) {
    tests::cases::add_visit(doc, "Synthetic end-to-end note");
}

pub fn contact_count(doc: &Automerge) -> usize {
    read_case(doc).map(|case| case.contacts.len()).unwrap_or(0)
}
