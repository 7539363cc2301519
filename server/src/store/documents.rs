//! Case documents in the store: loading, committing changes with their projection, and compaction.
//!
//! A document is stored as at most one snapshot (`doc_snapshots`: the whole document a device created, or what
//! compaction folded together) plus the changes committed since (`doc_changes`, one row per automerge change).
//! Every commit takes the next number of its tenant's change sequence; `cases.seq` and `cases.heads` say where
//! each document stands, so a reconnecting device learns what changed without any document being loaded.
//!
//! Reads that combine the snapshot and the changes are single statements: compaction replaces changes by a
//! snapshot in one transaction, and one statement sees either the changes or the snapshot that folded them in,
//! never neither.

use std::collections::HashMap;

use sync_core::DocumentId;

use super::{AuditRecord, Heads, Notice, Reach, Store, StoreError, Tx, case_id, on_pool, on_tx};

/// Rows per multi-row `INSERT`: at 8 columns, far below SQLite's (32,766) and PostgreSQL's (65,535) parameter
/// limits.
const ROWS_PER_INSERT: usize = 500;
use crate::ids::{DeviceId, TeamId, TenantId, UserId};
use crate::projection::Projection;

/// A document as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDocument {
    pub doc_id: DocumentId,
    pub tenant_id: TenantId,
    pub team_id: Option<TeamId>,
    /// The snapshot, then every later change, concatenated: loadable with `automerge::Automerge::load`. Empty
    /// for a case row that has had no commit yet.
    pub bytes: Vec<u8>,
    /// The heads of the document these bytes load to (none for a case row without commits), read in the same
    /// statement.
    pub heads: Heads,
    /// The sequence number of the last commit these bytes include (0 when none): pass it to
    /// [`Store::changes_after`] to catch up later.
    pub seq: i64,
}

/// One commit of changes to a document, with the projection of the document as it stands after them.
#[derive(Clone, Copy, Debug)]
pub struct DocumentCommit<'a> {
    pub doc_id: &'a DocumentId,
    pub tenant_id: &'a TenantId,
    /// The team holding the case; used when the commit creates it.
    pub team_id: Option<&'a TeamId>,
    /// Whether this commit creates the case row; [`StoreError::AlreadyExists`] if it exists already.
    pub create: bool,
    /// The sequence number of the last commit the caller's copy of the document includes (see
    /// [`StoredDocument::seq`]); `None` when creating. If another commit came in since, the commit is refused
    /// with [`StoreError::Stale`]: the projection was computed from an out-of-date document.
    pub base_seq: Option<i64>,
    /// Users to assign the new case to (only with `create`); users of another tenant are skipped.
    pub assign_users: &'a [UserId],
    /// The uploading device; `None` for changes the server made itself (the demo loader).
    pub device_id: Option<&'a DeviceId>,
    /// Whether the uploading device holds the document exactly as this commit leaves it (its heads are the
    /// document's heads after the commit): recorded in its holding (`device_holdings.held_seq`), so its next
    /// Welcome need not list the case.
    pub held_as_committed: bool,
    pub user_id: &'a UserId,
    /// Raw automerge changes (`Change::raw_bytes`), in causal order; stored one row each. Empty when `document`
    /// holds them instead.
    pub changes: &'a [Vec<u8>],
    /// For a commit that creates the case only: the whole document as committed (the document chunk a device sent
    /// it whole in, or else [`snapshot_of`]), stored as
    /// the case's snapshot instead of a row per change. A new case then loads as one chunk, which automerge reads
    /// several times faster than the changes it holds, and a device's new case costs one row.
    pub document: Option<&'a [u8]>,
    /// The hex hash of each change the commit adds, in causal order (also with `document`: the access log names
    /// them).
    pub change_hashes: &'a [String],
    /// The distinct hex actor ids of the changes ([`actors_of`]): recorded as written by `user_id`.
    pub actors: &'a [String],
    /// The document's heads after the changes.
    pub heads: &'a Heads,
    pub projection: &'a Projection,
    pub now_ms: i64,
    /// The access-log rows of the commit, appended in its transaction: a change is never stored unlogged.
    pub audit: &'a [AuditRecord<'a>],
}

impl DocumentCommit<'_> {
    /// Whom the commit may concern besides the devices syncing the case: a new case, its team and the people it
    /// is assigned to; any other commit, only those devices.
    pub fn reach(&self) -> Reach {
        Reach::of_commit(self.create, self.team_id, self.assign_users)
    }
}

/// Pushes the rows of the snapshots and changes of `doc_ids` committed after sequence `after` (columns `doc_id, seq,
/// idx, bytes`; a snapshot's `idx` is -1, so it sorts before the changes of its own number). The one place that
/// says how a document's stored chunks combine: one statement sees either the changes or the snapshot that folded
/// them in (see the module docs).
fn push_chunks<DB: sqlx::Database>(query: &mut sqlx::QueryBuilder<DB>, doc_ids: &[String], after: i64)
where
    for<'t> &'t String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    query.push("SELECT doc_id, through_seq AS seq, CAST(-1 AS BIGINT) AS idx, bytes FROM doc_snapshots ");
    query.push("WHERE doc_id IN (");
    push_ids(query, doc_ids);
    query.push(") AND through_seq > ").push_bind(after);
    query.push(" UNION ALL SELECT doc_id, seq, idx, bytes FROM doc_changes WHERE doc_id IN (");
    push_ids(query, doc_ids);
    query.push(") AND seq > ").push_bind(after);
}

fn push_ids<DB: sqlx::Database>(query: &mut sqlx::QueryBuilder<DB>, doc_ids: &[String])
where
    for<'t> &'t String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut ids = query.separated(", ");
    for doc_id in doc_ids {
        ids.push_bind(doc_id);
    }
}

/// Documents [`Store::load_documents`] reads in one statement: with their chunks, a few hundred rows.
const DOCUMENTS_PER_LOAD: usize = 100;

/// The bytes a new case is stored as ([`DocumentCommit::document`]) when it did not come as one document chunk,
/// which is stored as it came: the document's changes, and never the
/// changes automerge holds back until their dependencies arrive (`Automerge::save` keeps those by default), which
/// no write rule has checked and no commit numbered, and which a device could otherwise have stored with its new
/// case. Not deflated: a new case is a few kilobytes, and deflating it was most of the cost of saving it (perf,
/// `scripts/perf-sync`); as change rows its changes were not deflated either.
pub fn snapshot_of(doc: &automerge::Automerge) -> Vec<u8> {
    doc.save_with_options(automerge::SaveOptions {
        deflate: false,
        retain_orphans: false,
    })
}

/// The distinct hex ids of the actors of some changes (`Change::actor_id` of each), in first-seen order: what
/// [`DocumentCommit::actors`] holds.
pub fn actors_of<'a>(of_changes: impl IntoIterator<Item = &'a automerge::ActorId>) -> Vec<String> {
    let mut actors: Vec<String> = Vec::new();
    for actor in of_changes {
        let actor = actor.to_hex_string();
        if !actors.contains(&actor) {
            actors.push(actor);
        }
    }
    actors
}

impl Store {
    /// The users who wrote with `actors` in the tenant: (actor, user id, username).
    pub async fn actor_authors(
        &self,
        tenant_id: &TenantId,
        actors: &[String],
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let sql = "SELECT a.actor, a.user_id, u.username FROM change_actors a JOIN users u ON u.id = a.user_id \
                   WHERE a.tenant_id = $1 AND a.actor = $2";
        let mut found = Vec::new();
        for actor in actors {
            let row: Option<(String, String, String)> = on_pool!(self, |pool| sqlx::query_as(sql)
                .bind(tenant_id)
                .bind(actor)
                .fetch_optional(pool)
                .await)?;
            found.extend(row);
        }
        Ok(found)
    }

    /// The document `doc_id`, or `None` if there is no such case. Does not check access: see [`Store::can_see`].
    pub async fn load_document(&self, doc_id: &DocumentId) -> Result<Option<StoredDocument>, StoreError> {
        Ok(self.load_documents(std::slice::from_ref(doc_id)).await?.pop())
    }

    /// Those of `doc_ids` that no case has the id of (in any tenant), one statement per hundred: the ids a Hello's
    /// manifest offers that the device is about to create. Does not check access.
    pub async fn unused_ids(&self, doc_ids: &[DocumentId]) -> Result<Vec<DocumentId>, StoreError> {
        let mut used = std::collections::HashSet::with_capacity(doc_ids.len());
        for chunk in doc_ids.chunks(DOCUMENTS_PER_LOAD) {
            let ids: Vec<String> = chunk.iter().map(DocumentId::to_string).collect();
            let rows: Vec<String> = on_pool!(self, |pool| {
                let mut query = sqlx::QueryBuilder::new("SELECT doc_id FROM cases WHERE doc_id IN (");
                push_ids(&mut query, &ids);
                query.push(")");
                query
                    .build_query_scalar()
                    .persistent(false)
                    .fetch_all(pool)
                    .await?
            });
            used.extend(rows);
        }
        Ok(doc_ids
            .iter()
            .filter(|id| !used.contains(&id.to_string()))
            .copied()
            .collect())
    }

    /// Those of `doc_ids` that exist, in no particular order. Does not check access.
    ///
    /// One statement per hundred documents reads their case rows with their snapshots and changes: a document is
    /// loaded whenever a connection needs one that is not in memory, a fresh device's first sync loads its whole
    /// caseload (`sync::connection` `Connection::stored_document` reads it a batch at a time, to send as stored), and each statement is a round trip (on
    /// SQLite, a hand-off to sqlx's worker thread and back).
    pub async fn load_documents(&self, doc_ids: &[DocumentId]) -> Result<Vec<StoredDocument>, StoreError> {
        type Row = (
            String,
            TenantId,
            Option<TeamId>,
            String,
            Option<i64>,
            Option<Vec<u8>>,
        );
        let mut found = Vec::with_capacity(doc_ids.len());
        for chunk in doc_ids.chunks(DOCUMENTS_PER_LOAD) {
            let ids: Vec<String> = chunk.iter().map(DocumentId::to_string).collect();
            let rows: Vec<Row> = on_pool!(self, |pool| {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT c.doc_id, c.tenant_id, c.team_id, c.heads, x.seq, x.bytes FROM cases c LEFT JOIN (",
                );
                push_chunks(&mut query, &ids, 0);
                query.push(") x ON x.doc_id = c.doc_id WHERE c.doc_id IN (");
                push_ids(&mut query, &ids);
                // A case row without commits comes back once, without a chunk.
                query.push(") ORDER BY c.doc_id, x.seq, x.idx");
                query.build_query_as().persistent(false).fetch_all(pool).await?
            });
            // Rows come a document at a time: one row per chunk, in load order.
            let mut current: Option<(String, StoredDocument)> = None;
            for (doc_id, tenant_id, team_id, heads, seq, bytes) in rows {
                if current.as_ref().is_none_or(|(id, _)| *id != doc_id) {
                    found.extend(current.take().map(|(_, doc)| doc));
                    let doc = StoredDocument {
                        doc_id: case_id(&doc_id)?,
                        tenant_id,
                        team_id,
                        bytes: Vec::new(),
                        heads: Heads::decode(&heads)?,
                        seq: 0,
                    };
                    current = Some((doc_id, doc));
                }
                if let (Some((_, doc)), Some(seq), Some(bytes)) = (current.as_mut(), seq, bytes) {
                    doc.bytes.extend_from_slice(&bytes);
                    doc.seq = seq;
                }
            }
            found.extend(current.map(|(_, doc)| doc));
        }
        Ok(found)
    }

    /// What was committed to `doc_id` after sequence number `seq`, in order, each chunk with the sequence
    /// number of its commit: for a cached document to catch up with other server processes' commits.
    ///
    /// Apply each chunk with `Automerge::load_incremental`. A chunk is one change, except when compaction has
    /// already folded changes after `seq` into the snapshot: then the first chunk is that snapshot (a whole
    /// saved document, which `load_incremental` merges just the same), so nothing is ever skipped.
    pub async fn changes_after(
        &self,
        doc_id: &DocumentId,
        seq: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let ids = [doc_id.to_string()];
        let rows: Vec<(i64, i64, Vec<u8>)> = on_pool!(self, |pool| {
            let mut query = sqlx::QueryBuilder::new("SELECT seq, idx, bytes FROM (");
            push_chunks(&mut query, &ids, seq);
            query.push(") x ORDER BY seq, idx");
            query.build_query_as().persistent(false).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(seq, _, bytes)| (seq, bytes)).collect())
    }

    /// Commits changes to a document in one transaction and returns the sequence number they got (see
    /// [`Store::commit_documents`]).
    pub async fn commit_document(&self, commit: &DocumentCommit<'_>) -> Result<i64, StoreError> {
        let seqs = self.commit_documents(std::slice::from_ref(commit)).await?;
        seqs.first()
            .copied()
            .ok_or(StoreError::InvalidArgument("one commit"))
    }

    /// Commits several documents' changes in ONE transaction (group commit: one fsync for all of them) and
    /// returns the sequence number each got, in order. All or nothing: when one of them fails (a stale base, a case
    /// that exists already), none is stored and the error is returned; the caller commits them one by one to learn
    /// which. The documents must be distinct.
    ///
    /// For each commit: takes its tenant's next sequence number, creates the case (and its assignments) if asked,
    /// appends the changes (or stores the new case's whole document as its snapshot), records the new heads,
    /// replaces the document's projection rows and appends its access-log rows. On PostgreSQL it also sends a
    /// [`Notice`] per commit, delivered when the transaction commits. Rows of the same kind go in one multi-row
    /// statement for the whole group, so a group of fifty new cases costs about as many statements as one.
    pub async fn commit_documents(&self, commits: &[DocumentCommit<'_>]) -> Result<Vec<i64>, StoreError> {
        for commit in commits {
            if commit.document.is_none() && commit.changes.len() != commit.change_hashes.len() {
                return Err(StoreError::InvalidArgument("one hash per change"));
            }
            if commit.document.is_some() && (!commit.create || !commit.changes.is_empty()) {
                return Err(StoreError::InvalidArgument(
                    "a whole document only creates a case, and stands for its changes",
                ));
            }
            if commit.projection.doc_id != commit.doc_id.to_string() {
                return Err(StoreError::InvalidArgument(
                    "the projection is of another document",
                ));
            }
        }
        if commits.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        // The tenants' row locks (SQLite: the write lock) are held from here on, so the checks below cannot race
        // another process's commit to the same document.
        let seqs = tx.next_seqs(commits).await?;
        tx.check_bases(commits).await?;
        tx.insert_cases(commits, &seqs).await?;
        tx.update_cases(commits, &seqs).await?;
        tx.insert_changes(commits, &seqs).await?;
        tx.insert_documents(commits, &seqs).await?;
        tx.record_held(commits, &seqs).await?;
        tx.record_actors(commits).await?;
        let projections: Vec<(&TenantId, &Projection, bool)> = commits
            .iter()
            .map(|commit| (commit.tenant_id, commit.projection, commit.create))
            .collect();
        tx.replace_projections(&projections).await?;
        let audit: Vec<AuditRecord<'_>> = commits.iter().flat_map(|c| c.audit.iter().copied()).collect();
        tx.append_audit(&audit).await?;
        let notices: Vec<Notice> = commits
            .iter()
            .zip(&seqs)
            .map(|(commit, &seq)| Notice::Case {
                doc_id: *commit.doc_id,
                seq,
                tenant_id: commit.tenant_id.clone(),
                reach: commit.reach(),
            })
            .collect();
        tx.notify_all(&notices).await?;
        tx.commit().await?;
        Ok(seqs)
    }

    /// Up to `limit` cases with commits whose projection is older than `version` (or has no `proj_cases` row
    /// at all), after the id `after`, in id order: their rows predate what a later migration added, and must be
    /// rebuilt from the document (`crate::backfill`).
    pub async fn cases_with_old_projection(
        &self,
        version: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<DocumentId>, StoreError> {
        let sql = "SELECT c.doc_id FROM cases c LEFT JOIN proj_cases p ON p.doc_id = c.doc_id \
                   WHERE c.heads <> '' AND c.doc_id > $2 \
                   AND (p.doc_id IS NULL OR p.projection_version < $1) ORDER BY c.doc_id LIMIT $3";
        let cases: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(version)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        cases.iter().map(String::as_str).map(case_id).collect()
    }

    /// Replaces the projection of a document loaded at commit `loaded_seq` ([`StoredDocument::seq`]), unless a
    /// commit came in since (which wrote a newer projection itself). Returns whether it was written.
    pub async fn rewrite_projection(
        &self,
        tenant_id: &TenantId,
        loaded_seq: i64,
        projection: &Projection,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // The tenant's row lock serialises this with commits, which take it first (SQLite: the write lock).
        on_tx!(&mut tx, |conn| {
            sqlx::query("UPDATE tenant_seq SET seq = seq WHERE tenant_id = $1")
                .bind(tenant_id)
                .execute(&mut *conn)
                .await?;
        });
        let doc_id = projection.doc_id.as_str();
        let latest = tx.last_commits(&[doc_id]).await?.remove(doc_id).unwrap_or(0);
        if latest != loaded_seq {
            return Ok(false);
        }
        tx.replace_projection(tenant_id, projection).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Up to `limit` documents with at least `min_changes` change rows since their snapshot, most first.
    pub async fn documents_needing_compaction(
        &self,
        min_changes: i64,
        limit: i64,
    ) -> Result<Vec<DocumentId>, StoreError> {
        let sql = "SELECT doc_id FROM doc_changes GROUP BY doc_id HAVING COUNT(*) >= $1 \
                   ORDER BY COUNT(*) DESC, doc_id LIMIT $2";
        let cases: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(min_changes)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        cases.iter().map(String::as_str).map(case_id).collect()
    }

    /// How many change rows `doc_id` has beyond its snapshot.
    pub async fn change_row_count(&self, doc_id: &DocumentId) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM doc_changes WHERE doc_id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(doc_id.to_string())
            .fetch_one(pool)
            .await)?)
    }

    /// Replaces the changes through `through_seq` by `snapshot` (an automerge `save()` of the document loaded
    /// at exactly that sequence number), in one transaction.
    ///
    /// Only changes the snapshot covers are deleted (sequence ≤ `through_seq`); later commits stay. A snapshot
    /// older than the stored one is not written, and deleting up to its sequence is then still covered by the
    /// newer one, so two compactors racing on one document are harmless. Returns whether the snapshot was stored.
    pub async fn compact_document(
        &self,
        doc_id: &DocumentId,
        snapshot: &[u8],
        through_seq: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let stored = on_tx!(&mut tx, |conn| {
            let sql = "INSERT INTO doc_snapshots (doc_id, bytes, through_seq, updated_at) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT (doc_id) DO UPDATE SET bytes = excluded.bytes, \
                       through_seq = excluded.through_seq, updated_at = excluded.updated_at \
                       WHERE doc_snapshots.through_seq < excluded.through_seq";
            let stored = sqlx::query(sql)
                .bind(doc_id.to_string())
                .bind(snapshot)
                .bind(through_seq)
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM doc_changes WHERE doc_id = $1 AND seq <= $2")
                .bind(doc_id.to_string())
                .bind(through_seq)
                .execute(&mut *conn)
                .await?;
            stored.rows_affected() == 1
        });
        tx.commit().await?;
        Ok(stored)
    }

    /// How many cases a tenant has (the demo loader skips a tenant that has any).
    pub async fn case_count(&self, tenant_id: &TenantId) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM cases WHERE tenant_id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(tenant_id)
            .fetch_one(pool)
            .await)?)
    }
}

impl Tx {
    /// Takes the tenant's next change-sequence number. The row lock it takes is held until the transaction
    /// ends, so commits of one tenant are numbered in the order they commit (see `cases.rs`).
    pub(crate) async fn next_seq(&mut self, tenant_id: &TenantId) -> Result<i64, StoreError> {
        let sql = "UPDATE tenant_seq SET seq = seq + 1 WHERE tenant_id = $1 RETURNING seq";
        let seq: Option<i64> = on_tx!(self, |conn| sqlx::query_scalar(sql)
            .bind(tenant_id)
            .fetch_optional(&mut *conn)
            .await)?;
        seq.ok_or(StoreError::NotFound("tenant"))
    }

    /// Takes the next sequence numbers for `commits`, in their order: one statement per tenant, tenants locked in
    /// id order (one order for every writer, so two groups never wait on each other in a circle).
    async fn next_seqs(&mut self, commits: &[DocumentCommit<'_>]) -> Result<Vec<i64>, StoreError> {
        let mut tenants: Vec<&TenantId> = commits.iter().map(|c| c.tenant_id).collect();
        tenants.sort_unstable();
        tenants.dedup();
        let mut seqs = vec![0; commits.len()];
        let sql = "UPDATE tenant_seq SET seq = seq + $2 WHERE tenant_id = $1 RETURNING seq";
        for tenant in tenants {
            let mine: Vec<usize> = (0..commits.len())
                .filter(|&i| commits[i].tenant_id == tenant)
                .collect();
            let count = i64::try_from(mine.len()).unwrap_or(i64::MAX);
            let last: Option<i64> = on_tx!(self, |conn| sqlx::query_scalar(sql)
                .bind(tenant)
                .bind(count)
                .fetch_optional(&mut *conn)
                .await)?;
            let last = last.ok_or(StoreError::NotFound("tenant"))?;
            for (n, i) in (1..).zip(mine) {
                seqs[i] = last - count + n;
            }
        }
        Ok(seqs)
    }

    /// Appends every commit's changes, in multi-row statements.
    async fn insert_changes(
        &mut self,
        commits: &[DocumentCommit<'_>],
        seqs: &[i64],
    ) -> Result<(), StoreError> {
        struct Row<'a> {
            doc_id: String,
            seq: i64,
            idx: i64,
            hash: &'a str,
            bytes: &'a [u8],
            commit: &'a DocumentCommit<'a>,
        }
        let mut rows = Vec::new();
        for (commit, &seq) in commits.iter().zip(seqs) {
            for (idx, (bytes, hash)) in (0..).zip(commit.changes.iter().zip(commit.change_hashes)) {
                rows.push(Row {
                    doc_id: commit.doc_id.to_string(),
                    seq,
                    idx,
                    hash,
                    bytes,
                    commit,
                });
            }
        }
        let sql =
            "INSERT INTO doc_changes (doc_id, seq, idx, hash, bytes, device_id, user_id, committed_at) ";
        on_tx!(self, |conn| {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(sql);
                query.push_values(chunk, |mut row, change| {
                    row.push_bind(&change.doc_id)
                        .push_bind(change.seq)
                        .push_bind(change.idx)
                        .push_bind(change.hash)
                        .push_bind(change.bytes)
                        .push_bind(change.commit.device_id)
                        .push_bind(change.commit.user_id)
                        .push_bind(change.commit.now_ms);
                });
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Stores the whole document of each commit that brings one ([`DocumentCommit::document`]) as its case's
    /// snapshot, through the commit's number: what compaction would later make of its change rows.
    async fn insert_documents(
        &mut self,
        commits: &[DocumentCommit<'_>],
        seqs: &[i64],
    ) -> Result<(), StoreError> {
        let rows: Vec<(String, &[u8], i64, i64)> = commits
            .iter()
            .zip(seqs)
            .filter_map(|(commit, &seq)| {
                Some((commit.doc_id.to_string(), commit.document?, seq, commit.now_ms))
            })
            .collect();
        let sql = "INSERT INTO doc_snapshots (doc_id, bytes, through_seq, updated_at) ";
        on_tx!(self, |conn| {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(sql);
                query.push_values(chunk, |mut row, (doc_id, bytes, seq, now_ms)| {
                    row.push_bind(doc_id)
                        .push_bind(*bytes)
                        .push_bind(*seq)
                        .push_bind(*now_ms);
                });
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Records, for each commit whose device holds the document exactly as committed, that the device holds it
    /// at the commit's number ([`DocumentCommit::held_as_committed`]). A new holding is writable: the device
    /// just wrote the case.
    async fn record_held(&mut self, commits: &[DocumentCommit<'_>], seqs: &[i64]) -> Result<(), StoreError> {
        let mut rows: Vec<(&DeviceId, String, i64, i64)> = commits
            .iter()
            .zip(seqs)
            .filter(|(commit, _)| commit.held_as_committed)
            .filter_map(|(commit, &seq)| {
                Some((commit.device_id?, commit.doc_id.to_string(), seq, commit.now_ms))
            })
            .collect();
        // In key order, as `Store::record_holdings` upserts: transactions locking the same rows in one order never
        // deadlock.
        rows.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let sql = "INSERT INTO device_holdings (device_id, doc_id, since, writable, held_seq) ";
        on_tx!(self, |conn| {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(sql);
                query.push_values(chunk, |mut row, (device_id, doc_id, seq, now_ms)| {
                    row.push_bind(*device_id)
                        .push_bind(doc_id)
                        .push_bind(*now_ms)
                        .push_bind(true)
                        .push_bind(*seq);
                });
                query.push(" ON CONFLICT (device_id, doc_id) DO UPDATE SET held_seq = excluded.held_seq");
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Records who writes with which actor, for naming the authors of conflicting values after compaction: the
    /// first commit with an actor names it.
    async fn record_actors(&mut self, commits: &[DocumentCommit<'_>]) -> Result<(), StoreError> {
        let mut rows: Vec<(&str, &DocumentCommit<'_>)> = Vec::new();
        for commit in commits {
            for actor in commit.actors {
                if !rows
                    .iter()
                    .any(|(a, c)| *a == actor.as_str() && c.tenant_id == commit.tenant_id)
                {
                    rows.push((actor, commit));
                }
            }
        }
        let sql = "INSERT INTO change_actors (tenant_id, actor, user_id, device_id, first_seen) ";
        on_tx!(self, |conn| {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(sql);
                query.push_values(chunk, |mut row, (actor, commit)| {
                    row.push_bind(commit.tenant_id)
                        .push_bind(*actor)
                        .push_bind(commit.user_id)
                        .push_bind(commit.device_id)
                        .push_bind(commit.now_ms);
                });
                query.push(" ON CONFLICT (tenant_id, actor) DO NOTHING");
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Fails with [`StoreError::Stale`] unless every commit with a base is based on its document's last commit.
    async fn check_bases(&mut self, commits: &[DocumentCommit<'_>]) -> Result<(), StoreError> {
        let based: Vec<(String, i64)> = commits
            .iter()
            .filter_map(|commit| Some((commit.doc_id.to_string(), commit.base_seq?)))
            .collect();
        let doc_ids: Vec<&str> = based.iter().map(|(doc_id, _)| doc_id.as_str()).collect();
        let last = self.last_commits(&doc_ids).await?;
        for (doc_id, base) in &based {
            // A document with neither changes nor a snapshot has had no commit: sequence 0.
            if last.get(doc_id).copied().unwrap_or(0) != *base {
                return Err(StoreError::Stale);
            }
        }
        Ok(())
    }

    /// The sequence number of the last commit to each of `doc_ids` that has one: the newest of its change rows
    /// and its snapshot (compaction folds change rows into the snapshot).
    async fn last_commits(&mut self, doc_ids: &[&str]) -> Result<HashMap<String, i64>, StoreError> {
        let mut last = HashMap::with_capacity(doc_ids.len());
        for chunk in doc_ids.chunks(ROWS_PER_INSERT) {
            let rows: Vec<(String, i64)> = on_tx!(self, |conn| {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT doc_id, CAST(MAX(s) AS BIGINT) FROM ( \
                     SELECT doc_id, MAX(seq) AS s FROM doc_changes WHERE doc_id IN (",
                );
                let mut ids = query.separated(", ");
                for doc_id in chunk {
                    ids.push_bind(*doc_id);
                }
                query.push(") GROUP BY doc_id UNION ALL SELECT doc_id, MAX(through_seq) AS s FROM doc_snapshots WHERE doc_id IN (");
                let mut ids = query.separated(", ");
                for doc_id in chunk {
                    ids.push_bind(*doc_id);
                }
                query.push(") GROUP BY doc_id) AS last_commits GROUP BY doc_id");
                query
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await?
            });
            last.extend(rows);
        }
        Ok(last)
    }

    /// Inserts the case rows of the new documents among `commits`, and their assignments. Fails with
    /// [`StoreError::NotFound`] if a case would name a team of another tenant (a case never points across
    /// tenants).
    async fn insert_cases(&mut self, commits: &[DocumentCommit<'_>], seqs: &[i64]) -> Result<(), StoreError> {
        let created: Vec<(&DocumentCommit<'_>, i64)> = commits
            .iter()
            .zip(seqs)
            .filter(|(commit, _)| commit.create)
            .map(|(commit, &seq)| (commit, seq))
            .collect();
        let mut teams: Vec<&TeamId> = created.iter().filter_map(|(commit, _)| commit.team_id).collect();
        teams.sort_unstable();
        teams.dedup();
        for chunk in teams.chunks(ROWS_PER_INSERT) {
            let found: Vec<(TeamId, TenantId)> = on_tx!(self, |conn| {
                let mut query = sqlx::QueryBuilder::new("SELECT id, tenant_id FROM teams WHERE id IN (");
                let mut ids = query.separated(", ");
                for team in chunk {
                    ids.push_bind(*team);
                }
                query.push(")");
                query
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await?
            });
            let misplaced = created.iter().any(|(commit, _)| {
                commit.team_id.is_some_and(|team| {
                    chunk.contains(&team)
                        && !found
                            .iter()
                            .any(|(id, tenant)| id == team && tenant == commit.tenant_id)
                })
            });
            if misplaced {
                return Err(StoreError::NotFound("team in this tenant"));
            }
        }
        let rows: Vec<(String, &DocumentCommit<'_>, i64, String)> = created
            .iter()
            .map(|(commit, seq)| (commit.doc_id.to_string(), *commit, *seq, commit.heads.encode()))
            .collect();
        let assignments: Vec<(&str, &UserId, &DocumentCommit<'_>)> = rows
            .iter()
            .flat_map(|(doc_id, commit, _, _)| {
                commit
                    .assign_users
                    .iter()
                    .map(move |user| (doc_id.as_str(), user, *commit))
            })
            .collect();
        on_tx!(self, |conn| {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO cases (doc_id, tenant_id, team_id, created_at, seq, heads) ",
                );
                query.push_values(chunk, |mut row, (doc_id, commit, seq, heads)| {
                    row.push_bind(doc_id)
                        .push_bind(commit.tenant_id)
                        .push_bind(commit.team_id)
                        .push_bind(commit.now_ms)
                        .push_bind(*seq)
                        .push_bind(heads);
                });
                query.build().persistent(false).execute(&mut *conn).await?;
            }
            // Only users of the case's tenant are assigned; the VALUES columns have their default names in both
            // databases (column1, column2, …).
            for chunk in assignments.chunks(ROWS_PER_INSERT) {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO case_assignments (case_id, tenant_id, user_id, assigned_at) \
                     SELECT v.column1, u.tenant_id, u.id, v.column3 FROM (",
                );
                query.push_values(chunk, |mut row, (doc_id, user_id, commit)| {
                    row.push_bind(*doc_id)
                        .push_bind(*user_id)
                        .push_bind(commit.now_ms)
                        .push_bind(commit.tenant_id);
                });
                query.push(
                    ") AS v, users u WHERE u.id = v.column2 AND u.tenant_id = v.column4 \
                     ON CONFLICT (case_id, user_id) WHERE unassigned_at IS NULL DO NOTHING",
                );
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Moves the case rows of the existing documents among `commits` to their new sequence numbers and heads.
    /// Fails with [`StoreError::NotFound`] if one has no case row in its tenant.
    async fn update_cases(&mut self, commits: &[DocumentCommit<'_>], seqs: &[i64]) -> Result<(), StoreError> {
        let rows: Vec<(String, &TenantId, i64, String)> = commits
            .iter()
            .zip(seqs)
            .filter(|(commit, _)| !commit.create)
            .map(|(commit, &seq)| {
                (
                    commit.doc_id.to_string(),
                    commit.tenant_id,
                    seq,
                    commit.heads.encode(),
                )
            })
            .collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let updated = on_tx!(self, |conn| {
                let mut query =
                    sqlx::QueryBuilder::new("UPDATE cases SET seq = v.column3, heads = v.column4 FROM (");
                query.push_values(chunk, |mut row, (doc_id, tenant_id, seq, heads)| {
                    row.push_bind(doc_id)
                        .push_bind(*tenant_id)
                        .push_bind(*seq)
                        .push_bind(heads);
                });
                query.push(") AS v WHERE cases.doc_id = v.column1 AND cases.tenant_id = v.column2");
                query
                    .build()
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            });
            if usize::try_from(updated).ok() != Some(chunk.len()) {
                return Err(StoreError::NotFound("case"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, ROOT};

    use super::snapshot_of;

    /// A device can send a change whose dependency it holds back; automerge keeps it waiting, and its own `save`
    /// would store it: a change nobody checked or committed, back with every load. The snapshot of a new case
    /// holds only what was applied.
    #[test]
    fn a_snapshot_leaves_out_changes_waiting_for_their_dependencies() {
        let mut device = Automerge::new().with_actor(ActorId::from([3; 16].as_slice()));
        for value in ["applied", "held back", "waiting"] {
            let mut tx = device.transaction();
            tx.put(ROOT, "field", value).expect("put");
            tx.commit();
        }
        let changes = device.get_changes(&[]);
        let mut server = Automerge::new();
        server
            .apply_changes([changes[0].clone(), changes[2].clone()])
            .expect("applies");
        assert_eq!(server.get_heads(), [changes[0].hash()]);
        // Once the held-back change arrives, a waiting one in the bytes applies with it.
        let with_dependency = |bytes: &[u8]| {
            let mut doc = Automerge::load(bytes).expect("loads");
            doc.apply_changes([changes[1].clone()]).expect("applies");
            doc.get_heads()
        };
        assert_eq!(
            with_dependency(&server.save()),
            [changes[2].hash()],
            "the stock save keeps the waiting change"
        );
        assert_eq!(with_dependency(&snapshot_of(&server)), [changes[1].hash()]);
    }
}
