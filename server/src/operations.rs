//! What an operator does at the server's console, against the database (`tovholder users …`): unblock a user and
//! create an admin. These are the way back in when the only admin is locked out (issue 11), so they need no login;
//! whoever can run them can already read the database. Each is written to the access log.

use secrecy::{ExposeSecret, SecretString};

use crate::audit::Action;
use crate::auth::password;
use crate::clock;
use crate::store::{AuditRecord, NewUser, Role, Store, StoreError, User};

/// The shortest password `create-admin` accepts.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// What the access log records as the purpose of a console operation.
const PURPOSE: &str = "console";

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("no municipality with the slug {0:?}")]
    NoTenant(String),
    #[error("no user {username:?} in {tenant:?}")]
    NoUser { tenant: String, username: String },
    #[error("a user {username:?} already exists in {tenant:?}")]
    UserExists { tenant: String, username: String },
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Clears a user's lockout; returns whether the user was blocked.
pub async fn unblock(store: &Store, tenant: &str, username: &str) -> Result<bool, OperationError> {
    let user = find_user(store, tenant, username).await?;
    let was_blocked = user.blocked_at.is_some();
    store.unblock_user(&user.id, clock::now_ms()).await?;
    log(store, &user, Action::Unblock, "tovholder users unblock").await?;
    Ok(was_blocked)
}

/// Creates an admin (no team) in the tenant.
pub async fn create_admin(
    store: &Store,
    tenant: &str,
    username: &str,
    password: &SecretString,
) -> Result<User, OperationError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(OperationError::WeakPassword);
    }
    let found = store
        .tenant_by_slug(tenant)
        .await?
        .ok_or_else(|| OperationError::NoTenant(tenant.to_owned()))?;
    if store.user_by_username(&found.id, username).await?.is_some() {
        return Err(OperationError::UserExists {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
        });
    }
    let hash = password::hash(password)?;
    let new = NewUser {
        tenant_id: &found.id,
        username,
        password_hash: &hash,
        role: Role::Admin,
        team_id: None,
    };
    let user = store.create_user(&new, clock::now_ms()).await?;
    log(store, &user, Action::CreateUser, "tovholder users create-admin").await?;
    Ok(user)
}

async fn find_user(store: &Store, tenant: &str, username: &str) -> Result<User, OperationError> {
    let found = store
        .tenant_by_slug(tenant)
        .await?
        .ok_or_else(|| OperationError::NoTenant(tenant.to_owned()))?;
    store
        .user_by_username(&found.id, username)
        .await?
        .ok_or_else(|| OperationError::NoUser {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
        })
}

/// One access-log row: the user acted on, no device (the console is none), the command as the detail.
async fn log(store: &Store, user: &User, action: Action, command: &str) -> Result<(), StoreError> {
    let record = AuditRecord {
        at: clock::now_ms(),
        tenant_id: Some(&user.tenant_id),
        user_id: Some(&user.id),
        device_id: None,
        action: action.as_str(),
        case_id: None,
        purpose: Some(PURPOSE),
        detail: Some(command),
    };
    store.append_audit(&[record]).await
}
