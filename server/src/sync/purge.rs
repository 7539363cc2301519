//! The store's side of purges: which cases a device holds, and what it was told to purge. The decisions (who may
//! see what, the grace of a lost case, when to purge, when a device has deleted a case) are the session's
//! (sync-core's `protocol::server::sight`); this module records them, each with one store call, and logs a purge
//! in the access log.

use sync_core::DocumentId;
use sync_core::protocol::{Held, PurgeReason};

use super::connection::{Connection, ConnectionError};
use crate::clock;

impl Connection {
    /// Remembers that the device holds these cases, and whether its user may change them (it is being sent them, or
    /// created them): durable before anything is sent, written together with other connections' (`holding_log.rs`).
    pub(super) async fn record_holdings(&mut self, docs: Vec<Held>) -> Result<(), ConnectionError> {
        self.service.holding_log.record(&self.peer.device_id, docs).await
    }

    /// The device is told to delete `doc`; `cursor` is the Welcome cursor the Purge went out before, if it did.
    pub(super) async fn purged(
        &mut self,
        doc: DocumentId,
        reason: PurgeReason,
        cursor: Option<u64>,
    ) -> Result<(), ConnectionError> {
        self.forget_read(&doc);
        let store = &self.service.store;
        let doc_id = doc.to_string();
        store
            .mark_purged(&self.peer.device_id, &doc, clock::now_ms(), cursor)
            .await?;
        tracing::info!(connection.id = self.id, case.id = %doc, reason = ?reason, "purging a case from a device");
        crate::audit::purged(store, self.peer.actor(), &doc_id, cursor.is_some()).await;
        Ok(())
    }

    /// The device no longer holds `doc`.
    pub(super) async fn forget(&mut self, doc: DocumentId) -> Result<(), ConnectionError> {
        self.forget_read(&doc);
        self.service
            .store
            .forget_holding(&self.peer.device_id, &doc)
            .await?;
        Ok(())
    }
}
