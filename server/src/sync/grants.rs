//! Grants above the caseworker's limit: a course granting more than the limit (default 5 hours a week) waits
//! for a team lead's approval, and only a lead records that decision.
//!
//! The rule compares the case before and after a device's changes, because what matters is who changed an
//! approval, not what it says: a worker may not write "approved", nor raise an approved grant, and a lead
//! records the decision under their own name.

use sync_core::case::{Case, Course};
use sync_core::protocol::{Access, RefusalReason};

use super::accept::Refusal;
use crate::authz::{self, Act, On, Verdict};
use crate::ids::TeamId;
use crate::store::Viewer;

/// The default limit: 5 hours a week (Holstebro's rule for what a caseworker may grant alone), sync-core's, so
/// that a phone starting a course sets the approval state this rule expects.
pub const DEFAULT_LIMIT_MINUTES: i64 = sync_core::case::DEFAULT_GRANT_LIMIT_MINUTES;

/// Checks the grants of `after`, written by `writer`; `before` is the case before the writer's changes (`None`
/// for a new case).
pub fn check(
    writer: &Viewer,
    before: Option<&Case>,
    after: &Case,
    limit_minutes: i64,
) -> Result<(), Refusal> {
    for (id, course) in &after.courses {
        let earlier = before.and_then(|b| b.courses.get(id));
        if course.granted_minutes_per_week > limit_minutes && course.approval.state == "not_required" {
            return Err(Refusal {
                reason: RefusalReason::Invalid,
                message: format!(
                    "courses.{id}.approval.state: a grant above {limit_minutes} minutes a week awaits a lead's approval"
                ),
            });
        }
        let decision_changed = decided(course) && earlier.is_none_or(|e| e.approval != course.approval);
        if decision_changed
            && !(is_teams_lead(writer, after)
                && course.approval.by.as_deref() == Some(writer.user_id.as_str()))
        {
            return Err(forbidden(
                "only the case's team lead decides on a grant, under their own name",
            ));
        }
        let raised = earlier.is_some_and(|e| e.granted_minutes_per_week < course.granted_minutes_per_week);
        if raised
            && course.granted_minutes_per_week > limit_minutes
            && course.approval.state == "approved"
            && !is_teams_lead(writer, after)
        {
            return Err(forbidden(
                "raising an approved grant above the limit needs a new approval",
            ));
        }
    }
    Ok(())
}

/// A lead of the case's own team: a lead who can write the case through an assignment elsewhere does not
/// decide for another team (issue 11). The authorisation module decides.
pub fn is_teams_lead(writer: &Viewer, case: &Case) -> bool {
    // The document names its team as text: one that is no team id is no writer's team.
    let team: Option<TeamId> = case.team.parse().ok();
    let on = On::Case {
        team: team.as_ref(),
        access: Access::Write,
    };
    authz::check(writer, Act::DecideGrant, on) == Verdict::Allowed
}

fn decided(course: &Course) -> bool {
    matches!(course.approval.state.as_str(), "approved" | "rejected")
}

fn forbidden(message: &str) -> Refusal {
    Refusal {
        reason: RefusalReason::WriteForbidden,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TenantId, UserId};
    use crate::store::Role;
    use sync_core::case::{Approval, Citizen};

    fn viewer(role: Role, id: &str) -> Viewer {
        Viewer {
            user_id: UserId::named(id),
            tenant_id: TenantId::named("t"),
            role,
            team_id: Some(TeamId::named("team")),
            team_shares_cases: true,
        }
    }

    fn case_with(minutes: i64, state: &str, by: Option<&str>) -> Case {
        let mut case = Case::new(
            "t",
            TeamId::named("team").as_str(),
            Citizen {
                display_name: "x".into(),
                reference: "r".into(),
                birth_year: None,
            },
        );
        case.courses.insert(
            "c1".into(),
            Course {
                service: "s".into(),
                legal_basis: "s85".into(),
                start: "2026-01-01".into(),
                planned_end: None,
                end: None,
                end_reason: None,
                granted_minutes_per_week: minutes,
                granted_sessions: None,
                approval: Approval {
                    state: state.into(),
                    by: by.map(|name| UserId::named(name).to_string()),
                    at_ms: by.map(|_| 1),
                },
                extensions: vec![],
                entered_in_error: None,
            },
        );
        case
    }

    const LIMIT: i64 = DEFAULT_LIMIT_MINUTES;

    #[test]
    fn a_grant_above_the_limit_awaits_approval() {
        let worker = viewer(Role::Worker, "w");
        assert!(check(&worker, None, &case_with(300, "not_required", None), LIMIT).is_ok());
        let refusal = check(&worker, None, &case_with(360, "not_required", None), LIMIT).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::Invalid);
        assert!(check(&worker, None, &case_with(360, "awaiting", None), LIMIT).is_ok());
    }

    #[test]
    fn only_a_lead_approves_under_their_own_name() {
        let before = case_with(360, "awaiting", None);
        let approved_by_lea = case_with(360, "approved", Some("lea"));
        assert!(check(&viewer(Role::Lead, "lea"), Some(&before), &approved_by_lea, LIMIT).is_ok());
        let worker = check(
            &viewer(Role::Worker, "anna"),
            Some(&before),
            &approved_by_lea,
            LIMIT,
        );
        assert_eq!(worker.unwrap_err().reason, RefusalReason::WriteForbidden);
        let other_name = check(
            &viewer(Role::Lead, "lene"),
            Some(&before),
            &approved_by_lea,
            LIMIT,
        );
        assert_eq!(other_name.unwrap_err().reason, RefusalReason::WriteForbidden);
        // An existing decision others do not touch does not stop a worker's other edits.
        assert!(
            check(
                &viewer(Role::Worker, "anna"),
                Some(&approved_by_lea),
                &approved_by_lea,
                LIMIT
            )
            .is_ok()
        );
    }

    #[test]
    fn a_lead_of_another_team_does_not_decide() {
        let before = case_with(360, "awaiting", None);
        let approved = case_with(360, "approved", Some("dan"));
        // Dan leads team Syd and can write the case (assigned to it, say): he still does not decide for its team.
        let dan = Viewer {
            team_id: Some(TeamId::named("syd")),
            ..viewer(Role::Lead, "dan")
        };
        let refusal = check(&dan, Some(&before), &approved, LIMIT).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
    }

    #[test]
    fn a_worker_cannot_raise_an_approved_grant() {
        let before = case_with(360, "approved", Some("lea"));
        let raised = case_with(600, "approved", Some("lea"));
        let refusal = check(&viewer(Role::Worker, "anna"), Some(&before), &raised, LIMIT).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
        let lowered = case_with(300, "approved", Some("lea"));
        assert!(check(&viewer(Role::Worker, "anna"), Some(&before), &lowered, LIMIT).is_ok());
    }
}
