//! One sync connection: a task that feeds the device's frames and other connections' document events to the
//! protocol session, and carries out the effects it asks for. The session decides who sees what and when to purge
//! (sync-core's `protocol::server::sight`); this task only reports what the store says and records what the
//! session decides.
//!
//! The task owns the socket, so frames go out in the order the session produced them. It reads one thing at a
//! time (a frame, an event, or a commit coming back) and handles it before reading the next. A device's changes
//! are merged and checked here, then their commit is handed to the group committer and stays in flight while the
//! task reads on, so the commits of a device uploading many documents share transactions; each Ack goes out when
//! its commit is durable. A document with a commit in flight stays locked: anything else the task does with it
//! first waits for the commits in flight. At shutdown it finishes what it is doing and waits for its commits,
//! then closes.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures_util::SinkExt;
use sync_core::DocumentId;
use sync_core::protocol::{
    Access, ErrorCode, Frame, Lost, ManifestEntry, Resolved, ServerEffect, ServerSession, Visible, encode,
};
use tokio::sync::oneshot::error::RecvError;

use super::SyncService;
use super::documents::{DocGuard, DocReadGuard};
use super::group_commit::Prepared;
use super::hub::{HubEvent, Listener, Missed, Subscription};
use super::receive::InFlight;
use crate::ids::DeviceId;
use crate::metrics::ConnectionGauge;
use crate::store::{Reach, Store, StoreError, StoredDocument, Viewer};
use crate::{authz, clock};

/// Who is on the other end, as the upgrade authenticated them.
pub struct Peer {
    pub device_id: DeviceId,
    pub viewer: Viewer,
    pub tenant_slug: String,
}

impl Peer {
    /// What the store says this device may do with `doc` now.
    pub(super) async fn access(&self, store: &Store, doc: DocumentId) -> Result<Access, StoreError> {
        store.access(&self.viewer, &self.device_id, &doc).await
    }
}

/// The state of one connection.
pub(super) struct Connection {
    pub(super) id: u64,
    pub(super) service: Arc<SyncService>,
    pub(super) peer: Peer,
    pub(super) session: ServerSession,
    socket: WebSocket,
    /// This connection's share of the documents logged as read for its device, so each is logged once.
    pub(super) reads: super::read_log::DeviceReads,
    /// When the frame in hand arrived: a commit's latency runs from here to its Ack.
    pub(super) frame_received: Instant,
    /// This connection in the process's `sync_connections` figure.
    gauge: ConnectionGauge,
    /// Commits handed to the committer and not yet durable, oldest first (a connection's commits all go to its
    /// tenant's lane, which answers in order).
    pub(super) in_flight: VecDeque<InFlight>,
    /// Commits of frames checked since the last hand-in, whose receipts are in `in_flight` (or awaited by a retry):
    /// handed in together once no further frame is waiting ([`Self::hand_in_commits`]).
    pub(super) unsubmitted: Vec<Prepared>,
    /// Other connections' events that may concern this one.
    events: Subscription,
    /// The documents this connection has told the hub it watches.
    watched: HashSet<DocumentId>,
    /// While handling a change of who may see a case: the case and the event's sequence, so the device's
    /// connections share the store's answer (`shared_access.rs`).
    access_event: Option<(DocumentId, i64)>,
    /// For a device without a cursor (a new install), the documents its Welcome listed that it has not asked for
    /// yet: it is about to ask for every one, so the store's bytes of them are read a batch at a time
    /// ([`Connection::stored_document`]). A device with a cursor may already hold many of those listed (another of
    /// its user's devices uploaded them): they are read one by one as it asks, for read ahead they would only take
    /// memory.
    to_read_ahead: BTreeSet<DocumentId>,
    /// Documents read ahead and not asked for yet.
    read_ahead: HashMap<DocumentId, StoredDocument>,
}

/// Documents read in one statement when a new install asks for one its Welcome listed
/// ([`Connection::stored_document`]).
const READ_AHEAD_BATCH: usize = 64;

/// Commits one connection keeps in flight before it waits for the oldest: enough that one device's upload fills
/// the next group while one commits (a crowd of devices fills a group of `group_commit::MAX_GROUP` together).
const MAX_IN_FLIGHT: usize = 128;

/// Runs a connection until the device leaves, the session closes it, or the server shuts down.
pub async fn serve(socket: WebSocket, service: Arc<SyncService>, peer: Peer) {
    let session = ServerSession::new(peer.device_id.to_string(), service.limits, service.rate)
        .with_grace_ms(service.grace_ms);
    let id = service.hub.connection_id();
    let listener = Listener {
        tenant: peer.viewer.tenant_id.clone(),
        team: peer.viewer.team_id.clone(),
        user: peer.viewer.user_id.clone(),
        device: peer.device_id.clone(),
    };
    // Subscribed before the Hello is read, so no event between the store's answer and the Welcome is lost.
    let events = service.hub.subscribe(id, listener);
    let reads = service.read_log.connect(&peer.device_id);
    let mut connection = Connection {
        id,
        events,
        watched: HashSet::new(),
        access_event: None,
        to_read_ahead: BTreeSet::new(),
        read_ahead: HashMap::new(),
        gauge: service.metrics.connection_opened(),
        service,
        peer,
        session,
        socket,
        reads,
        frame_received: Instant::now(),
        in_flight: VecDeque::new(),
        unsubmitted: Vec::new(),
    };
    tracing::info!(device.id = %connection.peer.device_id, connection.id = connection.id, "sync connected");
    connection.run().await;
    // Boxed as `run`'s handlers are, so that this task's future stays the size of a waiting connection.
    Box::pin(connection.see_commits_through()).await;
    tracing::info!(device.id = %connection.peer.device_id, connection.id = connection.id, "sync disconnected");
    // The documents no other connection watches leave memory now, not after the idle minute.
    let Connection {
        service,
        events,
        watched,
        ..
    } = connection;
    drop(events);
    service.documents.drop_unused(service.hub.unwatched(watched));
}

/// What woke a connection: the one thing it handles next.
enum Wake {
    Shutdown,
    /// The oldest commit in flight came back.
    Receipt(Result<Result<i64, StoreError>, RecvError>),
    /// The socket's next message, or its end.
    Socket(Option<Result<Message, axum::Error>>),
    /// No further frame is waiting and commits are checked: hand them in.
    HandIn,
    Event(Result<HubEvent, Missed>),
}

impl Connection {
    async fn run(&mut self) {
        let shutdown = self.service.shutdown.clone();
        loop {
            let wake = tokio::select! {
                biased;
                _ = shutdown.cancelled() => Wake::Shutdown,
                // A commit that came back goes first: its Ack should not wait behind the device's next frames.
                result = oldest_receipt(&mut self.in_flight) => Wake::Receipt(result),
                message = self.socket.recv() => Wake::Socket(message),
                // No further frame is waiting: the commits of the frames just checked go to the lane together
                // (before other connections' events, which must not hold them back).
                () = std::future::ready(()), if !self.unsubmitted.is_empty() => Wake::HandIn,
                event = self.events.recv() => Wake::Event(event),
            };
            // Boxed: a task's future is as large as the largest state it can be in, and handling a frame (merging,
            // checking, committing) takes far more than waiting does. Inline, every idle connection of a
            // municipality would carry some 11 KiB of handler state it is not using; boxed, it is allocated while
            // the handler runs.
            let keep_going = Box::pin(self.handle(wake)).await;
            if !keep_going || self.session.is_closed() {
                break;
            }
        }
    }

    /// Handles what woke the connection. Returns false once the connection is over.
    async fn handle(&mut self, wake: Wake) -> bool {
        match wake {
            Wake::Shutdown => {
                self.say_goodbye(close_code::AWAY, "server shutting down").await;
                false
            }
            Wake::Receipt(result) => match self.in_flight.pop_front() {
                Some(in_flight) => {
                    let effects = self.complete(in_flight, result).await;
                    let effects = self.or_close(effects);
                    self.carry_out(effects).await
                }
                None => true,
            },
            Wake::Socket(message) => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    self.frame_received = Instant::now();
                    self.service.metrics.frame_in(bytes.len());
                    let effects = self.session.handle_frame(&bytes, clock::now_ms().max(0) as u64);
                    self.carry_out(effects).await
                }
                Some(Ok(Message::Text(_))) => {
                    let effects = self.session.close(
                        ErrorCode::UnexpectedFrame,
                        "frames are binary WebSocket messages".into(),
                    );
                    self.carry_out(effects).await
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => true,
                Some(Ok(Message::Close(_))) | None => false,
                Some(Err(error)) => {
                    tracing::debug!(connection.id = self.id, %error, "sync socket error");
                    false
                }
            },
            Wake::HandIn => {
                self.hand_in_commits().await;
                true
            }
            Wake::Event(event) => match event {
                Ok(event) => self.on_event(event).await,
                // This connection fell behind: offer every document it may see again.
                Err(Missed::Lagged) => {
                    tracing::warn!(connection.id = self.id, "sync connection lagged behind events");
                    let effects = self.session.offer_all();
                    self.carry_out(effects).await
                }
                Err(Missed::Closed) => false,
            },
        }
    }

    /// Sees every commit in flight through: its Ack sent if the socket is still there, its document unlocked (or
    /// rolled back if it failed).
    async fn see_commits_through(&mut self) {
        let effects = self.settle_in_flight().await;
        self.carry_out(effects).await;
    }

    /// Carries out effects, and the effects those produce, in order. Returns false once the connection is over.
    pub(super) async fn carry_out(&mut self, effects: Vec<ServerEffect>) -> bool {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            if self.must_settle_before(&effect) {
                // The commits in flight come back first (one of them holds the document's lock); their Acks go
                // out before this effect is carried out.
                let settled = self.settle_in_flight().await;
                queue.push_front(effect);
                for earlier in settled.into_iter().rev() {
                    queue.push_front(earlier);
                }
                continue;
            }
            if let ServerEffect::CheckAccess { doc, .. }
            | ServerEffect::Offer { doc }
            | ServerEffect::ReceiveSync { doc, .. } = &effect
            {
                self.watch([*doc]);
            }
            let more = match effect {
                ServerEffect::Send(frame) => {
                    let bytes = encode(&frame);
                    self.service.metrics.frame_out(bytes.len());
                    let message = Message::Binary(bytes.into());
                    // Frames that follow one another here (a sync reply and its Ack, the Welcome's answers) go
                    // out in one write: the last of them flushes, before anything else is awaited.
                    let sent = if matches!(queue.front(), Some(ServerEffect::Send(_))) {
                        self.socket.feed(message).await
                    } else {
                        self.socket.send(message).await
                    };
                    if sent.is_err() {
                        return false;
                    }
                    continue;
                }
                ServerEffect::Close => {
                    self.say_goodbye(close_code::POLICY, "protocol error").await;
                    return false;
                }
                ServerEffect::ResolveHello {
                    client,
                    cursor,
                    manifest,
                } => {
                    tracing::info!(
                        connection.id = self.id,
                        client = %client.chars().take(64).collect::<String>(),
                        cursor = cursor.map(|c| c as i64),
                        manifest = manifest.len(),
                        "sync hello"
                    );
                    self.resolve_hello(cursor, manifest).await
                }
                ServerEffect::CheckAccess { doc, message } => self.check_access(doc, message).await,
                ServerEffect::Offer { doc } => self.offer(doc).await,
                ServerEffect::ReceiveSync { doc, message, access } => {
                    self.receive(doc, message, access).await
                }
                ServerEffect::Hold { docs } => self.record_holdings(docs).await.map(|()| Vec::new()),
                ServerEffect::Purged { doc, reason, cursor } => {
                    self.purged(doc, reason, cursor).await.map(|()| Vec::new())
                }
                ServerEffect::Forget { doc } => self.forget(doc).await.map(|()| Vec::new()),
            };
            match more {
                Ok(effects) => queue.extend(effects),
                Err(error) => queue = VecDeque::from(self.or_close(Err(error))),
            }
        }
        true
    }

    /// Whether `effect` must wait for the commits in flight: it uses a document one of them holds locked, or the
    /// connection has as many in flight as it may.
    fn must_settle_before(&self, effect: &ServerEffect) -> bool {
        if self.in_flight.is_empty() {
            return false;
        }
        let doc = match effect {
            ServerEffect::ReceiveSync { doc, .. } => {
                if self.in_flight.len() >= MAX_IN_FLIGHT {
                    return true;
                }
                doc
            }
            ServerEffect::CheckAccess { doc, .. }
            | ServerEffect::Offer { doc }
            | ServerEffect::Purged { doc, .. }
            | ServerEffect::Forget { doc } => doc,
            ServerEffect::Send(_)
            | ServerEffect::Close
            | ServerEffect::ResolveHello { .. }
            | ServerEffect::Hold { .. } => return false,
        };
        self.in_flight.iter().any(|in_flight| in_flight.doc() == *doc)
    }

    /// Waits for every commit in flight, oldest first, and returns what the session says to each (Acks); on a
    /// failed commit, the session's closing frames instead, after the others are seen through.
    pub(super) async fn settle_in_flight(&mut self) -> Vec<ServerEffect> {
        self.hand_in_commits().await;
        let mut effects = Vec::new();
        while let Some(mut in_flight) = self.in_flight.pop_front() {
            let result = (&mut in_flight.receipt).await;
            let done = self.complete(in_flight, result).await;
            effects.extend(self.or_close(done));
        }
        effects
    }

    /// Hands the commits kept since the last hand-in to the committer, together, so they can share a transaction.
    pub(super) async fn hand_in_commits(&mut self) {
        if !self.unsubmitted.is_empty() {
            let prepared = std::mem::take(&mut self.unsubmitted);
            self.service.committer.hand_in(prepared).await;
        }
    }

    /// Locks `doc` for writing, with the effects of the commits this connection had to settle first.
    ///
    /// A connection never waits for a document's lock while it keeps commits in flight: the connection holding that
    /// lock may itself be waiting for one of the documents those commits hold, and neither would ever go on. So
    /// when the lock is taken, this connection's commits in flight come back first (their Acks are among the
    /// effects returned), and only then does it wait.
    ///
    /// With `missing` (the store called the id unused), a document this process does not hold is not loaded
    /// ([`super::documents::Documents::open_unloaded`]).
    pub(super) async fn lock_document(
        &mut self,
        doc: DocumentId,
        missing: bool,
    ) -> Result<(DocGuard, Vec<ServerEffect>), ConnectionError> {
        let documents = self.service.documents.clone();
        if !self.in_flight.is_empty() {
            let ready = if missing {
                documents.try_open_unloaded(doc)
            } else {
                documents.try_open(doc).await?
            };
            if let Some(guard) = ready {
                return Ok((guard, Vec::new()));
            }
            let settled = self.settle_in_flight().await;
            return Ok((documents.open_as(doc, missing).await?, settled));
        }
        Ok((documents.open_as(doc, missing).await?, Vec::new()))
    }

    /// The store's bytes of `doc`, for a device that holds nothing of it. If the Welcome of a new install listed it,
    /// it and the next listed documents the device has not asked for yet are read together: the device asks for
    /// them in id order, the order they are taken in here, so a new install's caseload is read in batches of
    /// [`READ_AHEAD_BATCH`]. Any other document is read alone.
    pub(super) async fn stored_document(
        &mut self,
        doc: DocumentId,
    ) -> Result<Option<StoredDocument>, StoreError> {
        if let Some(stored) = self.read_ahead.remove(&doc) {
            return Ok(Some(stored));
        }
        if !self.to_read_ahead.remove(&doc) {
            return self.service.store.load_document(&doc).await;
        }
        let mut batch = vec![doc];
        while batch.len() < READ_AHEAD_BATCH
            && let Some(next) = self.to_read_ahead.pop_first()
        {
            batch.push(next);
        }
        let mut asked = None;
        for stored in self.service.store.load_documents(&batch).await? {
            if stored.doc_id == doc {
                asked = Some(stored);
            } else {
                self.read_ahead.insert(stored.doc_id, stored);
            }
        }
        Ok(asked)
    }

    /// A document the device syncs the ordinary way (it holds some of it) is not sent from the bytes read ahead.
    pub(super) fn not_read_ahead(&mut self, doc: DocumentId) {
        self.to_read_ahead.remove(&doc);
        self.read_ahead.remove(&doc);
    }

    /// Locks `doc` for reading, beside other connections, under the same rule as [`Self::lock_document`].
    async fn read_document(
        &mut self,
        doc: DocumentId,
    ) -> Result<(DocReadGuard, Vec<ServerEffect>), ConnectionError> {
        if !self.in_flight.is_empty() {
            if let Some(guard) = self.service.documents.try_read(doc).await? {
                return Ok((guard, Vec::new()));
            }
            let settled = self.settle_in_flight().await;
            return Ok((self.service.documents.read(doc).await?, settled));
        }
        Ok((self.service.documents.read(doc).await?, Vec::new()))
    }

    /// The effects of a step that may have failed: a failure is logged and closes the session with a generic
    /// error.
    fn or_close(&mut self, effects: Result<Vec<ServerEffect>, ConnectionError>) -> Vec<ServerEffect> {
        effects.unwrap_or_else(|error| {
            tracing::error!(connection.id = self.id, %error, "sync connection failed");
            self.session
                .close(ErrorCode::Internal, "internal server error".into())
        })
    }

    /// Answers the Hello with what the store says: which documents the device may see, which changed since its
    /// cursor, and which it holds but may no longer see. The session decides the rest.
    async fn resolve_hello(
        &mut self,
        cursor: Option<u64>,
        manifest: Vec<ManifestEntry>,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let store = &self.service.store;
        let after = cursor.map(|c| i64::try_from(c).unwrap_or(i64::MAX));
        // `everything` the device may see and what `changed` since its cursor. A device without a cursor may hold
        // nothing (a new install): it is sent everything it may see, and one statement reads both (a second one
        // was a third of a fresh device's first sync on PostgreSQL, for a caseload of a thousand).
        let (now, changed, everything) = match after {
            Some(after) => {
                let (_, everything) = store.visible_changes(&self.peer.viewer, None).await?;
                let (now, changed) = store
                    .changes_for_device(&self.peer.viewer, &self.peer.device_id, after)
                    .await?;
                (now, changed, everything)
            }
            None => {
                let (now, everything) = store.visible_changes(&self.peer.viewer, None).await?;
                (now, everything, Vec::new())
            }
        };
        let mut visible = Vec::with_capacity(everything.len() + changed.len());
        for case in everything.iter().chain(changed.iter()) {
            visible.push(Visible {
                doc: case.doc_id,
                heads: case.heads.as_slice().to_vec(),
                writable: case.writable,
            });
        }
        let changed = changed
            .iter()
            .map(|case| {
                Ok(ManifestEntry {
                    doc: case.doc_id,
                    heads: case.heads.as_slice().to_vec(),
                })
            })
            .collect::<Result<Vec<_>, ConnectionError>>()?;
        let lost = store
            .lost_holdings(&self.peer.viewer, &self.peer.device_id)
            .await?
            .into_iter()
            .map(|(doc, holding)| Lost { doc, holding })
            .collect::<Vec<_>>();
        // The manifest's documents the device neither may see nor lost: those no case has the id of are about to be
        // created (the rest belong to cases it may not see, and are asked about one by one, as any such id).
        let visible_ids: HashSet<DocumentId> = visible.iter().map(|case| case.doc).collect();
        let lost_ids: HashSet<DocumentId> = lost.iter().map(|lost| lost.doc).collect();
        let unknown: Vec<DocumentId> = manifest
            .iter()
            .map(|entry| entry.doc)
            .filter(|doc| !visible_ids.contains(doc) && !lost_ids.contains(doc))
            .collect();
        let missing = store.unused_ids(&unknown).await?;
        // From here on the hub routes this connection the events of the documents it may see (or syncs, or lost),
        // and of its team and user; the tenant's other events no longer.
        self.watch(
            visible
                .iter()
                .map(|case| case.doc)
                .chain(lost.iter().map(|lost| lost.doc)),
        );
        if cursor.is_none() {
            self.to_read_ahead = changed.iter().map(|entry| entry.doc).collect();
        }
        self.events.resolved();
        self.log_welcome(&changed, &manifest, &visible_ids).await;
        self.gauge.ready();
        tracing::debug!(
            connection.id = self.id,
            changed = changed.len(),
            visible = visible.len(),
            lost = lost.len(),
            "welcome"
        );
        Ok(self.session.welcome(Resolved {
            cursor: u64::try_from(now).unwrap_or(0),
            changed,
            visible,
            lost,
            missing,
        }))
    }

    /// Another connection or process changed a document: the session decides whether this device cares.
    async fn on_event(&mut self, event: HubEvent) -> bool {
        let effects = match event {
            HubEvent::Changed { origin, .. } | HubEvent::RolledBack { origin, .. } if origin == self.id => {
                return true;
            }
            // Another municipality's document: nothing to do, and no store query (this runs on every connection).
            HubEvent::Changed { tenant, .. } if tenant != self.peer.viewer.tenant_id => return true,
            HubEvent::Changed {
                doc,
                reach: Reach::Holders,
                ..
            } => Ok(self.session.changed_elsewhere(doc)),
            // Who may see a case changed: a connection that syncs it checks; another only when the change may
            // concern its user, which is decided without the store (this runs on every connection of the tenant).
            HubEvent::Changed { doc, reach, seq, .. }
                if self.session.knows(doc) || authz::may_concern(&self.peer.viewer, &reach) =>
            {
                // A sequence of 0 is a local event without one (an assignment): not shared.
                self.access_event = (seq > 0).then_some((doc, seq));
                Ok(self.session.access_changed(doc))
            }
            HubEvent::Changed { .. } => return true,
            HubEvent::RolledBack { doc, .. } if self.session.syncs(doc) => {
                if self.in_flight.iter().any(|in_flight| in_flight.doc() == doc) {
                    let settled = self.settle_in_flight().await;
                    if !self.carry_out(settled).await {
                        return false;
                    }
                }
                match self.read_document(doc).await {
                    Ok((guard, mut effects)) => {
                        if let Some(loaded) = guard.as_ref() {
                            effects.extend(self.session.doc_rolled_back(doc, &loaded.doc));
                        }
                        Ok(effects)
                    }
                    Err(error) => Err(error),
                }
            }
            HubEvent::RolledBack { .. } => Ok(Vec::new()),
            HubEvent::DeviceRevoked { device_id } if device_id == self.peer.device_id => {
                tracing::info!(connection.id = self.id, device.id = %device_id, "closing the connection of a revoked device");
                Ok(self
                    .session
                    .close(ErrorCode::Revoked, "this device was revoked".into()))
            }
            HubEvent::DeviceRevoked { .. } => Ok(Vec::new()),
        };
        let keep_going = match effects {
            Ok(effects) => self.carry_out(effects).await,
            Err(error) => {
                tracing::error!(connection.id = self.id, %error, "cannot push a document change");
                true
            }
        };
        self.access_event = None;
        keep_going
    }

    /// What the store says this device may do with `doc`, for the session (with the device's message for it, if
    /// one is waiting).
    async fn check_access(
        &mut self,
        doc: DocumentId,
        message: Option<automerge::sync::Message>,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let access = match self.access_event {
            // Checking because of an event: the device's other connections handling it share the answer.
            Some((event_doc, seq)) if event_doc == doc && message.is_none() => {
                self.service
                    .shared_access
                    .answer(&self.peer.device_id, doc, seq, || {
                        self.peer.access(&self.service.store, doc)
                    })
                    .await?
            }
            _ => self.peer.access(&self.service.store, doc).await?,
        };
        Ok(self.session.access(doc, access, message))
    }

    /// Has the hub route the events of `docs` here (each at most once per connection).
    fn watch(&mut self, docs: impl IntoIterator<Item = DocumentId>) {
        let new: Vec<DocumentId> = docs.into_iter().filter(|doc| self.watched.insert(*doc)).collect();
        if !new.is_empty() {
            self.events.watch(new);
        }
    }

    /// Hands the session the server's copy of `doc`; what it sends is logged as read.
    async fn offer(&mut self, doc: DocumentId) -> Result<Vec<ServerEffect>, ConnectionError> {
        let (guard, mut effects) = self.read_document(doc).await?;
        let offered = match guard.as_ref() {
            Some(loaded) => self.session.offer(doc, &loaded.doc),
            None => Vec::new(),
        };
        drop(guard);
        let sends_content = offered.iter().any(
            |effect| matches!(effect, ServerEffect::Send(Frame::Sync { doc: sent, .. }) if *sent == doc),
        );
        if sends_content {
            self.log_reads(vec![doc]).await;
        }
        effects.extend(offered);
        Ok(effects)
    }

    async fn say_goodbye(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }
}

/// Why a connection had to stop; logged, and the device gets a generic internal error.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConnectionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Open(#[from] super::documents::OpenError),
    #[error("a stored document id or head is malformed")]
    CorruptId,
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The group committer or the holdings lane ended before it answered (the runtime is shutting down).
    #[error("a write lane stopped before its write was done")]
    LaneGone,
}

/// The outcome of the oldest commit in flight; pending forever when there is none (`select!` then waits for the
/// other branches).
async fn oldest_receipt(in_flight: &mut VecDeque<InFlight>) -> Result<Result<i64, StoreError>, RecvError> {
    match in_flight.front_mut() {
        Some(oldest) => (&mut oldest.receipt).await,
        None => std::future::pending().await,
    }
}
