//! A group session recorded once for several citizens of the caseload (DOMAIN.md: group sessions, §82a).
//!
//! It lands as a contact of kind `group` in each participant's own case document, in that case's running course,
//! with the group session form the citizen filled in (GSRS, as `fit::forms` decides for a group) or none. The notes are the same words in every case, so they say what the session was about and nothing about
//! one citizen. Every case takes its contact in one store transaction: if one case refuses (a rating out of range,
//! a course ended), nothing is written and the error names whose case it was. The web app's `#/group` does the same
//! (`clients/web/src/case/group.ts`).

use sync_core::DocumentId;
use sync_core::case::{NewContact, series};
use sync_core::fit::{Forms, GROUP_CONTACT_KIND, RaterKind, forms};
use uuid::Uuid;

use super::contact::{CourseChoice, course_of, parse_rating};
use crate::device::{Device, DeviceError};
use crate::view::short;

/// The session as a whole.
#[derive(Debug, Clone)]
pub struct GroupSession {
    pub start_ms: i64,
    pub duration_minutes: i64,
    /// What the session was about: the same words in every participant's case.
    pub notes: String,
}

/// One participant: their case, and the session rating they gave as typed (`paper:31.5`, item scores, `skipped`).
#[derive(Debug, Clone)]
pub struct Participant {
    pub case: DocumentId,
    pub rating: Option<String>,
}

/// Records the session in every participant's case, or in none. Returns the new contacts' ids, in the order of
/// `participants`.
pub async fn record_group_session(
    device: &Device,
    session: GroupSession,
    participants: &[Participant],
    now_ms: i64,
) -> Result<Vec<String>, DeviceError> {
    if participants.is_empty() {
        return Err(DeviceError::Unusable(
            "name the cases of those who took part".into(),
        ));
    }
    let cases: Vec<DocumentId> = participants.iter().map(|p| p.case).collect();
    let mut ids = cases.clone();
    ids.sort();
    ids.dedup();
    if ids.len() != participants.len() {
        return Err(DeviceError::Unusable(
            "a case is named twice: each citizen takes part once".into(),
        ));
    }
    let user = device.settings()?.user_id.clone();
    let mut ratings = participants.iter().map(|p| p.rating.as_deref());
    device
        .change_cases(&cases, now_ms, |case_id, doc| {
            let rating = ratings.next().flatten();
            let whose = |e: DeviceError| match e {
                DeviceError::Invalid(invalid) => {
                    DeviceError::Invalid(invalid.within(&format!("case {}", short(&case_id.to_string()))))
                }
                other => other,
            };
            let case = doc.read().map_err(DeviceError::from).map_err(whose)?;
            let year = series::contact_year(session.start_ms);
            let Forms { session: form, .. } =
                forms(case.citizen.birth_year, GROUP_CONTACT_KIND, i64::from(year));
            let srs = rating
                .map(|text| parse_rating(text, form, RaterKind::Citizen, "srs"))
                .transpose()
                .map_err(DeviceError::from)
                .map_err(whose)?;
            let new = NewContact {
                kind: GROUP_CONTACT_KIND.to_owned(),
                start_ms: session.start_ms,
                duration_minutes: session.duration_minutes,
                course: course_of(&case, &CourseChoice::Current).map_err(whose)?,
                workers: vec![user.clone()],
                notes: session.notes.clone(),
                goals: vec![],
                ors: None,
                srs,
                recorded_by: user.clone(),
            };
            let id = Uuid::new_v4();
            doc.add_contact(id, new, now_ms)
                .map_err(DeviceError::from)
                .map_err(whose)?;
            Ok(id.to_string())
        })
        .await
}
