//! Rebuilding projections a newer schema added: at start-up, every case committed before a migration created a
//! projection table (today: `proj_cases`) gets its rows computed from the document, so the back office never
//! shows a case as missing because it has not changed since the upgrade.
//!
//! Each case is rewritten only if no commit came in since it was loaded (`Store::rewrite_projection`), so it is
//! safe while other server processes serve.

use automerge::Automerge;
use sync_core::case::{conflicts, read_case};
use sync_core::fit::RuleSet;

use crate::projection::Projection;
use crate::store::{Store, StoreError};

/// Cases read per batch.
const BATCH: i64 = 200;

/// Rebuilds the projection of every case that lacks its `proj_cases` row. Returns how many were rewritten.
///
/// A document that no longer loads or reads as a case is logged by id and skipped (it keeps its old rows), so
/// one bad document cannot keep the server from starting.
pub async fn missing_summaries(store: &Store, rules: &RuleSet) -> Result<usize, StoreError> {
    let mut rewritten = 0;
    let mut skipped = std::collections::BTreeSet::new();
    loop {
        let batch: Vec<String> = store
            .cases_missing_summary(BATCH + i64::try_from(skipped.len()).unwrap_or(i64::MAX))
            .await?
            .into_iter()
            .filter(|id| !skipped.contains(id))
            .collect();
        if batch.is_empty() {
            break;
        }
        for doc_id in batch {
            match rebuild(store, rules, &doc_id).await? {
                true => rewritten += 1,
                false => {
                    skipped.insert(doc_id);
                }
            }
        }
        tracing::info!(rewritten, "rebuilding case summaries");
    }
    if rewritten > 0 || !skipped.is_empty() {
        tracing::info!(rewritten, skipped = skipped.len(), "case summaries rebuilt");
    }
    Ok(rewritten)
}

/// Rebuilds one case's projection; false if it was skipped.
async fn rebuild(store: &Store, rules: &RuleSet, doc_id: &str) -> Result<bool, StoreError> {
    let Some(stored) = store.load_document(doc_id).await? else {
        return Ok(false);
    };
    let projection = match Automerge::load(&stored.bytes)
        .map_err(|error| error.to_string())
        .and_then(|doc| {
            let case = read_case(&doc).map_err(|error| error.to_string())?;
            Ok(Projection::of(doc_id, &case, &conflicts::list(&doc), rules))
        }) {
        Ok(projection) => projection,
        Err(error) => {
            tracing::warn!(case.id = %doc_id, %error, "cannot rebuild the projection of a case");
            return Ok(false);
        }
    };
    // A commit since the load wrote a newer projection, summary included: nothing left to do.
    store
        .rewrite_projection(&stored.tenant_id, stored.seq, &projection)
        .await?;
    Ok(true)
}
