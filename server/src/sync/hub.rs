//! Fan-out of document and device events to the connections of this process, and, on PostgreSQL, from every
//! other process through LISTEN/NOTIFY.
//!
//! A commit publishes [`HubEvent::Changed`] here directly; on PostgreSQL the commit's transaction also sends a
//! [`Notice`] (see `store/notices.rs`), which the listener of every process (this one included) turns into the same
//! event after bringing its copy of the document up to date. A device revocation travels the same way, so every
//! process closes the revoked device's connections. Events are
//! hints, never data: a connection that gets one re-reads the document and lets automerge's sync work out what
//! the device lacks, so a duplicate or a late event costs a little work and never a wrong answer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sync_core::DocumentId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::documents::Documents;
use crate::ids::{DeviceId, TeamId, TenantId, UserId};
use crate::store::{Heard, Notice, Reach, Store};

/// How many events a slow connection may fall behind before it must re-check everything it holds.
const CHANNEL_CAPACITY: usize = 4096;

/// Something happened to a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubEvent {
    /// A commit (or a change of who may see the document) at `seq`. `origin` is the connection that caused it, or
    /// 0 for another process or the server itself. `reach` says whom it may concern besides the connections that
    /// watch the document: the hub hands it to those of the case's team and the people named (`Reach::Audience`),
    /// and each of them asks the store only when `authz::may_concern` says it may concern it.
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

/// Who listens on a connection, for routing events to it.
#[derive(Clone, Debug)]
pub struct Listener {
    pub tenant: TenantId,
    pub team: Option<TeamId>,
    pub user: UserId,
    pub device: DeviceId,
}

/// Why a subscription yields no event.
#[derive(Debug, PartialEq, Eq)]
pub enum Missed {
    /// Events for this connection were dropped because it fell behind: it must re-check all it holds.
    Lagged,
    /// The hub let go of the connection.
    Closed,
}

/// The process-wide router of events to connections. An event reaches only the connections it may concern: those
/// that watch its document ([`Hub::watch`]: the documents they sync or may see), and for a change of who may see a
/// case, those of the case's team and of the people it names (or the whole tenant for [`Reach::Tenant`]). One commit
/// thus wakes its document's connections, not every connection of the municipality.
pub struct Hub {
    next_connection: AtomicU64,
    routes: Mutex<Routes>,
    /// The commits this process published itself, while other processes may tell it of them again (PostgreSQL);
    /// `None` when there are no other processes (SQLite).
    own_commits: Option<Mutex<OwnCommits>>,
}

/// The last [`OWN_COMMITS`] commits this process made, by document and sequence: the notice each sends through
/// PostgreSQL comes back to this process's own listener, which skips it instead of catching the document up and
/// waking every connection that watches it a second time (for a new case, each of them would ask the store again
/// whether it may see it).
#[derive(Default)]
struct OwnCommits {
    known: HashSet<(DocumentId, i64)>,
    order: VecDeque<(DocumentId, i64)>,
}

/// How many of its own commits a process remembers; a notice comes back within milliseconds, and one that comes
/// after its commit was forgotten is handled like another process's (a harmless second look).
const OWN_COMMITS: usize = 4096;

#[derive(Default)]
struct Routes {
    connections: HashMap<u64, Route>,
    by_doc: HashMap<DocumentId, HashSet<u64>>,
    by_tenant: HashMap<TenantId, HashSet<u64>>,
    by_team: HashMap<TeamId, HashSet<u64>>,
    by_user: HashMap<UserId, HashSet<u64>>,
    /// Connections that do not know yet which documents they may see (their Hello is being resolved): they get
    /// every event of their tenant, so that none falls between the store's answer and their watching.
    resolving: HashMap<TenantId, HashSet<u64>>,
}

struct Route {
    listener: Listener,
    sender: mpsc::Sender<HubEvent>,
    lagged: Arc<AtomicBool>,
    docs: HashSet<DocumentId>,
}

/// A connection's end of the hub: its events, in order. Dropping it unsubscribes.
pub struct Subscription {
    hub: Arc<Hub>,
    id: u64,
    receiver: mpsc::Receiver<HubEvent>,
    lagged: Arc<AtomicBool>,
}

impl Subscription {
    /// The next event for this connection; [`Missed::Lagged`] once after events were dropped for it.
    pub async fn recv(&mut self) -> Result<HubEvent, Missed> {
        if self.lagged.swap(false, Ordering::AcqRel) {
            // Whatever is still queued predates the loss; the connection re-checks everything anyway.
            while self.receiver.try_recv().is_ok() {}
            return Err(Missed::Lagged);
        }
        self.receiver.recv().await.ok_or(Missed::Closed)
    }

    /// Routes events for `docs` to this connection from now on (it syncs them or may see them).
    pub fn watch(&self, docs: impl IntoIterator<Item = DocumentId>) {
        self.hub.watch(self.id, docs);
    }

    /// The connection knows the documents it may see and watches them: from now on it gets only the events that
    /// may concern it.
    pub fn resolved(&self) {
        let mut routes = self.hub.lock();
        if let Some(tenant) = routes
            .connections
            .get(&self.id)
            .map(|r| r.listener.tenant.clone())
        {
            remove_from(&mut routes.resolving, &tenant, self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.id);
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            next_connection: AtomicU64::new(1),
            routes: Mutex::new(Routes::default()),
            own_commits: None,
        }
    }
}

impl Hub {
    /// A hub of a process that hears other processes' notices, and its own, through the store.
    pub fn with_notices() -> Hub {
        Hub {
            own_commits: Some(Mutex::default()),
            ..Hub::default()
        }
    }

    /// Remembers a commit this process made (`seq` is its sequence), so that its notice coming back from the store
    /// is skipped ([`Hub::is_own_commit`]). Call it while still holding the document's lock: a notice that comes
    /// back sooner waits for that lock in [`Documents::refresh`] and then finds the commit remembered.
    pub fn remember_own_commit(&self, doc: DocumentId, seq: i64) {
        if let Some(own) = &self.own_commits {
            let mut own = own.lock().unwrap_or_else(PoisonError::into_inner);
            if own.known.insert((doc, seq)) {
                own.order.push_back((doc, seq));
            }
            while own.order.len() > OWN_COMMITS {
                if let Some(oldest) = own.order.pop_front() {
                    own.known.remove(&oldest);
                }
            }
        }
    }

    /// Whether the notice of `doc` at `seq` is of a commit this process made ([`Hub::remember_own_commit`]);
    /// forgets it.
    fn is_own_commit(&self, doc: DocumentId, seq: i64) -> bool {
        self.own_commits.as_ref().is_some_and(|own| {
            own.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .known
                .remove(&(doc, seq))
        })
    }

    /// Subscribes connection `id` (from [`Hub::connection_id`]) of `listener`. Until [`Subscription::resolved`] it
    /// gets every event of its tenant.
    pub fn subscribe(self: &Arc<Self>, id: u64, listener: Listener) -> Subscription {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut routes = self.lock();
        routes
            .by_tenant
            .entry(listener.tenant.clone())
            .or_default()
            .insert(id);
        routes
            .resolving
            .entry(listener.tenant.clone())
            .or_default()
            .insert(id);
        if let Some(team) = &listener.team {
            routes.by_team.entry(team.clone()).or_default().insert(id);
        }
        routes
            .by_user
            .entry(listener.user.clone())
            .or_default()
            .insert(id);
        routes.connections.insert(
            id,
            Route {
                listener,
                sender,
                lagged: lagged.clone(),
                docs: HashSet::new(),
            },
        );
        drop(routes);
        Subscription {
            hub: self.clone(),
            id,
            receiver,
            lagged,
        }
    }

    /// Hands `event` to every connection it may concern (the connection that caused it included: it skips its own).
    /// Returns how many it reached besides the one that caused it.
    pub fn publish(&self, event: HubEvent) -> usize {
        let routes = self.lock();
        let mut to: HashSet<u64> = HashSet::new();
        match &event {
            HubEvent::Changed {
                doc, tenant, reach, ..
            } => {
                to.extend(routes.by_doc.get(doc).into_iter().flatten());
                to.extend(routes.resolving.get(tenant).into_iter().flatten());
                match reach {
                    Reach::Holders => {}
                    Reach::Audience { team_id, users } => {
                        if let Some(team) = team_id {
                            to.extend(routes.by_team.get(team).into_iter().flatten());
                        }
                        for user in users {
                            to.extend(routes.by_user.get(user).into_iter().flatten());
                        }
                        // Only the case's tenant: a team or user id is unique, but the tenant check stays cheap.
                        to.retain(|id| {
                            routes
                                .connections
                                .get(id)
                                .is_some_and(|r| r.listener.tenant == *tenant)
                        });
                    }
                    Reach::Tenant => to.extend(routes.by_tenant.get(tenant).into_iter().flatten()),
                }
            }
            HubEvent::RolledBack { doc, .. } => {
                to.extend(routes.by_doc.get(doc).into_iter().flatten());
                to.extend(routes.resolving.values().flatten());
            }
            HubEvent::DeviceRevoked { device_id } => to.extend(
                routes
                    .connections
                    .iter()
                    .filter(|(_, route)| route.listener.device == *device_id)
                    .map(|(id, _)| *id),
            ),
        }
        let origin = match &event {
            HubEvent::Changed { origin, .. } | HubEvent::RolledBack { origin, .. } => Some(*origin),
            HubEvent::DeviceRevoked { .. } => None,
        };
        let mut others = 0;
        for id in to {
            let Some(route) = routes.connections.get(&id) else {
                continue;
            };
            if Some(id) != origin {
                others += 1;
            }
            if route.sender.try_send(event.clone()).is_err() {
                route.lagged.store(true, Ordering::Release);
            }
        }
        others
    }

    /// How many connections listen for events now.
    pub fn subscribers(&self) -> usize {
        self.lock().connections.len()
    }

    /// A fresh connection id (never 0).
    pub fn connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    fn watch(&self, id: u64, docs: impl IntoIterator<Item = DocumentId>) {
        let mut routes = self.lock();
        let Routes {
            connections, by_doc, ..
        } = &mut *routes;
        let Some(route) = connections.get_mut(&id) else {
            return;
        };
        for doc in docs {
            if route.docs.insert(doc) {
                by_doc.entry(doc).or_default().insert(id);
            }
        }
    }

    fn unsubscribe(&self, id: u64) {
        let mut routes = self.lock();
        let Some(route) = routes.connections.remove(&id) else {
            return;
        };
        for doc in &route.docs {
            remove_from(&mut routes.by_doc, doc, id);
        }
        let listener = route.listener;
        remove_from(&mut routes.by_tenant, &listener.tenant, id);
        remove_from(&mut routes.resolving, &listener.tenant, id);
        if let Some(team) = &listener.team {
            remove_from(&mut routes.by_team, team, id);
        }
        remove_from(&mut routes.by_user, &listener.user, id);
    }

    /// Those of `docs` that no connection of this process watches.
    pub fn unwatched(&self, docs: impl IntoIterator<Item = DocumentId>) -> Vec<DocumentId> {
        let routes = self.lock();
        docs.into_iter()
            .filter(|doc| !routes.by_doc.contains_key(doc))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Removes `id` from the set under `key`, and the set once empty.
fn remove_from<K: std::hash::Hash + Eq>(index: &mut HashMap<K, HashSet<u64>>, key: &K, id: u64) {
    if let Some(ids) = index.get_mut(key) {
        ids.remove(&id);
        if ids.is_empty() {
            index.remove(key);
        }
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
    if hub.is_own_commit(doc, seq) {
        return;
    }
    match documents.refresh(doc, seq).await {
        // The notice of a commit of this process can come before the committing connection let go of the
        // document's lock; the refresh waited for that lock, and the commit is remembered by now. Publishing it
        // again would wake every watcher for nothing and keep the case in memory for the idle minute.
        Ok(_) if hub.is_own_commit(doc, seq) => {}
        Ok(_) => {
            hub.publish(HubEvent::Changed {
                doc,
                seq,
                origin: 0,
                tenant,
                reach,
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(tenant: &TenantId, team: &TeamId, user: &UserId) -> Listener {
        Listener {
            tenant: tenant.clone(),
            team: Some(team.clone()),
            user: user.clone(),
            device: DeviceId::new_random(),
        }
    }

    fn changed(doc: DocumentId, tenant: &TenantId, reach: Reach) -> HubEvent {
        HubEvent::Changed {
            doc,
            seq: 1,
            origin: 0,
            tenant: tenant.clone(),
            reach,
        }
    }

    /// The events waiting for `subscription` now.
    fn waiting(subscription: &mut Subscription) -> Vec<HubEvent> {
        std::iter::from_fn(|| subscription.receiver.try_recv().ok()).collect()
    }

    #[test]
    fn an_event_reaches_only_the_connections_it_may_concern() {
        let hub = Arc::new(Hub::default());
        let (tenant, other_tenant) = (TenantId::named("tenant"), TenantId::named("other tenant"));
        let (team, other_team) = (TeamId::named("team-a"), TeamId::named("team-b"));
        let (anna, bo, mads) = (UserId::named("anna"), UserId::named("bo"), UserId::named("mads"));
        let doc = DocumentId::from_uuid(uuid::Uuid::new_v4());

        let mut watching = hub.subscribe(1, listener(&tenant, &other_team, &anna));
        watching.watch([doc]);
        watching.resolved();
        let mut teammate = hub.subscribe(2, listener(&tenant, &team, &bo));
        teammate.resolved();
        let mut named = hub.subscribe(3, listener(&tenant, &other_team, &mads));
        named.resolved();
        let mut resolving = hub.subscribe(4, listener(&tenant, &other_team, &UserId::named("sara")));
        let mut elsewhere = hub.subscribe(5, listener(&other_tenant, &team, &bo));
        elsewhere.resolved();

        // A commit: the connections watching the document, and one still learning what it may see.
        let commit = changed(doc, &tenant, Reach::Holders);
        hub.publish(commit.clone());
        assert_eq!(waiting(&mut watching), std::slice::from_ref(&commit));
        assert_eq!(waiting(&mut resolving), [commit]);
        for quiet in [&mut teammate, &mut named, &mut elsewhere] {
            assert!(waiting(quiet).is_empty(), "a commit wakes no one else");
        }

        // A change of who may see it: also the case's team and the people named, of the case's tenant only.
        let audience = changed(
            doc,
            &tenant,
            Reach::Audience {
                team_id: Some(team.clone()),
                users: vec![mads.clone()],
            },
        );
        hub.publish(audience.clone());
        for reached in [&mut watching, &mut teammate, &mut named, &mut resolving] {
            assert_eq!(waiting(reached), std::slice::from_ref(&audience));
        }
        assert!(
            waiting(&mut elsewhere).is_empty(),
            "another municipality's connection of the same team id"
        );

        // A revocation: the device's connections, wherever they are.
        let revoked = HubEvent::DeviceRevoked {
            device_id: hub.lock().connections[&5].listener.device.clone(),
        };
        hub.publish(revoked.clone());
        assert_eq!(waiting(&mut elsewhere), [revoked]);
        assert!(waiting(&mut watching).is_empty());

        drop(watching);
        assert_eq!(hub.subscribers(), 4);
        assert!(
            hub.lock().by_doc.is_empty(),
            "a closed connection leaves no route behind"
        );
    }

    #[tokio::test]
    async fn a_connection_that_falls_behind_is_told_once() {
        let hub = Arc::new(Hub::default());
        let tenant = TenantId::named("tenant");
        let mut slow = hub.subscribe(
            1,
            listener(&tenant, &TeamId::named("team-a"), &UserId::named("anna")),
        );
        let doc = DocumentId::from_uuid(uuid::Uuid::new_v4());
        for _ in 0..=CHANNEL_CAPACITY {
            hub.publish(changed(doc, &tenant, Reach::Holders));
        }
        assert_eq!(slow.recv().await, Err(Missed::Lagged));
        hub.publish(changed(doc, &tenant, Reach::Holders));
        assert!(slow.recv().await.is_ok(), "then events flow again");
    }

    #[test]
    fn a_process_skips_the_notices_of_its_own_commits_once() {
        let doc = DocumentId::from_uuid(uuid::Uuid::new_v4());
        let hub = Hub::with_notices();
        hub.remember_own_commit(doc, 1);
        assert!(hub.is_own_commit(doc, 1), "its own commit");
        assert!(!hub.is_own_commit(doc, 1), "remembered for one notice");
        assert!(!hub.is_own_commit(doc, 2), "another commit of the document");

        // Only the last OWN_COMMITS are remembered.
        for seq in 1..=(OWN_COMMITS as i64 + 1) {
            hub.remember_own_commit(doc, seq);
        }
        assert!(!hub.is_own_commit(doc, 1), "forgotten");
        assert!(hub.is_own_commit(doc, OWN_COMMITS as i64 + 1));

        let single = Hub::default();
        single.remember_own_commit(doc, 1);
        assert!(
            !single.is_own_commit(doc, 1),
            "a process without notices remembers nothing"
        );
    }
}
