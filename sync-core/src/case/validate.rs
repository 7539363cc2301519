//! Validation of a whole case: FIT ranges, required fields, codes, dates in order.
//!
//! The same function runs on the device before a change is made and on the server before a change is accepted.
//! It checks the *resulting* case, not a single edit, so a bad value that arrived in a merge can be corrected by
//! a later change, and the server can accept the corrected history as a whole. The first problem found is
//! returned, in a fixed order, so the device, the server and the test vectors agree on which error is reported.

use crate::fit::{Family, Rating};
use crate::validation::{Problem, ValidationError};

use super::codes::{self, Code};
use super::date::Date;
use super::ffb::Ffb;
use super::goals;
use super::model::{Case, Contact, Coordination, Course, ErrorMark, Extension, Goal};
use super::schema::SCHEMA_VERSION;

/// The most sessions a punch card grants (a year of weekly sessions, twice over).
pub const MAX_GRANTED_SESSIONS: i64 = 104;

/// Longest free text (notes, own goal) in characters: generous for a visit, small enough to bound a document.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest single-line field (titles, names) in characters.
pub const MAX_LINE_CHARS: usize = 500;
/// A week has 10,080 minutes; a grant cannot exceed it.
pub const MAX_MINUTES_PER_WEEK: i64 = 7 * 24 * 60;

/// Checks every rule of the case document; the first problem is returned.
pub fn validate(case: &Case) -> Result<(), ValidationError> {
    if case.schema != SCHEMA_VERSION {
        return Err(ValidationError::new(
            "schema",
            Problem::UnsupportedSchema,
            format!("schema {} is not {SCHEMA_VERSION}", case.schema),
        ));
    }
    required_line("tenant", &case.tenant)?;
    required_line("team", &case.team)?;
    required_line("citizen.display_name", &case.citizen.display_name)?;
    required_line("citizen.reference", &case.citizen.reference)?;
    if let Some(year) = case.citizen.birth_year {
        in_range("citizen.birth_year", year, 1900, 2200)?;
    }
    max_chars("plan.purpose", &case.plan.purpose, MAX_TEXT_CHARS)?;
    max_chars("plan.own_goal", case.plan.own_goal.as_str(), MAX_TEXT_CHARS)?;
    for (id, position) in &case.plan.goal_order {
        let field = format!("plan.goal_order.{id}");
        if !case.plan.goals.contains_key(id) {
            return Err(ValidationError::new(
                field,
                Problem::UnknownCode,
                "a position names no goal of the plan",
            ));
        }
        if !(-goals::MAX_POSITION..=goals::MAX_POSITION).contains(position) {
            return Err(ValidationError::new(
                field,
                Problem::OutOfRange,
                "a goal's position is out of range",
            ));
        }
    }
    for (id, goal) in &case.plan.goals {
        validate_goal(case, goal).map_err(|e| e.within(&format!("plan.goals.{id}")))?;
    }
    for (id, course) in &case.courses {
        validate_course(course).map_err(|e| e.within(&format!("courses.{id}")))?;
    }
    for (id, contact) in &case.contacts {
        validate_contact(contact).map_err(|e| e.within(&format!("contacts.{id}")))?;
    }
    for (id, follow_up) in &case.follow_ups {
        let prefix = format!("follow_ups.{id}");
        Date::parse(&follow_up.due, "due").map_err(|e| e.within(&prefix))?;
        max_chars("purpose", &follow_up.purpose, MAX_TEXT_CHARS).map_err(|e| e.within(&prefix))?;
        for party in &follow_up.with {
            known("with", codes::FOLLOW_UP_WITH, party).map_err(|e| e.within(&prefix))?;
        }
        max_chars("done_note", &follow_up.done_note, MAX_TEXT_CHARS).map_err(|e| e.within(&prefix))?;
        error_mark(&follow_up.entered_in_error).map_err(|e| e.within(&prefix))?;
    }
    for (id, outcome) in &case.outcomes {
        let prefix = format!("outcomes.{id}");
        known("kind", codes::OUTCOME_KINDS, &outcome.kind).map_err(|e| e.within(&prefix))?;
        Date::parse(&outcome.date, "date").map_err(|e| e.within(&prefix))?;
        max_chars("note", &outcome.note, MAX_TEXT_CHARS).map_err(|e| e.within(&prefix))?;
        error_mark(&outcome.entered_in_error).map_err(|e| e.within(&prefix))?;
    }
    for (id, entry) in &case.coordination {
        validate_coordination(entry).map_err(|e| e.within(&format!("coordination.{id}")))?;
    }
    Ok(())
}

/// A mark of an entry made in error names who set it and why.
fn error_mark(mark: &Option<ErrorMark>) -> Result<(), ValidationError> {
    let Some(mark) = mark else { return Ok(()) };
    required_line("entered_in_error.by", &mark.by)?;
    required_line("entered_in_error.reason", &mark.reason)?;
    if mark.at_ms <= 0 {
        return Err(ValidationError::new(
            "entered_in_error.at_ms",
            Problem::Missing,
            "a mark needs the time it was set",
        ));
    }
    Ok(())
}

fn validate_goal(case: &Case, goal: &Goal) -> Result<(), ValidationError> {
    required_line("title", &goal.title)?;
    let depth = codes::goal_level_depth(&goal.level).ok_or_else(|| unknown("level", &goal.level))?;
    // A sub-goal hangs under a goal and a stepping stone under a sub-goal; a top-level goal has no parent.
    match (&goal.parent, depth) {
        (None, 0) => {}
        (None, _) => {
            return Err(ValidationError::new(
                "parent",
                Problem::Missing,
                "a sub-goal needs a parent goal",
            ));
        }
        (Some(_), 0) => {
            return Err(ValidationError::new(
                "parent",
                Problem::UnknownCode,
                "a top-level goal has no parent",
            ));
        }
        (Some(parent), depth) => {
            let parent_depth = case
                .plan
                .goals
                .get(parent)
                .and_then(|p| codes::goal_level_depth(&p.level));
            if parent_depth != Some(depth - 1) {
                return Err(ValidationError::new(
                    "parent",
                    Problem::UnknownCode,
                    "the parent must be a goal one level up",
                ));
            }
        }
    }
    if !Ffb::get().goal_types.contains_key(&goal.goal_type) {
        return Err(unknown("goal_type", &goal.goal_type));
    }
    known("status", codes::GOAL_STATUSES, &goal.status)?;
    if let Some(date) = &goal.target_date {
        Date::parse(date, "target_date")?;
    }
    error_mark(&goal.entered_in_error)
}

fn validate_course(course: &Course) -> Result<(), ValidationError> {
    if !Ffb::get().services.contains_key(&course.service) {
        return Err(unknown("service", &course.service));
    }
    known("legal_basis", codes::LEGAL_BASES, &course.legal_basis)?;
    let start = Date::parse(&course.start, "start")?;
    if let Some(planned_end) = &course.planned_end {
        not_before("planned_end", Date::parse(planned_end, "planned_end")?, start)?;
    }
    match (&course.end, &course.end_reason) {
        (Some(end), Some(reason)) => {
            not_before("end", Date::parse(end, "end")?, start)?;
            known("end_reason", codes::END_REASONS, reason)?;
        }
        (Some(_), None) => {
            return Err(ValidationError::new(
                "end_reason",
                Problem::Missing,
                "an ended course needs a reason",
            ));
        }
        (None, Some(_)) => {
            return Err(ValidationError::new(
                "end",
                Problem::Missing,
                "an end reason needs an end date",
            ));
        }
        (None, None) => {}
    }
    in_range(
        "granted_minutes_per_week",
        course.granted_minutes_per_week,
        0,
        MAX_MINUTES_PER_WEEK,
    )?;
    known("approval.state", codes::APPROVAL_STATES, &course.approval.state)?;
    if let Some(sessions) = course.granted_sessions {
        in_range("granted_sessions", sessions, 1, MAX_GRANTED_SESSIONS)?;
    }
    for (i, extension) in course.extensions.iter().enumerate() {
        validate_extension(extension, start).map_err(|e| e.within(&format!("extensions[{i}]")))?;
    }
    error_mark(&course.entered_in_error)
}

fn validate_coordination(entry: &Coordination) -> Result<(), ValidationError> {
    Date::parse(&entry.date, "date")?;
    if entry.parties.is_empty() {
        return Err(ValidationError::new(
            "parties",
            Problem::Missing,
            "name who was involved",
        ));
    }
    for party in &entry.parties {
        known("parties", codes::COORDINATION_PARTIES, party)?;
    }
    max_chars("participants", &entry.participants, MAX_LINE_CHARS)?;
    required_text("agreements", &entry.agreements)?;
    required_line("recorded_by", &entry.recorded_by)?;
    error_mark(&entry.entered_in_error)
}

fn validate_extension(extension: &Extension, start: Date) -> Result<(), ValidationError> {
    if let Some(from) = &extension.from {
        Date::parse(from, "from")?;
    }
    not_before("to", Date::parse(&extension.to, "to")?, start)?;
    required_line("reason", &extension.reason)?;
    required_line("by", &extension.by)?;
    if extension.at_ms <= 0 {
        return Err(ValidationError::new(
            "at_ms",
            Problem::Missing,
            "an extension needs the time it was made",
        ));
    }
    Ok(())
}

fn validate_contact(contact: &Contact) -> Result<(), ValidationError> {
    if contact.kind.is_empty() {
        return Err(ValidationError::new(
            "kind",
            Problem::Missing,
            "a contact needs a kind",
        ));
    }
    known("kind", codes::CONTACT_KINDS, &contact.kind)?;
    if contact.start_ms <= 0 {
        return Err(ValidationError::new(
            "start_ms",
            Problem::Missing,
            "a contact needs a start time",
        ));
    }
    in_range("duration_minutes", contact.duration_minutes, 0, 24 * 60)?;
    max_chars("notes", contact.notes.as_str(), MAX_TEXT_CHARS)?;
    required_line("recorded_by", &contact.recorded_by)?;
    if let Some(ors) = &contact.ors {
        rating_of_family("ors", ors, Family::Outcome)?;
    }
    if let Some(srs) = &contact.srs {
        rating_of_family("srs", srs, Family::Session)?;
    }
    error_mark(&contact.entered_in_error)
}

/// ORS must hold an outcome instrument (ORS/CORS) and SRS a session instrument (SRS/CSRS/GSRS).
fn rating_of_family(field: &str, rating: &Rating, family: Family) -> Result<(), ValidationError> {
    if rating.instrument.family() != family {
        return Err(ValidationError::new(
            format!("{field}.instrument"),
            Problem::UnknownCode,
            "this instrument does not belong here",
        ));
    }
    rating.validate().map_err(|e| e.within(field))
}

fn required_line(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, Problem::Missing, "must not be empty"));
    }
    max_chars(field, value, MAX_LINE_CHARS)
}

fn required_text(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, Problem::Missing, "must not be empty"));
    }
    max_chars(field, value, MAX_TEXT_CHARS)
}

fn max_chars(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::new(
            field,
            Problem::TooLong,
            format!("longer than {max} characters"),
        ));
    }
    Ok(())
}

fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), ValidationError> {
    if !(min..=max).contains(&value) {
        return Err(ValidationError::new(
            field,
            Problem::OutOfRange,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(())
}

fn known(field: &str, list: &'static [Code], value: &str) -> Result<(), ValidationError> {
    match codes::find(list, value) {
        Some(_) => Ok(()),
        None if value.is_empty() => Err(ValidationError::new(field, Problem::Missing, "must not be empty")),
        None => Err(unknown(field, value)),
    }
}

fn unknown(field: &str, _value: &str) -> ValidationError {
    // The value is not echoed: a wrong code is harmless, but this message may reach logs and the rule is to never
    // copy document content there.
    ValidationError::new(field, Problem::UnknownCode, "not a known code")
}

fn not_before(field: &str, date: Date, start: Date) -> Result<(), ValidationError> {
    if date < start {
        return Err(ValidationError::new(
            field,
            Problem::EndBeforeStart,
            "is before the start",
        ));
    }
    Ok(())
}
