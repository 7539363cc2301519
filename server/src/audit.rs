//! The access log (Datatilsynet): who did what to which case, when and why, append-only and hash-chained.
//!
//! Handlers and the sync connection call the small functions here, one call per event; they build an
//! [`AuditRecord`] and append it through the store, which serialises appends so the chain never forks. A row
//! holds ids, an action code, a purpose and machine detail (change hashes), never citizen data or secrets.
//!
//! - [`chain`]: the row hash and the verifier.
//! - [`retention`]: the background purge of rows past the retention period, keeping an anchor.
//!
//! A change to a case is logged in the transaction that commits it ([`committed`], and the record a server-made
//! change passes to `SyncService::edit_case`), so no change is stored unlogged. Reads of the sync path (the
//! lane in `sync/read_log.rs`, before the case is sent) and [`purged`] log a failure to log them as an error and
//! go on.
//! Handlers use [`record`] and fail the request instead.

/// The row hash and the verifier: pure, kept with the rows in the store, which computes a row's hash under its
/// chain's lock.
pub use crate::store::chain;
pub mod retention;

use crate::clock;
use crate::ids::{DeviceId, TenantId, UserId};
use crate::store::{AuditRecord, Store, StoreError};

/// Rows read per page when verifying.
const VERIFY_PAGE: i64 = 1000;

/// What was done. The codes are stored and part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Login,
    LoginFailed,
    Read,
    Search,
    Create,
    Change,
    Export,
    Delete,
    BreakGlass,
    Revoke,
    /// A used refresh token was presented again; the device was revoked.
    RefreshReuse,
    /// A user's lockout was cleared (by an admin, or at the server's console).
    Unblock,
    /// A user was created at the server's console.
    CreateUser,
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::Login,
        Action::LoginFailed,
        Action::Read,
        Action::Search,
        Action::Create,
        Action::Change,
        Action::Export,
        Action::Delete,
        Action::BreakGlass,
        Action::Revoke,
        Action::RefreshReuse,
        Action::Unblock,
        Action::CreateUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Read => "read",
            Action::Search => "search",
            Action::Create => "create",
            Action::Change => "change",
            Action::Export => "export",
            Action::Delete => "delete",
            Action::BreakGlass => "break_glass",
            Action::Revoke => "revoke",
            Action::RefreshReuse => "refresh_reuse",
            Action::Unblock => "unblock",
            Action::CreateUser => "create_user",
        }
    }

    /// The action of a stored code, if it is one.
    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.as_str() == code)
    }
}

/// Who acted: a user on a device of a tenant.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub tenant_id: &'a TenantId,
    pub user_id: &'a UserId,
    pub device_id: &'a DeviceId,
}

/// One event about a case (or none), by an actor, now.
pub fn event<'a>(
    actor: Actor<'a>,
    action: Action,
    case_id: Option<&'a str>,
    purpose: Option<&'a str>,
    detail: Option<&'a str>,
) -> AuditRecord<'a> {
    AuditRecord {
        at: clock::now_ms(),
        tenant_id: Some(actor.tenant_id),
        user_id: Some(actor.user_id),
        device_id: Some(actor.device_id),
        action: action.as_str(),
        case_id,
        purpose,
        detail,
    }
}

/// Appends one event; the caller decides what a failure means.
pub async fn record(store: &Store, record: AuditRecord<'_>) -> Result<(), StoreError> {
    store.append_audit(&[record]).await
}

/// A device commits changes to a case (creates it when `creating`), `hashes` being its change hashes joined by
/// commas: the row the commit's transaction appends (`DocumentCommit::audit`).
pub fn committed<'a>(actor: Actor<'a>, case_id: &'a str, creating: bool, hashes: &'a str) -> AuditRecord<'a> {
    let action = if creating { Action::Create } else { Action::Change };
    event(actor, action, Some(case_id), Some("sync"), Some(hashes))
}

/// A device was told to delete its copy of a case (its user may no longer see it): a `delete` row, purpose
/// `purge`, so the log shows where a citizen's record left a phone as well as where it arrived.
pub async fn purged(store: &Store, actor: Actor<'_>, case_id: &str, at_hello: bool) {
    // Where the Purge went: at the start of a connection (read for certain before CaughtUp), or live.
    let detail = if at_hello { "hello" } else { "live" };
    let entry = event(actor, Action::Delete, Some(case_id), Some("purge"), Some(detail));
    if let Err(error) = record(store, entry).await {
        tracing::error!(case.id = %case_id, %error, "cannot write the access log for a purge");
    }
}

/// What verifying the chain found.
#[derive(Debug)]
pub enum Verification {
    /// Every row from the anchor to the head checks out.
    Intact {
        rows: u64,
    },
    Broken(chain::Break),
}

/// Reads every chain from its anchor (the legacy chain, then each tenant's) and checks every row.
pub async fn verify(store: &Store) -> Result<Verification, StoreError> {
    let head = store.audit_head().await?;
    let mut verifier = chain::Verifier::legacy(&head);
    let mut after = head.anchor_id;
    loop {
        let rows = store.audit_rows_after(after, VERIFY_PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            if let Err(broken) = verifier.check(row) {
                return Ok(Verification::Broken(broken));
            }
        }
    }
    let mut total = match verifier.finish(head.last_id, &head.last_hash) {
        Ok(rows) => rows,
        Err(broken) => return Ok(Verification::Broken(broken)),
    };
    for head in store.audit_chains().await? {
        let mut verifier = chain::Verifier::chain(&head);
        let mut after = head.anchor_seq;
        loop {
            let rows = store
                .audit_chain_rows_after(&head.chain, after, VERIFY_PAGE)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.chain_seq.unwrap_or(i64::MAX);
            for row in &rows {
                if let Err(broken) = verifier.check(row) {
                    return Ok(Verification::Broken(broken));
                }
            }
        }
        match verifier.finish(head.last_seq, &head.last_hash) {
            Ok(rows) => total += rows,
            Err(broken) => return Ok(Verification::Broken(broken)),
        }
    }
    Ok(Verification::Intact { rows: total })
}
