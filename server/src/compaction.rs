//! Background compaction: folds a document's committed changes into one automerge snapshot.
//!
//! Every commit appends change rows, so a busy document grows a long tail that each load must replay. The
//! compactor periodically picks the documents with the most rows, loads each (snapshot plus changes), saves it
//! in automerge's compressed whole-document form and hands that to [`Store::compact_document`], which swaps the
//! covered rows for the snapshot in one transaction. Commits that land meanwhile have higher sequence numbers
//! and are left alone, so compaction never blocks or loses a commit.
//!
//! Loading and saving are CPU work, done on the blocking pool so request handling keeps its threads.

use std::future::Future;
use std::time::Duration;

use automerge::Automerge;
use sync_core::DocumentId;
use tokio::task::JoinHandle;

use crate::clock;
use crate::store::{Store, StoreError};

/// How often the server's compactor looks for documents to compact.
pub const INTERVAL: Duration = Duration::from_secs(60);
/// Documents with fewer change rows than this are not worth a rewrite yet.
pub const MIN_CHANGES: i64 = 32;
/// Documents compacted per round, so one round never holds the database for long.
pub const BATCH: i64 = 50;

/// Why compacting a document failed.
#[derive(Debug, thiserror::Error)]
pub enum CompactionError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The stored bytes do not load; nothing was deleted.
    #[error("the stored document does not load: {0}")]
    Load(#[from] automerge::AutomergeError),
    #[error("the compaction task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs [`compact_round`] every `interval` until `shutdown` completes. Errors are logged (with document ids
/// only) and the next round tries again.
pub fn spawn_compactor<F>(store: Store, interval: Duration, shutdown: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(interval);
        // After a slow round, wait a whole interval rather than running the missed rounds back to back.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticks.tick() => {
                    match compact_round(&store, MIN_CHANGES, BATCH).await {
                        Ok(0) => {}
                        Ok(compacted) => tracing::debug!(compacted, "compaction round done"),
                        Err(error) => tracing::warn!(%error, "compaction round failed"),
                    }
                }
            }
        }
        tracing::debug!("compactor stopped");
    })
}

/// Compacts up to `limit` documents that have at least `min_changes` change rows. Returns how many were
/// compacted. A document that fails is logged and skipped, so one bad document does not stall the rest.
pub async fn compact_round(store: &Store, min_changes: i64, limit: i64) -> Result<usize, StoreError> {
    let mut compacted = 0;
    for doc_id in store.documents_needing_compaction(min_changes, limit).await? {
        match compact(store, &doc_id).await {
            Ok(true) => compacted += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(case.id = %doc_id, %error, "could not compact a document"),
        }
    }
    Ok(compacted)
}

/// Compacts one document now. Returns whether a new snapshot was stored.
pub async fn compact(store: &Store, doc_id: &DocumentId) -> Result<bool, CompactionError> {
    let Some(stored) = store.load_document(doc_id).await? else {
        return Ok(false);
    };
    if stored.seq == 0 {
        return Ok(false);
    }
    let bytes = stored.bytes;
    let snapshot =
        tokio::task::spawn_blocking(move || Automerge::load(&bytes).map(|doc| doc.save())).await??;
    // The snapshot covers exactly what was loaded: every commit up to `stored.seq`.
    Ok(store
        .compact_document(doc_id, &snapshot, stored.seq, clock::now_ms())
        .await?)
}
