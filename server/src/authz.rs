//! Who may do what: the one place where the server decides whether a person, in their role, may take an action on
//! something of their own team, of another team of their municipality, or of the municipality as a whole. Every
//! handler and the sync write rules ask here ([`check`], [`listing`]), so the rules are read, tested (one table:
//! role × action × scope, below) and changed in one place, after crates.io's `AuthCheck`.
//!
//! Which cases a person may see is a rule of its own, written once as SQL (`store/access.rs`), because it is
//! evaluated over many cases inside the database; the decisions here take its answer as an input ([`On::Case`]).
//! Nothing here reads the store: callers find the facts, this module judges them.
//!
//! The answers are three: allowed; forbidden (the person learns that the thing exists, which they may); and
//! hidden, answered exactly as a thing that does not exist, for whatever lies outside what the person may know of.

use sync_core::protocol::Access;

use crate::ids::TeamId;
use crate::store::{Reach, Role, Viewer};

/// What a person wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Change a case's content: a device's changes (the sync write rules) or a check-in link that will.
    ChangeCase,
    /// Create a case in a team.
    CreateCase,
    /// Open a case outside one's caseload, to read, with a stated reason (break-the-glass).
    BreakGlass,
    /// Open a case's review page (the back office).
    ReviewCase,
    /// Approve or reject a grant above the limit, in the case document.
    DecideGrant,
    /// Pick one value of a conflicted field, in the case document.
    ResolveConflict,
    /// Dismiss a refused change of a case.
    DismissRefusal,
    /// Assign workers to a case, or take them off it.
    ManageAssignments,
    /// Give a case to this worker (whose team is the target).
    AssignWorker,
    /// Revoke a device (whose owner's team is the target).
    RevokeDevice,
    /// The back office's figures and lists (narrowed to the person's scope by the store).
    ReviewFigures,
    /// The contacts CSV and the FHIR export.
    ExportReports,
    /// List users, devices or break-the-glass grants (see [`listing`]).
    ListPeople,
    /// Clear a lockout.
    UnblockUser,
    /// Search and spot-check the access log.
    ReadAccessLog,
    /// Export everything about one citizen (GDPR art. 15).
    ExportCitizen,
    /// Change the municipality's settings.
    ChangeSettings,
}

/// What the action is taken on, relative to the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On<'a> {
    /// The municipality as a whole.
    Tenant,
    /// Something belonging to a team of the person's municipality (a worker, a device's owner): `None` for no team.
    Team(Option<&'a TeamId>),
    /// A case: its team, and what the store's rules let the person do with it: on a device the access rule
    /// (`Store::access`), in the back office the review scope (`Read` when the case is in it). `Missing`, `Hidden` or
    /// `Lost`: a case they may not know of.
    Case {
        team: Option<&'a TeamId>,
        access: Access,
    },
}

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; the person may know the thing exists.
    Forbidden,
    /// Answered as a thing that does not exist.
    Hidden,
}

/// Whether `who` may take `act` on `on`.
pub fn check(who: &Viewer, act: Act, on: On<'_>) -> Verdict {
    use Verdict::{Allowed, Forbidden, Hidden};
    let own_team = |team: Option<&TeamId>| team.is_some() && team == who.team_id.as_ref();
    let lead_of = |team: Option<&TeamId>| who.role == Role::Lead && own_team(team);
    let allowed_if = |yes: bool| if yes { Allowed } else { Forbidden };
    match (act, on) {
        // Admins manage people, devices and settings; they neither read nor change case content. The same answer for
        // every id, so it tells nothing about which cases exist.
        (Act::ChangeCase | Act::ReviewCase | Act::BreakGlass, On::Case { .. }) if who.role == Role::Admin => {
            Forbidden
        }
        // Break-the-glass is for a case outside one's caseload (the store keeps it within the municipality).
        (Act::BreakGlass, On::Case { .. }) => Allowed,
        // A refused change belongs to the municipality of the device that sent it, whatever case it named (perhaps
        // none that exists): an admin handles any; a lead those of their own team's cases they review.
        (Act::DismissRefusal, On::Case { team, access }) => match who.role {
            Role::Admin => Allowed,
            Role::Lead if own_team(team) && knows(access) => Allowed,
            Role::Lead => Hidden,
            Role::Worker => Forbidden,
        },
        // Any other case the person may not know of is answered as one that does not exist.
        (_, On::Case { access, .. }) if !knows(access) => Hidden,

        (Act::ChangeCase, On::Case { access, .. }) => allowed_if(access == Access::Write),
        (Act::CreateCase, On::Team(team)) => allowed_if(who.role != Role::Admin && own_team(team)),
        (Act::ReviewCase, On::Case { .. }) => Allowed,

        // A lead decides for their own team's cases only: seeing a case (an assignment elsewhere, break-the-glass)
        // is not leading it.
        (Act::DecideGrant | Act::ResolveConflict, On::Case { team, .. }) => allowed_if(lead_of(team)),
        // Assignments are managed by the case's team's lead or an admin; to anyone else the case is not theirs to
        // manage, and that says nothing about whether it exists.
        (Act::ManageAssignments, On::Case { team, .. }) => match who.role {
            Role::Admin => Allowed,
            Role::Lead if own_team(team) => Allowed,
            _ => Hidden,
        },
        // A lead gives their team's cases to their own team's workers; across teams is an admin's decision.
        (Act::AssignWorker, On::Team(team)) => match who.role {
            Role::Admin => Allowed,
            Role::Lead => allowed_if(own_team(team)),
            Role::Worker => Forbidden,
        },
        (Act::RevokeDevice, On::Team(team)) => match who.role {
            Role::Admin => Allowed,
            Role::Lead if own_team(team) => Allowed,
            Role::Lead => Hidden,
            Role::Worker => Forbidden,
        },

        (Act::ReviewFigures, On::Tenant) => Allowed,
        (Act::ExportReports, On::Tenant) => allowed_if(who.role != Role::Worker),
        (Act::ListPeople, On::Tenant) => allowed_if(listing(who).is_ok()),
        (Act::UnblockUser | Act::ReadAccessLog | Act::ExportCitizen | Act::ChangeSettings, On::Tenant) => {
            allowed_if(who.role == Role::Admin)
        }

        // An action asked about something it does not apply to: a caller's mistake, refused rather than guessed.
        _ => Forbidden,
    }
}

/// Whose people a listing of users, devices or break-the-glass grants shows: `None` the whole municipality (an
/// admin), `Some(team)` the lead's team. Workers list nobody; a lead without a team leads nobody.
pub fn listing(who: &Viewer) -> Result<Option<TeamId>, Verdict> {
    match who.role {
        Role::Admin => Ok(None),
        Role::Lead => who.team_id.clone().map(Some).ok_or(Verdict::Forbidden),
        Role::Worker => Err(Verdict::Forbidden),
    }
}

/// Whether the person may read citizens' names in the back office's lists: an admin sees the figures and the lists
/// behind them without whom they are about.
pub fn reads_citizen_names(who: &Viewer) -> bool {
    who.role != Role::Admin
}

/// Whether the store's answer lets the person know of the case at all.
fn knows(access: Access) -> bool {
    matches!(access, Access::Read | Access::Write)
}

/// Whether a change of who may see a case (its [`Reach`]) may concern `viewer`, for a connection that knows nothing
/// of the case: a superset of `store/access.rs`'s rule, decided without the store, so that only the connections
/// it may concern ask the store. A worker or lead may gain or lose a case that names them (an assignment, a
/// break-the-glass grant); a lead any case of their team, a worker one of their team if the team shares its cases;
/// an admin sees no case content. The viewer's team, role and team setting are those the connection opened with:
/// someone moved to another team, or whose team starts sharing its cases, meanwhile finds the cases they gained at
/// the next connection. In a team that does not share cases, a new case thus wakes only its lead's and its assigned
/// workers' connections, not the whole team's.
pub fn may_concern(viewer: &Viewer, reach: &Reach) -> bool {
    match reach {
        Reach::Holders => false,
        Reach::Tenant => true,
        Reach::Audience { team_id, users } => {
            let sees_team_cases = match viewer.role {
                Role::Admin => return false,
                Role::Lead => true,
                Role::Worker => viewer.team_shares_cases,
            };
            users.contains(&viewer.user_id)
                || (sees_team_cases && viewer.team_id.is_some() && viewer.team_id == *team_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use crate::ids::UserId;

    use super::*;

    fn person(role: Role) -> Viewer {
        Viewer {
            user_id: ME.clone(),
            tenant_id: "4a9e3c2d-1b0f-4e6a-8d7c-5b4a3f2e1d0c".parse().expect("an id"),
            role,
            team_id: (role != Role::Admin).then(|| NORD.clone()),
            team_shares_cases: true,
        }
    }

    static ME: LazyLock<UserId> = LazyLock::new(UserId::new_random);
    static NORD: LazyLock<TeamId> = LazyLock::new(TeamId::new_random);
    static SYD: LazyLock<TeamId> = LazyLock::new(TeamId::new_random);

    fn own() -> Option<&'static TeamId> {
        Some(&NORD)
    }

    fn other() -> Option<&'static TeamId> {
        Some(&SYD)
    }

    fn case(team: Option<&'static TeamId>, access: Access) -> On<'static> {
        On::Case { team, access }
    }

    /// The whole table: every action, for a worker, a lead and an admin, on their own team's things, another team's,
    /// a case they only read (break-the-glass), one they may not see, and the municipality.
    #[test]
    fn each_role_may_do_exactly_what_the_table_says() {
        use Access::{Hidden, Missing, Read, Write};
        use Verdict::{Allowed as A, Forbidden as F, Hidden as H};
        // (action, target, worker, lead, admin)
        let table: &[(Act, On<'static>, Verdict, Verdict, Verdict)] = &[
            (Act::ChangeCase, case(own(), Write), A, A, F),
            (Act::ChangeCase, case(other(), Write), A, A, F),
            (Act::ChangeCase, case(other(), Read), F, F, F),
            (Act::ChangeCase, case(other(), Hidden), H, H, F),
            (Act::ChangeCase, case(None, Missing), H, H, F),
            (Act::CreateCase, On::Team(own()), A, A, F),
            (Act::CreateCase, On::Team(other()), F, F, F),
            (Act::BreakGlass, case(other(), Hidden), A, A, F),
            (Act::ReviewCase, case(own(), Write), A, A, F),
            (Act::ReviewCase, case(other(), Read), A, A, F),
            (Act::ReviewCase, case(other(), Hidden), H, H, F),
            (Act::DecideGrant, case(own(), Write), F, A, F),
            (Act::DecideGrant, case(other(), Write), F, F, F),
            (Act::DecideGrant, case(other(), Read), F, F, F),
            (Act::DecideGrant, case(other(), Hidden), H, H, H),
            (Act::ResolveConflict, case(own(), Write), F, A, F),
            (Act::ResolveConflict, case(other(), Write), F, F, F),
            (Act::DismissRefusal, case(own(), Read), F, A, A),
            (Act::DismissRefusal, case(other(), Read), F, H, A),
            (Act::DismissRefusal, case(other(), Hidden), F, H, A),
            (Act::DismissRefusal, case(None, Missing), F, H, A),
            (Act::ManageAssignments, case(own(), Write), H, A, A),
            (Act::ManageAssignments, case(other(), Write), H, H, A),
            (Act::ManageAssignments, case(other(), Read), H, H, A),
            (Act::ManageAssignments, case(other(), Hidden), H, H, H),
            (Act::AssignWorker, On::Team(own()), F, A, A),
            (Act::AssignWorker, On::Team(other()), F, F, A),
            (Act::RevokeDevice, On::Team(own()), F, A, A),
            (Act::RevokeDevice, On::Team(other()), F, H, A),
            (Act::ReviewFigures, On::Tenant, A, A, A),
            (Act::ExportReports, On::Tenant, F, A, A),
            (Act::ListPeople, On::Tenant, F, A, A),
            (Act::UnblockUser, On::Tenant, F, F, A),
            (Act::ReadAccessLog, On::Tenant, F, F, A),
            (Act::ExportCitizen, On::Tenant, F, F, A),
            (Act::ChangeSettings, On::Tenant, F, F, A),
        ];
        for &(act, on, worker, lead, admin) in table {
            for (role, want) in [(Role::Worker, worker), (Role::Lead, lead), (Role::Admin, admin)] {
                assert_eq!(check(&person(role), act, on), want, "{role:?} {act:?} on {on:?}");
            }
        }
    }

    #[test]
    fn a_lead_without_a_team_leads_nothing() {
        let lead = Viewer {
            team_id: None,
            ..person(Role::Lead)
        };
        assert_eq!(
            check(&lead, Act::DecideGrant, case(None, Access::Write)),
            Verdict::Forbidden
        );
        assert_eq!(
            check(&lead, Act::AssignWorker, On::Team(None)),
            Verdict::Forbidden
        );
        assert_eq!(listing(&lead), Err(Verdict::Forbidden));
        assert_eq!(listing(&person(Role::Lead)), Ok(Some(NORD.clone())));
        assert_eq!(listing(&person(Role::Admin)), Ok(None));
    }

    #[test]
    fn an_action_asked_about_the_wrong_kind_of_thing_is_refused() {
        assert_eq!(
            check(&person(Role::Admin), Act::UnblockUser, On::Team(own())),
            Verdict::Forbidden
        );
        assert_eq!(
            check(&person(Role::Lead), Act::CreateCase, On::Tenant),
            Verdict::Forbidden
        );
    }

    #[test]
    fn a_change_of_sight_concerns_the_cases_team_and_the_people_it_names() {
        let someone_else = UserId::new_random();
        let audience = |team: Option<&TeamId>, users: &[&UserId]| Reach::Audience {
            team_id: team.cloned(),
            users: users.iter().map(|u| (*u).clone()).collect(),
        };
        for role in [Role::Worker, Role::Lead] {
            let viewer = person(role);
            assert!(may_concern(&viewer, &audience(own(), &[])), "{role:?}: own team");
            assert!(
                may_concern(&viewer, &audience(other(), &[&ME])),
                "{role:?}: named"
            );
            assert!(
                !may_concern(&viewer, &audience(other(), &[&someone_else])),
                "{role:?}"
            );
            assert!(!may_concern(&viewer, &audience(None, &[])), "{role:?}");
            assert!(!may_concern(&viewer, &Reach::Holders), "{role:?}: a commit");
            assert!(may_concern(&viewer, &Reach::Tenant), "{role:?}: unknown reach");
        }
        let apart = Viewer {
            team_shares_cases: false,
            ..person(Role::Worker)
        };
        assert!(
            !may_concern(&apart, &audience(own(), &[])),
            "a worker of a team that does not share cases: only the cases that name them"
        );
        assert!(may_concern(&apart, &audience(own(), &[&ME])), "named");
        let lead_apart = Viewer {
            team_shares_cases: false,
            ..person(Role::Lead)
        };
        assert!(
            may_concern(&lead_apart, &audience(own(), &[])),
            "a lead sees every case of their team"
        );
        let admin = person(Role::Admin);
        assert!(
            !may_concern(&admin, &audience(None, &[&ME])),
            "an admin sees no case content"
        );
        let teamless = Viewer {
            team_id: None,
            ..person(Role::Worker)
        };
        assert!(
            !may_concern(&teamless, &audience(None, &[])),
            "no team matches no team"
        );
    }
}
