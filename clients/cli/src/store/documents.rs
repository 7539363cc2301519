//! Documents in the store: appended automerge chunks, the heads they add up to, and the acknowledged heads.
//!
//! A document is written incrementally: each write appends `save_after(stored heads)` (the raw new changes) as a
//! chunk, so a contact added to a year-old case costs a few hundred bytes, not the whole case. After
//! [`COMPACT_AFTER`] chunks the next write replaces them with one full, compressed save. Loading concatenates the
//! chunks, which automerge reads as a document followed by changes. Each chunk is sealed on its own under the data
//! key ([`super::seal`]), so an append encrypts only what it adds.
//!
//! A document the server has never acknowledged (a case made on this device, not uploaded yet) is kept as one
//! compressed save instead, rewritten at each edit: that save is what its upload sends, as it is, without loading
//! the document ([`Store::saved_among`]; a new case is a few kilobytes, and loading it was most of a phone's work
//! in uploading it). A document the server sent whole is stored as the bytes that came, in one chunk, without
//! loading it ([`WriteTx::insert_received_whole`]).

use std::collections::HashMap;
use std::sync::Arc;

use automerge::{ActorId, Automerge, ChangeHash, SaveOptions};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use sync_core::DocumentId;
use sync_core::protocol::sync_message::knows_all;

use super::seal::chunk_aad;
use super::{Store, StoreError};
use crate::keys::DataKey;

/// How many chunks a document may grow to before its next write compacts it into one.
pub const COMPACT_AFTER: i64 = 32;

/// How many documents one statement reads or writes: a fresh device's first sync receives its whole caseload, and
/// a statement each was a round trip each to SQLite's worker thread (most of that sync's time on the phone). Four
/// parameters a row stay far below SQLite's limit of 32,766.
const ROWS_PER_STATEMENT: usize = 100;

/// A document's bookkeeping, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    pub id: DocumentId,
    pub heads: Vec<ChangeHash>,
    /// The heads of the server's last Ack, if it sent one.
    pub acked: Option<Vec<ChangeHash>>,
}

/// The server's Ack of a document, to record ([`Store::record_acks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckRecord {
    pub doc: DocumentId,
    pub heads: Vec<ChangeHash>,
    /// The Ack covers every local change: refusals recorded for earlier changes no longer apply.
    pub clears_refusals: bool,
}

impl StoredDoc {
    /// Whether the document has changes the server has not acknowledged. Acked heads are heads the device itself
    /// announced, so "every change is covered by them" is the same as "they are the document's heads".
    pub fn is_pending(&self) -> bool {
        self.acked.as_ref() != Some(&self.heads)
    }
}

/// Sorted heads as one blob of 32-byte hashes, so two heads columns compare with `=`.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort_unstable();
    sorted.iter().flat_map(|h| h.0).collect()
}

pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, StoreError> {
    bytes
        .chunks(32)
        .map(|hash| {
            ChangeHash::try_from(hash).map_err(|_| StoreError::Damaged("heads are not 32-byte hashes".into()))
        })
        .collect()
}

fn parse_id(text: &str) -> Result<DocumentId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Damaged(format!("document id {text:?}")))
}

fn stored_doc(row: &sqlx::sqlite::SqliteRow) -> Result<StoredDoc, StoreError> {
    let acked: Option<Vec<u8>> = row.try_get("acked_heads")?;
    Ok(StoredDoc {
        id: parse_id(row.try_get("doc_id")?)?,
        heads: decode_heads(row.try_get("heads")?)?,
        acked: acked.map(|bytes| decode_heads(&bytes)).transpose()?,
    })
}

/// Opens a document's sealed chunks (`seq`, bytes) and concatenates them.
fn open_chunks<'a>(
    key: &DataKey,
    id: &str,
    rows: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> Result<Vec<u8>, StoreError> {
    let mut bytes = Vec::new();
    for (seq, sealed) in rows {
        let chunk = key
            .open(&chunk_aad(id, seq), sealed)
            .map_err(|_| StoreError::Damaged(format!("chunk {seq} of document {id} does not decrypt")))?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A received document's first chunk: its whole save, not deflated (a case is a few kilobytes, and deflating it
/// was a tenth of the phone's work in a fresh device's first sync; compaction deflates it later with the rest).
fn received_chunk(doc: &Automerge) -> Vec<u8> {
    doc.save_with_options(SaveOptions {
        deflate: false,
        retain_orphans: true,
    })
}

/// A document made on this device is kept as `Automerge::save` writes it, which is what its upload sends.
fn own_chunk(doc: &Automerge) -> Vec<u8> {
    doc.save()
}

/// A document's chunks as [`Store::saved_among`] reads them, opened and concatenated.
#[derive(Debug)]
pub struct SavedDoc {
    pub id: DocumentId,
    pub heads: Vec<ChangeHash>,
    /// Whether `bytes` is one chunk, a whole save: a document the server has never acknowledged always is.
    pub one_save: bool,
    pub bytes: Vec<u8>,
}

/// Binds `ids` as the list of an `IN (` the query ends with, and closes it.
fn push_id_list(query: &mut QueryBuilder<Sqlite>, ids: &[DocumentId]) {
    let mut listed = query.separated(", ");
    for id in ids {
        listed.push_bind(id.to_string());
    }
    query.push(")");
}

/// The statement that reads the bookkeeping ([`stored_doc`]) of those of `ids` the store holds; callers pass at
/// most [`ROWS_PER_STATEMENT`] ids.
fn bookkeeping_among(ids: &[DocumentId]) -> QueryBuilder<Sqlite> {
    let mut query =
        QueryBuilder::<Sqlite>::new("SELECT doc_id, heads, acked_heads FROM documents WHERE doc_id IN (");
    push_id_list(&mut query, ids);
    query
}

/// A document's sealed chunks, in order, for [`open_chunks`].
const CHUNKS_OF_DOCUMENT: &str = "SELECT seq, bytes FROM document_chunks WHERE doc_id = ? ORDER BY seq";

/// Loads concatenated chunks as a document for `actor`.
pub fn load_automerge(bytes: &[u8], actor: ActorId) -> Result<Automerge, StoreError> {
    Automerge::load(bytes)
        .map(|doc| doc.with_actor(actor))
        .map_err(|e| StoreError::Damaged(format!("unreadable document: {e}")))
}

impl Store {
    /// Every document's bookkeeping, in id order.
    pub async fn documents(&self) -> Result<Vec<StoredDoc>, StoreError> {
        let rows = sqlx::query("SELECT doc_id, heads, acked_heads FROM documents ORDER BY doc_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_doc).collect()
    }

    /// The documents with changes the server has not acknowledged.
    pub async fn pending(&self) -> Result<Vec<StoredDoc>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc_id, heads, acked_heads FROM documents \
             WHERE acked_heads IS NULL OR acked_heads != heads ORDER BY doc_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_doc).collect()
    }

    pub async fn document(&self, id: &DocumentId) -> Result<Option<StoredDoc>, StoreError> {
        let row = sqlx::query("SELECT doc_id, heads, acked_heads FROM documents WHERE doc_id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_doc).transpose()
    }

    /// The bookkeeping of those of `ids` the store holds, a hundred to a statement.
    pub async fn documents_among(&self, ids: &[DocumentId]) -> Result<Vec<StoredDoc>, StoreError> {
        let mut found = Vec::new();
        for batch in ids.chunks(ROWS_PER_STATEMENT) {
            for row in bookkeeping_among(batch).build().fetch_all(&self.pool).await? {
                found.push(stored_doc(&row)?);
            }
        }
        Ok(found)
    }

    /// The document's saved bytes (its chunks, concatenated), if the store has it.
    pub async fn load_bytes(&self, id: &DocumentId) -> Result<Option<Vec<u8>>, StoreError> {
        let id = id.to_string();
        let chunks: Vec<(i64, Vec<u8>)> = sqlx::query_as(CHUNKS_OF_DOCUMENT)
            .bind(&id)
            .fetch_all(&self.pool)
            .await?;
        if chunks.is_empty() {
            return Ok(None);
        }
        open_chunks(
            &self.key,
            &id,
            chunks.iter().map(|(seq, sealed)| (*seq, sealed.as_slice())),
        )
        .map(Some)
    }

    pub async fn load(&self, id: &DocumentId, actor: ActorId) -> Result<Option<Automerge>, StoreError> {
        self.load_bytes(id)
            .await?
            .map(|bytes| load_automerge(&bytes, actor))
            .transpose()
    }

    /// Those of `ids` the store holds, loaded for `actor`.
    pub async fn load_among(
        &self,
        ids: &[DocumentId],
        actor: &ActorId,
    ) -> Result<Vec<(DocumentId, Automerge)>, StoreError> {
        self.saved_among(ids)
            .await?
            .into_iter()
            .map(|saved| Ok((saved.id, load_automerge(&saved.bytes, actor.clone())?)))
            .collect()
    }

    /// The saved bytes and heads of those of `ids` the store holds, in id order: their chunks read a hundred
    /// documents to a statement.
    pub async fn saved_among(&self, ids: &[DocumentId]) -> Result<Vec<SavedDoc>, StoreError> {
        let mut saved = Vec::new();
        for batch in ids.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT doc_id, heads, seq, bytes FROM document_chunks JOIN documents USING (doc_id) \
                 WHERE doc_id IN (",
            );
            push_id_list(&mut query, batch);
            query.push(" ORDER BY doc_id, seq");
            let rows: Vec<(String, Vec<u8>, i64, Vec<u8>)> =
                query.build_query_as().fetch_all(&self.pool).await?;
            for document in rows.chunk_by(|a, b| a.0 == b.0) {
                let (id, heads, _, _) = &document[0];
                let chunks = document
                    .iter()
                    .map(|(_, _, seq, sealed)| (*seq, sealed.as_slice()));
                saved.push(SavedDoc {
                    id: parse_id(id)?,
                    heads: decode_heads(heads)?,
                    one_save: document.len() == 1,
                    bytes: open_chunks(&self.key, id, chunks)?,
                });
            }
        }
        Ok(saved)
    }

    /// Persists a document that received changes through sync. If another tov process wrote changes to the store
    /// meanwhile (a local edit during `sync --watch`), they are merged into `doc` first, so neither side's changes
    /// are lost; returns whether that happened, so the caller can upload them.
    pub async fn save_synced(
        &self,
        id: &DocumentId,
        doc: &mut Automerge,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let merged = tx.save_synced(id, doc, now_ms).await?;
        tx.commit().await?;
        Ok(merged)
    }

    /// Records the heads of one Ack (the link records them in batches, [`Self::record_acks`]; tests one by one).
    #[cfg(test)]
    pub async fn set_acked(&self, id: &DocumentId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        self.record_acks(&[AckRecord {
            doc: *id,
            heads: heads.to_vec(),
            clears_refusals: false,
        }])
        .await
    }

    /// Records the heads of many Acks in one transaction (one fsync, where one per Ack made an upload of a thousand
    /// cases wait for a thousand), a hundred to a statement, and drops the refusals of the documents they settle.
    /// Of two Acks of one document the later counts, as it would written one after the other.
    pub async fn record_acks(&self, acks: &[AckRecord]) -> Result<(), StoreError> {
        let mut latest: HashMap<DocumentId, &AckRecord> = HashMap::new();
        for ack in acks {
            latest.insert(ack.doc, ack);
        }
        let latest: Vec<&AckRecord> = latest.into_values().collect();
        let settled: Vec<DocumentId> = acks.iter().filter(|a| a.clears_refusals).map(|a| a.doc).collect();
        let mut tx = self.pool.begin().await?;
        for batch in latest.chunks(ROWS_PER_STATEMENT) {
            // SQLite names the columns of a VALUES list column1, column2.
            let mut query =
                QueryBuilder::<Sqlite>::new("UPDATE documents SET acked_heads = acks.column2 FROM (");
            query.push_values(batch, |mut row, ack| {
                row.push_bind(ack.doc.to_string())
                    .push_bind(encode_heads(&ack.heads));
            });
            query.push(") AS acks WHERE documents.doc_id = acks.column1");
            query.build().execute(&mut *tx).await?;
        }
        for batch in settled.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new("DELETE FROM refusals WHERE doc_id IN (");
            push_id_list(&mut query, batch);
            query.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a document, its chunks and its acknowledged heads.
    pub async fn delete(&self, id: &DocumentId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM documents WHERE doc_id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Starts a write transaction that holds SQLite's write lock from the start (`BEGIN IMMEDIATE`): a document
    /// read in it cannot change underneath before the edit is appended.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        Ok(WriteTx {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            key: self.key.clone(),
        })
    }
}

/// A write transaction; dropping it without [`WriteTx::commit`] rolls it back.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    key: Arc<DataKey>,
}

impl WriteTx {
    /// [`Store::save_synced`] inside this transaction, so that many received documents share one commit.
    pub async fn save_synced(
        &mut self,
        id: &DocumentId,
        doc: &mut Automerge,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let merged = self.save_synced_all([(id, doc)], now_ms).await?;
        Ok(!merged.is_empty())
    }

    /// [`Self::save_synced`] for many documents: the store's heads of all of them are read together and the new
    /// ones written together, a hundred to a statement. Returns the documents a local edit was merged into.
    pub async fn save_synced_all<'d>(
        &mut self,
        docs: impl IntoIterator<Item = (&'d DocumentId, &'d mut Automerge)>,
        now_ms: i64,
    ) -> Result<Vec<DocumentId>, StoreError> {
        let docs: Vec<(&DocumentId, &mut Automerge)> = docs.into_iter().collect();
        let ids: Vec<DocumentId> = docs.iter().map(|(id, _)| **id).collect();
        let stored = self.heads_among(&ids).await?;
        let mut merged = Vec::new();
        let mut new = Vec::new();
        for (id, doc) in docs {
            let Some(heads) = stored.get(id) else {
                new.push((*id, &*doc));
                continue;
            };
            if !knows_all(doc, heads) {
                let bytes = self.chunk_bytes(&id.to_string()).await?;
                let mut stored = load_automerge(&bytes, doc.get_actor().clone())?;
                doc.merge(&mut stored)
                    .map_err(|e| StoreError::Damaged(format!("merging the stored document: {e}")))?;
                merged.push(*id);
            }
            self.append(id, doc, heads, now_ms).await?;
        }
        self.insert_new(&new, received_chunk, now_ms).await?;
        Ok(merged)
    }

    /// The stored heads of those of `ids` the store holds.
    async fn heads_among(
        &mut self,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, Vec<ChangeHash>>, StoreError> {
        let mut found = HashMap::new();
        for batch in ids.chunks(ROWS_PER_STATEMENT) {
            for row in bookkeeping_among(batch).build().fetch_all(&mut *self.tx).await? {
                let stored = stored_doc(&row)?;
                found.insert(stored.id, stored.heads);
            }
        }
        Ok(found)
    }

    /// The document's bytes and stored heads.
    pub async fn load(&mut self, id: &DocumentId) -> Result<Option<(Vec<u8>, Vec<ChangeHash>)>, StoreError> {
        let heads: Option<Vec<u8>> = sqlx::query_scalar("SELECT heads FROM documents WHERE doc_id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(heads) = heads else { return Ok(None) };
        Ok(Some((
            self.chunk_bytes(&id.to_string()).await?,
            decode_heads(&heads)?,
        )))
    }

    /// A stored document's chunks, opened and concatenated.
    async fn chunk_bytes(&mut self, id: &str) -> Result<Vec<u8>, StoreError> {
        let chunks: Vec<(i64, Vec<u8>)> = sqlx::query_as(CHUNKS_OF_DOCUMENT)
            .bind(id)
            .fetch_all(&mut *self.tx)
            .await?;
        open_chunks(
            &self.key,
            id,
            chunks.iter().map(|(seq, sealed)| (*seq, sealed.as_slice())),
        )
    }

    /// Stores documents the store does not have, each as one chunk, `save` of it.
    async fn insert_new(
        &mut self,
        docs: &[(DocumentId, &Automerge)],
        save: fn(&Automerge) -> Vec<u8>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let rows: Vec<(String, Vec<u8>, Vec<u8>)> = docs
            .iter()
            .map(|(id, doc)| {
                let id = id.to_string();
                let sealed = self.key.seal(&chunk_aad(&id, 0), &save(doc));
                (id, encode_heads(&doc.get_heads()), sealed)
            })
            .collect();
        self.insert_rows(&rows, now_ms).await
    }

    /// Stores documents the server sent whole, each as it came (`saved`, which automerge loads, at `heads`) in one
    /// chunk, without loading them: loading each was most of a phone's work in a fresh download. Returns those the
    /// store holds already (another tov command stored one meanwhile), which are not written: the caller merges them
    /// the ordinary way ([`Self::save_synced_all`]).
    pub async fn insert_received_whole(
        &mut self,
        docs: &[(DocumentId, Vec<ChangeHash>, Vec<u8>)],
        now_ms: i64,
    ) -> Result<Vec<DocumentId>, StoreError> {
        let ids: Vec<DocumentId> = docs.iter().map(|(id, ..)| *id).collect();
        let stored = self.heads_among(&ids).await?;
        let rows: Vec<(String, Vec<u8>, Vec<u8>)> = docs
            .iter()
            .filter(|(id, ..)| !stored.contains_key(id))
            .map(|(id, heads, saved)| {
                let id = id.to_string();
                let sealed = self.key.seal(&chunk_aad(&id, 0), saved);
                (id, encode_heads(heads), sealed)
            })
            .collect();
        self.insert_rows(&rows, now_ms).await?;
        Ok(ids.into_iter().filter(|id| stored.contains_key(id)).collect())
    }

    /// Inserts documents of one sealed chunk each: (id, encoded heads, sealed chunk).
    async fn insert_rows(
        &mut self,
        rows: &[(String, Vec<u8>, Vec<u8>)],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            let mut query =
                QueryBuilder::<Sqlite>::new("INSERT INTO documents (doc_id, heads, chunks, updated_ms) ");
            query.push_values(batch, |mut row, (id, heads, _)| {
                row.push_bind(id)
                    .push_bind(heads)
                    .push_bind(1i64)
                    .push_bind(now_ms);
            });
            query.build().execute(&mut *self.tx).await?;
            let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO document_chunks (doc_id, seq, bytes) ");
            query.push_values(batch, |mut row, (id, _, sealed)| {
                row.push_bind(id).push_bind(0i64).push_bind(sealed);
            });
            query.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Appends what `doc` has beyond `stored_heads` (the heads the store holds, all known to `doc`), creating the
    /// document if the store does not have it (a document made on this device), and compacting it when it has grown
    /// to many chunks or the server has never acknowledged it (see the module documentation).
    pub async fn append(
        &mut self,
        id: &DocumentId,
        doc: &Automerge,
        stored_heads: &[ChangeHash],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let id_text = id.to_string();
        let heads = encode_heads(&doc.get_heads());
        let row: Option<(i64, bool)> =
            sqlx::query_as("SELECT chunks, acked_heads IS NULL FROM documents WHERE doc_id = ?")
                .bind(&id_text)
                .fetch_optional(&mut *self.tx)
                .await?;
        let Some((chunks, never_acknowledged)) = row else {
            return self.insert_new(&[(*id, doc)], own_chunk, now_ms).await;
        };
        let changes = doc.save_after(stored_heads);
        if changes.is_empty() {
            return Ok(());
        }
        let chunks = if never_acknowledged || chunks + 1 > COMPACT_AFTER {
            sqlx::query("DELETE FROM document_chunks WHERE doc_id = ?")
                .bind(&id_text)
                .execute(&mut *self.tx)
                .await?;
            self.put_chunk(&id_text, 0, &own_chunk(doc)).await?;
            1
        } else {
            let next: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(seq), -1) + 1 FROM document_chunks WHERE doc_id = ?")
                    .bind(&id_text)
                    .fetch_one(&mut *self.tx)
                    .await?;
            self.put_chunk(&id_text, next, &changes).await?;
            chunks + 1
        };
        sqlx::query("UPDATE documents SET heads = ?, chunks = ?, updated_ms = ? WHERE doc_id = ?")
            .bind(&heads)
            .bind(chunks)
            .bind(now_ms)
            .bind(&id_text)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn put_chunk(&mut self, id: &str, seq: i64, bytes: &[u8]) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO document_chunks (doc_id, seq, bytes) VALUES (?, ?, ?)")
            .bind(id)
            .bind(seq)
            .bind(self.key.seal(&chunk_aad(id, seq), bytes))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
