//! Synthetic case documents for the benchmarks: cases of a demo team with home visits, built through sync-core's
//! edits exactly as a phone builds them. No real citizen data: names and references are generated.

use automerge::Automerge;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen, NewContact, read_case};
use uuid::Uuid;

/// The demo tenant the benchmarks' cases belong to.
pub const TENANT: &str = "hoeje-taastrup";

/// The time the synthetic cases and visits are recorded at.
pub const NOW: i64 = 1_764_000_000_000;

/// `n` new cases of `team`, each with `visits` home visits; `label` names them ("Bench 7").
pub fn new_cases(team: &str, n: usize, visits: usize, label: &str) -> Vec<(DocumentId, Automerge)> {
    (0..n)
        .map(|i| {
            let citizen = Citizen {
                display_name: format!("{label} {i}"),
                reference: format!("{}-{}", label.to_lowercase(), Uuid::new_v4().simple()),
                birth_year: Some(1980),
            };
            let mut doc = CaseDocument::create(
                automerge::ActorId::random(),
                &Case::new(TENANT, team, citizen),
                NOW,
            )
            .expect("a valid case");
            for _ in 0..visits {
                doc.add_contact(Uuid::new_v4(), visit(&format!("{label} visit")), NOW)
                    .expect("a valid visit");
            }
            (DocumentId::from_uuid(Uuid::new_v4()), doc.into_automerge())
        })
        .collect()
}

/// A 45-minute home visit with `notes`.
pub fn visit(notes: &str) -> NewContact {
    NewContact {
        kind: "home_visit".into(),
        start_ms: NOW,
        duration_minutes: 45,
        course: None,
        workers: vec![],
        notes: notes.into(),
        goals: vec![],
        ors: None,
        srs: None,
        recorded_by: "bench".into(),
    }
}

/// Records one more home visit in `doc`.
pub fn add_visit(doc: &mut Automerge, notes: &str) {
    let mut case = CaseDocument::from_automerge(std::mem::take(doc), NOW).expect("a case");
    case.add_contact(Uuid::new_v4(), visit(notes), NOW)
        .expect("a valid visit");
    *doc = case.into_automerge();
}

/// The team of the first case among `docs` (the demo's users all hold their own team's cases).
pub fn team_of(docs: &std::collections::BTreeMap<DocumentId, Automerge>) -> String {
    docs.values()
        .find_map(|doc| read_case(doc).ok())
        .map(|case| case.team)
        .expect("the demo gave the user some cases")
}

/// How many contacts the case in `doc` holds (0 if it is not a case).
pub fn contact_count(doc: &Automerge) -> usize {
    read_case(doc).map(|case| case.contacts.len()).unwrap_or(0)
}
