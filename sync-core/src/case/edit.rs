//! The edits a worker makes to a case, as typed operations on [`CaseDocument`].
//!
//! Ids of new items are UUIDs the caller draws (the core takes randomness as a parameter). Each edit is one
//! automerge change, validated as a whole before it is written; see [`CaseDocument::change`].

use automerge::ChangeHash;
use autosurgeon::Text;
use uuid::Uuid;

use crate::fit::Rating;
use crate::validation::{Problem, ValidationError};

use super::date::Date;
use super::document::{CaseDocument, CaseError};
use super::goals;
use super::model::{
    Approval, Case, Contact, Coordination, Course, ErrorMark, Extension, FollowUp, Goal, OutcomeEvent,
};

/// A contact as a worker records it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    pub kind: String,
    pub start_ms: i64,
    pub duration_minutes: i64,
    pub course: Option<String>,
    pub workers: Vec<String>,
    pub notes: String,
    pub goals: Vec<String>,
    pub ors: Option<Rating>,
    pub srs: Option<Rating>,
    pub recorded_by: String,
}

/// The grant a caseworker may give alone, in minutes a week (5 hours, Holstebro's rule); a course granting more
/// waits for a team lead's approval. The server's write rules and the clients use this one figure.
pub const DEFAULT_GRANT_LIMIT_MINUTES: i64 = 5 * 60;

/// A course as a worker starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCourse {
    /// FFB service (ydelse) code.
    pub service: String,
    /// `s85`, `s82a`, `s82b`, `s82c` or `s82d`.
    pub legal_basis: String,
    /// YYYY-MM-DD.
    pub start: String,
    /// YYYY-MM-DD; required for a time-limited course (§82b).
    pub planned_end: Option<String>,
    pub granted_minutes_per_week: i64,
    /// A punch card's sessions, when the course is granted as sessions.
    pub granted_sessions: Option<i64>,
}

impl NewCourse {
    /// The course to record: a §82b course must have a planned end (it is time-limited by law), and a grant above
    /// `limit_minutes` starts out awaiting a lead's approval. The rest is checked with the whole case.
    pub fn into_course(self, limit_minutes: i64) -> Result<Course, ValidationError> {
        if self.legal_basis == "s82b" && self.planned_end.is_none() {
            return Err(ValidationError::new(
                "planned_end",
                Problem::Missing,
                "a §82b course is time-limited: give its planned end",
            ));
        }
        let state = if self.granted_minutes_per_week > limit_minutes {
            "awaiting"
        } else {
            "not_required"
        };
        Ok(Course {
            service: self.service,
            legal_basis: self.legal_basis,
            start: self.start,
            planned_end: self.planned_end,
            end: None,
            end_reason: None,
            granted_minutes_per_week: self.granted_minutes_per_week,
            granted_sessions: self.granted_sessions,
            approval: Approval {
                state: state.to_owned(),
                by: None,
                at_ms: None,
            },
            extensions: vec![],
            entered_in_error: None,
        })
    }
}

/// Which of a contact's two ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingSlot {
    /// At the start of the contact (ORS/CORS).
    Outcome,
    /// At the end of the contact (SRS/CSRS/GSRS).
    Session,
}

/// A recorded entry of a case, by collection and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRef<'a> {
    Contact(&'a str),
    Goal(&'a str),
    Course(&'a str),
    FollowUp(&'a str),
    Outcome(&'a str),
    Coordination(&'a str),
}

/// The result of one edit: the new change, or `None` when the edit changed nothing.
pub type EditResult = Result<Option<ChangeHash>, CaseError>;

impl CaseDocument {
    pub fn add_contact(&mut self, id: Uuid, new: NewContact, now_ms: i64) -> EditResult {
        let contact = Contact {
            kind: new.kind,
            start_ms: new.start_ms,
            duration_minutes: new.duration_minutes,
            course: new.course,
            workers: new.workers,
            notes: Text::with_value(new.notes),
            goals: new.goals,
            ors: new.ors,
            srs: new.srs,
            recorded_by: new.recorded_by,
            entered_in_error: None,
        };
        self.change(now_ms, "add contact", |case| {
            case.contacts.insert(id.to_string(), contact);
            Ok(())
        })
    }

    /// Sets or clears a contact's ORS or SRS.
    pub fn set_rating(
        &mut self,
        contact: &str,
        slot: RatingSlot,
        rating: Option<Rating>,
        now_ms: i64,
    ) -> EditResult {
        self.change(now_ms, "set rating", |case| {
            let contact = contact_mut(case, contact)?;
            match slot {
                RatingSlot::Outcome => contact.ors = rating,
                RatingSlot::Session => contact.srs = rating,
            }
            Ok(())
        })
    }

    /// Replaces a contact's notes; the change is written as the smallest text edit, so it interleaves with
    /// another worker's concurrent edit instead of overwriting it.
    pub fn set_notes(&mut self, contact: &str, notes: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "edit notes", |case| {
            contact_mut(case, contact)?.notes.update(notes);
            Ok(())
        })
    }

    /// Inserts and deletes characters in a contact's notes at a position (in characters, clamped to the text).
    pub fn splice_notes(
        &mut self,
        contact: &str,
        pos: usize,
        delete: usize,
        insert: &str,
        now_ms: i64,
    ) -> EditResult {
        self.change(now_ms, "edit notes", |case| {
            let notes = &mut contact_mut(case, contact)?.notes;
            // autosurgeon (and automerge, built with utf8-indexing) count UTF-8 bytes: convert from characters,
            // clamping to the text.
            let text = notes.as_str();
            let byte_at = |chars: usize| text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i);
            let start = byte_at(pos);
            let end = byte_at(pos.saturating_add(delete));
            notes.splice(start, isize::try_from(end - start).unwrap_or(isize::MAX), insert);
            Ok(())
        })
    }

    /// The plan's purpose (§141): what the support is for, in the worker's words.
    pub fn set_purpose(&mut self, purpose: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "edit purpose", |case| {
            case.plan.purpose = purpose.to_owned();
            Ok(())
        })
    }

    /// The citizen's own goal in their own words: Text, so two phones' edits interleave.
    pub fn set_own_goal(&mut self, words: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "edit own goal", |case| {
            case.plan.own_goal.update(words);
            Ok(())
        })
    }

    pub fn add_goal(&mut self, id: Uuid, goal: Goal, now_ms: i64) -> EditResult {
        self.change(now_ms, "add goal", |case| {
            case.plan.goals.insert(id.to_string(), goal);
            Ok(())
        })
    }

    /// Sets a goal's status (active, achieved, paused, dropped); a goal made in error keeps the one it had.
    pub fn set_goal_status(&mut self, goal: &str, status: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "set goal status", |case| {
            let goal = goal_mut(case, goal)?;
            not_in_error(&goal.entered_in_error, "this goal")?;
            goal.status = status.to_owned();
            Ok(())
        })
    }

    pub fn set_goal_title(&mut self, goal: &str, title: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "set goal title", |case| {
            let goal = goal_mut(case, goal)?;
            not_in_error(&goal.entered_in_error, "this goal")?;
            goal.title = title.to_owned();
            Ok(())
        })
    }

    /// Sets a goal's FFB goal type (validated against KL's code system with the whole case).
    pub fn set_goal_type(&mut self, goal: &str, goal_type: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "set goal type", |case| {
            let goal = goal_mut(case, goal)?;
            not_in_error(&goal.entered_in_error, "this goal")?;
            goal.goal_type = goal_type.to_owned();
            Ok(())
        })
    }

    /// Sets or clears a goal's target date (YYYY-MM-DD).
    pub fn set_goal_target(&mut self, goal: &str, target_date: Option<&str>, now_ms: i64) -> EditResult {
        self.change(now_ms, "set goal target date", |case| {
            let goal = goal_mut(case, goal)?;
            not_in_error(&goal.entered_in_error, "this goal")?;
            goal.target_date = target_date.map(str::to_owned);
            Ok(())
        })
    }

    /// Moves a goal among the goals with the same parent: right after `after`, or first when `after` is `None`
    /// (see [`super::goals`]). A goal made in error stays where it is.
    pub fn move_goal(&mut self, goal: &str, after: Option<&str>, now_ms: i64) -> EditResult {
        self.change(now_ms, "move goal", |case| {
            let moved = case.plan.goals.get(goal).ok_or_else(|| CaseError::NotFound {
                what: "goal",
                id: goal.to_owned(),
            })?;
            not_in_error(&moved.entered_in_error, "this goal")?;
            if let Some(after) = after {
                let sibling = case.plan.goals.get(after).ok_or_else(|| CaseError::NotFound {
                    what: "goal",
                    id: after.to_owned(),
                })?;
                if after == goal || sibling.parent != moved.parent {
                    return Err(invalid(
                        "after",
                        Problem::OutOfRange,
                        "a goal moves among the other goals with the same parent",
                    ));
                }
            }
            if let Some(positions) = goals::positions_for_move(&case.plan, goal, after) {
                case.plan.goal_order.extend(positions);
            }
            Ok(())
        })
    }

    /// Starts a course (see [`NewCourse::into_course`]).
    pub fn start_course(&mut self, id: Uuid, new: NewCourse, limit_minutes: i64, now_ms: i64) -> EditResult {
        let course = new.into_course(limit_minutes).map_err(CaseError::Invalid)?;
        self.add_course(id, course, now_ms)
    }

    pub fn add_course(&mut self, id: Uuid, course: Course, now_ms: i64) -> EditResult {
        self.change(now_ms, "add course", |case| {
            case.courses.insert(id.to_string(), course);
            Ok(())
        })
    }

    /// Ends a course on `end` (YYYY-MM-DD) with a reason code. A course ends once: its end is part of the record,
    /// and one marked as made in error is not acted on.
    pub fn end_course(&mut self, course: &str, end: &str, reason: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "end course", |case| {
            let course = course_mut(case, course)?;
            not_in_error(&course.entered_in_error, "this course")?;
            if course.end.is_some() {
                return Err(final_value("end", "this course has already ended"));
            }
            course.end = Some(end.to_owned());
            course.end_reason = Some(reason.to_owned());
            Ok(())
        })
    }

    /// Moves a course's planned end later to `to` (YYYY-MM-DD), with why: the extension is kept in the course
    /// (who, when, from what), and the agenda counts from the new end. An ended course, or one made in error, is
    /// not extended; an extension moves the end later, never earlier.
    pub fn extend_course(
        &mut self,
        course: &str,
        to: &str,
        reason: &str,
        by: &str,
        now_ms: i64,
    ) -> EditResult {
        self.change(now_ms, "extend course", |case| {
            let course = course_mut(case, course)?;
            not_in_error(&course.entered_in_error, "this course")?;
            if course.end.is_some() {
                return Err(final_value("end", "this course has ended"));
            }
            let new_end = Date::parse(to, "planned_end")?;
            let later = match &course.planned_end {
                Some(current) => Date::parse(current, "planned_end")? < new_end,
                None => true,
            };
            if !later {
                return Err(CaseError::Invalid(ValidationError::new(
                    "planned_end",
                    Problem::OutOfRange,
                    "an extension moves the planned end later",
                )));
            }
            if reason.trim().is_empty() {
                return Err(CaseError::Invalid(ValidationError::new(
                    "reason",
                    Problem::Missing,
                    "an extension says why",
                )));
            }
            course.extensions.push(Extension {
                from: course.planned_end.replace(to.to_owned()),
                to: to.to_owned(),
                reason: reason.trim().to_owned(),
                by: by.to_owned(),
                at_ms: now_ms,
            });
            Ok(())
        })
    }

    /// Records a lead's decision on a grant: who and when, in the document itself.
    pub fn decide_approval(&mut self, course: &str, approved: bool, by: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "decide approval", |case| {
            course_mut(case, course)?.approval = Approval {
                state: if approved { "approved" } else { "rejected" }.to_owned(),
                by: Some(by.to_owned()),
                at_ms: Some(now_ms),
            };
            Ok(())
        })
    }

    pub fn add_follow_up(&mut self, id: Uuid, follow_up: FollowUp, now_ms: i64) -> EditResult {
        self.change(now_ms, "add follow-up", |case| {
            case.follow_ups.insert(id.to_string(), follow_up);
            Ok(())
        })
    }

    /// Marks a follow-up as done, with a short note of how it went. Done is final: a follow-up held is not un-held
    /// and its note stays (no change if it is done already); one marked as made in error is not acted on.
    pub fn complete_follow_up(&mut self, follow_up: &str, note: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "complete follow-up", |case| {
            let entry = case
                .follow_ups
                .get_mut(follow_up)
                .ok_or_else(|| CaseError::NotFound {
                    what: "follow-up",
                    id: follow_up.to_owned(),
                })?;
            not_in_error(&entry.entered_in_error, "this follow-up")?;
            if !entry.done {
                entry.done = true;
                entry.done_note = note.trim().to_owned();
            }
            Ok(())
        })
    }

    /// Marks an entry as made in error: it stays in the record, struck through and out of FIT (history is
    /// append-only, see [`super::history`]). Marking one already marked is refused.
    pub fn mark_in_error(&mut self, entry: EntryRef<'_>, mark: ErrorMark, now_ms: i64) -> EditResult {
        self.change(now_ms, "mark entry in error", |case| {
            let (what, id, slot) = match entry {
                EntryRef::Contact(id) => (
                    "contact",
                    id,
                    case.contacts.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
                EntryRef::Goal(id) => (
                    "goal",
                    id,
                    case.plan.goals.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
                EntryRef::Course(id) => (
                    "course",
                    id,
                    case.courses.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
                EntryRef::FollowUp(id) => (
                    "follow-up",
                    id,
                    case.follow_ups.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
                EntryRef::Outcome(id) => (
                    "outcome",
                    id,
                    case.outcomes.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
                EntryRef::Coordination(id) => (
                    "coordination",
                    id,
                    case.coordination.get_mut(id).map(|e| &mut e.entered_in_error),
                ),
            };
            let slot = slot.ok_or_else(|| CaseError::NotFound {
                what,
                id: id.to_owned(),
            })?;
            if slot.is_some() {
                return Err(CaseError::Invalid(crate::validation::ValidationError::new(
                    "entered_in_error",
                    crate::validation::Problem::Immutable,
                    "this entry is already marked as made in error",
                )));
            }
            *slot = Some(mark);
            Ok(())
        })
    }

    /// Records a coordination with the network (validated with the case: a date, who was involved, what was
    /// agreed).
    pub fn add_coordination(&mut self, id: Uuid, entry: Coordination, now_ms: i64) -> EditResult {
        self.change(now_ms, "add coordination", |case| {
            case.coordination.insert(id.to_string(), entry);
            Ok(())
        })
    }

    pub fn add_outcome(&mut self, id: Uuid, outcome: OutcomeEvent, now_ms: i64) -> EditResult {
        self.change(now_ms, "add outcome", |case| {
            case.outcomes.insert(id.to_string(), outcome);
            Ok(())
        })
    }

    /// Puts a worker (a user id, with the name shown for them) on the case's list of assigned workers. An id is a
    /// user id in its one text form (a lowercase hyphenated UUID), named once: a worker already on the list is
    /// refused rather than renamed. The list is the case's record of who works on it; which devices may see the
    /// case is the server's assignment table's (see docs/PROTOCOL.md).
    pub fn assign_worker(&mut self, user: &str, name: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "assign worker", |case| {
            user_id("workers", user)?;
            let name = name.trim();
            if name.is_empty() {
                return Err(invalid("workers", Problem::Missing, "give the worker's name"));
            }
            if case.workers.contains_key(user) {
                return Err(invalid(
                    "workers",
                    Problem::Duplicate,
                    "this worker is assigned already",
                ));
            }
            case.workers.insert(user.to_owned(), name.to_owned());
            Ok(())
        })
    }

    /// Takes a worker off the case's list. The tovholder stays on it (hand the role over first), and the list never
    /// becomes empty: a case always has someone holding it.
    pub fn unassign_worker(&mut self, user: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "unassign worker", |case| {
            if !case.workers.contains_key(user) {
                return Err(CaseError::NotFound {
                    what: "worker",
                    id: user.to_owned(),
                });
            }
            if case.tovholder.as_deref() == Some(user) {
                return Err(final_value(
                    "tovholder",
                    "the tovholder stays assigned: hand the role over first",
                ));
            }
            if case.workers.len() == 1 {
                return Err(invalid(
                    "workers",
                    Problem::Missing,
                    "a case keeps at least one assigned worker",
                ));
            }
            case.workers.remove(user);
            Ok(())
        })
    }

    /// Hands the tovholder role to one of the case's assigned workers (no change if they hold it already).
    pub fn hand_over_tovholder(&mut self, user: &str, now_ms: i64) -> EditResult {
        self.change(now_ms, "hand over tovholder", |case| {
            user_id("tovholder", user)?;
            if !case.workers.contains_key(user) {
                return Err(invalid(
                    "tovholder",
                    Problem::UnknownCode,
                    "the tovholder is one of the case's assigned workers",
                ));
            }
            case.tovholder = Some(user.to_owned());
            Ok(())
        })
    }
}

/// Refuses to act on an entry marked as made in error: it stays in the record as it was.
fn not_in_error(mark: &Option<ErrorMark>, what: &str) -> Result<(), CaseError> {
    match mark {
        Some(_) => Err(final_value(
            "entered_in_error",
            &format!("{what} was marked as made in error"),
        )),
        None => Ok(()),
    }
}

fn invalid(field: &str, problem: Problem, message: &str) -> CaseError {
    CaseError::Invalid(ValidationError::new(field, problem, message))
}

/// Refuses anything but a user id in its one text form, a lowercase hyphenated UUID (as the server stores it).
fn user_id(field: &str, id: &str) -> Result<(), CaseError> {
    match Uuid::parse_str(id) {
        Ok(uuid) if uuid.hyphenated().to_string() == id => Ok(()),
        _ => Err(invalid(
            field,
            Problem::Malformed,
            "a worker is named by their user id",
        )),
    }
}

fn final_value(field: &str, message: &str) -> CaseError {
    CaseError::Invalid(ValidationError::new(field, Problem::Immutable, message))
}

fn contact_mut<'a>(case: &'a mut Case, id: &str) -> Result<&'a mut Contact, CaseError> {
    case.contacts.get_mut(id).ok_or_else(|| CaseError::NotFound {
        what: "contact",
        id: id.to_owned(),
    })
}

fn goal_mut<'a>(case: &'a mut Case, id: &str) -> Result<&'a mut Goal, CaseError> {
    case.plan.goals.get_mut(id).ok_or_else(|| CaseError::NotFound {
        what: "goal",
        id: id.to_owned(),
    })
}

fn course_mut<'a>(case: &'a mut Case, id: &str) -> Result<&'a mut Course, CaseError> {
    case.courses.get_mut(id).ok_or_else(|| CaseError::NotFound {
        what: "course",
        id: id.to_owned(),
    })
}
