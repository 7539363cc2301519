//! The sync service: devices connect a WebSocket at `/v1/sync` (the upgrade is an API route,
//! `api/sync_socket.rs`) and speak the protocol of `docs/PROTOCOL.md`, driven by
//! `sync_core::protocol::ServerSession`.
//!
//! - [`connection`]: one task per connection, feeding frames and document events to the session and carrying out
//!   its effects.
//! - [`receive`]: a device's changes: merge, check, commit durably, then acknowledge; or roll back and quarantine.
//! - [`purge`]: the store's record of which device holds which case, kept as the session decides.
//! - [`accept`]: the write rules checked before a commit.
//! - [`access_log`]: the access log entries of a connection (documents sent, changes committed).
//! - [`group_commit`]: commits handed in together share one transaction; each Ack still follows its commit.
//! - [`lane`]: small durable writes of many connections (reads logged, holdings) share one transaction.
//! - [`documents`]: the shared in-memory documents, loaded on use and dropped when idle.
//! - [`hub`]: document events to every connection, across processes through PostgreSQL LISTEN/NOTIFY.

pub mod accept;
mod access_log;
mod connection;
mod documents;
mod edit;
pub mod grants;
mod group_commit;
mod holding_log;
mod hub;
mod lane;
mod purge;
mod read_log;
mod receive;
mod shared_access;

use std::sync::Arc;
use std::time::Duration;

use sync_core::protocol::{Limits, RateLimit};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::fit_rules::FitRules;
use crate::metrics::Metrics;
use crate::store::Store;

pub use connection::{Peer, serve as serve_connection};
pub use documents::Documents;
pub use edit::EditError;
pub use hub::{Hub, HubEvent};

/// How long an unused document stays in memory.
const DOCUMENT_IDLE: Duration = Duration::from_secs(60);

/// How many documents a process holds in memory at most, unless configured otherwise: a municipality's whole
/// staff syncing their caseloads at once (100 workers with 25 to 50 cases each) stays within it.
pub const DEFAULT_DOCUMENTS_HELD: usize = 5_000;

/// What the operator sets for the sync service (`tovholder serve`'s options of the same names).
pub struct Settings {
    /// See [`SyncService::grant_limit_minutes`].
    pub grant_limit_minutes: i64,
    /// The maximum offline period (see [`SyncService::grace_ms`]).
    pub grace: Duration,
    /// At most this many documents in memory (see `documents.rs`).
    pub documents_held: usize,
}

/// Everything the sync connections of this process share.
pub struct SyncService {
    pub store: Store,
    pub documents: Arc<Documents>,
    pub hub: Arc<Hub>,
    pub limits: Limits,
    pub rate: RateLimit,
    /// Each tenant's FIT rule set, for the projections written at commit.
    pub rules: FitRules,
    /// A course granting more minutes a week than this awaits a lead's approval (see [`grants`]).
    pub grant_limit_minutes: i64,
    /// How long a device that lost sight of a case may still upload its last changes to it after it was first told
    /// to purge it: the maximum offline period (sync-core's `protocol::server::sight`).
    pub grace_ms: i64,
    /// Cancelled at shutdown: connections finish the commit in hand, close, and are waited for.
    pub shutdown: CancellationToken,
    pub connections: TaskTracker,
    /// This process's figures, for `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Where connections hand in their commits.
    committer: group_commit::Committer,
    /// Where connections hand in the reads they log.
    read_log: read_log::ReadLog,
    /// Where connections hand in the cases their devices hold.
    holding_log: holding_log::HoldingLog,
    /// The store's answers about who may see a case, shared by the connections of one device for one event.
    shared_access: shared_access::SharedAccess,
}

impl SyncService {
    /// Sets up the service and its background tasks (idle eviction; on PostgreSQL, the change listener).
    pub fn start(store: Store, settings: Settings) -> Arc<SyncService> {
        let metrics = Arc::new(Metrics::default());
        let hub = Arc::new(if store.has_notices() {
            Hub::with_notices()
        } else {
            Hub::default()
        });
        let service = Arc::new(SyncService {
            committer: group_commit::Committer::start(&store.sync_writer(), metrics.clone()),
            read_log: read_log::ReadLog::start(store.sync_writer()),
            holding_log: holding_log::HoldingLog::start(store.sync_writer()),
            shared_access: shared_access::SharedAccess::default(),
            documents: Arc::new(Documents::new(store.clone(), settings.documents_held)),
            rules: FitRules::new(store.clone()),
            store,
            hub,
            limits: Limits::default(),
            rate: RateLimit::default(),
            grant_limit_minutes: settings.grant_limit_minutes,
            grace_ms: i64::try_from(settings.grace.as_millis()).unwrap_or(i64::MAX),
            shutdown: CancellationToken::new(),
            connections: TaskTracker::new(),
            metrics,
        });
        tokio::spawn(evict_idle(service.documents.clone(), service.shutdown.clone()));
        if service.store.has_notices() {
            tokio::spawn(hub::listen(
                service.store.clone(),
                service.hub.clone(),
                service.documents.clone(),
                service.shutdown.clone(),
            ));
        }
        service
    }

    /// Stops accepting sync work and waits until every connection has closed.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.connections.close();
        self.connections.wait().await;
    }
}

async fn evict_idle(documents: Arc<Documents>, shutdown: CancellationToken) {
    let idle_ms = i64::try_from(DOCUMENT_IDLE.as_millis()).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(DOCUMENT_IDLE / 4);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                let held = documents.evict_idle(idle_ms);
                tracing::debug!(documents.held = held, "evicted idle documents");
                // What this sweep and the connections since the last one freed is cached per worker thread.
                crate::thread_caches::release();
            }
        }
    }
}
