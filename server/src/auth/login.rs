//! A password login with the lockout rule: 3 failed logins within 24 hours block the user until an admin clears it
//! (DOMAIN.md). The password is checked here, against the hash the store keeps; the store records the failures.
//!
//! The outcome tells the caller why a login was refused so it can log that with ids; the HTTP answer is the same
//! whatever the reason, so an attacker cannot tell an unknown tenant or username from a wrong password or a blocked
//! user.

use secrecy::SecretString;

use super::password::{self, PasswordError};
use crate::ids::{TenantId, UserId};
use crate::store::{Store, StoreError, Tenant, User};

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    Success {
        user: User,
        tenant: Tenant,
    },
    /// Refused; `user_id` (with its `tenant_id`) is set when the username exists, for the access log.
    Refused {
        reason: LoginRefusal,
        user_id: Option<UserId>,
        tenant_id: Option<TenantId>,
    },
}

/// Why a login was refused: for logs only, never for the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    UnknownTenant,
    UnknownUser,
    WrongPassword,
    /// The user was already blocked; the password was not looked at.
    Blocked,
    /// This failure was the one that blocked the user.
    NowBlocked,
}

/// Why a login could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Password(#[from] PasswordError),
}

/// Checks a login and applies the lockout rule.
pub async fn verify(
    store: &Store,
    tenant_slug: &str,
    username: &str,
    password: &SecretString,
    now: i64,
) -> Result<LoginOutcome, LoginError> {
    let tenant = store.tenant_by_slug(tenant_slug).await?;
    let candidate = match &tenant {
        Some(tenant) => store.login_candidate(&tenant.id, username).await?,
        None => None,
    };
    // Argon2 runs on every path, against a dummy hash when there is no such user, so the response time does
    // not reveal which tenants and usernames exist.
    let stored_hash = candidate.as_ref().map(|(_, hash)| hash.clone());
    let matches = password::verify_blocking(password.clone(), stored_hash).await?;

    let (Some(tenant), Some((user, _))) = (&tenant, candidate) else {
        let tenant_id = tenant.as_ref().map(|t| &t.id);
        store.tally_unknown_failure(tenant_id, now).await?;
        let reason = match tenant {
            Some(_) => LoginRefusal::UnknownUser,
            None => LoginRefusal::UnknownTenant,
        };
        return Ok(LoginOutcome::Refused {
            reason,
            user_id: None,
            tenant_id: None,
        });
    };
    let tenant = tenant.clone();
    let reason = if user.blocked_at.is_some() {
        store
            .record_failed_login(&tenant.id, &user.id, username, now)
            .await?;
        LoginRefusal::Blocked
    } else if !matches {
        match store
            .record_failed_login(&tenant.id, &user.id, username, now)
            .await?
        {
            true => LoginRefusal::NowBlocked,
            false => LoginRefusal::WrongPassword,
        }
    } else {
        return Ok(LoginOutcome::Success { user, tenant });
    };
    Ok(LoginOutcome::Refused {
        reason,
        user_id: Some(user.id),
        tenant_id: Some(tenant.id),
    })
}
