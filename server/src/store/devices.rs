//! Devices: each login registers one, tokens name it, and an admin can revoke it (a lost phone).

use super::{Notice, Store, StoreError, execute, on_pool, on_tx};
use crate::ids::{DeviceId, TeamId, TenantId, UserId};

/// A phone, browser or CLI install that a user logged in from.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Device {
    pub id: DeviceId,
    pub user_id: UserId,
    pub tenant_id: TenantId,
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
        user_id: &UserId,
        tenant_id: &TenantId,
        name: &str,
        now: i64,
    ) -> Result<Device, StoreError> {
        let device = Device {
            id: DeviceId::new_random(),
            user_id: user_id.clone(),
            tenant_id: tenant_id.clone(),
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

    pub async fn device_by_id(&self, id: &DeviceId) -> Result<Option<Device>, StoreError> {
        let sql = "SELECT id, user_id, tenant_id, name, created_at, last_seen_at, revoked_at FROM devices WHERE id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Records that a device was heard from (a sync connection, a token refresh).
    pub async fn touch_device(&self, id: &DeviceId, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE devices SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1";
        execute!(self, sqlx::query(sql).bind(now).bind(id))?;
        Ok(())
    }

    /// Revokes a device; its tokens stop working at once (see [`Store::session_is_active`]). On PostgreSQL the
    /// same transaction sends a [`Notice`], so every process closes the device's sync connections.
    /// Returns whether a device that was not yet revoked was found.
    pub async fn revoke_device(&self, id: &DeviceId, now: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
        let mut tx = self.begin_write().await?;
        let done = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|done| done.rows_affected()))?;
        tx.notify(&Notice::DeviceRevoked {
            device_id: id.to_owned(),
        })
        .await?;
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Whether a token's (tenant, user, device) may still act: the user exists in that tenant, and the device is
    /// the user's and not revoked. A blocked user's devices still act: a lockout stops password logins only
    /// (issue 11: a stranger typing wrong passwords must not cut off a working phone).
    ///
    /// Checked on every authenticated request, so revoking a device takes effect before the access token
    /// expires.
    pub async fn session_is_active(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
        device_id: &DeviceId,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM users u JOIN devices d ON d.user_id = u.id \
                   WHERE u.id = $1 AND u.tenant_id = $2 AND d.id = $3 AND d.tenant_id = $2 \
                   AND d.revoked_at IS NULL";
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

/// A device as admins and leads see it in `GET /v1/devices`: with its user's name and team.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceListing {
    #[schema(value_type = String)]
    pub id: DeviceId,
    pub name: String,
    #[schema(value_type = String)]
    pub user_id: UserId,
    pub username: String,
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// The devices of a tenant, newest first; only those of `team_id`'s members when given (a lead's view).
    pub async fn devices_of_tenant(
        &self,
        tenant_id: &TenantId,
        team_id: Option<&TeamId>,
    ) -> Result<Vec<DeviceListing>, StoreError> {
        let sql = "SELECT d.id, d.name, d.user_id, u.username, u.team_id, d.created_at, d.last_seen_at, \
                   d.revoked_at FROM devices d JOIN users u ON u.id = d.user_id \
                   WHERE d.tenant_id = $1 AND u.tenant_id = $1 AND ($2 IS NULL OR u.team_id = $2) \
                   ORDER BY d.created_at DESC, d.id";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(team_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The device `id` if it belongs to `tenant_id`; `None` both when it is missing and when it is another
    /// tenant's, so the answers cannot be told apart.
    pub async fn device_in_tenant(
        &self,
        id: &DeviceId,
        tenant_id: &TenantId,
    ) -> Result<Option<DeviceListing>, StoreError> {
        let sql = "SELECT d.id, d.name, d.user_id, u.username, u.team_id, d.created_at, d.last_seen_at, \
                   d.revoked_at FROM devices d JOIN users u ON u.id = d.user_id \
                   WHERE d.id = $1 AND d.tenant_id = $2 AND u.tenant_id = $2";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?)
    }
}
