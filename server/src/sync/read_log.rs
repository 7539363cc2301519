//! The access log's `read` rows of the sync path, written for many connections in one transaction.
//!
//! Every case sent to a device is logged as read before it is sent (`access_log.rs`). A commit that concerns a
//! team is pushed to each of its connections at about the same moment, and one append (one transaction and one
//! fsync) per connection made the store's writer the queue every push waited in. Connections hand their reads to
//! one lane ([`ReadLog::log`]), which appends whatever waits, up to [`MAX_GROUP`] connections' reads, in one
//! transaction, and answers each when it is durable: a lone read goes at once, a crowd shares the cost, nothing
//! waits for a timer. Each row keeps the time its connection asked for it.

use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, Action, Actor};
use crate::clock;
use crate::ids::{DeviceId, TenantId, UserId};
use crate::store::{AuditRecord, Store};

/// At most this many connections' reads share a transaction.
const MAX_GROUP: usize = 256;

/// Reads waiting before `log` waits for room.
const CAPACITY: usize = 4 * MAX_GROUP;

/// One connection's reads, owned, so they can wait in the lane.
struct Reads {
    at: i64,
    tenant_id: TenantId,
    user_id: UserId,
    device_id: DeviceId,
    case_ids: Vec<String>,
    /// Told when the rows are durable (or failed: a failure is logged, and the read goes on, as before the lane).
    done: oneshot::Sender<()>,
}

/// Where connections hand in their reads.
pub struct ReadLog {
    store: Store,
    lane: mpsc::Sender<Reads>,
}

impl ReadLog {
    /// Starts the lane's task on the current runtime.
    pub fn start(store: Store) -> ReadLog {
        let (lane, receiver) = mpsc::channel(CAPACITY);
        tokio::spawn(run(store.clone(), receiver));
        ReadLog { store, lane }
    }

    /// Logs `case_ids` as read by `actor` now, and returns once the rows are durable.
    pub async fn log(&self, actor: Actor<'_>, case_ids: Vec<String>) {
        let (done, durable) = oneshot::channel();
        let reads = Reads {
            at: clock::now_ms(),
            tenant_id: actor.tenant_id.clone(),
            user_id: actor.user_id.clone(),
            device_id: actor.device_id.clone(),
            case_ids,
            done,
        };
        match self.lane.send(reads).await {
            Ok(()) => {
                let _ = durable.await;
            }
            // The lane is gone (the runtime is shutting down): append them here.
            Err(mpsc::error::SendError(reads)) => append(&self.store, std::slice::from_ref(&reads)).await,
        }
    }
}

async fn run(store: Store, mut receiver: mpsc::Receiver<Reads>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
        append(&store, &group).await;
        for reads in group.drain(..) {
            let _ = reads.done.send(());
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
