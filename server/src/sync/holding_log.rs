//! The store's record of which device holds which case, written for many connections in one transaction.
//!
//! A device holds a case from the moment it is sent it (or creates it), and the store must know before anything is
//! sent, so a later purge reaches the device. When a teammate creates a case, every connection of the team's
//! devices finds it visible at about the same moment; one transaction (one fsync) each made a burst of new cases
//! thousands of small writes on the general pool, in the way of the access queries. Connections hand their holdings
//! to one lane instead, on the sync path's writer pool, which writes whatever waits in one transaction (two
//! connections of one device naming the same case make one row) and answers each connection when it is durable.
//!
//! Nothing is cached: each holding is written when the session asks, as before, only together with others. A
//! cache of what a device was known to hold would be wrong as soon as a purge or another process changed the row.

use sync_core::protocol::Held;

use super::connection::ConnectionError;
use super::lane::{Lane, Unwritten};
use crate::clock;
use crate::ids::DeviceId;
use crate::store::{Store, StoreError};

/// At most this many connections' holdings share a transaction.
const MAX_GROUP: usize = 256;

/// One connection's holdings, owned, so they can wait in the lane.
struct Holdings {
    device_id: DeviceId,
    docs: Vec<Held>,
}

impl Holdings {
    /// The store's rows of these holdings: each case with the device.
    fn rows(&self) -> impl Iterator<Item = (&DeviceId, Held)> {
        self.docs.iter().map(|held| (&self.device_id, *held))
    }
}

/// Where connections hand in the holdings the session tells them to record.
pub struct HoldingLog {
    store: Store,
    lane: Lane<Holdings, Result<(), StoreError>>,
}

impl HoldingLog {
    /// Starts the lane's task on the current runtime, writing to `store`.
    pub fn start(store: Store) -> HoldingLog {
        let writer = store.clone();
        let lane = Lane::start(MAX_GROUP, move |group: Vec<Holdings>| {
            let store = writer.clone();
            async move { record(&store, &group).await }
        });
        HoldingLog { store, lane }
    }

    /// Records that `device_id` holds `docs`, and returns once that is durable.
    pub async fn record(&self, device_id: &DeviceId, docs: Vec<Held>) -> Result<(), ConnectionError> {
        if docs.is_empty() {
            return Ok(());
        }
        let holdings = Holdings {
            device_id: device_id.clone(),
            docs,
        };
        match self.lane.write(holdings).await {
            Ok(result) => Ok(result?),
            // The lane is gone (the runtime is shutting down): write them here.
            Err(Unwritten::Refused(holdings)) => Ok(record(&self.store, std::slice::from_ref(&holdings))
                .await
                .remove(0)?),
            Err(Unwritten::Unanswered) => Err(ConnectionError::LaneGone),
        }
    }
}

/// Writes `group` in one transaction; if that fails, each connection's holdings on their own, so one bad row (a
/// device revoked meanwhile, say) fails only its own connection.
async fn record(store: &Store, group: &[Holdings]) -> Vec<Result<(), StoreError>> {
    let rows: Vec<(&DeviceId, Held)> = group.iter().flat_map(Holdings::rows).collect();
    match store.record_holdings(&rows, clock::now_ms()).await {
        Ok(()) => group.iter().map(|_| Ok(())).collect(),
        Err(error) if group.len() == 1 => vec![Err(error)],
        Err(error) => {
            tracing::debug!(connections = group.len(), %error, "a holdings group failed; writing one by one");
            let mut results = Vec::with_capacity(group.len());
            for holdings in group {
                let rows: Vec<(&DeviceId, Held)> = holdings.rows().collect();
                results.push(store.record_holdings(&rows, clock::now_ms()).await);
            }
            results
        }
    }
}
