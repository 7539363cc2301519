//! What a password login stores: the lockout rule's failed logins (3 failed logins within 24 hours block the user
//! until an admin clears it) and the users' password hashes, read for the check `auth::login` makes.
//!
//! A real user's failed attempts are stored in `failed_logins`, for the lockout, and kept for twice its window. A
//! failure for a tenant or username that does not exist is only counted, per tenant and hour
//! (`failed_login_tallies`): a stranger's guesses cannot grow the database without bound, and a name that is no
//! user's (often a password typed into the wrong field) is never stored.

use uuid::Uuid;

use super::{Store, StoreError, Tx, User, execute, on_pool, on_tx};
use crate::ids::{TeamId, TenantId, UserId};

/// Failed logins within [`LOCKOUT_WINDOW_MS`] that block a user (Datatilsynet's guidance: 3 within 24 hours).
pub const LOCKOUT_FAILURES: i64 = 3;
/// The window in which failed logins count towards a block.
pub const LOCKOUT_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// A user row with its password hash, read only for a password login (`auth::login`).
#[derive(sqlx::FromRow)]
struct Candidate {
    id: UserId,
    tenant_id: TenantId,
    username: String,
    role: String,
    team_id: Option<TeamId>,
    blocked_at: Option<i64>,
    password_hash: String,
}

impl Store {
    /// Clears a user's block; failures before now no longer count towards a new one. Returns whether the user
    /// exists. Meant for an admin.
    pub async fn unblock_user(&self, user_id: &UserId, now: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE users SET blocked_at = NULL, failures_cleared_at = $1 WHERE id = $2";
        let done = execute!(self, sqlx::query(sql).bind(now).bind(user_id))?;
        Ok(done == 1)
    }

    /// The user `username` of a tenant with their password hash, for a password login (`auth::login`), which
    /// checks the password; the store only keeps the hash.
    pub async fn login_candidate(
        &self,
        tenant_id: &TenantId,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let sql = "SELECT id, tenant_id, username, role, team_id, blocked_at, password_hash FROM users \
                   WHERE tenant_id = $1 AND username = $2";
        let row: Option<Candidate> = on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(tenant_id)
                .bind(username)
                .fetch_optional(pool)
                .await
        })?;
        row.map(|candidate| {
            let user = User {
                role: candidate.role.parse()?,
                id: candidate.id,
                tenant_id: candidate.tenant_id,
                username: candidate.username,
                team_id: candidate.team_id,
                blocked_at: candidate.blocked_at,
            };
            Ok((user, candidate.password_hash))
        })
        .transpose()
    }

    /// Counts one failed login for a tenant (`None`: no such tenant) whose username names nobody.
    pub async fn tally_unknown_failure(
        &self,
        tenant_id: Option<&TenantId>,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO failed_login_tallies (tenant_key, hour_start, failures) VALUES ($1, $2, 1) \
                   ON CONFLICT (tenant_key, hour_start) DO UPDATE \
                   SET failures = failed_login_tallies.failures + 1";
        let hour_start = now - now.rem_euclid(HOUR_MS);
        execute!(
            self,
            sqlx::query(sql)
                .bind(tenant_id.map_or("", TenantId::as_str))
                .bind(hour_start)
        )?;
        Ok(())
    }

    /// The failed logins for names that are no user's, per hour since `from` (ms), oldest first: for a tenant,
    /// or with `None` for tenant slugs that name no tenant.
    pub async fn unknown_login_failures(
        &self,
        tenant_id: Option<&TenantId>,
        from: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = "SELECT hour_start, failures FROM failed_login_tallies \
                   WHERE tenant_key = $1 AND hour_start >= $2 ORDER BY hour_start";
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(tenant_id.map_or("", TenantId::as_str))
                .bind(from)
                .fetch_all(pool)
                .await
        })?)
    }

    /// Forgets real users' failed logins older than twice the lockout window (the access log keeps the record)
    /// and the tallies older than `tallies_before`. Returns how many rows went.
    pub async fn purge_failed_logins(&self, now: i64, tallies_before: i64) -> Result<u64, StoreError> {
        let failures = execute!(
            self,
            sqlx::query("DELETE FROM failed_logins WHERE at < $1").bind(now - 2 * LOCKOUT_WINDOW_MS)
        )?;
        let tallies = execute!(
            self,
            sqlx::query("DELETE FROM failed_login_tallies WHERE hour_start < $1").bind(tallies_before)
        )?;
        Ok(failures + tallies)
    }

    /// Stores one failed login of a real user and blocks them if it is the third within the window. Returns
    /// whether this call blocked the user.
    pub async fn record_failed_login(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
        username: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let insert =
            "INSERT INTO failed_logins (id, tenant_id, user_id, username, at) VALUES ($1, $2, $3, $4, $5)";
        let id = Uuid::new_v4().to_string();

        let mut tx = self.begin_write().await?;
        // Serialise failures per user, so two concurrent wrong passwords cannot both count 2 and leave the third
        // failure unblocked. SQLite's BEGIN IMMEDIATE already holds the database's write lock.
        if let Tx::Postgres(pg) = &mut tx {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id)
                .execute(&mut **pg)
                .await?;
        }
        let count = "SELECT COUNT(*) FROM failed_logins f JOIN users u ON u.id = f.user_id \
                     WHERE f.user_id = $1 AND f.at > $2 \
                     AND (u.failures_cleared_at IS NULL OR f.at > u.failures_cleared_at)";
        let block = "UPDATE users SET blocked_at = $1 WHERE id = $2 AND blocked_at IS NULL";
        let blocked = on_tx!(&mut tx, |conn| {
            sqlx::query(insert)
                .bind(&id)
                .bind(tenant_id)
                .bind(user_id)
                .bind(username)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            let failures: i64 = sqlx::query_scalar(count)
                .bind(user_id)
                .bind(now - LOCKOUT_WINDOW_MS)
                .fetch_one(&mut *conn)
                .await?;
            if failures >= LOCKOUT_FAILURES {
                let done = sqlx::query(block)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                done.rows_affected() == 1
            } else {
                false
            }
        });
        tx.commit().await?;
        Ok(blocked)
    }
}
