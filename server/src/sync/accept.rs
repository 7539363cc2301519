//! Whether a device may write what it sent: the write rules the server applies to every document after merging a
//! device's changes and before committing them.
//!
//! The case document is checked as a whole with the same functions the devices run: its shape and size
//! (`sync_core::case::shape`, `changes`), validation (`validate`) and the append-only history (`history`, against
//! the case as committed). Then come the rules only the server can judge: who may write at all, and that a case
//! stays in its tenant and team. The message of a refusal names the rule or the field, never a value from the
//! document.

use automerge::Automerge;
use sync_core::ValidationError;
use sync_core::case::{Case, CaseError, Conflict, changes, history, read_valid_case_and_conflicts};
use sync_core::protocol::{Access, RefusalReason};

use crate::authz::{self, Act, On, Verdict};
use crate::ids::{TeamId, TenantId};
use crate::store::{Role, User, Viewer};

/// A refused write: the reason code for the device and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub message: String,
}

impl Refusal {
    /// Breaks a rule of the case document; the message names the field.
    pub fn invalid(error: &ValidationError) -> Self {
        Self {
            reason: RefusalReason::Invalid,
            message: error.to_string(),
        }
    }

    /// More people newly named at once than [`MAX_NAMED_PER_CHANGE`]: each is looked up under the document's lock.
    pub fn too_many_named() -> Self {
        Self::forbidden("too many workers named in one change: assign them a few at a time")
    }

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

/// What the server holds of a document before the device's changes; `None` when the device is creating it.
pub struct Existing<'a> {
    pub team_id: Option<&'a TeamId>,
    /// The case as committed (`None` only if the stored document does not read as a case).
    pub case: Option<&'a Case>,
    /// The bytes the store holds for it.
    pub stored_bytes: usize,
    /// The device's user sees the case only through break-the-glass, which opens it to read, not to change.
    pub read_only: bool,
}

/// The document with the device's changes merged, and how many bytes of changes they are.
pub struct Incoming<'a> {
    pub doc: &'a Automerge,
    pub bytes: usize,
}

/// Checks the merged document written by `viewer` (whose tenant's slug is `tenant_slug`).
pub fn check_write(
    viewer: &Viewer,
    tenant_slug: &str,
    existing: Option<Existing<'_>>,
    incoming: &Incoming<'_>,
) -> Result<(Case, Vec<Conflict>), Refusal> {
    // Who may write at all is the authorisation module's: admins manage users and devices and do not write case
    // content; break-the-glass opens a case to read. Which team a new case goes to is checked once it is read.
    let may_write = match &existing {
        Some(existing) => {
            let access = if existing.read_only {
                Access::Read
            } else {
                Access::Write
            };
            let on = On::Case {
                team: existing.team_id,
                access,
            };
            authz::check(viewer, Act::ChangeCase, on)
        }
        None => authz::check(viewer, Act::CreateCase, On::Team(viewer.team_id.as_ref())),
    };
    if may_write != Verdict::Allowed {
        return Err(Refusal::forbidden(if viewer.role == Role::Admin {
            "this role may not change cases"
        } else {
            "break-the-glass opens a case to read; its own workers change it"
        }));
    }
    let stored_bytes = existing.as_ref().map_or(0, |e| e.stored_bytes);
    changes::check_document_size(stored_bytes, incoming.bytes).map_err(|e| Refusal::invalid(&e))?;
    let (case, conflicts) = read_valid_case_and_conflicts(incoming.doc).map_err(|error| match error {
        CaseError::Invalid(invalid) => Refusal::invalid(&invalid),
        other => Refusal {
            reason: RefusalReason::Invalid,
            message: other.to_string(),
        },
    })?;
    if let Some(before) = existing.as_ref().and_then(|e| e.case) {
        history::check(before, &case, Some(viewer.user_id.as_str())).map_err(|e| Refusal::invalid(&e))?;
    }
    if case.tenant != tenant_slug {
        return Err(Refusal::forbidden(
            "a case belongs to the municipality it was created in",
        ));
    }
    // The document names its team as text: one that is no team id is no team of the viewer's.
    let team: Option<TeamId> = case.team.parse().ok();
    match existing {
        // Moving a case to another team is an assignment decision, not a sync edit.
        Some(existing) if existing.team_id.map(TeamId::as_str) != Some(case.team.as_str()) => Err(
            Refusal::forbidden("a case cannot be moved to another team by a sync change"),
        ),
        Some(_) => Ok((case, conflicts)),
        None if authz::check(viewer, Act::CreateCase, On::Team(team.as_ref())) != Verdict::Allowed => {
            Err(Refusal::forbidden("new cases are created in your own team"))
        }
        None => Ok((case, conflicts)),
    }
}

/// The most people one sync change may newly name on a case: each is looked up in the store while the document is
/// locked, so a hostile device cannot hold the lock with ten thousand names. A person assigns a few at a time.
pub const MAX_NAMED_PER_CHANGE: usize = 50;

/// The user ids a change newly names on an existing case, as an assigned worker or as its tovholder: the people
/// the write rules look up ([`check_named`]). Names the case held before are not looked at again (an admin may
/// have put someone of another team on it).
pub fn newly_named(before: &Case, after: &Case) -> Vec<String> {
    let mut named: Vec<String> = after
        .workers
        .keys()
        .filter(|id| !before.workers.contains_key(*id))
        .cloned()
        .collect();
    if let Some(tovholder) = &after.tovholder
        && before.tovholder.as_ref() != Some(tovholder)
        && !named.contains(tovholder)
        && !before.workers.contains_key(tovholder)
    {
        named.push(tovholder.clone());
    }
    named
}

/// Whether a device may name `user` (the store's answer for a newly named id; `None` for no such user) on a case
/// of `team` in `tenant`: the list of a case's workers is its team's, as a lead's assignments are (`authz`
/// `AssignWorker`), so only a worker or lead of the case's own team. Naming someone does not give them the case:
/// which devices see it is the assignment table's, which a lead manages (`api/assignments.rs`).
pub fn check_named(user: Option<&User>, tenant: &TenantId, team: Option<&TeamId>) -> Result<(), Refusal> {
    match user {
        Some(user)
            if &user.tenant_id == tenant
                && user.role != Role::Admin
                && team.is_some()
                && user.team_id.as_ref() == team =>
        {
            Ok(())
        }
        _ => Err(Refusal::forbidden(
            "a case's assigned workers and tovholder are workers of the case's team",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    use automerge::ActorId;
    use sync_core::case::{CaseDocument, Citizen};

    use crate::ids::{TenantId, UserId};

    const NOW: i64 = 1_764_000_000_000;

    static TEAM_A: LazyLock<TeamId> = LazyLock::new(|| TeamId::named("team-a"));

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: UserId::named("u1"),
            tenant_id: TenantId::named("t1"),
            role,
            team_id: Some(TEAM_A.clone()),
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
            &Case::new(tenant, TeamId::named(team).as_str(), citizen),
            NOW,
        )
        .expect("valid")
        .into_automerge()
    }

    fn incoming(doc: &Automerge) -> Incoming<'_> {
        Incoming { doc, bytes: 100 }
    }

    fn existing(case: Option<&Case>) -> Option<Existing<'_>> {
        Some(Existing {
            team_id: Some(&TEAM_A),
            case,
            stored_bytes: 1_000,
            read_only: false,
        })
    }

    #[test]
    fn a_case_seen_through_break_the_glass_is_not_changed() {
        let same = doc("hoeje", "team-a");
        let glass = Some(Existing {
            read_only: true,
            ..existing(None).expect("an existing case")
        });
        let refusal = check_write(&viewer(Role::Worker), "hoeje", glass, &incoming(&same)).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
        assert!(check_write(&viewer(Role::Worker), "hoeje", existing(None), &incoming(&same)).is_ok());
    }

    #[test]
    fn a_worker_creates_a_case_in_their_own_team() {
        let own = doc("hoeje", "team-a");
        assert!(check_write(&viewer(Role::Worker), "hoeje", None, &incoming(&own)).is_ok());
        let other = doc("hoeje", "team-b");
        let refusal = check_write(&viewer(Role::Worker), "hoeje", None, &incoming(&other)).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
    }

    #[test]
    fn a_case_never_leaves_its_tenant_or_team() {
        let lead = viewer(Role::Lead);
        let other_tenant = doc("holstebro", "team-a");
        let refusal = check_write(&lead, "hoeje", existing(None), &incoming(&other_tenant)).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
        let other_team = doc("hoeje", "team-b");
        let refusal = check_write(&lead, "hoeje", existing(None), &incoming(&other_team)).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::WriteForbidden);
        let same = doc("hoeje", "team-a");
        assert!(check_write(&lead, "hoeje", existing(None), &incoming(&same)).is_ok());
    }

    fn person(role: Role, team: &TeamId) -> User {
        User {
            id: UserId::named("u2"),
            tenant_id: TenantId::named("t1"),
            username: "bo".into(),
            role,
            team_id: Some(team.clone()),
            blocked_at: None,
        }
    }

    #[test]
    fn only_workers_of_the_case_team_are_named_on_it() {
        let tenant = TenantId::named("t1");
        let team_b = TeamId::named("team-b");
        assert!(check_named(Some(&person(Role::Worker, &TEAM_A)), &tenant, Some(&TEAM_A)).is_ok());
        assert!(check_named(Some(&person(Role::Lead, &TEAM_A)), &tenant, Some(&TEAM_A)).is_ok());
        for refused in [
            check_named(None, &tenant, Some(&TEAM_A)),
            check_named(Some(&person(Role::Worker, &team_b)), &tenant, Some(&TEAM_A)),
            check_named(Some(&person(Role::Admin, &TEAM_A)), &tenant, Some(&TEAM_A)),
            check_named(
                Some(&person(Role::Worker, &TEAM_A)),
                &TenantId::named("t2"),
                Some(&TEAM_A),
            ),
            check_named(Some(&person(Role::Worker, &TEAM_A)), &tenant, None),
        ] {
            assert_eq!(refused.unwrap_err().reason, RefusalReason::WriteForbidden);
        }
    }

    #[test]
    fn only_people_a_change_adds_are_looked_up() {
        let doc = doc("hoeje", "team-a");
        let mut before = sync_core::case::read_case(&doc).expect("a case");
        before.workers.insert("a".into(), "Anna".into());
        before.tovholder = Some("a".into());
        let mut after = before.clone();
        assert!(newly_named(&before, &after).is_empty());
        after.workers.insert("b".into(), "Bo".into());
        after.tovholder = Some("b".into());
        assert_eq!(newly_named(&before, &after), ["b"]);
        // A tovholder no list names (a hostile device, or two phones' merge) is looked up too.
        after.tovholder = Some("c".into());
        assert_eq!(newly_named(&before, &after), ["b", "c"]);
        // Stepping off the list names no one.
        let mut fewer = before.clone();
        fewer.workers.clear();
        assert!(newly_named(&before, &fewer).is_empty());
    }

    #[test]
    fn admins_do_not_write_case_content() {
        let own = doc("hoeje", "team-a");
        let refusal = check_write(&viewer(Role::Admin), "hoeje", None, &incoming(&own)).unwrap_err();
        assert_eq!(refusal.code(), "forbidden");
    }

    #[test]
    fn a_document_that_is_not_a_case_is_refused_as_invalid() {
        let empty = Automerge::new();
        let refusal = check_write(&viewer(Role::Worker), "hoeje", None, &incoming(&empty)).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::Invalid);
    }

    #[test]
    fn removing_a_recorded_entry_or_growing_too_large_is_invalid() {
        let after = doc("hoeje", "team-a");
        let mut before = sync_core::case::read_case(&after).expect("a case");
        let mut follow_up_of = |id: &str| {
            before.follow_ups.insert(
                id.into(),
                sync_core::case::FollowUp {
                    due: "2027-01-01".into(),
                    purpose: "Follow up".into(),
                    with: vec![],
                    done: false,
                    done_note: String::new(),
                    entered_in_error: None,
                },
            );
        };
        follow_up_of("f1");
        let refusal = check_write(
            &viewer(Role::Worker),
            "hoeje",
            existing(Some(&before)),
            &incoming(&after),
        );
        let refusal = refusal.unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::Invalid);
        assert!(
            refusal.message.starts_with("follow_ups.f1"),
            "{}",
            refusal.message
        );
        let huge = Incoming {
            doc: &after,
            bytes: changes::MAX_DOCUMENT_BYTES,
        };
        let refusal = check_write(&viewer(Role::Worker), "hoeje", existing(None), &huge).unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::Invalid);
    }
}
