//! Case documents as the tests' devices create and edit them.

use automerge::{ActorId, Automerge};
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen, NewContact, read_case};
use uuid::Uuid;

pub const NOW: i64 = 1_764_000_000_000;

/// The team of the first downloaded case: the tests' users all hold their own team's cases.
pub fn team_of(docs: &std::collections::BTreeMap<DocumentId, Automerge>) -> String {
    docs.values()
        .find_map(|doc| read_case(doc).ok())
        .map(|case| case.team)
        .expect("the demo gave the user some cases")
}

/// A new case in `team` with `contacts` home visits.
pub fn new_case(team: &str, contacts: usize) -> (DocumentId, Automerge) {
    let citizen = Citizen {
        display_name: "Synthetic E2E".into(),
        reference: format!("e2e-{}", Uuid::new_v4().simple()),
        birth_year: Some(1979),
    };
    let mut doc = CaseDocument::create(
        ActorId::random(),
        &Case::new("hoeje-taastrup", team, citizen),
        NOW,
    )
    .expect("a valid case");
    for _ in 0..contacts {
        doc.add_contact(Uuid::new_v4(), home_visit(), NOW)
            .expect("a valid contact");
    }
    (DocumentId::from_uuid(Uuid::new_v4()), doc.into_automerge())
}

pub fn add_contact(doc: &mut Automerge) {
    let mut case = CaseDocument::from_automerge(std::mem::take(doc), NOW).expect("a case");
    case.add_contact(Uuid::new_v4(), home_visit(), NOW)
        .expect("a valid contact");
    *doc = case.into_automerge();
}

pub fn contact_count(doc: &Automerge) -> usize {
    read_case(doc).map(|case| case.contacts.len()).unwrap_or(0)
}

fn home_visit() -> NewContact {
    NewContact {
        kind: "home_visit".into(),
        start_ms: NOW,
        duration_minutes: 45,
        course: None,
        workers: vec![],
        notes: "Synthetic end-to-end note".into(),
        goals: vec![],
        ors: None,
        srs: None,
        recorded_by: "e2e".into(),
    }
}
