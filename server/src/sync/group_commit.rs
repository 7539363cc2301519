//! Group commit: the commits that connections hand in while the store is busy with earlier ones share one
//! transaction, and so one fsync (`Store::commit_documents`).
//!
//! A connection hands its commit to a lane ([`Committer::hand_in`]) and gets its sequence number back when the
//! transaction holding it is durable; it sends the device's Ack only then. A lane takes whatever is waiting, up to
//! [`MAX_GROUP`] commits, so a lone commit goes at once and a crowd shares the cost: nothing waits for a timer. A
//! connection that checks a burst of the device's frames keeps their commits ([`Committer::prepare`]) until no
//! further frame is waiting and hands them in together ([`Committer::hand_in`]): handed in one by one as each was
//! checked, one phone's upload went in transactions of two cases, each an fsync.
//! SQLite has one writer, so one lane; PostgreSQL gets a few, a tenant always in the same one (a tenant's commits
//! take its sequence row lock one after the other anyway).
//!
//! When a group fails (one commit is stale, or a case was created twice), its commits are tried one by one, so
//! each gets its own answer and one bad commit never fails the others.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use sync_core::DocumentId;
use tokio::sync::oneshot;

use super::lane::Lane;
use crate::audit::{self, Actor};
use crate::ids::{DeviceId, TeamId, TenantId, UserId};
use crate::metrics::Metrics;
use crate::projection::Projection;
use crate::store::{AuditRecord, DatabaseKind, DocumentCommit, Heads, Reach, Store, StoreError};

/// At most this many commits share a transaction: a group's statements are one per kind (`commit_documents`), so
/// a bigger group costs little more than a small one, and a crowd commits in fewer transactions one after the other.
/// With 200 phones committing at once on PostgreSQL, groups of up to 64 gave a server-side commit p99 ≤ 1,024 ms,
/// groups of up to 256 ≤ 512 ms (BENCHMARKS.md, `idle municipality`).
pub const MAX_GROUP: usize = 256;

/// Lanes on PostgreSQL, where different tenants commit in parallel.
const POSTGRES_LANES: usize = 4;

/// One document's commit, owned, so it can wait in a lane: what [`DocumentCommit`] borrows.
#[derive(Debug)]
pub struct CommitOrder {
    pub doc_id: DocumentId,
    pub tenant_id: TenantId,
    pub team_id: Option<TeamId>,
    pub create: bool,
    pub base_seq: Option<i64>,
    pub assign_users: Vec<UserId>,
    pub device_id: DeviceId,
    /// See [`DocumentCommit::held_as_committed`].
    pub held_as_committed: bool,
    pub user_id: UserId,
    pub changes: Vec<Vec<u8>>,
    /// See [`DocumentCommit::document`].
    pub document: Option<Vec<u8>>,
    pub change_hashes: Vec<String>,
    pub actors: Vec<String>,
    pub heads: Heads,
    pub projection: Projection,
    pub now_ms: i64,
}

impl CommitOrder {
    /// Whom the commit may concern ([`DocumentCommit::reach`]).
    pub fn reach(&self) -> Reach {
        Reach::of_commit(self.create, self.team_id.as_ref(), &self.assign_users)
    }

    fn actor(&self) -> Actor<'_> {
        Actor {
            tenant_id: &self.tenant_id,
            user_id: &self.user_id,
            device_id: &self.device_id,
        }
    }
}

/// A commit on its way: resolves to the sequence number once durable.
pub type CommitReceipt = oneshot::Receiver<Result<i64, StoreError>>;

/// The lanes commits are handed to.
pub struct Committer {
    lanes: Vec<Lane<CommitOrder, Result<i64, StoreError>>>,
}

impl Committer {
    /// Starts the lanes' tasks; they end when the committer is dropped and their queues are empty.
    pub fn start(store: &Store, metrics: Arc<Metrics>) -> Committer {
        let count = match store.kind() {
            DatabaseKind::Sqlite => 1,
            DatabaseKind::Postgres => POSTGRES_LANES,
        };
        let lanes = (0..count)
            .map(|_| {
                let (store, metrics) = (store.clone(), metrics.clone());
                Lane::start(MAX_GROUP, move |group: Vec<CommitOrder>| {
                    let (store, metrics) = (store.clone(), metrics.clone());
                    async move {
                        metrics.commit_batch(group.len());
                        commit_group(&store, &group).await
                    }
                })
            })
            .collect();
        Committer { lanes }
    }

    /// `order` with its receipt, to be handed in later with others ([`Self::hand_in`]); the receipt resolves once
    /// it is handed in and durable (or failed).
    pub fn prepare(&self, order: CommitOrder) -> (Prepared, CommitReceipt) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        order.tenant_id.hash(&mut hasher);
        let lane = usize::try_from(hasher.finish()).unwrap_or(0) % self.lanes.len();
        let (answer, receipt) = oneshot::channel();
        (Prepared { lane, order, answer }, receipt)
    }

    /// Queues prepared commits in their lanes, in order, one right after the other, so a lane finds them waiting
    /// together. Waits only when a lane is full.
    pub async fn hand_in(&self, prepared: Vec<Prepared>) {
        for Prepared { lane, order, answer } in prepared {
            // A lane's task ends only when the committer is dropped, so this fails only at shutdown: the answer's
            // sender is dropped with the order, and the receipt resolves as failed.
            let _ = self.lanes[lane].submit_with(order, answer).await;
        }
    }
}

/// A commit prepared for [`Committer::hand_in`]; its receipt is already with the connection.
pub struct Prepared {
    lane: usize,
    order: CommitOrder,
    answer: oneshot::Sender<Result<i64, StoreError>>,
}

/// Commits a group in one transaction, or, if that fails, each on its own.
async fn commit_group(store: &Store, group: &[CommitOrder]) -> Vec<Result<i64, StoreError>> {
    // The access-log row of each commit: its case and its change hashes, as text.
    let texts: Vec<(String, String)> = group
        .iter()
        .map(|order| (order.doc_id.to_string(), order.change_hashes.join(",")))
        .collect();
    let audit: Vec<[AuditRecord<'_>; 1]> = group
        .iter()
        .zip(&texts)
        .map(|(order, (case, hashes))| [audit::committed(order.actor(), case, order.create, hashes)])
        .collect();
    let commits: Vec<DocumentCommit<'_>> = group
        .iter()
        .zip(&audit)
        .map(|(order, audit)| borrow(order, audit))
        .collect();
    match store.commit_documents(&commits).await {
        Ok(seqs) => seqs.into_iter().map(Ok).collect(),
        Err(error) if commits.len() == 1 => vec![Err(error)],
        Err(error) => {
            tracing::debug!(commits = commits.len(), %error, "a group commit failed; committing one by one");
            let mut results = Vec::with_capacity(commits.len());
            for commit in &commits {
                results.push(store.commit_document(commit).await);
            }
            results
        }
    }
}

fn borrow<'a>(order: &'a CommitOrder, audit: &'a [AuditRecord<'a>]) -> DocumentCommit<'a> {
    DocumentCommit {
        doc_id: &order.doc_id,
        tenant_id: &order.tenant_id,
        team_id: order.team_id.as_ref(),
        create: order.create,
        base_seq: order.base_seq,
        assign_users: &order.assign_users,
        device_id: Some(&order.device_id),
        held_as_committed: order.held_as_committed,
        user_id: &order.user_id,
        changes: &order.changes,
        document: order.document.as_deref(),
        change_hashes: &order.change_hashes,
        actors: &order.actors,
        heads: &order.heads,
        projection: &order.projection,
        now_ms: order.now_ms,
        audit,
    }
}
