//! `tests/vectors/course-edits.json`: the edits of a course of support (start and end a course, plan a follow-up
//! and mark it done, record an outcome), each applied by sync-core's own [`CaseDocument`] to a case, with what came
//! of it: the entry written, nothing changed, the refusal (`field`, `problem`) or the entry not found. The web app
//! runs every vector (`clients/web/tests/course-edits-vectors.test.ts`), so the phone writes and refuses exactly
//! what `tov` and the server do.
//!
//! The expectations are never written by hand: each is read back from the document after the edit. The test fails
//! when the file differs from what sync-core computes now; after a deliberate rule change, regenerate it with
//! `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test edit_vectors` and review the diff.

mod vectors_common;

use std::collections::BTreeMap;

use automerge::ActorId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sync_core::case::edit::EditResult;
use sync_core::case::{
    Case, CaseDocument, Contact, Coordination, DEFAULT_GRANT_LIMIT_MINUTES, EntryRef, ErrorMark, FollowUp,
    NewCourse, OutcomeEvent,
};
use uuid::Uuid;
use vectors_common::{SERVICE, check_vectors, citizen_case, course, unchanged_or_refused};

/// 2026-06-15 12:00 UTC: the edits' clock (it stamps the change only; no rule here reads it).
const NOW_MS: i64 = 1_781_524_800_000;

const OPEN_COURSE: &str = "c0a1e000-0000-4000-8000-000000000001";
const ENDED_COURSE: &str = "c0a1e000-0000-4000-8000-000000000002";
const NEW_COURSE: &str = "c0a1e000-0000-4000-8000-000000000010";
const DONE_FOLLOW_UP: &str = "f0000000-0000-4000-8000-000000000001";
const OPEN_FOLLOW_UP: &str = "f0000000-0000-4000-8000-000000000002";
const NEW_FOLLOW_UP: &str = "f0000000-0000-4000-8000-000000000010";
const IN_ERROR_COURSE: &str = "c0a1e000-0000-4000-8000-000000000003";
const IN_ERROR_FOLLOW_UP: &str = "f0000000-0000-4000-8000-000000000003";
const NEW_OUTCOME: &str = "0c000000-0000-4000-8000-000000000010";
const UNKNOWN: &str = "00000000-0000-4000-8000-00000000dead";
const CONTACT: &str = "c0c00000-0000-4000-8000-000000000001";
const COORDINATION: &str = "c00d0000-0000-4000-8000-000000000001";
const NEW_COORDINATION: &str = "c00d0000-0000-4000-8000-000000000010";
const TIME_LIMITED_COURSE: &str = "c0a1e000-0000-4000-8000-000000000004";
const OUTCOME: &str = "0c000000-0000-4000-8000-000000000001";

/// One edit, in the JSON form the vectors carry (externally tagged, like the rest of the case's JSON). Ids of new
/// entries are fixed by the vector, as the caller draws them in the app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Edit {
    StartCourse {
        id: String,
        service: String,
        legal_basis: String,
        start: String,
        planned_end: Option<String>,
        granted_minutes_per_week: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        granted_sessions: Option<i64>,
        limit_minutes: i64,
    },
    EndCourse {
        course: String,
        end: String,
        reason: String,
    },
    AddFollowUp {
        id: String,
        due: String,
        purpose: String,
        with: Vec<String>,
    },
    CompleteFollowUp {
        follow_up: String,
        note: String,
    },
    AddOutcome {
        id: String,
        kind: String,
        date: String,
        note: String,
    },
    AddCoordination {
        id: String,
        entry: Coordination,
    },
    ExtendCourse {
        course: String,
        to: String,
        reason: String,
        by: String,
    },
    /// `entry` is `contact`, `course`, `follow_up` or `outcome`.
    MarkInError {
        entry: String,
        id: String,
        mark: ErrorMark,
    },
}

impl Edit {
    /// The collection and id of the entry the edit writes.
    fn target(&self) -> (&'static str, &str) {
        match self {
            Edit::StartCourse { id, .. } => ("courses", id),
            Edit::EndCourse { course, .. } => ("courses", course),
            Edit::AddFollowUp { id, .. } => ("follow_ups", id),
            Edit::CompleteFollowUp { follow_up, .. } => ("follow_ups", follow_up),
            Edit::AddOutcome { id, .. } => ("outcomes", id),
            Edit::AddCoordination { id, .. } => ("coordination", id),
            Edit::ExtendCourse { course, .. } => ("courses", course),
            Edit::MarkInError { entry, id, .. } => (collection_of(entry), id),
        }
    }

    /// Applies the edit through sync-core's typed edits, as `tov` does.
    fn apply(&self, doc: &mut CaseDocument) -> EditResult {
        let uuid = |id: &str| Uuid::parse_str(id).expect("the vector's ids are UUIDs");
        match self.clone() {
            Edit::StartCourse {
                id,
                service,
                legal_basis,
                start,
                planned_end,
                granted_minutes_per_week,
                granted_sessions,
                limit_minutes,
            } => {
                let new = NewCourse {
                    service,
                    legal_basis,
                    start,
                    planned_end,
                    granted_minutes_per_week,
                    granted_sessions,
                };
                doc.start_course(uuid(&id), new, limit_minutes, NOW_MS)
            }
            Edit::EndCourse { course, end, reason } => doc.end_course(&course, &end, &reason, NOW_MS),
            Edit::AddFollowUp {
                id,
                due,
                purpose,
                with,
            } => {
                let follow_up = FollowUp {
                    due,
                    purpose,
                    with,
                    done: false,
                    done_note: String::new(),
                    entered_in_error: None,
                };
                doc.add_follow_up(uuid(&id), follow_up, NOW_MS)
            }
            Edit::CompleteFollowUp { follow_up, note } => doc.complete_follow_up(&follow_up, &note, NOW_MS),
            Edit::AddOutcome { id, kind, date, note } => {
                let outcome = OutcomeEvent {
                    kind,
                    date,
                    note,
                    entered_in_error: None,
                };
                doc.add_outcome(uuid(&id), outcome, NOW_MS)
            }
            Edit::AddCoordination { id, entry } => doc.add_coordination(uuid(&id), entry, NOW_MS),
            Edit::ExtendCourse {
                course,
                to,
                reason,
                by,
            } => doc.extend_course(&course, &to, &reason, &by, NOW_MS),
            Edit::MarkInError { entry, id, mark } => {
                let target = match entry.as_str() {
                    "contact" => EntryRef::Contact(&id),
                    "course" => EntryRef::Course(&id),
                    "follow_up" => EntryRef::FollowUp(&id),
                    "outcome" => EntryRef::Outcome(&id),
                    "coordination" => EntryRef::Coordination(&id),
                    other => panic!("no entry kind {other}"),
                };
                doc.mark_in_error(target, mark, NOW_MS)
            }
        }
    }
}

/// The case's collection holding entries of `entry`'s kind.
fn collection_of(entry: &str) -> &'static str {
    match entry {
        "contact" => "contacts",
        "course" => "courses",
        "follow_up" => "follow_ups",
        "coordination" => "coordination",
        _ => "outcomes",
    }
}

/// A valid case holding an open §85 course, an ended one, a follow-up done and one still planned.
fn base() -> Case {
    let mut case = citizen_case("ref-course-edits");
    let course = |start: &str, end: Option<&str>| course("s85", start, None, end);
    let mut wrong_course = course("2026-02-01", None);
    wrong_course.entered_in_error = Some(ErrorMark::new(
        "worker-1",
        NOW_MS - 1,
        "recorded on the wrong citizen",
    ));
    case.courses = BTreeMap::from([
        (OPEN_COURSE.into(), course("2026-01-05", None)),
        (ENDED_COURSE.into(), course("2025-03-01", Some("2025-09-01"))),
        (
            TIME_LIMITED_COURSE.into(),
            vectors_common::course("s82b", "2026-03-01", Some("2026-09-01"), None),
        ),
        (IN_ERROR_COURSE.into(), wrong_course),
    ]);
    let mut wrong_follow_up = vectors_common::follow_up("2026-04-01", false);
    wrong_follow_up.entered_in_error = Some(ErrorMark::new(
        "worker-1",
        NOW_MS - 1,
        "planned on the wrong citizen",
    ));
    case.follow_ups = BTreeMap::from([
        (
            DONE_FOLLOW_UP.into(),
            vectors_common::follow_up("2026-03-01", true),
        ),
        (
            OPEN_FOLLOW_UP.into(),
            vectors_common::follow_up("2026-06-01", false),
        ),
        (IN_ERROR_FOLLOW_UP.into(), wrong_follow_up),
    ]);
    case.contacts = BTreeMap::from([(
        CONTACT.into(),
        Contact {
            kind: "home_visit".into(),
            start_ms: NOW_MS - 86_400_000,
            duration_minutes: 60,
            course: Some(OPEN_COURSE.into()),
            workers: vec!["worker-1".into()],
            notes: autosurgeon::Text::with_value("Synthetic visit"),
            goals: vec![],
            ors: None,
            srs: None,
            recorded_by: "worker-1".into(),
            entered_in_error: None,
        },
    )]);
    case.outcomes = BTreeMap::from([(
        OUTCOME.into(),
        OutcomeEvent {
            kind: "own_home".into(),
            date: "2026-05-01".into(),
            note: String::new(),
            entered_in_error: None,
        },
    )]);
    case.coordination = BTreeMap::from([(
        COORDINATION.into(),
        coordination(&["jobcenter"], "Agreed on a work trial"),
    )]);
    case
}

fn coordination(parties: &[&str], agreements: &str) -> Coordination {
    Coordination {
        date: "2026-06-10".into(),
        parties: parties.iter().map(|p| (*p).to_owned()).collect(),
        participants: "Caseworker at the job centre, the citizen".into(),
        agreements: agreements.into(),
        recorded_by: "worker-1".into(),
        entered_in_error: None,
    }
}

fn coordinate(entry: Coordination) -> Edit {
    Edit::AddCoordination {
        id: NEW_COORDINATION.into(),
        entry,
    }
}

fn extend(course: &str, to: &str, reason: &str) -> Edit {
    Edit::ExtendCourse {
        course: course.into(),
        to: to.into(),
        reason: reason.into(),
        by: "worker-1".into(),
    }
}

fn mark(entry: &str, id: &str, reason: &str) -> Edit {
    Edit::MarkInError {
        entry: entry.into(),
        id: id.into(),
        mark: ErrorMark::new("worker-2", NOW_MS, reason),
    }
}

fn start(legal_basis: &str, start: &str, planned_end: Option<&str>, minutes: i64) -> Edit {
    start_with(
        SERVICE,
        legal_basis,
        start,
        planned_end,
        minutes,
        DEFAULT_GRANT_LIMIT_MINUTES,
    )
}

fn start_with(
    service: &str,
    legal_basis: &str,
    start: &str,
    planned_end: Option<&str>,
    minutes: i64,
    limit_minutes: i64,
) -> Edit {
    Edit::StartCourse {
        id: NEW_COURSE.into(),
        service: service.into(),
        legal_basis: legal_basis.into(),
        start: start.into(),
        planned_end: planned_end.map(str::to_owned),
        granted_minutes_per_week: minutes,
        granted_sessions: None,
        limit_minutes,
    }
}

fn punch_card(sessions: i64) -> Edit {
    Edit::StartCourse {
        id: NEW_COURSE.into(),
        service: SERVICE.into(),
        legal_basis: "s85".into(),
        start: "2026-06-15".into(),
        planned_end: None,
        granted_minutes_per_week: 0,
        granted_sessions: Some(sessions),
        limit_minutes: DEFAULT_GRANT_LIMIT_MINUTES,
    }
}

fn end(course: &str, end: &str, reason: &str) -> Edit {
    Edit::EndCourse {
        course: course.into(),
        end: end.into(),
        reason: reason.into(),
    }
}

fn follow_up(due: &str) -> Edit {
    Edit::AddFollowUp {
        id: NEW_FOLLOW_UP.into(),
        due: due.into(),
        purpose: "Review the plan with the citizen".into(),
        with: vec![],
    }
}

fn done(follow_up: &str) -> Edit {
    done_with(follow_up, "")
}

fn done_with(follow_up: &str, note: &str) -> Edit {
    Edit::CompleteFollowUp {
        follow_up: follow_up.into(),
        note: note.into(),
    }
}

fn follow_up_with(due: &str, with: &[&str]) -> Edit {
    Edit::AddFollowUp {
        id: NEW_FOLLOW_UP.into(),
        due: due.into(),
        purpose: "Network meeting on the plan".into(),
        with: with.iter().map(|w| (*w).to_owned()).collect(),
    }
}

fn outcome(kind: &str, date: &str) -> Edit {
    Edit::AddOutcome {
        id: NEW_OUTCOME.into(),
        kind: kind.into(),
        date: date.into(),
        note: "Signed the lease".into(),
    }
}

/// The vectors: a name, the rule it pins, and the edit (all on [`base`]).
fn vectors() -> Vec<(&'static str, &'static str, Edit)> {
    vec![
        (
            "s82b_without_planned_end_is_refused",
            "A §82b course is time-limited by law: starting one without a planned end is refused.",
            start("s82b", "2026-06-15", None, 120),
        ),
        (
            "s82b_planned_end_is_checked_before_the_case",
            "The §82b rule is checked on the new course before the whole case, so it is named even when the service is unknown too.",
            start_with(
                "not-an-ffb-code",
                "s82b",
                "2026-06-15",
                None,
                120,
                DEFAULT_GRANT_LIMIT_MINUTES,
            ),
        ),
        (
            "punch_card_course_is_started",
            "A course granted as a punch card of 10 sessions keeps its count.",
            punch_card(10),
        ),
        (
            "punch_card_of_no_sessions_is_refused",
            "A punch card grants 1 to 104 sessions.",
            punch_card(0),
        ),
        (
            "grant_at_the_limit_needs_no_approval",
            "A grant of exactly the limit (300 minutes a week) is the caseworker's own: approval not_required.",
            start("s82b", "2026-06-15", Some("2026-09-07"), 300),
        ),
        (
            "grant_above_the_limit_awaits_approval",
            "A grant above the limit starts awaiting a lead's approval.",
            start("s82b", "2026-06-15", Some("2026-09-07"), 301),
        ),
        (
            "the_limit_is_the_callers",
            "The limit is a parameter: 480 minutes under a limit of 600 needs no approval.",
            start_with(SERVICE, "s85", "2026-06-15", None, 480, 600),
        ),
        (
            "s85_needs_no_planned_end",
            "Open-ended §85 support starts without a planned end.",
            start("s85", "2026-06-15", None, 120),
        ),
        (
            "planned_end_on_the_start_day_is_accepted",
            "A planned end on the start day is not before the start.",
            start("s82c", "2026-06-15", Some("2026-06-15"), 60),
        ),
        (
            "planned_end_before_start_is_refused",
            "The whole case is validated: a planned end before the start is refused, named inside the new course.",
            start("s82b", "2026-06-15", Some("2026-06-14"), 120),
        ),
        (
            "unknown_legal_basis_is_refused",
            "The legal basis must be one of the Serviceloven codes.",
            start("s99", "2026-06-15", Some("2026-09-07"), 120),
        ),
        (
            "empty_legal_basis_is_missing",
            "An empty code is missing, not unknown.",
            start("", "2026-06-15", None, 120),
        ),
        (
            "unknown_service_is_refused",
            "The service must be an FFB service (ydelse) code.",
            start_with(
                "not-an-ffb-code",
                "s85",
                "2026-06-15",
                None,
                120,
                DEFAULT_GRANT_LIMIT_MINUTES,
            ),
        ),
        (
            "malformed_start_is_refused",
            "A start date that is not a real YYYY-MM-DD day is malformed.",
            start("s85", "2026-02-30", None, 120),
        ),
        (
            "negative_grant_is_refused",
            "A grant is between 0 and a whole week of minutes.",
            start("s85", "2026-06-15", None, -1),
        ),
        (
            "grant_above_a_week_is_refused",
            "A grant cannot exceed the 10,080 minutes of a week.",
            start("s85", "2026-06-15", None, 10_081),
        ),
        (
            "ending_a_course",
            "Ending sets the end date and the reason together.",
            end(OPEN_COURSE, "2026-06-30", "mutual_agreement"),
        ),
        (
            "end_before_start_is_refused",
            "A course cannot end before it started.",
            end(OPEN_COURSE, "2026-01-04", "mutual_agreement"),
        ),
        (
            "unknown_end_reason_is_refused",
            "The reason must be one of the end reason codes.",
            end(OPEN_COURSE, "2026-06-30", "bored"),
        ),
        (
            "empty_end_reason_is_missing",
            "An ended course needs a reason.",
            end(OPEN_COURSE, "2026-06-30", ""),
        ),
        (
            "malformed_end_is_refused",
            "The end must be a YYYY-MM-DD date.",
            end(OPEN_COURSE, "30-06-2026", "moved"),
        ),
        (
            "ending_an_unknown_course_is_not_found",
            "An edit naming a course the case does not have changes nothing.",
            end(UNKNOWN, "2026-06-30", "mutual_agreement"),
        ),
        (
            "ending_an_ended_course_again_is_refused",
            "A course ends once: its end is part of the record.",
            end(ENDED_COURSE, "2025-10-01", "moved"),
        ),
        (
            "ending_a_course_made_in_error_is_refused",
            "An entry marked as made in error is not acted on.",
            end(IN_ERROR_COURSE, "2026-06-30", "mutual_agreement"),
        ),
        (
            "planning_a_follow_up",
            "A follow-up is planned undone, on the date given.",
            follow_up("2026-08-31"),
        ),
        (
            "malformed_due_is_refused",
            "The due date must be a YYYY-MM-DD date.",
            follow_up("2026-13-01"),
        ),
        (
            "completing_a_follow_up",
            "Marking a planned follow-up done.",
            done(OPEN_FOLLOW_UP),
        ),
        (
            "completing_a_done_follow_up_changes_nothing",
            "Done is final and marking it again writes no change.",
            done(DONE_FOLLOW_UP),
        ),
        (
            "completing_a_follow_up_made_in_error_is_refused",
            "An entry marked as made in error is not acted on.",
            done(IN_ERROR_FOLLOW_UP),
        ),
        (
            "completing_an_unknown_follow_up_is_not_found",
            "An edit naming a follow-up the case does not have changes nothing.",
            done(UNKNOWN),
        ),
        (
            "recording_an_outcome",
            "An outcome event with its kind, date and note.",
            outcome("own_home", "2026-06-15"),
        ),
        (
            "unknown_outcome_kind_is_refused",
            "The kind must be one of the outcome codes the municipality reports.",
            outcome("lottery_win", "2026-06-15"),
        ),
        (
            "empty_outcome_kind_is_missing",
            "An outcome needs a kind.",
            outcome("", "2026-06-15"),
        ),
        (
            "malformed_outcome_date_is_refused",
            "The date must be a YYYY-MM-DD date.",
            outcome("job", "2026-6-15"),
        ),
        (
            "follow_up_with_the_network_is_planned",
            "A follow-up names who it is held with: the citizen, the job centre, psychiatry, the network.",
            follow_up_with("2026-09-01", &["citizen", "jobcenter"]),
        ),
        (
            "follow_up_with_an_unknown_party_is_refused",
            "Who a follow-up is held with is one of the code list's.",
            follow_up_with("2026-09-01", &["citizen", "police"]),
        ),
        (
            "follow_up_done_with_a_note",
            "A follow-up is marked done with a short note of how it went (trimmed).",
            done_with(OPEN_FOLLOW_UP, "  Plan reviewed; new sub-goal on the rent  "),
        ),
        (
            "done_follow_up_keeps_its_note",
            "Done is final: marking it done again, with another note, changes nothing.",
            done_with(DONE_FOLLOW_UP, "another note"),
        ),
        (
            "time_limited_course_is_extended",
            "A planned end moved later keeps the extension: from, to, why (trimmed), by whom, when.",
            extend(
                TIME_LIMITED_COURSE,
                "2026-12-01",
                " The citizen is close to the goal ",
            ),
        ),
        (
            "course_without_planned_end_is_given_one",
            "An open-ended course extended gets a planned end; the extension remembers it had none.",
            extend(OPEN_COURSE, "2026-12-01", "Planned end agreed"),
        ),
        (
            "extension_earlier_is_refused",
            "An extension moves the planned end later, never earlier or to the same day.",
            extend(TIME_LIMITED_COURSE, "2026-09-01", "Shorter"),
        ),
        (
            "extension_needs_a_reason",
            "An extension says why.",
            extend(TIME_LIMITED_COURSE, "2026-12-01", " "),
        ),
        (
            "extension_date_is_a_date",
            "The new planned end is a YYYY-MM-DD date.",
            extend(TIME_LIMITED_COURSE, "2026-12-32", "Longer"),
        ),
        (
            "ended_course_is_not_extended",
            "An ended course is not extended.",
            extend(ENDED_COURSE, "2026-12-01", "Too late"),
        ),
        (
            "course_in_error_is_not_extended",
            "A course made in error is not acted on.",
            extend(IN_ERROR_COURSE, "2026-12-01", "No"),
        ),
        (
            "network_meeting_is_recorded",
            "A coordination names who was involved, who took part and what was agreed.",
            coordinate(coordination(
                &["psychiatry", "housing"],
                "Psychiatry calls the landlord before the visit",
            )),
        ),
        (
            "coordination_needs_someone_involved",
            "A coordination involves someone from the network.",
            coordinate(coordination(&[], "Something")),
        ),
        (
            "coordination_party_is_from_the_list",
            "Who was involved is one of the code list's.",
            coordinate(coordination(&["jobcenter", "police"], "Something")),
        ),
        (
            "coordination_needs_its_agreements",
            "What was agreed is the point of the entry: blank is missing.",
            coordinate(coordination(&["network"], "  ")),
        ),
        (
            "coordination_is_marked_in_error",
            "A coordination made in error stays in the record, marked.",
            mark("coordination", COORDINATION, "recorded on the wrong citizen"),
        ),
        (
            "contact_is_marked_in_error",
            "A contact made in error stays in the record with who marked it, when and why.",
            mark("contact", CONTACT, "recorded on the wrong citizen"),
        ),
        (
            "open_course_is_marked_in_error",
            "A course made in error stays in the record, marked.",
            mark("course", OPEN_COURSE, "started on the wrong citizen"),
        ),
        (
            "follow_up_is_marked_in_error",
            "A follow-up made in error stays in the record, marked.",
            mark("follow_up", OPEN_FOLLOW_UP, "planned on the wrong citizen"),
        ),
        (
            "outcome_is_marked_in_error",
            "An outcome made in error stays in the record, marked.",
            mark("outcome", OUTCOME, "recorded on the wrong citizen"),
        ),
        (
            "a_mark_is_final",
            "An entry already marked as made in error cannot be marked again: the first mark stands.",
            mark("course", IN_ERROR_COURSE, "again"),
        ),
        (
            "a_mark_needs_a_reason",
            "A mark says why: a blank reason is missing.",
            mark("outcome", OUTCOME, "  "),
        ),
        (
            "marking_an_unknown_entry_is_not_found",
            "A mark names an entry the case does not have.",
            mark("outcome", UNKNOWN, "not there"),
        ),
    ]
}

/// What sync-core makes of `edit` on `case`, read back from the document.
fn expectation(case: &Case, edit: &Edit) -> Value {
    let mut doc =
        CaseDocument::create(ActorId::from(vec![7; 16]), case, NOW_MS).expect("the input case is valid");
    let heads = doc.heads();
    let before = serde_json::to_value(doc.read().expect("read")).expect("json");
    let result = edit.apply(&mut doc);
    let after = serde_json::to_value(doc.read().expect("read")).expect("json");
    let (collection, id) = edit.target();
    match result {
        Ok(Some(_)) => {
            let entry = after[collection][id].clone();
            // The edit wrote that one entry and nothing else: the vector's entry is the whole effect.
            let mut only_that = before;
            only_that[collection][id] = entry.clone();
            assert_eq!(after, only_that, "the edit changed more than its entry");
            json!({"result": "changed", "collection": collection, "id": id, "entry": entry})
        }
        refused => {
            // A refused edit, or one that changed nothing, leaves the document as it was.
            assert_eq!(doc.heads(), heads);
            assert_eq!(after, before);
            unchanged_or_refused(refused, "an edit vector")
        }
    }
}

#[test]
fn course_edit_vectors_are_what_sync_core_computes() {
    let case = base();
    let vectors: Vec<Value> = vectors()
        .into_iter()
        .map(|(name, why, edit)| {
            json!({
                "name": name,
                "why": why,
                "edit": serde_json::to_value(&edit).expect("json"),
                "expect": expectation(&case, &edit),
            })
        })
        .collect();
    let generated = json!({
        "about": "The edits of a course of support applied to `case` by sync-core's CaseDocument \
                  (tests/edit_vectors.rs), with the entry written or the refusal. See README.md.",
        "default_limit_minutes": DEFAULT_GRANT_LIMIT_MINUTES,
        "now_ms": NOW_MS,
        "case": serde_json::to_value(&case).expect("json"),
        "cases": vectors,
    });
    check_vectors("course-edits.json", "edit_vectors", &generated);
}

#[test]
fn the_vectors_edits_read_back_as_written() {
    // The JSON form of an edit is what the TypeScript side reads: it must parse back to the same edit.
    for (name, _, edit) in vectors() {
        let text = serde_json::to_value(&edit).expect("json");
        let back: Edit = serde_json::from_value(text.clone()).expect(name);
        assert_eq!(serde_json::to_value(&back).expect("json"), text, "{name}");
    }
}
