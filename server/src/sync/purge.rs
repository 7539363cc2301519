//! Purge: a device whose user may no longer see a case (unassigned, moved to another team, a break-the-glass
//! grant expired) is told to delete its copy, but only once the server holds the device's last changes to it.
//!
//! The server remembers which cases each device holds (`device_holdings`). At a Hello, a held case the user may
//! no longer see is purged at once if the device has nothing pending for it; if the device's manifest lists it
//! (changes not yet acknowledged), its uploads are still accepted on this connection (the grace) and the Purge
//! follows the Ack. A live change of who may see a case purges it from connected devices the same way.
//!
//! A device may end its sync before it reads a Purge sent late in a connection, so every purge is repeated at
//! the start of the device's next connection (before `CaughtUp`, so it is read), and only then forgotten.

use std::collections::HashSet;

use sync_core::DocumentId;
use sync_core::protocol::{Frame, ManifestEntry, PurgeReason, ServerEffect};

use super::connection::{Connection, ConnectionError};
use crate::clock;

impl Connection {
    /// At a Hello: the held cases to purge now; those with pending changes go into the grace instead.
    pub(super) async fn plan_purges(
        &mut self,
        manifest: &[ManifestEntry],
    ) -> Result<Vec<(DocumentId, bool)>, ConnectionError> {
        let gone = self
            .service
            .store
            .holdings_to_purge(&self.peer.viewer, &self.peer.device_id)
            .await?;
        let pending: HashSet<DocumentId> = manifest.iter().map(|entry| entry.doc).collect();
        let mut now = Vec::new();
        for (doc, told_before) in gone {
            let doc: DocumentId = doc.parse().map_err(|_| ConnectionError::CorruptId)?;
            if pending.contains(&doc) {
                self.grace.insert(doc);
            } else {
                now.push((doc, told_before));
            }
        }
        Ok(now)
    }

    /// Tells the device to delete `doc`; `told_before` when this is the repeat, after which the server forgets
    /// the device held it.
    pub(super) async fn purge(
        &mut self,
        doc: DocumentId,
        told_before: bool,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        self.visible.remove(&doc);
        self.grace.remove(&doc);
        let store = &self.service.store;
        if told_before {
            store
                .forget_holding(&self.peer.device_id, &doc.to_string())
                .await?;
        } else {
            store
                .mark_purged(&self.peer.device_id, &doc.to_string(), clock::now_ms())
                .await?;
        }
        tracing::info!(connection.id = self.id, case.id = %doc, "purging a case from a device");
        crate::audit::purged(store, self.peer.actor(), &doc.to_string(), told_before).await;
        Ok(self.session.purge(doc, PurgeReason::Unassigned))
    }

    /// Live: the device's user may no longer see `doc`. Purged at once if the server holds every change the device
    /// told it of on this connection; otherwise (the device may hold changes the server lacks) the case goes into
    /// the grace like at a Hello: nothing more is pushed, the device's uploads are still taken, and the Purge
    /// follows the Ack, or comes at its next Hello.
    pub(super) async fn lose_sight_of(
        &mut self,
        doc: DocumentId,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let holds_all = {
            let guard = self.service.documents.open(doc).await?;
            guard
                .as_ref()
                .is_some_and(|loaded| self.session.holds_all_of_peer(doc, &loaded.doc))
        };
        if holds_all {
            return self.purge(doc, false).await;
        }
        self.visible.remove(&doc);
        self.grace.insert(doc);
        tracing::info!(connection.id = self.id, case.id = %doc, "case no longer visible; purge waits for the device's changes");
        Ok(Vec::new())
    }

    /// After a sync message of a case in the grace: once the server acknowledged the device's changes, purge.
    pub(super) async fn purge_after_ack(
        &mut self,
        doc: DocumentId,
        mut effects: Vec<ServerEffect>,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let acknowledged = effects.iter().any(
            |effect| matches!(effect, ServerEffect::Send(Frame::Ack { doc: acked, .. }) if *acked == doc),
        );
        if self.grace.contains(&doc) && acknowledged {
            effects.extend(self.purge(doc, false).await?);
        }
        Ok(effects)
    }

    /// Remembers that the device holds these cases (it is being sent them, or created them).
    pub(super) async fn record_holdings(
        &mut self,
        docs: impl IntoIterator<Item = DocumentId>,
    ) -> Result<(), ConnectionError> {
        let docs: Vec<String> = docs.into_iter().map(|doc| doc.to_string()).collect();
        if !docs.is_empty() {
            self.service
                .store
                .record_holdings(&self.peer.device_id, &docs, clock::now_ms())
                .await?;
        }
        Ok(())
    }
}
