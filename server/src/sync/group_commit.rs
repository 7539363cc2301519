//! Group commit: the commits that connections hand in while the store is busy with earlier ones share one
//! transaction, and so one fsync (`Store::commit_documents`).
//!
//! A connection hands its commit to a lane ([`Committer::submit`]) and gets its sequence number back when the
//! transaction holding it is durable; it sends the device's Ack only then. A lane takes whatever is waiting, up to
//! [`MAX_GROUP`] commits, so a lone commit goes at once and a crowd shares the cost: nothing waits for a timer.
//! SQLite has one writer, so one lane; PostgreSQL gets a few, a tenant always in the same one (a tenant's commits
//! take its sequence row lock one after the other anyway).
//!
//! When a group fails (one commit is stale, or a case was created twice), its commits are tried one by one, so
//! each gets its own answer and one bad commit never fails the others.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use sync_core::DocumentId;
use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, Actor};
use crate::ids::{DeviceId, TeamId, TenantId, UserId};
use crate::metrics::Metrics;
use crate::projection::Projection;
use crate::store::{AuditRecord, DatabaseKind, DocumentCommit, Heads, Reach, Store, StoreError};

/// At most this many commits share a transaction: enough to amortise the fsync, few enough that the first of them
/// does not wait long for the others' statements.
pub const MAX_GROUP: usize = 64;

/// Commits waiting in one lane before `submit` waits for room: a crowd of devices queues here, not in memory
/// without bound.
const LANE_CAPACITY: usize = 4 * MAX_GROUP;

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

struct Request {
    order: CommitOrder,
    done: oneshot::Sender<Result<i64, StoreError>>,
}

/// The lanes commits are handed to.
pub struct Committer {
    lanes: Vec<mpsc::Sender<Request>>,
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
                let (sender, receiver) = mpsc::channel(LANE_CAPACITY);
                tokio::spawn(run_lane(store.clone(), metrics.clone(), receiver));
                sender
            })
            .collect();
        Committer { lanes }
    }

    /// Queues `order` in its tenant's lane; the receipt resolves when it is durable (or failed). Waits only when
    /// the lane is full.
    pub async fn submit(&self, order: CommitOrder) -> CommitReceipt {
        let (done, receipt) = oneshot::channel();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        order.tenant_id.hash(&mut hasher);
        let lane = usize::try_from(hasher.finish()).unwrap_or(0) % self.lanes.len();
        // A lane's task ends only when the committer is dropped, so the send fails only at shutdown; the dropped
        // `done` then resolves the receipt as failed.
        let _ = self.lanes[lane].send(Request { order, done }).await;
        receipt
    }
}

async fn run_lane(store: Store, metrics: Arc<Metrics>, mut queue: mpsc::Receiver<Request>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let results = commit_group(&store, &group).await;
        metrics.commit_batch(group.len());
        for (request, result) in group.drain(..).zip(results) {
            // The connection may have gone; its commit stands and the device learns of it at its next sync.
            let _ = request.done.send(result);
        }
    }
}

/// Commits a group in one transaction, or, if that fails, each on its own.
async fn commit_group(store: &Store, group: &[Request]) -> Vec<Result<i64, StoreError>> {
    // The access-log row of each commit: its case and its change hashes, as text.
    let texts: Vec<(String, String)> = group
        .iter()
        .map(|r| (r.order.doc_id.to_string(), r.order.change_hashes.join(",")))
        .collect();
    let audit: Vec<[AuditRecord<'_>; 1]> = group
        .iter()
        .zip(&texts)
        .map(|(r, (case, hashes))| [audit::committed(r.order.actor(), case, r.order.create, hashes)])
        .collect();
    let commits: Vec<DocumentCommit<'_>> = group
        .iter()
        .zip(&audit)
        .map(|(request, audit)| borrow(&request.order, audit))
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
        change_hashes: &order.change_hashes,
        actors: &order.actors,
        heads: &order.heads,
        projection: &order.projection,
        now_ms: order.now_ms,
        audit,
    }
}
