//! The access log's `read` rows of the sync path, written for many connections in one transaction.
//!
//! Every case sent to a device is logged as read before it is sent (`access_log.rs`). A commit that concerns a
//! team is pushed to each of its connections at about the same moment, and one append (one transaction and one
//! fsync) per connection made the store's writer the queue every push waited in. Connections hand their reads to
//! one lane ([`ReadLog::log_once`]), which appends whatever waits, up to [`MAX_GROUP`] connections' reads, in one
//! transaction, and answers each when it is durable: a lone read goes at once, a crowd shares the cost, nothing
//! waits for a timer. Each row keeps the time its connection asked for it.
//!
//! A case is logged once per device while the device holds it and has a connection open in this process
//! ([`DeviceReads`]): a teammate's edit pushed again, or the same case sent on the device's second connection, is
//! the same download to the same device. A purge or a forgotten holding ends that, so a case that comes back is
//! logged again, and so does the device's last connection closing. A connection that finds its case being logged
//! by another connection of its device waits for that row before it sends, so no case leaves unlogged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use sync_core::DocumentId;
use tokio::sync::OnceCell;

use super::lane::{Lane, Unwritten};
use crate::audit::{self, Action, Actor};
use crate::clock;
use crate::ids::{DeviceId, TenantId, UserId};
use crate::store::{AuditRecord, Store};

/// At most this many connections' reads share a transaction.
const MAX_GROUP: usize = 256;

/// One connection's reads, owned, so they can wait in the lane.
struct Reads {
    at: i64,
    tenant_id: TenantId,
    user_id: UserId,
    device_id: DeviceId,
    case_ids: Vec<String>,
}

/// Where connections hand in their reads.
pub struct ReadLog {
    store: Store,
    lane: Lane<Reads>,
    devices: Arc<Devices>,
}

/// The cases logged as read for each device with a connection open in this process.
type Devices = Mutex<HashMap<DeviceId, Logged>>;

/// One device's logged cases.
#[derive(Default)]
struct Logged {
    connections: usize,
    cases: HashMap<DocumentId, Arc<Batch>>,
}

/// Cases one connection logs together; its cell is set once their rows are durable.
struct Batch {
    cases: Vec<DocumentId>,
    logged: OnceCell<()>,
}

/// One connection's share of its device's logged cases; the device's record goes with its last connection.
pub struct DeviceReads {
    devices: Arc<Devices>,
    device_id: DeviceId,
}

impl Drop for DeviceReads {
    fn drop(&mut self) {
        let mut devices = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(logged) = devices.get_mut(&self.device_id) {
            logged.connections -= 1;
            if logged.connections == 0 {
                devices.remove(&self.device_id);
            }
        }
    }
}

impl ReadLog {
    /// Starts the lane's task on the current runtime.
    pub fn start(store: Store) -> ReadLog {
        let writer = store.clone();
        let lane = Lane::start(MAX_GROUP, move |group: Vec<Reads>| {
            let store = writer.clone();
            async move {
                append(&store, &group).await;
                vec![(); group.len()]
            }
        });
        ReadLog {
            store,
            lane,
            devices: Arc::default(),
        }
    }

    /// A new connection of `device_id`: its handle on the device's logged cases.
    pub fn connect(&self, device_id: &DeviceId) -> DeviceReads {
        let mut devices = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        devices.entry(device_id.clone()).or_default().connections += 1;
        DeviceReads {
            devices: self.devices.clone(),
            device_id: device_id.clone(),
        }
    }

    /// Logs those of `cases` the device was not sent before as read by `actor`, and returns once every one of
    /// `cases` is logged durably (also those another connection of the device is logging just now).
    pub async fn log_once(&self, reads: &DeviceReads, actor: Actor<'_>, cases: Vec<DocumentId>) {
        let waiting = {
            let mut devices = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
            let logged = devices.entry(reads.device_id.clone()).or_default();
            let mut waiting: Vec<Arc<Batch>> = Vec::new();
            let mut fresh = Vec::new();
            let mut seen = HashSet::new();
            // A Welcome may name a case twice (changed, and in the device's manifest).
            for case in cases.into_iter().filter(|case| seen.insert(*case)) {
                match logged.cases.get(&case) {
                    Some(batch) => {
                        if batch.logged.get().is_none()
                            && !waiting.iter().any(|other| Arc::ptr_eq(other, batch))
                        {
                            waiting.push(batch.clone());
                        }
                    }
                    None => fresh.push(case),
                }
            }
            if !fresh.is_empty() {
                let batch = Arc::new(Batch {
                    cases: fresh,
                    logged: OnceCell::new(),
                });
                for case in &batch.cases {
                    logged.cases.insert(*case, batch.clone());
                }
                waiting.push(batch);
            }
            waiting
        };
        // If the connection that began a batch goes away before its rows are durable, the next one waiting for
        // it writes them (the same device, so the same user).
        for batch in waiting {
            batch
                .logged
                .get_or_init(|| self.log(actor, batch.cases.iter().map(ToString::to_string).collect()))
                .await;
        }
    }

    /// The device no longer holds `case` (it was told to purge it, or said it deleted it): if the case reaches
    /// the device again, that is a new read.
    pub fn forget(&self, reads: &DeviceReads, case: &DocumentId) {
        let mut devices = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(logged) = devices.get_mut(&reads.device_id) {
            logged.cases.remove(case);
        }
    }

    /// Logs `case_ids` as read by `actor` now, and returns once the rows are durable.
    async fn log(&self, actor: Actor<'_>, case_ids: Vec<String>) {
        let reads = Reads {
            at: clock::now_ms(),
            tenant_id: actor.tenant_id.clone(),
            user_id: actor.user_id.clone(),
            device_id: actor.device_id.clone(),
            case_ids,
        };
        // The lane is gone (the runtime is shutting down): append them here.
        if let Err(Unwritten::Refused(reads)) = self.lane.write(reads).await {
            append(&self.store, std::slice::from_ref(&reads)).await;
        }
    }
}

/// Appends the `read` rows of `group` in one transaction.
async fn append(store: &Store, group: &[Reads]) {
    let records: Vec<AuditRecord<'_>> = group
        .iter()
        .flat_map(|reads| {
            let actor = Actor {
                tenant_id: &reads.tenant_id,
                user_id: &reads.user_id,
                device_id: &reads.device_id,
            };
            reads.case_ids.iter().map(move |case_id| AuditRecord {
                at: reads.at,
                ..audit::event(actor, Action::Read, Some(case_id.as_str()), Some("sync"), None)
            })
        })
        .collect();
    if let Err(error) = store.append_audit(&records).await {
        tracing::error!(cases = records.len(), %error, "cannot write the access log for a download");
    }
}
