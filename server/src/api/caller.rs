//! What every staff route does first and last: find the caller as the database knows them now (a token's role,
//! team or tenant may be stale), and write what they read, searched, exported or changed to the access log.

use super::ApiError;
use crate::audit::{self, Action, Actor};
use crate::auth::AuthUser;
use crate::store::{AuditRecord, Store, Viewer};

/// The caller's user as the database has it now; a user gone from the token's tenant is unauthorized.
pub(super) async fn viewer(store: &Store, caller: &AuthUser) -> Result<Viewer, ApiError> {
    store
        .viewer(&caller.user_id)
        .await?
        .filter(|viewer| viewer.tenant_id == caller.tenant_id)
        .ok_or(ApiError::Unauthorized)
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
