//! Refusals and purge notes: what the server would not take from this device, and what it told it to delete.
//!
//! A refusal stays listed (in `tov status`, next to the case) until the document's changes are acknowledged: the
//! worker has to see that a visit did not reach the office. Its message is the server's, which the protocol says
//! never holds citizen data; it is sealed all the same ([`super::seal`]): a validation message names fields, and a
//! field a faulty client invented could be named after anything. Purge notes keep no citizen data, only the
//! document id, the reason and what the device did, because the point of a purge is that the data leaves the
//! device.

use sqlx::Row;
use sync_core::DocumentId;

use super::seal::refusal_aad;
use super::{Store, StoreError};

/// A change the server refused, as `tov status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalNote {
    pub doc: DocumentId,
    /// `not_found`, `invalid` or `write_forbidden`.
    pub reason: String,
    /// The server's message: safe to show, never citizen data.
    pub message: String,
    pub at_ms: i64,
}

/// What the device did with a purged document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeOutcome {
    Deleted,
    /// Deleted with `--force` although it had changes the server had not acknowledged.
    DeletedPending,
    /// Not deleted: it has changes the server has not acknowledged, and `--force` was not given.
    KeptPending,
}

impl PurgeOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::DeletedPending => "deleted_pending",
            Self::KeptPending => "kept_pending",
        }
    }

    fn from_code(code: &str) -> Self {
        match code {
            "deleted_pending" => Self::DeletedPending,
            "kept_pending" => Self::KeptPending,
            _ => Self::Deleted,
        }
    }
}

/// A purge the server asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeNote {
    pub doc: DocumentId,
    /// `unassigned`, `course_ended`, `device_revoked` or `other`.
    pub reason: String,
    pub outcome: PurgeOutcome,
    pub at_ms: i64,
}

fn doc_id(row: &sqlx::sqlite::SqliteRow) -> Result<DocumentId, StoreError> {
    let text: String = row.try_get("doc_id")?;
    text.parse()
        .map_err(|_| StoreError::Damaged(format!("document id {text:?}")))
}

impl Store {
    /// Records a refusal. The server refuses the same changes again at every connection until they are
    /// corrected, so an identical earlier refusal is replaced rather than repeated.
    pub async fn add_refusal(&self, note: &RefusalNote) -> Result<(), StoreError> {
        let doc = note.doc.to_string();
        let aad = refusal_aad(&doc);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Sealed messages differ every time, so the earlier copy is found by opening them.
        let earlier: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT id, message FROM refusals WHERE doc_id = ? AND reason = ?")
                .bind(&doc)
                .bind(&note.reason)
                .fetch_all(&mut *tx)
                .await?;
        for (id, sealed) in earlier {
            if self
                .key
                .open(&aad, &sealed)
                .is_ok_and(|m| m == note.message.as_bytes())
            {
                sqlx::query("DELETE FROM refusals WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("INSERT INTO refusals (doc_id, reason, message, at_ms) VALUES (?, ?, ?, ?)")
            .bind(&doc)
            .bind(&note.reason)
            .bind(self.key.seal(&aad, note.message.as_bytes()))
            .bind(note.at_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded refusal, oldest first.
    pub async fn refusals(&self) -> Result<Vec<RefusalNote>, StoreError> {
        let rows = sqlx::query("SELECT doc_id, reason, message, at_ms FROM refusals ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let doc = doc_id(row)?;
                let sealed: Vec<u8> = row.try_get("message")?;
                let message = self
                    .key
                    .open(&refusal_aad(&doc.to_string()), &sealed)
                    .ok()
                    .and_then(|plain| String::from_utf8(plain).ok())
                    .ok_or_else(|| {
                        StoreError::Damaged(format!("a refusal message of {doc} does not decrypt"))
                    })?;
                Ok(RefusalNote {
                    doc,
                    reason: row.try_get("reason")?,
                    message,
                    at_ms: row.try_get("at_ms")?,
                })
            })
            .collect()
    }

    pub async fn add_purge(&self, note: &PurgeNote) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO purges (doc_id, reason, outcome, at_ms) VALUES (?, ?, ?, ?)")
            .bind(note.doc.to_string())
            .bind(&note.reason)
            .bind(note.outcome.code())
            .bind(note.at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest `limit` purge notes, newest first.
    pub async fn purges(&self, limit: i64) -> Result<Vec<PurgeNote>, StoreError> {
        let rows = sqlx::query("SELECT doc_id, reason, outcome, at_ms FROM purges ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let outcome: String = row.try_get("outcome")?;
                Ok(PurgeNote {
                    doc: doc_id(row)?,
                    reason: row.try_get("reason")?,
                    outcome: PurgeOutcome::from_code(&outcome),
                    at_ms: row.try_get("at_ms")?,
                })
            })
            .collect()
    }
}
