//! Rebuilding projections: at start-up, every case whose projection rows are older than [`PROJECTION_VERSION`]
//! (or that has no `proj_cases` row at all) gets its rows computed from the document, so the back office never
//! misses a case because it has not changed since the upgrade; and after a municipality loads a new FIT rule set,
//! [`reassess`] recomputes its cases' alerts with it (and [`unfinished_reassessments`], at start-up, finishes one
//! a stopped process left undone). Each case is assessed with its own tenant's rule set.
//!
//! Each case is rewritten only if no commit came in since it was loaded (`Store::rewrite_projection`), so it is
//! safe while other server processes serve.

use automerge::Automerge;
use sync_core::DocumentId;
use sync_core::case::{conflicts, read_case};

use crate::fit_rules::FitRules;
use crate::ids::TenantId;
use crate::projection::{PROJECTION_VERSION, Projection};
use crate::store::{Store, StoreError};

/// Cases read per batch.
const BATCH: i64 = 200;

/// Rebuilds the projection of every case whose rows are older than [`PROJECTION_VERSION`]. Returns how many
/// were rewritten.
///
/// A document that no longer loads or reads as a case is logged by id and skipped (it keeps its old rows), so
/// one bad document cannot keep the server from starting.
pub async fn old_projections(store: &Store, rules: &FitRules) -> Result<usize, StoreError> {
    let (mut rewritten, mut skipped) = (0, 0);
    let mut after = String::new();
    loop {
        let batch = store
            .cases_with_old_projection(PROJECTION_VERSION, &after, BATCH)
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        // The cursor is the stored text, the order the store lists them in.
        after = last.to_string();
        for doc_id in &batch {
            if rebuild(store, rules, doc_id).await? {
                rewritten += 1;
            } else {
                skipped += 1;
            }
        }
        tracing::info!(rewritten, skipped, "rebuilding case projections");
    }
    if rewritten > 0 || skipped > 0 {
        tracing::info!(
            rewritten,
            skipped,
            version = PROJECTION_VERSION,
            "case projections rebuilt"
        );
    }
    Ok(rewritten)
}

/// Rebuilds one case's projection with its tenant's FIT rule set; false if it was skipped.
pub async fn rebuild(store: &Store, rules: &FitRules, doc_id: &DocumentId) -> Result<bool, StoreError> {
    let Some(stored) = store.load_document(doc_id).await? else {
        return Ok(false);
    };
    let rules = rules.for_tenant(&stored.tenant_id).await?;
    let projection = match Automerge::load(&stored.bytes)
        .map_err(|error| error.to_string())
        .and_then(|doc| {
            let case = read_case(&doc).map_err(|error| error.to_string())?;
            Ok(Projection::of(
                &doc_id.to_string(),
                &case,
                &conflicts::list(&doc),
                &rules,
            ))
        }) {
        Ok(projection) => projection,
        Err(error) => {
            tracing::warn!(case.id = %doc_id, %error, "cannot rebuild the projection of a case");
            return Ok(false);
        }
    };
    // A commit since the load wrote a newer projection itself: nothing left to do either way.
    store
        .rewrite_projection(&stored.tenant_id, stored.seq, &projection)
        .await?;
    Ok(true)
}

/// Rebuilds the projections (alerts, course FIT rows) of every case of the tenant with its current rule set.
/// Returns how many were rewritten; a case that cannot be read keeps its rows and is logged by id.
///
/// When every case is done, the set current when it began is marked reassessed; a reassessment cut short (the
/// process stopped, the store failed) leaves it unmarked, and [`unfinished_reassessments`] does it again.
pub async fn reassess(store: &Store, rules: &FitRules, tenant_id: &TenantId) -> Result<usize, StoreError> {
    let current = store.current_fit_rules(tenant_id).await?;
    let mut rewritten = 0;
    let mut after = String::new();
    loop {
        let batch = store.tenant_case_ids(tenant_id, &after, BATCH).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.to_string();
        for doc_id in &batch {
            if rebuild(store, rules, doc_id).await? {
                rewritten += 1;
            }
        }
    }
    if let Some(current) = current {
        store
            .mark_fit_rules_reassessed(tenant_id, current.loaded_at, crate::clock::now_ms())
            .await?;
    }
    tracing::info!(
        rewritten,
        "case projections reassessed with the tenant's FIT rule set"
    );
    Ok(rewritten)
}

/// Finishes the reassessments a stopped process left undone: every tenant whose current rule set is not marked
/// reassessed has its cases reassessed now. Run in the background at start-up (the server serves meanwhile, as
/// it does during a reassessment after a load); a failure is logged and left to the next start.
pub async fn unfinished_reassessments(store: Store, rules: FitRules) {
    let tenants = match store.fit_rules_not_reassessed().await {
        Ok(tenants) => tenants,
        Err(error) => {
            tracing::warn!(%error, "cannot list the FIT rule sets to reassess");
            return;
        }
    };
    for (tenant_id, _) in tenants {
        tracing::info!(tenant.id = %tenant_id, "finishing a FIT rule set's reassessment");
        if let Err(error) = reassess(&store, &rules, &tenant_id).await {
            tracing::warn!(tenant.id = %tenant_id, %error, "reassessing with the FIT rule set failed");
        }
    }
}
