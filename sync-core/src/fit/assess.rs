//! Assessing a course: totals and flags per contact, the ORS change from intake to latest, and the alerts.
//!
//! The assessment is a pure function of the rule set, the citizen's birth year and the course's contacts, so the
//! phone, the server and the web client compute the same answer from the same document, offline.

use serde::{Deserialize, Serialize};

use super::alerts::{self, Alert};
use super::instrument::Family;
use super::rating::Rating;
use super::rules::RuleSet;

/// One contact of a course, with the ratings it recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoredContact {
    /// The calendar year of the contact; with the birth year it gives the age that picks the cutoff.
    pub year: i32,
    /// The outcome rating (ORS or CORS) given at the start, if any.
    pub ors: Option<Rating>,
    /// The session rating (SRS, CSRS or GSRS) given at the end, if any.
    pub srs: Option<Rating>,
}

/// Totals and flags of one contact. A total is `None` when the rating is absent, skipped or unusable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactAssessment {
    /// Age in whole years at the contact (year − birth year); `None` when the birth year is unknown or after the
    /// contact's year.
    pub age: Option<i32>,
    pub ors_total_mm: Option<i64>,
    /// The cutoff the ORS total was compared with (by instrument and age), for the chart's cutoff line.
    pub ors_cutoff_mm: Option<i64>,
    /// Whether the ORS total is in the clinical range, under the rule set's comparison.
    pub ors_clinical: Option<bool>,
    pub ors_paper_total: bool,
    pub srs_total_mm: Option<i64>,
    /// Whether the SRS total is below the SRS cutoff.
    pub srs_below_cutoff: Option<bool>,
    pub srs_paper_total: bool,
}

/// What the ORS change from intake to latest amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeCategory {
    /// No ORS total yet.
    NoBaseline,
    /// The intake total was not clinical ("use caution"): there was little room to improve and a rise proves
    /// little, so such a course is reported on its own, never as a success, whatever happened later. A reliable
    /// fall from there still raises [`AlertKind::ReliableDeterioration`](super::AlertKind::ReliableDeterioration).
    IntakeAboveCutoff,
    /// A reliable improvement that also crossed the cutoff: clinical at intake, not clinical at the latest.
    ClinicallySignificant,
    /// A rise of at least the reliable change that did not cross the cutoff.
    ReliableImprovement,
    /// A fall of at least the reliable change.
    ReliableDeterioration,
    /// Any change smaller than the reliable change, including a course with a single ORS total.
    NoReliableChange,
}

impl ChangeCategory {
    /// Every category, in declaration order, e.g. for the rows of an aggregate report.
    pub const ALL: [ChangeCategory; 6] = [
        Self::NoBaseline,
        Self::IntakeAboveCutoff,
        Self::ClinicallySignificant,
        Self::ReliableImprovement,
        Self::ReliableDeterioration,
        Self::NoReliableChange,
    ];
}

/// The assessment of one course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    /// The rule set version used, also stamped on every alert.
    pub rule_set_version: String,
    /// One entry per contact, in the order given.
    pub contacts: Vec<ContactAssessment>,
    /// The first contact with an ORS total (items or paper total; skipped does not count).
    pub intake_index: Option<usize>,
    /// The last contact with an ORS total; the same as the intake when there is only one.
    pub latest_index: Option<usize>,
    /// How many contacts have an ORS total: the count the "no reliable change" checkpoints use.
    pub contacts_with_ors: usize,
    /// Latest ORS total minus intake ORS total, in millimetres.
    pub change_mm: Option<i64>,
    pub category: ChangeCategory,
    pub alerts: Vec<Alert>,
}

/// The ORS facts the alerts need.
pub(super) struct OrsChange {
    pub intake: Option<usize>,
    pub latest: Option<usize>,
    pub change_mm: Option<i64>,
    pub contacts_with_total: usize,
}

/// Assesses one course: `contacts` are its contacts in chronological order.
///
/// A rating counts only when it [validates](Rating::validate) and sits in the right slot (an outcome instrument
/// as `ors`, a session instrument as `srs`); any other is treated as absent, so a broken document yields no
/// totals from it (and, for the SRS, an [`SrsMissing`](super::AlertKind::SrsMissing) alert) rather than nonsense.
/// The assessment does not look at who rated: the caller passes the series it wants compared, usually the
/// citizen's own, because a relative's score and the citizen's are not the same measurement.
pub fn assess(rules: &RuleSet, citizen_birth_year: Option<i32>, contacts: &[ScoredContact]) -> Assessment {
    let ors: Vec<Option<&Rating>> = contacts
        .iter()
        .map(|c| usable(c.ors.as_ref(), Family::Outcome))
        .collect();
    let srs: Vec<Option<&Rating>> = contacts
        .iter()
        .map(|c| usable(c.srs.as_ref(), Family::Session))
        .collect();

    let summaries: Vec<ContactAssessment> = contacts
        .iter()
        .zip(ors.iter().zip(&srs))
        .map(|(contact, (ors, srs))| {
            // Only years are known, so the age may be one too high before the birthday; a year before the
            // birth year is a data error and is treated as an unknown age rather than as a negative one.
            let age = citizen_birth_year
                .and_then(|born| contact.year.checked_sub(born))
                .filter(|age| *age >= 0);
            let ors_total_mm = ors.and_then(Rating::total_mm);
            let ors_cutoff_mm = ors.and_then(|r| rules.cutoff_mm(r.instrument, age));
            let srs_total_mm = srs.and_then(Rating::total_mm);
            let srs_cutoff_mm = srs.and_then(|r| rules.cutoff_mm(r.instrument, age));
            ContactAssessment {
                age,
                ors_total_mm,
                ors_cutoff_mm,
                ors_clinical: ors_total_mm.zip(ors_cutoff_mm).map(|(t, c)| rules.is_below(t, c)),
                ors_paper_total: ors.is_some_and(|r| r.is_paper_total()),
                srs_total_mm,
                srs_below_cutoff: srs_total_mm.zip(srs_cutoff_mm).map(|(t, c)| rules.is_below(t, c)),
                srs_paper_total: srs.is_some_and(|r| r.is_paper_total()),
            }
        })
        .collect();

    let with_total = || {
        summaries
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ors_total_mm.is_some())
    };
    let intake = with_total().next();
    let latest = with_total().next_back();
    let change = OrsChange {
        intake: intake.map(|(i, _)| i),
        latest: latest.map(|(i, _)| i),
        change_mm: intake
            .zip(latest)
            .and_then(|((_, first), (_, last))| Some(last.ors_total_mm? - first.ors_total_mm?)),
        contacts_with_total: with_total().count(),
    };
    let category = match (intake, latest, change.change_mm) {
        (Some((_, first)), Some((_, last)), Some(change_mm)) => {
            categorise(rules, first.ors_clinical, last.ors_clinical, change_mm)
        }
        _ => ChangeCategory::NoBaseline,
    };
    let alerts = alerts::raise(rules, &summaries, &srs, &change);
    Assessment {
        rule_set_version: rules.version.clone(),
        contacts: summaries,
        intake_index: change.intake,
        latest_index: change.latest,
        contacts_with_ors: change.contacts_with_total,
        change_mm: change.change_mm,
        category,
        alerts,
    }
}

/// The category of a course with a baseline. The order of the checks is the precedence: an intake that is not
/// clinical decides first (an unknown clinical state counts as not clinical, so it is never called a success).
fn categorise(
    rules: &RuleSet,
    intake_clinical: Option<bool>,
    latest_clinical: Option<bool>,
    change_mm: i64,
) -> ChangeCategory {
    if intake_clinical != Some(true) {
        ChangeCategory::IntakeAboveCutoff
    } else if change_mm >= rules.reliable_change_mm && latest_clinical == Some(false) {
        ChangeCategory::ClinicallySignificant
    } else if change_mm >= rules.reliable_change_mm {
        ChangeCategory::ReliableImprovement
    } else if change_mm <= -rules.reliable_change_mm {
        ChangeCategory::ReliableDeterioration
    } else {
        ChangeCategory::NoReliableChange
    }
}

/// The rating, if it can be used: valid, and of the family its slot expects.
fn usable(rating: Option<&Rating>, family: Family) -> Option<&Rating> {
    rating.filter(|r| r.instrument.family() == family && r.validate().is_ok())
}

#[cfg(test)]
mod tests;
