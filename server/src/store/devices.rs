//! Devices: each login registers one, tokens name it, and an admin can revoke it (a lost phone).

use uuid::Uuid;

use super::{Store, StoreError, execute, on_pool};

/// A phone, browser or CLI install that a user logged in from.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub tenant_id: String,
    /// A label the client chose ("Annas telefon"); shown to admins, never logged.
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Registers a new device for a user who just logged in.
    pub async fn register_device(
        &self,
        user_id: &str,
        tenant_id: &str,
        name: &str,
        now: i64,
    ) -> Result<Device, StoreError> {
        let device = Device {
            id: Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            name: name.to_owned(),
            created_at: now,
            last_seen_at: now,
            revoked_at: None,
        };
        let sql = "INSERT INTO devices (id, user_id, tenant_id, name, created_at, last_seen_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(&device.id)
                .bind(&device.user_id)
                .bind(&device.tenant_id)
                .bind(&device.name)
                .bind(device.created_at)
                .bind(device.last_seen_at)
        )?;
        Ok(device)
    }

    pub async fn device_by_id(&self, id: &str) -> Result<Option<Device>, StoreError> {
        let sql = "SELECT id, user_id, tenant_id, name, created_at, last_seen_at, revoked_at FROM devices WHERE id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Records that a device was heard from (a sync connection, a token refresh).
    pub async fn touch_device(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE devices SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1";
        execute!(self, sqlx::query(sql).bind(now).bind(id))?;
        Ok(())
    }

    /// Revokes a device; its tokens stop working at once (see [`Store::session_is_active`]).
    /// Returns whether a device that was not yet revoked was found.
    pub async fn revoke_device(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
        let done = execute!(self, sqlx::query(sql).bind(now).bind(id))?;
        Ok(done == 1)
    }

    /// Whether a token's (tenant, user, device) may still act: the user exists in that tenant and is not blocked,
    /// and the device is the user's and not revoked.
    ///
    /// Checked on every authenticated request, so blocking a user or revoking a device takes effect before the
    /// access token expires.
    pub async fn session_is_active(
        &self,
        tenant_id: &str,
        user_id: &str,
        device_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM users u JOIN devices d ON d.user_id = u.id \
                   WHERE u.id = $1 AND u.tenant_id = $2 AND d.id = $3 AND d.tenant_id = $2 \
                   AND u.blocked_at IS NULL AND d.revoked_at IS NULL";
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(sql)
                .bind(user_id)
                .bind(tenant_id)
                .bind(device_id)
                .fetch_one(pool)
                .await
        })?;
        Ok(count == 1)
    }
}
