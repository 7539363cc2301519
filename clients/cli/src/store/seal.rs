//! What of the store is encrypted, and the one-time sealing of a store that an older tov wrote in plaintext.
//!
//! Sealed under the profile's data key ([`crate::keys`]): every document chunk (its additional data names the
//! document and the chunk's number, so a chunk moved to another document or place does not open) and every refusal
//! message (the document). In the clear stay document ids, heads, chunk counts, times, the cursor, the actor id and
//! the purge notes: what the protocol and `tov status`/`tov reset` need without the key, and no citizen data.
//!
//! The meta row `sealed` holds a known text sealed under the key: its presence says every row is sealed, and that
//! it opens says the key is the store's. A store without it (an older tov's, or one just created) is sealed when it
//! is opened, in one write transaction that ends by adding the row, so an interrupted migration leaves the store as
//! it was and the next open starts again. Then the file is vacuumed and its WAL truncated, so the pages that held
//! plaintext are rewritten rather than left in the file; `secure_delete` (set on every connection) zeroes what is
//! deleted from then on.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sqlx::Row;

use super::{Store, StoreError};

/// The meta key of the check value.
const SEALED: &str = "sealed";
/// What the check value seals.
const CHECK: &[u8] = b"tov store sealed under this key";
const CHECK_AAD: &[u8] = b"tov store check v1";

/// Additional data of a document chunk.
pub(super) fn chunk_aad(doc: &str, seq: i64) -> Vec<u8> {
    format!("tov chunk v1\0{doc}\0{seq}").into_bytes()
}

/// Additional data of a refusal message.
pub(super) fn refusal_aad(doc: &str) -> Vec<u8> {
    format!("tov refusal v1\0{doc}").into_bytes()
}

impl Store {
    /// Checks that the store is sealed under this key, sealing it first if it is not sealed yet.
    pub(super) async fn seal_plaintext(&self) -> Result<(), StoreError> {
        if let Some(check) = self.meta(SEALED).await? {
            return self.check(&check);
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Another tov process may have sealed the store while this one waited for the lock.
        let check: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(SEALED)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(check) = check {
            return self.check(&check);
        }
        let chunks = sqlx::query("SELECT doc_id, seq, bytes FROM document_chunks")
            .fetch_all(&mut *tx)
            .await?;
        for row in &chunks {
            let doc: String = row.try_get("doc_id")?;
            let seq: i64 = row.try_get("seq")?;
            let bytes: Vec<u8> = row.try_get("bytes")?;
            sqlx::query("UPDATE document_chunks SET bytes = ? WHERE doc_id = ? AND seq = ?")
                .bind(self.key.seal(&chunk_aad(&doc, seq), &bytes))
                .bind(&doc)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        let refusals = sqlx::query("SELECT id, doc_id, message FROM refusals")
            .fetch_all(&mut *tx)
            .await?;
        for row in &refusals {
            let id: i64 = row.try_get("id")?;
            let doc: String = row.try_get("doc_id")?;
            let message: Vec<u8> = row.try_get("message")?;
            sqlx::query("UPDATE refusals SET message = ? WHERE id = ?")
                .bind(self.key.seal(&refusal_aad(&doc), &message))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?)")
            .bind(SEALED)
            .bind(BASE64.encode(self.key.seal(CHECK_AAD, CHECK)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if !chunks.is_empty() || !refusals.is_empty() {
            // Rewrite the file without the plaintext pages, and empty the WAL that held their last versions.
            sqlx::query("VACUUM").execute(&self.pool).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    fn check(&self, check: &str) -> Result<(), StoreError> {
        let sealed = BASE64
            .decode(check)
            .map_err(|_| StoreError::Damaged("the seal check is not base64".into()))?;
        match self.key.open(CHECK_AAD, &sealed) {
            Ok(plain) if plain == CHECK => Ok(()),
            _ => Err(StoreError::WrongKey),
        }
    }
}
