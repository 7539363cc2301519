//! The course of support on the phone: starting, extending and ending courses, planning follow-ups and marking them done,
//! recording outcomes. The rules are sync-core's ([`NewCourse::into_course`] for a §82b course's planned end and a
//! grant above the limit, the case validation for codes and dates, [`agenda`] for the follow-up date offered).

use sync_core::DocumentId;
use sync_core::case::agenda::agenda;
use sync_core::case::date::Date;
use sync_core::case::ffb::Ffb;
use sync_core::case::{DEFAULT_GRANT_LIMIT_MINUTES, FollowUp, NewCourse, OutcomeEvent};
use sync_core::validation::{Problem, ValidationError};
use uuid::Uuid;

use super::entry_id;
use crate::device::{Device, DeviceError};

/// Finds an FFB service by its code, its whole name, or a unique part of its name ("etablering i bolig"), in
/// any case.
pub fn find_service(query: &str) -> Result<&'static str, DeviceError> {
    let services = &Ffb::get().services;
    if let Some((code, _)) = services.get_key_value(query) {
        return Ok(code.as_str());
    }
    let wanted = query.to_lowercase();
    // A whole name wins over the longer names that contain it.
    if let Some((code, _)) = services.iter().find(|(_, name)| name.to_lowercase() == wanted) {
        return Ok(code.as_str());
    }
    let found: Vec<(&String, &String)> = services
        .iter()
        .filter(|(_, name)| name.to_lowercase().contains(&wanted))
        .collect();
    match found.as_slice() {
        [(code, _)] => Ok(code.as_str()),
        [] => Err(invalid(
            "service",
            Problem::UnknownCode,
            "no FFB service has that code or name",
        )),
        many => {
            let names: Vec<&str> = many.iter().take(8).map(|(_, name)| name.as_str()).collect();
            Err(invalid(
                "service",
                Problem::UnknownCode,
                &format!(
                    "{} FFB services match; be more precise, e.g. one of: {}",
                    many.len(),
                    names.join("; ")
                ),
            ))
        }
    }
}

/// Starts a course. Returns its id and the approval state it starts in (`awaiting` above the grant limit).
pub async fn start_course(
    device: &Device,
    case_id: &DocumentId,
    new: NewCourse,
    now_ms: i64,
) -> Result<(String, String), DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let id = Uuid::new_v4();
            doc.start_course(id, new, DEFAULT_GRANT_LIMIT_MINUTES, now_ms)?;
            let state = doc
                .read()?
                .courses
                .get(&id.to_string())
                .map(|c| c.approval.state.clone())
                .unwrap_or_default();
            Ok((id.to_string(), state))
        })
        .await
}

/// Ends a course (id prefix) on `end` with a reason code. Returns the course's id.
pub async fn end_course(
    device: &Device,
    case_id: &DocumentId,
    course: &str,
    end: &str,
    reason: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let id = entry_id("course", course, case.courses.keys())?;
            doc.end_course(&id, end, reason, now_ms)?;
            Ok(id)
        })
        .await
}

/// Moves a course's (id prefix) planned end later to `to`, with why, as the logged-in user. Returns the course's
/// id.
pub async fn extend_course(
    device: &Device,
    case_id: &DocumentId,
    course: &str,
    to: &str,
    reason: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    let by = device.settings()?.user_id.clone();
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let id = entry_id("course", course, case.courses.keys())?;
            doc.extend_course(&id, to, reason, &by, now_ms)?;
            Ok(id)
        })
        .await
}

/// Plans a follow-up on `due`, or on the date sync-core's agenda offers (a quarter after the latest). Returns
/// its id and date.
pub async fn plan_follow_up(
    device: &Device,
    case_id: &DocumentId,
    due: Option<String>,
    purpose: String,
    with: Vec<String>,
    now_ms: i64,
) -> Result<(String, String), DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let due = match due {
                Some(due) => due,
                None => agenda(&doc.read()?, Date::from_unix_ms(now_ms)).next_follow_up,
            };
            let id = Uuid::new_v4();
            let follow_up = FollowUp {
                due: due.clone(),
                purpose,
                with,
                done: false,
                done_note: String::new(),
                entered_in_error: None,
            };
            doc.add_follow_up(id, follow_up, now_ms)?;
            Ok((id.to_string(), due))
        })
        .await
}

/// Marks a follow-up (id prefix) as done, with a short note of how it went. Returns its id.
pub async fn complete_follow_up(
    device: &Device,
    case_id: &DocumentId,
    follow_up: &str,
    note: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let id = entry_id("follow-up", follow_up, case.follow_ups.keys())?;
            doc.complete_follow_up(&id, note, now_ms)?;
            Ok(id)
        })
        .await
}

/// Records an outcome event. Returns its id.
pub async fn add_outcome(
    device: &Device,
    case_id: &DocumentId,
    kind: &str,
    date: &str,
    note: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let id = Uuid::new_v4();
            let outcome = OutcomeEvent {
                kind: kind.to_owned(),
                date: date.to_owned(),
                note: note.to_owned(),
                entered_in_error: None,
            };
            doc.add_outcome(id, outcome, now_ms)?;
            Ok(id.to_string())
        })
        .await
}

fn invalid(field: &str, problem: Problem, message: &str) -> DeviceError {
    ValidationError::new(field, problem, message).into()
}
