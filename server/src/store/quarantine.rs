//! Quarantined changes: what the server refused, kept with the reason so the worker and the lead can see it.
//!
//! A refusal must not be lost (the device stops re-sending what was refused) and must not block the device's
//! other documents, so it is stored here, outside the document, with the raw change bytes. Listings leave the
//! bytes out: they are citizen data and only a deliberate export should read them.

use sync_core::DocumentId;
use uuid::Uuid;

use super::{Store, StoreError, execute, on_pool};
use crate::ids::{DeviceId, TenantId, UserId};

/// A refusal to store.
#[derive(Clone, Copy, Debug)]
pub struct Quarantined<'a> {
    pub tenant_id: &'a TenantId,
    /// The document the changes were for. It may not exist, or not be the device's to see.
    pub doc_id: &'a DocumentId,
    pub device_id: Option<&'a DeviceId>,
    pub user_id: Option<&'a UserId>,
    /// A stable code, e.g. `invalid` or `forbidden`.
    pub reason: &'a str,
    /// A sentence for a person, naming the field (never a value from the document).
    pub message: &'a str,
    /// The refused automerge changes, concatenated.
    pub bytes: &'a [u8],
    pub now_ms: i64,
}

/// A stored refusal, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QuarantineEntry {
    pub id: String,
    pub tenant_id: TenantId,
    pub doc_id: String,
    pub device_id: Option<DeviceId>,
    pub user_id: Option<UserId>,
    pub reason: String,
    pub message: String,
    /// How many bytes of changes were refused.
    pub byte_len: i64,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// `SELECT`s the columns of [`QuarantineEntry`], followed by the given clause.
macro_rules! select_entry {
    ($rest:literal) => {
        concat!(
            "SELECT id, tenant_id, doc_id, device_id, user_id, reason, message, ",
            "CAST(LENGTH(bytes) AS BIGINT) AS byte_len, created_at, resolved_at FROM quarantine ",
            $rest
        )
    };
}

impl Store {
    /// Stores a refusal and returns its id.
    pub async fn quarantine(&self, q: &Quarantined<'_>) -> Result<String, StoreError> {
        let id = Uuid::new_v4().to_string();
        let sql = "INSERT INTO quarantine (id, tenant_id, doc_id, device_id, user_id, reason, message, bytes, \
                   created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(&id)
                .bind(q.tenant_id)
                .bind(q.doc_id.to_string())
                .bind(q.device_id)
                .bind(q.user_id)
                .bind(q.reason)
                .bind(q.message)
                .bind(q.bytes)
                .bind(q.now_ms)
        )?;
        Ok(id)
    }

    /// A device's refusals, oldest first.
    pub async fn quarantined_for_device(
        &self,
        device_id: &DeviceId,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let sql = select_entry!("WHERE device_id = $1 ORDER BY created_at, id");
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(device_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A case's refusals from the tenant's devices, oldest first. Refusals of another tenant's devices that named
    /// the same id (a guess, or a probe) are theirs, not the case's.
    pub async fn quarantined_for_case(
        &self,
        tenant_id: &TenantId,
        doc_id: &DocumentId,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let sql = select_entry!("WHERE doc_id = $1 AND tenant_id = $2 ORDER BY created_at, id");
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .bind(tenant_id)
            .fetch_all(pool)
            .await)?)
    }

    /// One refusal, by id.
    pub async fn quarantined(&self, id: &str) -> Result<Option<QuarantineEntry>, StoreError> {
        let sql = select_entry!("WHERE id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Marks a refusal as handled (dismissed by a person). False if it was already, or does not exist.
    pub async fn dismiss_quarantined(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE quarantine SET resolved_at = $2 WHERE id = $1 AND resolved_at IS NULL";
        let rows = execute!(self, sqlx::query(sql).bind(id).bind(now_ms))?;
        Ok(rows == 1)
    }
}
