//! Two phones edit the same course or goal offline, then both sync: the server takes both (neither phone's work is
//! refused), every replica shows the same case, and where the two chose different values of one field the conflict
//! is listed until a person resolves it.
//!
//! The server's part is simulated as the server does it: each arriving device's changes are merged into what the
//! server holds, and the result must pass the whole-case validation and the append-only history rules
//! ([`history::check`], before = what the server held, after = the merge). Each scenario runs in both arrival
//! orders, since automerge orders concurrent values by actor and a rule must not depend on who synced first.

use automerge::ActorId;
use sync_core::case::ffb::Ffb;
use sync_core::case::{
    Approval, Case, CaseDocument, Citizen, Course, EntryRef, ErrorMark, FollowUp, Goal, conflicts, history,
    read_valid_case,
};
use uuid::Uuid;

const NOW: i64 = 1_764_000_000_000;
const GOAL: Uuid = Uuid::from_u128(10);
const SECOND_GOAL: Uuid = Uuid::from_u128(11);
const THIRD_GOAL: Uuid = Uuid::from_u128(12);
const COURSE: Uuid = Uuid::from_u128(20);
const FOLLOW_UP: Uuid = Uuid::from_u128(30);

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn base() -> Vec<u8> {
    let mut case = Case::new(
        "hoeje-taastrup",
        "team-nord",
        Citizen {
            display_name: "Synthetic Citizen".into(),
            reference: "ref-0002".into(),
            birth_year: Some(1975),
        },
    );
    case.plan.purpose = "Support towards an own home".into();
    let mut doc = CaseDocument::create(actor(9), &case, NOW).expect("valid case");
    let goal = Goal {
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
    };
    doc.add_goal(GOAL, goal.clone(), NOW).expect("goal");
    for (id, title) in [
        (SECOND_GOAL, "Find a job"),
        (THIRD_GOAL, "Sleep through the night"),
    ] {
        let mut other = goal.clone();
        other.title = title.into();
        doc.add_goal(id, other, NOW).expect("goal");
    }
    let course = Course {
        service: Ffb::get()
            .service_code("Socialpædagogisk støtte")
            .expect("code")
            .to_owned(),
        legal_basis: "s82b".into(),
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
    };
    doc.add_course(COURSE, course, NOW).expect("course");
    let follow_up = FollowUp {
        due: "2026-11-15".into(),
        purpose: "Status with the citizen".into(),
        with: vec!["citizen".into()],
        done: false,
        done_note: String::new(),
        entered_in_error: None,
    };
    doc.add_follow_up(FOLLOW_UP, follow_up, NOW).expect("follow-up");
    doc.save()
}

/// What one phone does offline to its own copy of the case.
type Edit = fn(&mut CaseDocument);

/// Anna (actor 1) and Bo (actor 2) each make their edit offline; the server receives them in the order given; then
/// each phone syncs with the server. Returns the converged case document as the server holds it.
fn offline_edits_reach_the_server(anna: Edit, bo: Edit, anna_first: bool) -> CaseDocument {
    let bytes = base();
    let mut server = CaseDocument::load(&bytes, actor(0), NOW).expect("server");
    let mut phones = [
        CaseDocument::load(&bytes, actor(1), NOW).expect("anna"),
        CaseDocument::load(&bytes, actor(2), NOW).expect("bo"),
    ];
    anna(&mut phones[0]);
    bo(&mut phones[1]);
    let order = if anna_first { [0, 1] } else { [1, 0] };
    for phone in order {
        let before = server.read().expect("server reads");
        server
            .automerge_mut()
            .merge(phones[phone].automerge_mut())
            .expect("merge");
        let after = read_valid_case(server.automerge())
            .unwrap_or_else(|e| panic!("phone {phone}'s changes make an invalid case: {e:?}"));
        history::check(&before, &after, None)
            .unwrap_or_else(|e| panic!("the server refuses phone {phone}'s offline edit: {e:?}"));
    }
    for phone in &mut phones {
        phone
            .automerge_mut()
            .merge(server.automerge_mut())
            .expect("merge");
        assert_eq!(phone.heads(), server.heads(), "the phone converged");
        assert_eq!(phone.read().expect("reads"), server.read().expect("reads"));
    }
    server
}

/// Runs a scenario in both arrival orders and hands each result to `check`.
fn in_both_orders(anna: Edit, bo: Edit, check: impl Fn(&mut CaseDocument)) {
    for anna_first in [true, false] {
        let mut server = offline_edits_reach_the_server(anna, bo, anna_first);
        check(&mut server);
    }
}

fn paths(doc: &CaseDocument) -> Vec<String> {
    conflicts::list(doc.automerge())
        .iter()
        .map(|c| c.field())
        .collect()
}

fn field(parts: &[&str]) -> String {
    parts.join(".")
}

/// Resolves every listed conflict with the value every replica shows first; afterwards none is listed and the
/// case is still valid. What a person choosing in `tov resolve` or on the review page does.
fn resolve_all(doc: &mut CaseDocument) {
    let before = doc.read().expect("reads");
    for conflict in conflicts::list(doc.automerge()) {
        let chosen = conflict.values[0].value.clone();
        conflicts::resolve(doc.automerge_mut(), &conflict.path, &chosen, NOW + 10).expect("resolves");
    }
    assert!(conflicts::list(doc.automerge()).is_empty());
    let after = read_valid_case(doc.automerge()).expect("valid after resolving");
    history::check(&before, &after, None).expect("resolving keeps the record");
}

#[test]
fn two_phones_end_the_same_course_differently_and_a_person_chooses() {
    let course = COURSE.to_string();
    in_both_orders(
        |doc| {
            doc.end_course(&COURSE.to_string(), "2026-11-20", "mutual_agreement", NOW + 1)
                .expect("anna ends");
        },
        |doc| {
            doc.end_course(&COURSE.to_string(), "2026-11-22", "moved", NOW + 2)
                .expect("bo ends");
        },
        |server| {
            let listed = paths(server);
            assert!(
                listed.contains(&field(&["courses", &course, "end"])),
                "{listed:?}"
            );
            assert!(
                listed.contains(&field(&["courses", &course, "end_reason"])),
                "{listed:?}"
            );
            resolve_all(server);
            let ended = &server.read().expect("reads").courses[&course];
            assert!(ended.end.is_some() && ended.end_reason.is_some());
        },
    );
}

#[test]
fn two_phones_end_the_same_course_alike_and_nothing_is_in_conflict() {
    let end: Edit = |doc| {
        doc.end_course(&COURSE.to_string(), "2026-11-20", "mutual_agreement", NOW + 1)
            .expect("ends");
    };
    in_both_orders(end, end, |server| {
        assert_eq!(paths(server), Vec::<String>::new());
        let ended = &server.read().expect("reads").courses[&COURSE.to_string()];
        assert_eq!(ended.end.as_deref(), Some("2026-11-20"));
    });
}

#[test]
fn two_phones_extend_the_same_course_and_both_extensions_are_kept() {
    let course = COURSE.to_string();
    in_both_orders(
        |doc| {
            doc.extend_course(
                &COURSE.to_string(),
                "2027-02-01",
                "Housing not settled",
                "anna",
                NOW + 1,
            )
            .expect("anna extends");
        },
        |doc| {
            doc.extend_course(
                &COURSE.to_string(),
                "2027-03-01",
                "Waiting for psychiatry",
                "bo",
                NOW + 2,
            )
            .expect("bo extends");
        },
        |server| {
            let extended = server.read().expect("reads").courses[&course].clone();
            let mut reasons: Vec<_> = extended.extensions.iter().map(|e| e.reason.as_str()).collect();
            reasons.sort();
            assert_eq!(reasons, ["Housing not settled", "Waiting for psychiatry"]);
            assert_eq!(
                paths(server),
                [field(&["courses", &course, "planned_end"])],
                "the two new planned ends are a conflict for a person"
            );
            resolve_all(server);
            assert_eq!(
                server.read().expect("reads").courses[&course].extensions.len(),
                2,
                "resolving the planned end keeps both extensions"
            );
        },
    );
}

#[test]
fn a_course_ended_on_one_phone_and_extended_on_another_keeps_both_in_the_record() {
    let course = COURSE.to_string();
    in_both_orders(
        |doc| {
            doc.end_course(&COURSE.to_string(), "2026-11-20", "citizen_dropped_out", NOW + 1)
                .expect("anna ends");
        },
        |doc| {
            doc.extend_course(
                &COURSE.to_string(),
                "2027-02-01",
                "More time for the goal",
                "bo",
                NOW + 2,
            )
            .expect("bo extends");
        },
        |server| {
            let merged = server.read().expect("reads").courses[&course].clone();
            assert_eq!(merged.end.as_deref(), Some("2026-11-20"), "the end stands");
            assert_eq!(merged.extensions.len(), 1, "the extension is kept as recorded");
            assert_eq!(merged.planned_end.as_deref(), Some("2027-02-01"));
            let refused = server.extend_course(&course, "2027-04-01", "again", "anna", NOW + 3);
            assert!(refused.is_err(), "an ended course is not extended further");
        },
    );
}

#[test]
fn two_phones_mark_the_same_course_in_error_and_the_mark_stays() {
    let course = COURSE.to_string();
    fn mark(doc: &mut CaseDocument, by: &str, reason: &str) {
        let mark = ErrorMark {
            by: by.into(),
            at_ms: NOW + 1,
            reason: reason.into(),
        };
        doc.mark_in_error(EntryRef::Course(&COURSE.to_string()), mark, NOW + 1)
            .expect("marks");
    }
    in_both_orders(
        |doc| mark(doc, "anna", "started on the wrong citizen"),
        |doc| mark(doc, "bo", "a duplicate of the other course"),
        |server| {
            let merged = server.read().expect("reads").courses[&course].clone();
            assert!(merged.entered_in_error.is_some(), "the course is marked");
            assert_eq!(
                paths(server),
                [field(&["courses", &course, "entered_in_error"])],
                "two reasons: a person keeps one"
            );
            resolve_all(server);
            assert!(
                server.read().expect("reads").courses[&course]
                    .entered_in_error
                    .is_some()
            );
        },
    );
}

#[test]
fn two_phones_retitle_the_same_goal_and_a_person_chooses() {
    let goal = GOAL.to_string();
    in_both_orders(
        |doc| {
            doc.set_goal_title(&GOAL.to_string(), "Keep the flat through the winter", NOW + 1)
                .expect("anna");
        },
        |doc| {
            doc.set_goal_title(&GOAL.to_string(), "Pay the rent on time", NOW + 2)
                .expect("bo");
        },
        |server| {
            assert_eq!(paths(server), [field(&["plan", "goals", &goal, "title"])]);
            resolve_all(server);
        },
    );
}

#[test]
fn one_phone_retitles_a_goal_while_another_sets_its_status_and_both_are_kept() {
    let goal = GOAL.to_string();
    in_both_orders(
        |doc| {
            doc.set_goal_title(&GOAL.to_string(), "Pay the rent on time", NOW + 1)
                .expect("anna");
        },
        |doc| {
            doc.set_goal_status(&GOAL.to_string(), "achieved", NOW + 2)
                .expect("bo");
        },
        |server| {
            assert_eq!(paths(server), Vec::<String>::new());
            let merged = &server.read().expect("reads").plan.goals[&goal];
            assert_eq!(
                (merged.title.as_str(), merged.status.as_str()),
                ("Pay the rent on time", "achieved")
            );
        },
    );
}

#[test]
fn a_goal_marked_in_error_on_one_phone_while_another_sets_its_status_stays_marked() {
    let goal = GOAL.to_string();
    in_both_orders(
        |doc| {
            let mark = ErrorMark {
                by: "anna".into(),
                at_ms: NOW + 1,
                reason: "the citizen's goal is another".into(),
            };
            doc.mark_in_error(EntryRef::Goal(&GOAL.to_string()), mark, NOW + 1)
                .expect("anna");
        },
        |doc| {
            doc.set_goal_status(&GOAL.to_string(), "paused", NOW + 2)
                .expect("bo");
        },
        |server| {
            let merged = &server.read().expect("reads").plan.goals[&goal];
            assert!(merged.entered_in_error.is_some());
            assert_eq!(merged.status, "paused", "bo's status is kept in the record");
        },
    );
}

#[test]
fn two_phones_complete_the_same_follow_up_and_both_notes_can_be_seen() {
    let follow_up = FOLLOW_UP.to_string();
    in_both_orders(
        |doc| {
            doc.complete_follow_up(&FOLLOW_UP.to_string(), "Held at home; rent paid", NOW + 1)
                .expect("anna");
        },
        |doc| {
            doc.complete_follow_up(&FOLLOW_UP.to_string(), "Held by phone", NOW + 2)
                .expect("bo");
        },
        |server| {
            assert!(server.read().expect("reads").follow_ups[&follow_up].done);
            let conflict = conflicts::list(server.automerge())
                .into_iter()
                .find(|c| c.field() == field(&["follow_ups", &follow_up, "done_note"]))
                .expect("the two notes are listed");
            let notes: Vec<_> = conflict.values.iter().map(|v| v.value.clone()).collect();
            assert!(
                notes.contains(&"Held at home; rent paid".into()) && notes.contains(&"Held by phone".into())
            );
            resolve_all(server);
        },
    );
}

#[test]
fn two_phones_reorder_the_same_goals_and_a_person_settles_the_order() {
    in_both_orders(
        |doc| {
            doc.move_goal(&THIRD_GOAL.to_string(), None, NOW + 1)
                .expect("anna moves");
        },
        |doc| {
            doc.move_goal(&SECOND_GOAL.to_string(), None, NOW + 2)
                .expect("bo moves");
        },
        |server| {
            let listed = paths(server);
            assert!(!listed.is_empty(), "two orders of the same goals are a conflict");
            assert!(
                listed.iter().all(|p| p.starts_with("plan.goal_order.")),
                "{listed:?}"
            );
            resolve_all(server);
            let case = server.read().expect("reads");
            let order: Vec<&String> = sync_core::case::goals::in_order(&case.plan)
                .into_iter()
                .map(|(id, _, _)| id)
                .collect();
            assert_eq!(order.len(), 3, "every goal is still listed once");
        },
    );
}

#[test]
fn a_mark_made_on_one_phone_survives_an_unrelated_edit_on_another() {
    // The entries are written without `entered_in_error` (as the web app writes them, and as sync-core does since it
    // leaves `None` unwritten): the other phone's edit of the purpose must not write a `null` over the mark.
    let goal = GOAL.to_string();
    let bytes = base();
    let held = automerge::Automerge::load(&bytes).expect("loads");
    let goals = automerge::ReadDoc::get(&held, automerge::ROOT, "plan")
        .expect("reads")
        .and_then(|(_, plan)| automerge::ReadDoc::get(&held, &plan, "goals").expect("reads"))
        .and_then(|(_, goals)| automerge::ReadDoc::get(&held, &goals, goal.as_str()).expect("reads"))
        .map(|(_, entry)| automerge::ReadDoc::keys(&held, &entry).collect::<Vec<_>>())
        .expect("the goal");
    assert!(!goals.contains(&"entered_in_error".to_owned()), "{goals:?}");
    in_both_orders(
        |doc| {
            let mark = ErrorMark {
                by: "anna".into(),
                at_ms: NOW + 1,
                reason: "the citizen's goal is another".into(),
            };
            doc.mark_in_error(EntryRef::Goal(&GOAL.to_string()), mark, NOW + 1)
                .expect("anna");
        },
        |doc| {
            doc.set_purpose("Support towards a job", NOW + 2).expect("bo");
        },
        |server| {
            let merged = server.read().expect("reads");
            assert!(
                merged.plan.goals[&goal].entered_in_error.is_some(),
                "the mark stands"
            );
            assert_eq!(merged.plan.purpose, "Support towards a job");
            assert_eq!(paths(server), Vec::<String>::new(), "nothing to choose between");
        },
    );
}
