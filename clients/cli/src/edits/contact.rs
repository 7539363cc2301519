//! Recording a contact: its kind, time, notes, goals worked on, and the ORS and SRS the citizen gave.
//!
//! Ratings are typed in points as the forms show them (`6.5,5.0,7.2,6.0`), or `paper:24.7` for a paper form that
//! kept only the total, or `skipped` when the citizen was deliberately not asked. The instrument follows from the
//! citizen and the contact: the child forms (CORS, CSRS) for ages 6–12 when the birth year is known, the group
//! form (GSRS) for a group session's SRS.

use sync_core::DocumentId;
use sync_core::case::{Case, NewContact};
use sync_core::fit::{Forms, Instrument, RaterKind, Rating, forms};
use sync_core::validation::ValidationError;
use uuid::Uuid;

use super::entry_id;
use crate::device::{Device, DeviceError};

/// Which course a new contact belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseChoice {
    /// The open course that started last, if the case has one.
    Current,
    /// No course.
    None,
    /// The course whose id starts with this.
    Id(String),
}

/// A contact as typed on the command line.
#[derive(Debug, Clone)]
pub struct ContactInput {
    /// A contact kind code (`home_visit`, `video`, …).
    pub kind: String,
    pub start_ms: i64,
    pub duration_minutes: i64,
    pub notes: String,
    /// ORS as typed, if given.
    pub ors: Option<String>,
    /// SRS as typed, if given.
    pub srs: Option<String>,
    /// Who gave the scores.
    pub rater: RaterKind,
    /// Goals worked on (id prefixes).
    pub goals: Vec<String>,
    pub course: CourseChoice,
}

/// Reads a typed rating: item scores, `paper:TOTAL` or `skipped`. Errors name the field under `field`
/// (`ors.items[2]`).
pub fn parse_rating(
    text: &str,
    instrument: Instrument,
    rater: RaterKind,
    field: &str,
) -> Result<Rating, ValidationError> {
    let text = text.trim();
    let parsed = if text.eq_ignore_ascii_case("skipped") {
        Ok(Rating::skipped(instrument, rater))
    } else if let Some(total) = text.strip_prefix("paper:") {
        Rating::parse_paper_total(instrument, total, rater)
    } else {
        Rating::parse_items(instrument, text, rater)
    };
    parsed.map_err(|e| e.within(field))
}

pub(super) fn course_of(case: &Case, choice: &CourseChoice) -> Result<Option<String>, DeviceError> {
    match choice {
        CourseChoice::None => Ok(None),
        CourseChoice::Id(prefix) => entry_id("course", prefix, case.courses.keys()).map(Some),
        // ISO dates compare as strings; the latest start among the courses that have not ended.
        CourseChoice::Current => Ok(case
            .courses
            .iter()
            .filter(|(_, course)| course.end.is_none())
            .max_by(|a, b| a.1.start.cmp(&b.1.start))
            .map(|(id, _)| id.clone())),
    }
}

/// Records a contact by the logged-in user. Returns the new contact's id.
pub async fn add_contact(
    device: &Device,
    case_id: &DocumentId,
    input: ContactInput,
    now_ms: i64,
) -> Result<String, DeviceError> {
    let user = device.settings()?.user_id.clone();
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let year = sync_core::case::series::contact_year(input.start_ms);
            let Forms { outcome, session } = forms(case.citizen.birth_year, &input.kind, i64::from(year));
            let ors = input
                .ors
                .as_deref()
                .map(|text| parse_rating(text, outcome, input.rater, "ors"))
                .transpose()?;
            let srs = input
                .srs
                .as_deref()
                .map(|text| parse_rating(text, session, input.rater, "srs"))
                .transpose()?;
            let goals = input
                .goals
                .iter()
                .map(|prefix| entry_id("goal", prefix, case.plan.goals.keys()))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewContact {
                kind: input.kind,
                start_ms: input.start_ms,
                duration_minutes: input.duration_minutes,
                course: course_of(&case, &input.course)?,
                workers: vec![user.clone()],
                notes: input.notes,
                goals,
                ors,
                srs,
                recorded_by: user,
            };
            let id = Uuid::new_v4();
            doc.add_contact(id, new, now_ms)?;
            Ok(id.to_string())
        })
        .await
}

/// Records a contact exactly as given (its ratings already made), as a case written elsewhere holds it: `tov
/// bench --cases-from` rebuilds the web app's cases with it. Returns the new contact's id.
pub async fn record_contact(
    device: &Device,
    case_id: &DocumentId,
    new: NewContact,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let id = Uuid::new_v4();
            doc.add_contact(id, new, now_ms)?;
            Ok(id.to_string())
        })
        .await
}

#[cfg(test)]
mod tests {
    use sync_core::validation::Problem;

    use super::*;

    #[test]
    fn a_typed_rating_names_the_wrong_item_under_its_slot() {
        let error = parse_rating("6.5,5.0,10.5,6.0", Instrument::Ors, RaterKind::Citizen, "ors")
            .expect_err("refused");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("ors.items[2]", Problem::OutOfRange)
        );
    }

    #[test]
    fn paper_totals_and_skipped_ratings_are_typed_by_keyword() {
        let paper = parse_rating("paper:24.7", Instrument::Srs, RaterKind::Citizen, "srs").expect("parses");
        assert_eq!(paper.total_mm(), Some(247));
        assert!(paper.is_paper_total());
        let skipped = parse_rating("skipped", Instrument::Srs, RaterKind::Citizen, "srs").expect("parses");
        assert!(skipped.is_skipped());
    }
}
