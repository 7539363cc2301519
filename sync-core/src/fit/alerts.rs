//! FIT alerts: what a worker and a lead must see about a course, each stamped with the rule set that raised it.
//!
//! Alerts are computed from the latest state of the course, not stored events: they are raised afresh every time
//! the course is assessed, so a changed score or a new rule set version changes them consistently on every device.

use serde::{Deserialize, Serialize};

use super::assess::{ContactAssessment, OrsChange};
use super::rating::Rating;
use super::rules::RuleSet;

/// What an alert is about. The snake_case names are stable: clients, vectors and rule sets use them.
///
/// Alerts of one assessment are listed in the order of this enum; several `SrsItemLow` alerts follow item order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The course has contacts but no ORS total yet: without a baseline no change can ever be shown.
    NoBaseline,
    /// The latest contact's SRS total is below the SRS cutoff: the alliance needs talking about.
    SrsBelowCutoff,
    /// An SRS item of the latest contact is below the item threshold, even if the total is fine.
    SrsItemLow,
    /// The latest SRS total fell by the drop threshold or more since the previous SRS total.
    SrsDropped,
    /// The latest contact has no SRS at all.
    SrsMissing,
    /// No reliable ORS improvement at the first checkpoint (v1: contact 3): revisit the goals.
    NoReliableChangeRevisitGoals,
    /// No reliable ORS improvement at the second checkpoint (v1: contacts 5–7): add or change support.
    NoReliableChangeChangeSupport,
    /// No reliable ORS improvement at the third checkpoint (v1: contacts 10–12): consider another kind of support.
    NoReliableChangeConsiderOther,
    /// The ORS total fell by the reliable change or more from intake to latest.
    ReliableDeterioration,
}

impl AlertKind {
    /// Every kind, in declaration order (the order alerts are listed in), e.g. for a legend or a filter.
    pub const ALL: [AlertKind; 9] = [
        Self::NoBaseline,
        Self::SrsBelowCutoff,
        Self::SrsItemLow,
        Self::SrsDropped,
        Self::SrsMissing,
        Self::NoReliableChangeRevisitGoals,
        Self::NoReliableChangeChangeSupport,
        Self::NoReliableChangeConsiderOther,
        Self::ReliableDeterioration,
    ];

    /// Whether this is one of the "no reliable change" checkpoint kinds a rule set may name.
    pub fn is_no_reliable_change(self) -> bool {
        matches!(
            self,
            Self::NoReliableChangeRevisitGoals
                | Self::NoReliableChangeChangeSupport
                | Self::NoReliableChangeConsiderOther
        )
    }
}

/// One alert about a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub kind: AlertKind,
    /// The [`RuleSet::version`] whose thresholds raised it.
    pub rule_set_version: String,
    /// The contact (index into the course's contacts) the alert is about; `None` for [`AlertKind::NoBaseline`],
    /// which is about the course as a whole.
    pub contact_index: Option<usize>,
    /// The neutral item key, for [`AlertKind::SrsItemLow`] only.
    pub item: Option<String>,
}

/// The alerts of one course. `srs` holds each contact's usable SRS rating (valid, session family), in order.
pub(super) fn raise(
    rules: &RuleSet,
    contacts: &[ContactAssessment],
    srs: &[Option<&Rating>],
    ors: &OrsChange,
) -> Vec<Alert> {
    let alert = |kind, contact_index, item: Option<&str>| Alert {
        kind,
        rule_set_version: rules.version.clone(),
        contact_index,
        item: item.map(str::to_owned),
    };
    let mut alerts = Vec::new();
    let Some(latest) = contacts.len().checked_sub(1) else {
        // No contact, nothing to say: a course that has not started is not missing anything yet.
        return alerts;
    };

    if ors.intake.is_none() {
        alerts.push(alert(AlertKind::NoBaseline, None, None));
    }

    // The SRS alerts look at the latest contact only: they are about the alliance now, and an SRS concern from an
    // earlier contact was that contact's to raise. The latest contact is the last one recorded, SRS or not.
    if contacts[latest].srs_below_cutoff == Some(true) {
        alerts.push(alert(AlertKind::SrsBelowCutoff, Some(latest), None));
    }
    if let Some(rating) = srs[latest] {
        // A paper total has no items, so it can raise the total alerts but never an item alert.
        for (i, mm) in rating.item_scores().unwrap_or_default().iter().enumerate() {
            if *mm < rules.srs_item_threshold_mm {
                alerts.push(alert(
                    AlertKind::SrsItemLow,
                    Some(latest),
                    rating.instrument.item_key(i),
                ));
            }
        }
    }
    if let Some(latest_total) = contacts[latest].srs_total_mm {
        // Compare with the previous contact that had an SRS total, skipping contacts without one: a skipped
        // SRS in between should not hide a drop, nor make one.
        let previous = contacts[..latest].iter().rev().find_map(|c| c.srs_total_mm);
        if previous.is_some_and(|previous| previous - latest_total >= rules.srs_drop_mm) {
            alerts.push(alert(AlertKind::SrsDropped, Some(latest), None));
        }
    }
    // An explicit "skipped" does not count as missing: the worker chose not to ask (the citizen declined, a crisis
    // contact) and said so, which is documentation, whereas this alert exists to catch the SRS that was forgotten.
    if srs[latest].is_none() {
        alerts.push(alert(AlertKind::SrsMissing, Some(latest), None));
    }

    if let (Some(latest_ors), Some(change_mm)) = (ors.latest, ors.change_mm) {
        // Any change short of a reliable improvement counts here, deterioration and intake above the cutoff
        // included: the checkpoint asks whether the support is helping, and neither shows that it is.
        if change_mm < rules.reliable_change_mm
            && let Some(checkpoint) = rules.checkpoint_reached(ors.contacts_with_total)
        {
            alerts.push(alert(checkpoint.alert, Some(latest_ors), None));
        }
        // Deterioration is raised from the change itself, whatever the category: a fall from above the cutoff
        // is still a fall, even though the category says "intake above cutoff".
        if change_mm <= -rules.reliable_change_mm {
            alerts.push(alert(AlertKind::ReliableDeterioration, Some(latest_ors), None));
        }
    }
    alerts
}
