//! Openings of cases waiting to reach the access log: `tov case ID --purpose P` records one, and the next sync
//! sends them (`POST /v1/access/opens`) and forgets exactly those the server answered for. A phone shows the cases
//! it holds without the server knowing, often offline, so the purpose travels later. No case content is kept here.

use sqlx::Row;
use sync_core::DocumentId;

use super::{Store, StoreError};

/// One opening of a case, as the server's log takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// The row, to forget it once sent.
    pub id: i64,
    pub doc: DocumentId,
    /// One of sync-core's `OPEN_PURPOSES`.
    pub purpose: String,
    /// When, by this device's clock.
    pub at_ms: i64,
}

impl Store {
    pub async fn record_opening(
        &self,
        doc: &DocumentId,
        purpose: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO opens (doc_id, purpose, at_ms) VALUES (?, ?, ?)")
            .bind(doc.to_string())
            .bind(purpose)
            .bind(at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The oldest `limit` openings not yet sent.
    pub async fn openings(&self, limit: i64) -> Result<Vec<Opening>, StoreError> {
        let rows = sqlx::query("SELECT id, doc_id, purpose, at_ms FROM opens ORDER BY id LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get("doc_id")?;
                Ok(Opening {
                    id: row.try_get("id")?,
                    doc: text
                        .parse()
                        .map_err(|_| StoreError::Damaged(format!("document id {text:?}")))?,
                    purpose: row.try_get("purpose")?,
                    at_ms: row.try_get("at_ms")?,
                })
            })
            .collect()
    }

    /// Forgets openings the server has answered for (rows are only ever added after them, so "up to the last id
    /// sent" is exactly the batch).
    pub async fn forget_openings(&self, up_to_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM opens WHERE id <= ?")
            .bind(up_to_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
