//! Citizen check-in links: created by a worker, opened and used once by the citizen, expiring.
//!
//! The link carries a random secret; only its SHA-256 is stored, so a copy of the database cannot be used to
//! answer a citizen's check-in. "Used" is claimed atomically, so two submissions of one link cannot both land.

use sync_core::DocumentId;

use super::{Store, StoreError, execute, on_pool};
use crate::ids::{TenantId, UserId};

/// A check-in to create.
#[derive(Clone, Copy, Debug)]
pub struct NewCheckin<'a> {
    pub token_hash: &'a str,
    pub tenant_id: &'a TenantId,
    pub case_id: &'a DocumentId,
    pub contact_id: &'a str,
    /// `ors`, `srs` or `ors,srs`.
    pub scales: &'a str,
    pub created_by: &'a UserId,
    pub now_ms: i64,
    pub expires_at: i64,
}

/// A stored check-in.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkin {
    pub tenant_id: TenantId,
    pub case_id: String,
    pub contact_id: String,
    pub scales: String,
    pub created_by: UserId,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Store {
    pub async fn create_checkin(&self, new: &NewCheckin<'_>) -> Result<(), StoreError> {
        let sql = "INSERT INTO checkins (token_hash, tenant_id, case_id, contact_id, scales, created_by, \
                   created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(new.token_hash)
                .bind(new.tenant_id)
                .bind(new.case_id.to_string())
                .bind(new.contact_id)
                .bind(new.scales)
                .bind(new.created_by)
                .bind(new.now_ms)
                .bind(new.expires_at)
        )?;
        Ok(())
    }

    /// The check-in whose secret hashes to `token_hash`, used or not.
    pub async fn checkin(&self, token_hash: &str) -> Result<Option<Checkin>, StoreError> {
        let sql = "SELECT tenant_id, case_id, contact_id, scales, created_by, expires_at, used_at \
                   FROM checkins WHERE token_hash = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?)
    }

    /// Marks the check-in used if it is unused and unexpired; false if another submission got there first or
    /// it expired.
    pub async fn claim_checkin(&self, token_hash: &str, now_ms: i64) -> Result<bool, StoreError> {
        let sql =
            "UPDATE checkins SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1";
        Ok(execute!(self, sqlx::query(sql).bind(now_ms).bind(token_hash))? == 1)
    }

    /// Gives a claimed check-in back (its scores could not be stored), so the citizen can try again.
    pub async fn release_checkin(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = "UPDATE checkins SET used_at = NULL WHERE token_hash = $1";
        execute!(self, sqlx::query(sql).bind(token_hash))?;
        Ok(())
    }
}
