//! What every staff route does first and last: find the caller as the database knows them now (a token's role,
//! team or tenant may be stale), ask the authorisation module ([`crate::authz`]) whether they may act, and write
//! what they read, searched, exported or changed to the access log.

use sync_core::DocumentId;
use sync_core::protocol::Access;

use super::ApiError;
use super::AuthUser;
use crate::audit::{self, Action, Actor};
use crate::authz::{self, Act, On, Verdict};
use crate::ids::TeamId;
use crate::store::{AuditRecord, Store, Viewer};

/// The caller's user as the database has it now; a user gone from the token's tenant is unauthorized.
pub(super) async fn viewer(store: &Store, caller: &AuthUser) -> Result<Viewer, ApiError> {
    store
        .viewer(&caller.user_id)
        .await?
        .filter(|viewer| viewer.tenant_id == caller.tenant_id)
        .ok_or(ApiError::Unauthorized)
}

/// The authorisation module's answer as the API gives it: forbidden as 403, hidden as the 404 of a thing that does
/// not exist.
pub(super) fn require(verdict: Verdict) -> Result<(), ApiError> {
    match verdict {
        Verdict::Allowed => Ok(()),
        refused => Err(refusal(refused)),
    }
}

fn refusal(verdict: Verdict) -> ApiError {
    match verdict {
        Verdict::Hidden => ApiError::NotFound,
        Verdict::Allowed | Verdict::Forbidden => ApiError::Forbidden,
    }
}

/// Whether `viewer` may take `act` on the municipality as a whole.
pub(super) fn may(viewer: &Viewer, act: Act) -> Result<(), ApiError> {
    require(authz::check(viewer, act, On::Tenant))
}

/// Whether `viewer` may take the back-office action `act` on the case `case_id`: the case's team and whether it is
/// in the viewer's review scope are the facts [`authz::check`] judges.
pub(super) async fn may_on_case(
    store: &Store,
    viewer: &Viewer,
    act: Act,
    case_id: &DocumentId,
) -> Result<(), ApiError> {
    let home = store.case_home(case_id).await?;
    let in_scope = home.is_some() && store.in_review_scope(&viewer.user_id, case_id).await?;
    let team = home.and_then(|(_, team)| team);
    let access = if in_scope { Access::Read } else { Access::Hidden };
    require(authz::check(
        viewer,
        act,
        On::Case {
            team: team.as_ref(),
            access,
        },
    ))
}

/// The people a listing shows: `None` the municipality, `Some(team)` a lead's team (see [`authz::listing`]).
pub(super) fn listing(viewer: &Viewer) -> Result<Option<TeamId>, ApiError> {
    authz::listing(viewer).map_err(refusal)
}

/// One access-log event of `viewer` on the caller's device: ids, codes and criteria only, never citizen data.
pub(super) async fn log(
    store: &Store,
    viewer: &Viewer,
    caller: &AuthUser,
    action: Action,
    case_id: Option<&str>,
    purpose: &str,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    audit::record(store, event(viewer, caller, action, case_id, purpose, detail)).await?;
    Ok(())
}

/// The access-log event of [`log`], to be written with a change in its transaction (`SyncService::edit_case`).
pub(super) fn event<'a>(
    viewer: &'a Viewer,
    caller: &'a AuthUser,
    action: Action,
    case_id: Option<&'a str>,
    purpose: &'a str,
    detail: Option<&'a str>,
) -> AuditRecord<'a> {
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    audit::event(actor, action, case_id, Some(purpose), detail)
}
