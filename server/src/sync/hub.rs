//! Fan-out of document and device events to the connections of this process, and, on PostgreSQL, from every
//! other process through LISTEN/NOTIFY.
//!
//! A commit publishes [`HubEvent::Changed`] here directly; on PostgreSQL the commit's transaction also sends a
//! NOTIFY (see `store::documents`), which the listener of every process (this one included) turns into the same
//! event after bringing its copy of the document up to date. A device revocation travels the same way on a
//! second channel ([`DEVICES_CHANNEL`]), so every process closes the revoked device's connections. Events are
//! hints, never data: a connection that gets one re-reads the document and lets automerge's sync work out what
//! the device lacks, so a duplicate or a late event costs a little work and never a wrong answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgListener;
use sync_core::DocumentId;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::documents::Documents;
use crate::store::{DEVICES_CHANNEL, DOCUMENTS_CHANNEL};

/// How many events a slow connection may fall behind before it must re-check everything it holds.
const CHANNEL_CAPACITY: usize = 4096;

/// Something happened to a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubEvent {
    /// A commit (or a change of who may see the document) at `seq`. `origin` is the connection that caused it, or
    /// 0 for another process or the server itself. `access` marks a change of who may see the document (a new
    /// case, an assignment): only then need a connection that does not hold the document ask the store.
    Changed {
        doc: DocumentId,
        seq: i64,
        origin: u64,
        tenant: String,
        access: bool,
    },
    /// Changes were refused and the shared document rolled back (see `ServerSession::doc_rolled_back`).
    RolledBack { doc: DocumentId, origin: u64 },
    /// A device was revoked: its connections close with `Error Revoked`.
    DeviceRevoked { device_id: String },
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

    /// A fresh connection id (never 0).
    pub fn connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}

/// Listens for other processes' commits on PostgreSQL until `shutdown`, reconnecting after errors. After a
/// reconnect the connections re-check their documents, since notifications sent meanwhile are lost.
pub async fn listen(
    pool: sqlx::PgPool,
    hub: Arc<Hub>,
    documents: Arc<Documents>,
    shutdown: CancellationToken,
) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for document changes; retrying");
                if pause_or_stop(&shutdown).await {
                    return;
                }
                continue;
            }
        };
        if let Err(error) = listener.listen_all([DOCUMENTS_CHANNEL, DEVICES_CHANNEL]).await {
            tracing::warn!(%error, "LISTEN failed; retrying");
            if pause_or_stop(&shutdown).await {
                return;
            }
            continue;
        }
        tracing::info!("listening for document changes from other processes");
        loop {
            let notification = tokio::select! {
                _ = shutdown.cancelled() => return,
                notification = listener.try_recv() => notification,
            };
            match notification {
                // A revocation names a device; every process closes that device's connections.
                Ok(Some(notification)) if notification.channel() == DEVICES_CHANNEL => {
                    hub.publish(HubEvent::DeviceRevoked {
                        device_id: notification.payload().to_owned(),
                    });
                }
                Ok(Some(notification)) => on_notification(notification.payload(), &hub, &documents).await,
                // The connection was lost and re-established: anything sent meanwhile is gone.
                Ok(None) => tracing::warn!("document change notifications were interrupted"),
                Err(error) => {
                    tracing::warn!(%error, "document change listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn on_notification(payload: &str, hub: &Hub, documents: &Documents) {
    let Some((doc, seq, tenant, access)) = parse_payload(payload) else {
        tracing::warn!("ignoring a malformed document change notification");
        return;
    };
    match documents.refresh(doc, seq).await {
        Ok(_) => hub.publish(HubEvent::Changed {
            doc,
            seq,
            origin: 0,
            tenant,
            access,
        }),
        Err(error) => {
            tracing::error!(case.id = %doc, %error, "cannot refresh a document after a notification")
        }
    }
}

/// `doc_id:seq:tenant_id:kind` as `store::documents` sends it.
fn parse_payload(payload: &str) -> Option<(DocumentId, i64, String, bool)> {
    let mut parts = payload.split(':');
    let doc = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let tenant = parts.next()?.to_owned();
    let access = match parts.next()? {
        "a" => true,
        "c" => false,
        _ => return None,
    };
    Some((doc, seq, tenant, access))
}

async fn pause_or_stop(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_notification_payload_and_refuses_garbage() {
        let doc = DocumentId::from_bytes([3; 16]);
        assert_eq!(
            parse_payload(&format!("{doc}:42:t1:c")),
            Some((doc, 42, "t1".into(), false))
        );
        assert_eq!(
            parse_payload(&format!("{doc}:42:t1:a")),
            Some((doc, 42, "t1".into(), true))
        );
        assert_eq!(parse_payload(&format!("{doc}:42")), None);
        assert_eq!(parse_payload(&format!("{doc}:42:t1:x")), None);
        assert_eq!(parse_payload("nonsense"), None);
        assert_eq!(parse_payload(&format!("{doc}:x:t1:c")), None);
    }
}
