//! Who holds a case: assigning and unassigning workers and handing the tovholder role over, with the refusals that
//! keep the list sound (user ids only, no one twice, never empty, the tovholder always on it), and two phones that
//! hand the role over offline at once.

use automerge::ActorId;
use sync_core::case::{Case, CaseDocument, CaseError, Citizen, conflicts};
use sync_core::{Problem, ValidationError};

const NOW: i64 = 1_764_000_000_000;
const ANNA: &str = "a0000000-0000-4000-8000-000000000001";
const BO: &str = "b0000000-0000-4000-8000-000000000002";
const CARL: &str = "c0000000-0000-4000-8000-000000000003";

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

/// A case Anna opened: she is its tovholder and its only assigned worker.
fn annas_case() -> CaseDocument {
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "ref-assign".into(),
        birth_year: Some(1980),
    };
    let case = Case::opened_by("hoeje-taastrup", "team-nord", citizen, ANNA, "Anna");
    CaseDocument::create(actor(1), &case, NOW).expect("valid case")
}

fn refused(result: Result<Option<automerge::ChangeHash>, CaseError>) -> ValidationError {
    match result {
        Err(CaseError::Invalid(error)) => error,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Runs `edit` on `doc`, expecting it refused on `field` with `problem` and the document untouched.
fn assert_refused(
    doc: &mut CaseDocument,
    field: &str,
    problem: Problem,
    edit: impl FnOnce(&mut CaseDocument) -> Result<Option<automerge::ChangeHash>, CaseError>,
) {
    let heads = doc.heads();
    let error = refused(edit(doc));
    assert_eq!((error.field.as_str(), error.problem), (field, problem), "{error}");
    assert_eq!(doc.heads(), heads, "a refused edit writes nothing");
}

#[test]
fn a_worker_is_assigned_by_user_id_and_name() {
    let mut doc = annas_case();
    assert!(doc.assign_worker(BO, " Bo ", NOW).expect("assign").is_some());
    let case = doc.read().expect("read");
    assert_eq!(case.workers.get(BO).map(String::as_str), Some("Bo"));
    assert_eq!(case.tovholder.as_deref(), Some(ANNA));
}

#[test]
fn assigning_refuses_a_second_time_a_blank_name_and_what_is_no_user_id() {
    let mut doc = annas_case();
    assert_refused(&mut doc, "workers", Problem::Duplicate, |d| {
        d.assign_worker(ANNA, "Anna igen", NOW)
    });
    assert_refused(&mut doc, "workers", Problem::Missing, |d| {
        d.assign_worker(BO, "  ", NOW)
    });
    assert_refused(&mut doc, "workers", Problem::Malformed, |d| {
        d.assign_worker("bo", "Bo", NOW)
    });
    // One user, one text form: the server compares ids as lowercase hyphenated UUIDs.
    let upper = BO.to_uppercase();
    assert_refused(&mut doc, "workers", Problem::Malformed, |d| {
        d.assign_worker(&upper, "Bo", NOW)
    });
}

#[test]
fn a_worker_is_unassigned_but_never_the_tovholder_or_the_last_one() {
    let mut doc = annas_case();
    assert_refused(&mut doc, "tovholder", Problem::Immutable, |d| {
        d.unassign_worker(ANNA, NOW)
    });
    doc.assign_worker(BO, "Bo", NOW).expect("assign");
    assert!(doc.unassign_worker(BO, NOW).expect("unassign").is_some());
    assert!(!doc.read().expect("read").workers.contains_key(BO));
    assert!(matches!(
        doc.unassign_worker(CARL, NOW),
        Err(CaseError::NotFound { what: "worker", .. })
    ));
}

#[test]
fn the_list_never_becomes_empty_even_without_a_tovholder() {
    // A case written before the tovholder was set (the server's own `Case::new`) has one worker and no tovholder.
    let mut case = Case::new(
        "hoeje-taastrup",
        "team-nord",
        Citizen {
            display_name: "Synthetic Citizen".into(),
            reference: "ref-empty".into(),
            birth_year: None,
        },
    );
    case.workers.insert(BO.into(), "Bo".into());
    let mut doc = CaseDocument::create(actor(1), &case, NOW).expect("valid case");
    assert_refused(&mut doc, "workers", Problem::Missing, |d| {
        d.unassign_worker(BO, NOW)
    });
}

#[test]
fn the_tovholder_role_goes_only_to_an_assigned_worker() {
    let mut doc = annas_case();
    assert_refused(&mut doc, "tovholder", Problem::UnknownCode, |d| {
        d.hand_over_tovholder(BO, NOW)
    });
    assert_refused(&mut doc, "tovholder", Problem::Malformed, |d| {
        d.hand_over_tovholder("Bo", NOW)
    });
    assert_eq!(
        doc.hand_over_tovholder(ANNA, NOW).expect("same"),
        None,
        "no change"
    );
    doc.assign_worker(BO, "Bo", NOW).expect("assign");
    assert!(doc.hand_over_tovholder(BO, NOW).expect("hand over").is_some());
    // Anna is an ordinary assigned worker now and may step off the case.
    doc.unassign_worker(ANNA, NOW).expect("unassign");
    let case = doc.read().expect("read");
    assert_eq!(case.tovholder.as_deref(), Some(BO));
    assert_eq!(case.workers.keys().collect::<Vec<_>>(), [BO]);
}

#[test]
fn two_phones_handing_the_role_over_offline_merge_alike_and_show_the_conflict() {
    let mut anna = annas_case();
    anna.assign_worker(BO, "Bo", NOW).expect("assign");
    anna.assign_worker(CARL, "Carl", NOW).expect("assign");
    let mut bo = CaseDocument::load(&anna.save(), actor(2), NOW).expect("load");

    anna.hand_over_tovholder(BO, NOW).expect("anna hands over to Bo");
    bo.hand_over_tovholder(CARL, NOW)
        .expect("Bo's phone hands over to Carl");
    anna.automerge_mut().merge(bo.automerge_mut()).expect("merge");
    bo.automerge_mut().merge(anna.automerge_mut()).expect("merge");

    // Both phones read the same tovholder (automerge's deterministic winner) ...
    let (on_annas, on_bos) = (anna.read().expect("read"), bo.read().expect("read"));
    assert_eq!(on_annas.tovholder, on_bos.tovholder);
    assert!([Some(BO), Some(CARL)].contains(&on_annas.tovholder.as_deref()));
    // ... and the other value is not dropped silently: a person chooses.
    let found = conflicts::list(anna.automerge());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, ["tovholder"]);
    let values: Vec<_> = found[0].values.iter().map(|v| v.value.clone()).collect();
    assert!(
        values.contains(&BO.into()) && values.contains(&CARL.into()),
        "{values:?}"
    );
    assert_eq!(conflicts::list(bo.automerge()), found);

    conflicts::resolve(anna.automerge_mut(), &found[0].path, &CARL.into(), NOW).expect("resolve");
    assert!(conflicts::list(anna.automerge()).is_empty());
    assert_eq!(anna.read().expect("read").tovholder.as_deref(), Some(CARL));
}

#[test]
fn assigning_on_two_phones_at_once_keeps_both_workers() {
    let mut anna = annas_case();
    let mut bo = CaseDocument::load(&anna.save(), actor(2), NOW).expect("load");
    anna.assign_worker(BO, "Bo", NOW).expect("assign");
    bo.assign_worker(CARL, "Carl", NOW).expect("assign");
    anna.automerge_mut().merge(bo.automerge_mut()).expect("merge");
    let case = anna.read().expect("read");
    assert_eq!(case.workers.len(), 3);
    assert!(conflicts::list(anna.automerge()).is_empty());
}

#[test]
fn a_hand_over_merged_with_an_unassignment_is_repaired_by_assigning_again() {
    // Offline, Anna hands the role to Bo while Bo's phone takes Bo off the list: each edit keeps the rules, their
    // merge does not. Both phones read the same case, and the edits let a person repair it.
    let mut anna = annas_case();
    anna.assign_worker(BO, "Bo", NOW).expect("assign");
    let mut bo = CaseDocument::load(&anna.save(), actor(2), NOW).expect("load");
    anna.hand_over_tovholder(BO, NOW).expect("hand over");
    bo.unassign_worker(BO, NOW).expect("unassign");
    anna.automerge_mut().merge(bo.automerge_mut()).expect("merge");
    bo.automerge_mut().merge(anna.automerge_mut()).expect("merge");
    let merged = anna.read().expect("the merged case still reads");
    assert_eq!(merged, bo.read().expect("read"));
    assert_eq!(merged.tovholder.as_deref(), Some(BO));
    assert!(!merged.workers.contains_key(BO));
    anna.assign_worker(BO, "Bo", NOW)
        .expect("Bo is put back on the list");
    assert!(anna.read().expect("read").workers.contains_key(BO));
}
