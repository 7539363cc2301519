//! Refresh tokens in the store: issuing, and rotating with reuse detection.
//!
//! Rotation is one transaction that locks the presented token's row (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
//! `FOR UPDATE`), so two requests racing with the same token cannot both rotate it: the second sees it used,
//! which is exactly what a stolen copy looks like, and the device is revoked.

use super::{Role, Store, StoreError, Tx, on_tx};
use crate::ids::{DeviceId, TenantId, UserId};

/// Who a refresh token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshOwner {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub device_id: DeviceId,
    pub role: Role,
}

/// What presenting a refresh token came to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was valid: it is now used, and the new one is stored.
    Rotated(RefreshOwner),
    /// The token was used before: its device must be revoked (see [`Store::revoke_device`]).
    Reused(RefreshOwner),
    /// Unknown or expired. (A lockout does not stop refreshing: it stops password logins.)
    Refused,
    /// An unused token of a revoked device: its holder is told to wipe the device.
    Revoked(RefreshOwner),
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    tenant_id: TenantId,
    user_id: UserId,
    device_id: DeviceId,
    role: String,
    expires_at: i64,
    used_at: Option<i64>,
    active: bool,
}

/// A token's row with its owner's role and whether the owner may still act.
macro_rules! find {
    () => {
        "SELECT r.tenant_id, r.user_id, r.device_id, u.role, r.expires_at, r.used_at, \
         (d.revoked_at IS NULL) AS active \
         FROM refresh_tokens r JOIN users u ON u.id = r.user_id JOIN devices d ON d.id = r.device_id \
         WHERE r.token_hash = $1"
    };
}
const FIND: &str = find!();
/// PostgreSQL: the same, locking the token's row until the rotation commits.
const FIND_FOR_UPDATE: &str = concat!(find!(), " FOR UPDATE OF r");
const INSERT: &str = "INSERT INTO refresh_tokens (token_hash, device_id, user_id, tenant_id, issued_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

impl Store {
    /// Stores the hash of a new refresh token for a device.
    pub async fn issue_refresh_token(
        &self,
        token_hash: &str,
        owner: &RefreshOwner,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert(&mut tx, token_hash, owner, now, expires_at).await?;
        tx.commit().await
    }

    /// Rotates the token with hash `old_hash` to `new_hash`: marks the old one used and stores the new one, if
    /// the old one is valid and unused.
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<Rotation, StoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<TokenRow> = match &mut tx {
            Tx::Sqlite(tx) => {
                sqlx::query_as(FIND)
                    .bind(old_hash)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                sqlx::query_as(FIND_FOR_UPDATE)
                    .bind(old_hash)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        let Some(row) = row else {
            return Ok(Rotation::Refused);
        };
        let owner = RefreshOwner {
            role: row.role.parse()?,
            tenant_id: row.tenant_id,
            user_id: row.user_id,
            device_id: row.device_id,
        };
        if row.used_at.is_some() {
            return Ok(Rotation::Reused(owner));
        }
        if !row.active {
            return Ok(Rotation::Revoked(owner));
        }
        if row.expires_at <= now {
            return Ok(Rotation::Refused);
        }
        let mark = "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2";
        on_tx!(&mut tx, |conn| sqlx::query(mark)
            .bind(now)
            .bind(old_hash)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        insert(&mut tx, new_hash, &owner, now, expires_at).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated(owner))
    }
}

async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    owner: &RefreshOwner,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| sqlx::query(INSERT)
        .bind(token_hash)
        .bind(&owner.device_id)
        .bind(&owner.user_id)
        .bind(&owner.tenant_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    Ok(())
}
