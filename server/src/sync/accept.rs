//! Whether a device may write what it sent: the write rules the server applies to every document after merging a
//! device's changes and before committing them.
//!
//! The case document is validated as a whole with the same function the devices run (`sync_core::case::
//! validate`), then the rules only the server can judge: who may write at all, and that a case stays in its
//! tenant and team. The message of a refusal names the rule or the field, never a value from the document.

use automerge::Automerge;
use sync_core::case::{Case, CaseError, read_valid_case};
use sync_core::protocol::RefusalReason;

use crate::store::{Role, Viewer};

/// A refused write: the reason code for the device and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub message: String,
}

impl Refusal {
    fn forbidden(message: &str) -> Self {
        Self {
            reason: RefusalReason::WriteForbidden,
            message: message.to_owned(),
        }
    }

    /// The stable code stored with a quarantined change.
    pub fn code(&self) -> &'static str {
        match self.reason {
            RefusalReason::NotFound => "not_found",
            RefusalReason::Invalid => "invalid",
            RefusalReason::WriteForbidden => "forbidden",
        }
    }
}

/// Where the document lives, as the store knows it; `None` when the device is creating it.
pub struct Placement<'a> {
    pub team_id: Option<&'a str>,
}

/// Checks the merged document `doc` written by `viewer` (whose tenant's slug is `tenant_slug`).
pub fn check_write(
    viewer: &Viewer,
    tenant_slug: &str,
    existing: Option<Placement<'_>>,
    doc: &Automerge,
) -> Result<Case, Refusal> {
    // Admins manage users and devices; they do not write case content.
    if viewer.role == Role::Admin {
        return Err(Refusal::forbidden("this role may not change cases"));
    }
    let case = read_valid_case(doc).map_err(|error| Refusal {
        reason: RefusalReason::Invalid,
        message: match error {
            CaseError::Invalid(invalid) => invalid.to_string(),
            other => other.to_string(),
        },
    })?;
    if case.tenant != tenant_slug {
        return Err(Refusal::forbidden(
            "a case belongs to the municipality it was created in",
        ));
    }
    match existing {
        // Moving a case to another team is an assignment decision, not a sync edit.
        Some(placement) if placement.team_id != Some(case.team.as_str()) => Err(Refusal::forbidden(
            "a case cannot be moved to another team by a sync change",
        )),
        Some(_) => Ok(case),
        None if viewer.team_id.as_deref() != Some(case.team.as_str()) => {
            Err(Refusal::forbidden("new cases are created in your own team"))
        }
        None => Ok(case),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ActorId;
    use sync_core::case::{CaseDocument, Citizen};

    const NOW: i64 = 1_764_000_000_000;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: "u1".into(),
            tenant_id: "t1".into(),
            role,
            team_id: Some("team-a".into()),
            team_shares_cases: true,
        }
    }

    fn doc(tenant: &str, team: &str) -> Automerge {
        let citizen = Citizen {
            display_name: "Synthetic".into(),
            reference: "ref".into(),
            birth_year: None,
        };
        CaseDocument::create(
            ActorId::from([1; 16].as_slice()),
            &Case::new(tenant, team, citizen),
            NOW,
        )
        .expect("valid")
        .into_automerge()
    }

    #[test]
    fn a_worker_creates_a_case_in_their_own_team() {
        assert!(check_write(&viewer(Role::Worker), "hoeje", None, &doc("hoeje", "team-a")).is_ok());
        let refusal = check_write(&viewer(Role::Worker), "hoeje", None, &doc("hoeje", "team-b")).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
    }

    #[test]
    fn a_case_never_leaves_its_tenant_or_team() {
        let placement = || {
            Some(Placement {
                team_id: Some("team-a"),
            })
        };
        let other_tenant = check_write(
            &viewer(Role::Lead),
            "hoeje",
            placement(),
            &doc("holstebro", "team-a"),
        );
        assert_eq!(other_tenant.unwrap_err().reason, RefusalReason::WriteForbidden);
        let other_team = check_write(&viewer(Role::Lead), "hoeje", placement(), &doc("hoeje", "team-b"));
        assert_eq!(other_team.unwrap_err().reason, RefusalReason::WriteForbidden);
        assert!(check_write(&viewer(Role::Lead), "hoeje", placement(), &doc("hoeje", "team-a")).is_ok());
    }

    #[test]
    fn admins_do_not_write_case_content() {
        let refusal = check_write(&viewer(Role::Admin), "hoeje", None, &doc("hoeje", "team-a")).unwrap_err();
        assert_eq!(refusal.code(), "forbidden");
    }

    #[test]
    fn a_document_that_is_not_a_case_is_refused_as_invalid() {
        let refusal = check_write(&viewer(Role::Worker), "hoeje", None, &Automerge::new()).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::Invalid);
    }
}
