//! What a sync connection writes to the access log: every document sent to the device (once per document while
//! the device holds it, as `read`, through the shared lane of `read_log.rs`). Commits (as `create` or `change`,
//! with the change hashes) are logged in their own transaction (`receive.rs`, `audit::committed`).
//!
//! The calls sit where the sync code already decides these things (the Welcome, a push, a commit), one line
//! each, so the sync code stays as it is; the log's own rules live in [`crate::audit`].

use std::collections::HashSet;

use sync_core::DocumentId;
use sync_core::protocol::ManifestEntry;

use super::connection::{Connection, Peer};
use crate::audit::Actor;

impl Peer {
    /// The peer as the access log names it.
    pub(super) fn actor(&self) -> Actor<'_> {
        Actor {
            tenant_id: &self.viewer.tenant_id,
            user_id: &self.viewer.user_id,
            device_id: &self.device_id,
        }
    }
}

impl Connection {
    /// Logs what a Welcome offers: the documents changed since the device's cursor and those of its manifest
    /// that it may see. That is what the device downloads next.
    pub(super) async fn log_welcome(
        &mut self,
        changed: &[ManifestEntry],
        manifest: &[ManifestEntry],
        visible: &HashSet<DocumentId>,
    ) {
        // A set, not a search of the visible cases per manifest entry: a lead's reconnect may bring thousands of each.
        let offered = changed.iter().map(|entry| entry.doc).chain(
            manifest
                .iter()
                .map(|entry| entry.doc)
                .filter(|doc| visible.contains(doc)),
        );
        self.log_reads(offered.collect()).await;
    }

    /// Logs `docs` as read by this device, each once while the device holds it (a document pushed again after
    /// each teammate's edit, or sent on the device's second connection, is still one download to the same device).
    pub(super) async fn log_reads(&mut self, docs: Vec<DocumentId>) {
        if !docs.is_empty() {
            let service = self.service.clone();
            service
                .read_log
                .log_once(&self.reads, self.peer.actor(), docs)
                .await;
        }
    }

    /// The device no longer holds `doc`: if it is sent the case again, that is logged as a new read.
    pub(super) fn forget_read(&self, doc: &DocumentId) {
        self.service.read_log.forget(&self.reads, doc);
    }
}
