//! One sync connection: a task that feeds the device's frames and other connections' document events to the
//! protocol session, and carries out the effects it asks for.
//!
//! The task owns the socket, so frames go out in the order the session produced them. It reads one thing at a
//! time (a frame or an event) and finishes handling it, commits included, before reading the next: a slow commit
//! slows this device only. At shutdown it finishes what it is doing, then closes.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use automerge::ChangeHash;
use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use sync_core::DocumentId;
use sync_core::protocol::{ErrorCode, ManifestEntry, ServerEffect, ServerSession, encode};
use tokio::sync::broadcast::error::RecvError;

use super::SyncService;
use super::hub::HubEvent;
use crate::clock;
use crate::store::{StoreError, Viewer};

/// Who is on the other end, as the upgrade authenticated them.
pub struct Peer {
    pub device_id: String,
    pub viewer: Viewer,
    pub tenant_slug: String,
}

/// The state of one connection.
pub(super) struct Connection {
    pub(super) id: u64,
    pub(super) service: Arc<SyncService>,
    pub(super) peer: Peer,
    pub(super) session: ServerSession,
    socket: WebSocket,
    /// Documents the device may see, as of the Hello, plus those it created or was given since.
    pub(super) visible: HashSet<DocumentId>,
    /// Documents sent to the device on this connection and logged as read, so each is logged once.
    pub(super) read_logged: HashSet<DocumentId>,
    /// Cases the device may no longer see but still has changes for: their uploads are taken, then they are
    /// purged (see [`super::purge`]).
    pub(super) grace: HashSet<DocumentId>,
    /// Documents the device's user may change, not only read through break-the-glass, as found so far.
    pub(super) writable: HashSet<DocumentId>,
}

/// Runs a connection until the device leaves, the session closes it, or the server shuts down.
pub async fn serve(socket: WebSocket, service: Arc<SyncService>, peer: Peer) {
    let session = ServerSession::new(peer.device_id.clone(), service.limits, service.rate);
    let mut connection = Connection {
        id: service.hub.connection_id(),
        service,
        peer,
        session,
        socket,
        visible: HashSet::new(),
        read_logged: HashSet::new(),
        grace: HashSet::new(),
        writable: HashSet::new(),
    };
    tracing::info!(device.id = %connection.peer.device_id, connection.id = connection.id, "sync connected");
    connection.run().await;
    tracing::info!(device.id = %connection.peer.device_id, connection.id = connection.id, "sync disconnected");
}

impl Connection {
    async fn run(&mut self) {
        let mut events = self.service.hub.subscribe();
        let shutdown = self.service.shutdown.clone();
        loop {
            let keep_going = tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    self.say_goodbye(close_code::AWAY, "server shutting down").await;
                    false
                }
                message = self.socket.recv() => match message {
                    Some(Ok(Message::Binary(bytes))) => {
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
                event = events.recv() => match event {
                    Ok(event) => self.on_event(event).await,
                    // This connection fell behind: re-check every document it may see.
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(connection.id = self.id, missed, "sync connection lagged behind events");
                        self.push_all_visible().await
                    }
                    Err(RecvError::Closed) => false,
                },
            };
            if !keep_going || self.session.is_closed() {
                break;
            }
        }
    }

    /// Carries out effects, and the effects those produce, in order. Returns false once the connection is over.
    pub(super) async fn carry_out(&mut self, effects: Vec<ServerEffect>) -> bool {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            let more = match effect {
                ServerEffect::Send(frame) => {
                    if self
                        .socket
                        .send(Message::Binary(encode(&frame).into()))
                        .await
                        .is_err()
                    {
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
                ServerEffect::ReceiveSync { doc, message } => match self.receive(doc, message).await {
                    Ok(effects) => self.purge_after_ack(doc, effects).await,
                    Err(error) => Err(error),
                },
            };
            match more {
                Ok(effects) => queue.extend(effects),
                Err(error) => {
                    tracing::error!(connection.id = self.id, %error, "sync connection failed");
                    let effects = self
                        .session
                        .close(ErrorCode::Internal, "internal server error".into());
                    queue = VecDeque::from(effects);
                }
            }
        }
        true
    }

    /// Answers the Hello: which documents the device may see, which changed since its cursor, and the server's
    /// heads for the documents it brought.
    async fn resolve_hello(
        &mut self,
        cursor: Option<u64>,
        manifest: Vec<ManifestEntry>,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let store = &self.service.store;
        let (_, everything) = store.visible_changes(&self.peer.viewer, None).await?;
        let after = cursor.map(|c| i64::try_from(c).unwrap_or(i64::MAX));
        let (now, changed) = store.visible_changes(&self.peer.viewer, after).await?;
        let mut all_heads = std::collections::HashMap::new();
        for (doc, heads) in everything.into_iter().chain(changed.iter().cloned()) {
            let doc: DocumentId = doc.parse().map_err(|_| ConnectionError::CorruptId)?;
            self.visible.insert(doc);
            all_heads.insert(doc, parse_heads(&heads)?);
        }
        let changed = changed
            .iter()
            .map(|(doc, heads)| {
                Ok(ManifestEntry {
                    doc: doc.parse().map_err(|_| ConnectionError::CorruptId)?,
                    heads: parse_heads(heads)?,
                })
            })
            .collect::<Result<Vec<_>, ConnectionError>>()?;
        let answers = manifest
            .iter()
            .filter_map(|entry| all_heads.get(&entry.doc).map(|heads| (entry.doc, heads.clone())))
            .collect();
        self.log_welcome(&changed, &manifest, &all_heads).await;
        // The device will hold what the Welcome lists and what it brought; what it may no longer see goes.
        let held = changed.iter().map(|entry| entry.doc);
        let brought = manifest
            .iter()
            .map(|entry| entry.doc)
            .filter(|doc| all_heads.contains_key(doc));
        self.record_holdings(held.chain(brought).collect::<Vec<_>>())
            .await?;
        let purge_now = self.plan_purges(&manifest).await?;
        let cursor = u64::try_from(now).unwrap_or(0);
        tracing::debug!(
            connection.id = self.id,
            changed = changed.len(),
            visible = self.visible.len(),
            "welcome"
        );
        let mut effects = self.session.welcome(cursor, changed, answers);
        // Purges before CaughtUp: a device reads everything up to its catch-up before it may stop.
        for (doc, told_before) in purge_now {
            effects.extend(self.purge(doc, told_before).await?);
        }
        effects.extend(self.session.caught_up(cursor));
        Ok(effects)
    }

    /// Another connection or process changed a document: push it if this device may see it.
    async fn on_event(&mut self, event: HubEvent) -> bool {
        let effects = match event {
            HubEvent::Changed { origin, .. } | HubEvent::RolledBack { origin, .. } if origin == self.id => {
                return true;
            }
            // Another municipality's document, or a commit to a document this device does not hold and whose
            // visibility did not change: nothing to do, and no store query (this runs on every connection).
            HubEvent::Changed { tenant, .. } if tenant != self.peer.viewer.tenant_id => return true,
            HubEvent::Changed {
                doc, access: false, ..
            } if !self.visible.contains(&doc) => return true,
            HubEvent::Changed { doc, access, .. } => self.push(doc, access).await,
            HubEvent::RolledBack { doc, .. } if self.visible.contains(&doc) => {
                match self.service.documents.open(doc).await {
                    Ok(guard) => match guard.as_ref() {
                        Some(loaded) => Ok(self.session.doc_rolled_back(doc, &loaded.doc)),
                        None => Ok(Vec::new()),
                    },
                    Err(error) => Err(error.into()),
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
        match effects {
            Ok(effects) => self.carry_out(effects).await,
            Err(error) => {
                tracing::error!(connection.id = self.id, %error, "cannot push a document change");
                true
            }
        }
    }

    /// Offers the device the current state of `doc`, if it may see it. A document not seen at the Hello may have
    /// become visible since (a new assignment, a teammate's new case), so the store decides.
    /// With `access`, who may see the document changed: it may have become visible, or stopped being so (then
    /// the device is told to purge it).
    async fn push(&mut self, doc: DocumentId, access: bool) -> Result<Vec<ServerEffect>, ConnectionError> {
        if !self.session.is_open() {
            return Ok(Vec::new());
        }
        let known = self.visible.contains(&doc);
        if access {
            // Who may change it may have changed too.
            self.writable.remove(&doc);
        }
        if !known || access {
            let may_see = self
                .service
                .store
                .can_see(&self.peer.viewer, &doc.to_string())
                .await?;
            match (known, may_see) {
                (true, false) => return self.lose_sight_of(doc).await,
                (false, false) => return Ok(Vec::new()),
                (false, true) => {
                    self.visible.insert(doc);
                    self.record_holdings([doc]).await?;
                }
                (true, true) => {}
            }
        }
        let guard = self.service.documents.open(doc).await?;
        let effects = match guard.as_ref() {
            Some(loaded) => self.session.doc_changed(doc, &loaded.doc),
            None => Vec::new(),
        };
        drop(guard);
        if !effects.is_empty() {
            self.log_reads(vec![doc]).await;
        }
        Ok(effects)
    }

    async fn push_all_visible(&mut self) -> bool {
        let docs: Vec<DocumentId> = self.visible.iter().copied().collect();
        for doc in docs {
            match self.push(doc, false).await {
                Ok(effects) => {
                    if !self.carry_out(effects).await {
                        return false;
                    }
                }
                Err(error) => tracing::error!(connection.id = self.id, %error, "cannot push a document"),
            }
        }
        true
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
}

fn parse_heads(heads: &[String]) -> Result<Vec<ChangeHash>, ConnectionError> {
    heads
        .iter()
        .map(|hex| hex.parse::<ChangeHash>().map_err(|_| ConnectionError::CorruptId))
        .collect()
}
