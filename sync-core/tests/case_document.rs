//! The case document as workers use it: typed edits, validation that leaves the document untouched, and
//! concurrent offline edits that merge without losing anyone's work.

use automerge::ActorId;
use sync_core::case::ffb::Ffb;
use sync_core::case::{
    Approval, Case, CaseDocument, CaseError, Citizen, Course, Goal, NewContact, RatingSlot, conflicts,
    read_valid_case,
};
use sync_core::fit::{Instrument, RaterKind, Rating};
use sync_core::{Problem, ValidationError};
use uuid::Uuid;

const NOW: i64 = 1_764_000_000_000;

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn new_case() -> Case {
    let mut case = Case::new(
        "hoeje-taastrup",
        "team-nord",
        Citizen {
            display_name: "Synthetic Citizen".into(),
            reference: "ref-0001".into(),
            birth_year: Some(1980),
        },
    );
    case.plan.purpose = "Support towards an own home".into();
    case
}

fn goal() -> Goal {
    Goal {
        title: "Keep the flat".into(),
        level: "goal".into(),
        parent: None,
        goal_type: Ffb::get()
            .goal_type_code("Udvikle funktionsevne")
            .expect("code")
            .to_owned(),
        status: "active".into(),
        target_date: Some("2027-03-01".into()),
        created_ms: NOW,
        entered_in_error: None,
    }
}

fn course() -> Course {
    Course {
        service: Ffb::get()
            .service_code("Socialpædagogisk støtte")
            .expect("code")
            .to_owned(),
        legal_basis: "s85".into(),
        start: "2026-09-01".into(),
        planned_end: Some("2026-12-01".into()),
        end: None,
        end_reason: None,
        granted_minutes_per_week: 180,
        granted_sessions: None,
        approval: Approval {
            state: "not_required".into(),
            by: None,
            at_ms: None,
        },
        extensions: vec![],
        entered_in_error: None,
    }
}

fn contact(kind: &str) -> NewContact {
    NewContact {
        kind: kind.into(),
        start_ms: NOW,
        duration_minutes: 60,
        course: None,
        workers: vec!["anna".into()],
        notes: "Talked about the rent.".into(),
        goals: vec![],
        ors: None,
        srs: None,
        recorded_by: "anna".into(),
    }
}

fn ors(items: [i64; 4]) -> Rating {
    Rating::items(Instrument::Ors, items, RaterKind::Citizen)
}

/// A shared case, and a second device's copy of it.
fn shared_case() -> (CaseDocument, CaseDocument) {
    let mut first = CaseDocument::create(actor(1), &new_case(), NOW).expect("valid case");
    first.add_goal(uuid(10), goal(), NOW).expect("goal");
    first.add_course(uuid(20), course(), NOW).expect("course");
    first
        .add_contact(uuid(30), contact("home_visit"), NOW)
        .expect("contact");
    let second = CaseDocument::load(&first.save(), actor(2), NOW).expect("load");
    (first, second)
}

fn merge(a: &mut CaseDocument, b: &mut CaseDocument) {
    a.automerge_mut().merge(b.automerge_mut()).expect("merge");
    b.automerge_mut().merge(a.automerge_mut()).expect("merge");
    assert_eq!(a.heads(), b.heads());
}

#[test]
fn a_created_case_reads_back_as_written() {
    let (doc, copy) = shared_case();
    let case = doc.read().expect("read");
    assert_eq!(case.citizen.display_name, "Synthetic Citizen");
    assert_eq!(case.plan.goals.len(), 1);
    assert_eq!(
        case.contacts[&uuid(30).to_string()].notes.as_str(),
        "Talked about the rent."
    );
    assert_eq!(copy.read().expect("read"), case);
}

#[test]
fn a_case_read_from_one_document_can_start_another() {
    let (doc, _) = shared_case();
    let copy = CaseDocument::create(actor(9), &doc.read().expect("read"), NOW).expect("a new document");
    assert_eq!(copy.read().expect("read"), doc.read().expect("read"));
}

#[test]
fn a_device_edits_text_again_after_a_colleague_built_on_its_change() {
    let (mut anna, mut bo) = shared_case();
    let id = uuid(30).to_string();
    anna.set_notes(&id, "Anna was here.", NOW).expect("anna");
    merge(&mut anna, &mut bo);
    bo.set_notes(&id, "Anna was here. Bo too.", NOW)
        .expect("bo builds on anna's change");
    merge(&mut anna, &mut bo);
    // Anna's last change is no longer a head, but her next change still depends on it.
    anna.set_notes(&id, "Anna was here again. Bo too.", NOW)
        .expect("anna edits again");
    anna.set_own_goal("Egen bolig", NOW).expect("and other text");
    merge(&mut anna, &mut bo);
    assert_eq!(
        bo.read().expect("read").contacts[&id].notes.as_str(),
        "Anna was here again. Bo too."
    );
}

#[test]
fn concurrent_contact_creation_on_two_devices_keeps_both() {
    let (mut anna, mut bo) = shared_case();
    anna.add_contact(uuid(31), contact("home_visit"), NOW + 1)
        .expect("anna");
    bo.add_contact(uuid(32), contact("phone"), NOW + 2).expect("bo");
    merge(&mut anna, &mut bo);
    let case = anna.read().expect("read");
    assert_eq!(case.contacts.len(), 3);
    assert_eq!(case.contacts[&uuid(32).to_string()].kind, "phone");
    assert!(conflicts::list(anna.automerge()).is_empty());
}

#[test]
fn concurrent_note_edits_interleave() {
    let (mut anna, mut bo) = shared_case();
    let id = uuid(30).to_string();
    anna.set_notes(&id, "Anna: slept well. Talked about the rent.", NOW)
        .expect("anna");
    bo.set_notes(&id, "Talked about the rent. Bo: call the landlord.", NOW)
        .expect("bo");
    merge(&mut anna, &mut bo);
    let notes = anna.read().expect("read").contacts[&id].notes.as_str().to_owned();
    assert_eq!(
        notes,
        "Anna: slept well. Talked about the rent. Bo: call the landlord."
    );
}

#[test]
fn danish_letters_in_notes_survive_edits_and_merges() {
    let (mut anna, mut bo) = shared_case();
    let id = uuid(30).to_string();
    anna.set_notes(&id, "Borgeren gik en tur i skoven. Æblerne var røde.", NOW)
        .expect("anna");
    merge(&mut anna, &mut bo);
    anna.set_notes(&id, "Borgeren gik en lang tur i skoven. Æblerne var røde.", NOW)
        .expect("anna");
    bo.splice_notes(&id, 48, 0, " Søvnen er bedre.", NOW)
        .expect("bo, after the last character");
    bo.splice_notes(&id, 0, 0, "På besøg: ", NOW)
        .expect("bo, at the start");
    merge(&mut anna, &mut bo);
    let notes = anna.read().expect("read").contacts[&id].notes.as_str().to_owned();
    assert_eq!(
        notes,
        "På besøg: Borgeren gik en lang tur i skoven. Æblerne var røde. Søvnen er bedre."
    );
    anna.set_own_goal("Jeg vil have min egen bolig på Østerbro", NOW)
        .expect("own goal");
    anna.set_own_goal("Jeg vil gerne have min egen bolig på Østerbro", NOW)
        .expect("own goal again");
    assert_eq!(
        anna.read().expect("read").plan.own_goal.as_str(),
        "Jeg vil gerne have min egen bolig på Østerbro"
    );
}

#[test]
fn concurrent_score_edits_of_one_field_show_as_a_conflict_with_both_values() {
    let (mut anna, mut bo) = shared_case();
    let id = uuid(30).to_string();
    anna.set_rating(&id, RatingSlot::Outcome, Some(ors([65, 50, 72, 60])), NOW)
        .expect("anna");
    bo.set_rating(&id, RatingSlot::Outcome, Some(ors([40, 41, 42, 43])), NOW)
        .expect("bo");
    merge(&mut anna, &mut bo);

    let found = conflicts::list(anna.automerge());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field(), format!("contacts.{id}.ors"));
    let items: Vec<_> = found[0]
        .values
        .iter()
        .map(|v| v.value["entry"]["items"]["items"].clone())
        .collect();
    assert!(items.contains(&serde_json::json!([65, 50, 72, 60])), "{items:?}");
    assert!(items.contains(&serde_json::json!([40, 41, 42, 43])), "{items:?}");
    let actors: Vec<_> = found[0].values.iter().map(|v| v.actor.clone()).collect();
    assert!(actors.contains(&actor(1).to_hex_string()) && actors.contains(&actor(2).to_hex_string()));
    // Both replicas show the same winner, and the same conflict.
    assert_eq!(conflicts::list(bo.automerge()), found);
    assert_eq!(anna.read().expect("read"), bo.read().expect("read"));
}

#[test]
fn concurrent_goal_status_edits_conflict_until_a_person_resolves_them() {
    let (mut anna, mut bo) = shared_case();
    let goal = uuid(10).to_string();
    anna.set_goal_status(&goal, "achieved", NOW).expect("anna");
    bo.set_goal_status(&goal, "paused", NOW).expect("bo");
    merge(&mut anna, &mut bo);

    let found = conflicts::list(anna.automerge());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, ["plan", "goals", goal.as_str(), "status"]);
    let values: Vec<_> = found[0].values.iter().map(|v| v.value.clone()).collect();
    assert!(values.contains(&"achieved".into()) && values.contains(&"paused".into()));

    conflicts::resolve(anna.automerge_mut(), &found[0].path, &"paused".into(), NOW).expect("resolve");
    merge(&mut anna, &mut bo);
    assert!(conflicts::list(bo.automerge()).is_empty());
    assert_eq!(bo.read().expect("read").plan.goals[&goal].status, "paused");
}

#[test]
fn resolving_an_object_conflict_keeps_the_chosen_rating() {
    let (mut anna, mut bo) = shared_case();
    let id = uuid(30).to_string();
    anna.set_rating(&id, RatingSlot::Outcome, Some(ors([65, 50, 72, 60])), NOW)
        .expect("anna");
    bo.set_rating(&id, RatingSlot::Outcome, Some(ors([40, 41, 42, 43])), NOW)
        .expect("bo");
    merge(&mut anna, &mut bo);
    let conflict = conflicts::list(anna.automerge()).remove(0);
    let chosen = conflict
        .values
        .iter()
        .find(|v| v.value["entry"]["items"]["items"] == serde_json::json!([40, 41, 42, 43]))
        .expect("bo's value")
        .value
        .clone();
    conflicts::resolve(anna.automerge_mut(), &conflict.path, &chosen, NOW).expect("resolve");
    assert!(conflicts::list(anna.automerge()).is_empty());
    assert_eq!(
        anna.read().expect("read").contacts[&id].ors,
        Some(ors([40, 41, 42, 43]))
    );
    read_valid_case(anna.automerge()).expect("still valid");
}

fn assert_refused(
    doc: &mut CaseDocument,
    result: Result<Option<automerge::ChangeHash>, CaseError>,
    field: &str,
    problem: Problem,
) {
    match result {
        Err(CaseError::Invalid(ValidationError {
            field: f, problem: p, ..
        })) => {
            assert_eq!((f.as_str(), p), (field, problem));
        }
        other => panic!("expected {field} {problem:?}, got {other:?}"),
    }
    read_valid_case(doc.automerge()).expect("document still valid");
}

#[test]
fn invalid_writes_name_the_field_and_leave_the_document_unchanged() {
    let (mut doc, _) = shared_case();
    let heads = doc.heads();
    let id = uuid(30).to_string();

    let result = doc.set_rating(&id, RatingSlot::Outcome, Some(ors([65, 101, 72, 60])), NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("contacts.{id}.ors.items[1]"),
        Problem::OutOfRange,
    );

    let partial = Rating {
        entry: sync_core::fit::Entry::Items { items: vec![65, 50] },
        ..ors([0; 4])
    };
    let result = doc.set_rating(&id, RatingSlot::Outcome, Some(partial), NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("contacts.{id}.ors.items"),
        Problem::PartialItems,
    );

    let srs_in_ors = Rating::items(Instrument::Srs, [90, 90, 90, 90], RaterKind::Citizen);
    let result = doc.set_rating(&id, RatingSlot::Outcome, Some(srs_in_ors), NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("contacts.{id}.ors.instrument"),
        Problem::UnknownCode,
    );

    let result = doc.add_contact(uuid(33), contact(""), NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("contacts.{}.kind", uuid(33)),
        Problem::Missing,
    );

    let result = doc.add_contact(uuid(34), contact("teleport"), NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("contacts.{}.kind", uuid(34)),
        Problem::UnknownCode,
    );

    let result = doc.end_course(&uuid(20).to_string(), "2026-08-01", "mutual_agreement", NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("courses.{}.end", uuid(20)),
        Problem::EndBeforeStart,
    );

    let mut bad_course = course();
    bad_course.service = "not-an-ffb-code".into();
    let result = doc.add_course(uuid(21), bad_course, NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("courses.{}.service", uuid(21)),
        Problem::UnknownCode,
    );

    let mut orphan = goal();
    orphan.level = "stepping_stone".into();
    orphan.parent = Some(uuid(10).to_string());
    let result = doc.add_goal(uuid(11), orphan, NOW);
    assert_refused(
        &mut doc,
        result,
        &format!("plan.goals.{}.parent", uuid(11)),
        Problem::UnknownCode,
    );

    assert_eq!(doc.heads(), heads, "no refused write reached the document");
}

#[test]
fn zero_is_a_real_score() {
    let (mut doc, _) = shared_case();
    let id = uuid(30).to_string();
    doc.set_rating(&id, RatingSlot::Outcome, Some(ors([0, 0, 0, 0])), NOW)
        .expect("zeros are valid");
    assert_eq!(
        doc.read().expect("read").contacts[&id]
            .ors
            .as_ref()
            .and_then(Rating::total_mm),
        Some(0)
    );
}

#[test]
fn the_server_refuses_a_merged_document_that_breaks_a_rule() {
    let (mut doc, _) = shared_case();
    // A broken or hostile client writes a raw value that bypasses the typed edits.
    let contact = uuid(30).to_string();
    {
        use automerge::transaction::Transactable;
        use automerge::{ROOT, ReadDoc};
        let raw = doc.automerge_mut();
        let contacts = raw.get(ROOT, "contacts").expect("read").expect("contacts").1;
        let obj = raw
            .get(&contacts, contact.as_str())
            .expect("read")
            .expect("contact")
            .1;
        let mut tx = raw.transaction();
        tx.put(&obj, "duration_minutes", -5_i64).expect("put");
        tx.commit();
    }
    let error = read_valid_case(doc.automerge()).expect_err("invalid");
    assert_eq!(
        error,
        CaseError::Invalid(ValidationError::new(
            format!("contacts.{contact}.duration_minutes"),
            Problem::OutOfRange,
            "must be between 0 and 1440"
        ))
    );
}

#[test]
fn a_lead_approval_is_recorded_in_the_document_with_who_and_when() {
    let (mut doc, _) = shared_case();
    let id = uuid(20).to_string();
    doc.decide_approval(&id, true, "lea", NOW + 5).expect("approve");
    let approval = doc.read().expect("read").courses[&id].approval.clone();
    assert_eq!(
        approval,
        Approval {
            state: "approved".into(),
            by: Some("lea".into()),
            at_ms: Some(NOW + 5)
        }
    );
}

fn new_course(legal_basis: &str, planned_end: Option<&str>, minutes: i64) -> sync_core::case::NewCourse {
    sync_core::case::NewCourse {
        service: course().service,
        legal_basis: legal_basis.into(),
        start: "2026-01-05".into(),
        planned_end: planned_end.map(str::to_owned),
        granted_minutes_per_week: minutes,
        granted_sessions: None,
    }
}

#[test]
fn a_time_limited_course_needs_its_planned_end_and_a_large_grant_awaits_a_lead() {
    let mut doc = CaseDocument::create(actor(1), &new_case(), NOW).expect("creates");
    let limit = sync_core::case::DEFAULT_GRANT_LIMIT_MINUTES;
    let refused = doc.start_course(uuid(1), new_course("s82b", None, 120), limit, NOW);
    match refused {
        Err(CaseError::Invalid(e)) => {
            assert_eq!((e.field.as_str(), e.problem), ("planned_end", Problem::Missing))
        }
        other => panic!("{other:?}"),
    }
    assert!(
        doc.read().expect("reads").courses.is_empty(),
        "nothing was written"
    );

    doc.start_course(uuid(2), new_course("s82b", Some("2026-07-05"), limit), limit, NOW)
        .expect("at the limit");
    doc.start_course(uuid(3), new_course("s85", None, limit + 1), limit, NOW)
        .expect("above the limit");
    let case = doc.read().expect("reads");
    assert_eq!(case.courses[&uuid(2).to_string()].approval.state, "not_required");
    assert_eq!(case.courses[&uuid(3).to_string()].approval.state, "awaiting");
}

#[test]
fn a_follow_up_once_done_stays_done() {
    let mut doc = CaseDocument::create(actor(1), &new_case(), NOW).expect("creates");
    let follow_up = sync_core::case::FollowUp {
        due: "2026-04-01".into(),
        purpose: "Status".into(),
        with: vec![],
        done: false,
        done_note: String::new(),
        entered_in_error: None,
    };
    doc.add_follow_up(uuid(1), follow_up, NOW).expect("planned");
    let id = uuid(1).to_string();
    assert!(
        doc.complete_follow_up(&id, "Held", NOW + 1)
            .expect("done")
            .is_some()
    );
    assert!(doc.read().expect("reads").follow_ups[&id].done);
    assert!(
        doc.complete_follow_up(&id, "Again", NOW + 2)
            .expect("no-op")
            .is_none(),
        "done again changes nothing"
    );
    assert!(matches!(
        doc.complete_follow_up("no-such", "", NOW),
        Err(CaseError::NotFound { .. })
    ));
}

/// The operation counter of the value at `key` in `obj`.
fn counter_at(doc: &automerge::Automerge, obj: &automerge::ObjId, key: &str) -> u64 {
    use automerge::ReadDoc;
    match doc.get(obj, key).expect("read").expect("present").1 {
        automerge::ObjId::Id(counter, _, _) => counter,
        automerge::ObjId::Root => panic!("{key} is the root"),
    }
}

/// A new contact is written as the web app's automerge writes a new object: its fields in key order, then the fields
/// of its ratings, breadth first. The saved document's columns hold operations by object and key, so operation ids
/// that follow that order encode as one run; written in declaration order, depth first, a case with two visits saved
/// some 5 % larger than the web app's.
#[test]
fn a_new_contact_is_written_in_key_order_and_breadth_first() {
    use automerge::ReadDoc;
    let mut doc = CaseDocument::create(actor(1), &new_case(), NOW).expect("valid case");
    let mut visit = contact("home_visit");
    visit.ors = Some(ors([50, 55, 60, 55]));
    // Written whole, the note goes in as one text: letters of more than one byte must come out as they went in.
    visit.notes = "Borgeren fortæller, at søvnen er bedre; næste gang går vi på biblioteket.".into();
    doc.add_contact(uuid(30), visit, NOW).expect("contact");
    let am = doc.automerge();
    let contacts = am
        .get(automerge::ROOT, "contacts")
        .expect("read")
        .expect("contacts")
        .1;
    let contact = am
        .get(&contacts, uuid(30).to_string())
        .expect("read")
        .expect("contact")
        .1;

    let keys: Vec<String> = am.keys(&contact).collect();
    let counters: Vec<u64> = keys.iter().map(|key| counter_at(am, &contact, key)).collect();
    assert!(
        counters.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "the contact's fields {keys:?} were written in the order {counters:?}"
    );
    let rating = am.get(&contact, "ors").expect("read").expect("ors").1;
    let last_field = *counters.last().expect("fields");
    let first_of_rating = counter_at(am, &rating, "entry");
    assert!(
        first_of_rating > last_field,
        "the rating's fields follow all of the contact's: {first_of_rating} after {last_field}"
    );
    let read = doc.read().expect("read");
    let written = &read.contacts[&uuid(30).to_string()];
    assert_eq!(written.ors, Some(ors([50, 55, 60, 55])));
    assert_eq!(
        written.notes.as_str(),
        "Borgeren fortæller, at søvnen er bedre; næste gang går vi på biblioteket."
    );
}
