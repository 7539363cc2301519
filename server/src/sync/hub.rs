//! Fan-out of document and device events to the connections of this process, and, on PostgreSQL, from every
//! other process through LISTEN/NOTIFY.
//!
//! A commit publishes [`HubEvent::Changed`] here directly; on PostgreSQL the commit's transaction also sends a
//! [`Notice`] (see `store/notices.rs`), which the listener of every process (this one included) turns into the same
//! event after bringing its copy of the document up to date. A device revocation travels the same way, so every
//! process closes the revoked device's connections. Events are
//! hints, never data: a connection that gets one re-reads the document and lets automerge's sync work out what
//! the device lacks, so a duplicate or a late event costs a little work and never a wrong answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sync_core::DocumentId;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::documents::Documents;
use crate::ids::{DeviceId, TenantId};
use crate::store::{Heard, Notice, Reach, Store};

/// How many events a slow connection may fall behind before it must re-check everything it holds.
const CHANNEL_CAPACITY: usize = 4096;

/// Something happened to a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubEvent {
    /// A commit (or a change of who may see the document) at `seq`. `origin` is the connection that caused it, or
    /// 0 for another process or the server itself. `reach` says whom it may concern: a connection that does not
    /// sync the document asks the store only when the reach includes it (`authz::may_concern`), so a new case or
    /// an assignment wakes its team and the people named, not the whole municipality.
    Changed {
        doc: DocumentId,
        seq: i64,
        origin: u64,
        tenant: TenantId,
        reach: Reach,
    },
    /// Changes were refused and the shared document rolled back (see `ServerSession::doc_rolled_back`).
    RolledBack { doc: DocumentId, origin: u64 },
    /// A device was revoked: its connections close with `Error Revoked`.
    DeviceRevoked { device_id: DeviceId },
}

/// The process-wide event channel.
pub struct Hub {
    sender: broadcast::Sender<HubEvent>,
    next_connection: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            next_connection: AtomicU64::new(1),
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.sender.subscribe()
    }

    pub fn publish(&self, event: HubEvent) {
        // No subscribers is fine: nobody is connected.
        let _ = self.sender.send(event);
    }

    /// How many connections listen for events now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// A fresh connection id (never 0).
    pub fn connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}

/// Listens for other processes' notices (PostgreSQL) until `shutdown`, reconnecting after errors. After a
/// reconnect the connections re-check their documents, since notices sent meanwhile are lost. Returns at once on
/// SQLite, where this process is alone.
pub async fn listen(store: Store, hub: Arc<Hub>, documents: Arc<Documents>, shutdown: CancellationToken) {
    loop {
        let mut listener = match store.listen().await {
            None => return,
            Some(Ok(listener)) => listener,
            Some(Err(error)) => {
                tracing::warn!(%error, "cannot listen for other processes' changes; retrying");
                if pause_or_stop(&shutdown).await {
                    return;
                }
                continue;
            }
        };
        tracing::info!("listening for document changes from other processes");
        loop {
            let heard = tokio::select! {
                _ = shutdown.cancelled() => return,
                heard = listener.recv() => heard,
            };
            match heard {
                // A revocation names a device; every process closes that device's connections.
                Ok(Heard::Notice(Notice::DeviceRevoked { device_id })) => {
                    hub.publish(HubEvent::DeviceRevoked { device_id });
                }
                Ok(Heard::Notice(Notice::Case {
                    doc_id,
                    seq,
                    tenant_id,
                    reach,
                })) => on_case(doc_id, seq, tenant_id, reach, &hub, &documents).await,
                Ok(Heard::Malformed) => tracing::warn!("ignoring a notice this version does not understand"),
                // The connection was lost and re-established: anything sent meanwhile is gone.
                Ok(Heard::Interrupted) => tracing::warn!("document change notifications were interrupted"),
                Err(error) => {
                    tracing::warn!(%error, "document change listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn on_case(
    doc: DocumentId,
    seq: i64,
    tenant: TenantId,
    reach: Reach,
    hub: &Hub,
    documents: &Documents,
) {
    match documents.refresh(doc, seq).await {
        Ok(_) => hub.publish(HubEvent::Changed {
            doc,
            seq,
            origin: 0,
            tenant,
            reach,
        }),
        Err(error) => {
            tracing::error!(case.id = %doc, %error, "cannot refresh a document after a notification")
        }
    }
}

async fn pause_or_stop(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => false,
    }
}
