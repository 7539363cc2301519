//! A deterministic in-memory network for protocol tests: one server with an in-memory store and any number
//! of clients, joined by ordered frame queues that a seeded random generator interleaves.
//!
//! The server loop here plays the server's I/O layer: it resolves Hellos against the store, answers the sessions'
//! access checks, receives sync messages into the documents it holds, validates (see [`Validator`]), commits or
//! rolls back, and tells the other connections. By default every document is visible to every device; with
//! [`Network::restrict_access`] the store has an access rule ([`AccessRule`]) that tests change as a lead would
//! (assign, unassign, break the glass), and devices can be revoked. Who sees what and when a device must purge is
//! decided by `ServerSession`, exactly as in the server. Each client plays the `tov` store: it keeps its documents,
//! the heads the server acknowledged and its cursor, builds the Hello's manifest from them, keeps a purged document
//! that still holds unacknowledged changes, and wipes everything when told it was revoked.
//!
//! Frames travel encoded, so every test also exercises the codec, and every frame is logged for tests
//! that count round trips or Sync frames.
#![allow(dead_code)]

mod rng;
mod server;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::transaction::Transaction;
use automerge::{Automerge, ChangeHash};
use sync_core::DocumentId;
use sync_core::protocol::sync_message::knows_all;
use sync_core::protocol::{
    ClientEffect, ClientSession, ErrorCode, Frame, FrameType, Limits, ManifestEntry, RateLimit,
    ServerSession, encode,
};

pub use rng::{Rng, actor};
pub use server::{AccessRule, Server, Validator, refuse_invalid_flag};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToServer,
    ToClient,
}

/// One device: its documents and what its store would persist.
#[derive(Debug)]
pub struct Client {
    pub device: String,
    pub docs: BTreeMap<DocumentId, Automerge>,
    pub cursor: Option<u64>,
    pub acked: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Every effect except `Send`, in order, across connections.
    pub effects: Vec<ClientEffect>,
    session: Option<ClientSession>,
}

impl Client {
    /// The Hello manifest: every document when there is no cursor, else those with changes the server
    /// has not acknowledged (a local change not covered by the acknowledged heads).
    pub fn manifest(&self) -> Vec<ManifestEntry> {
        self.docs
            .iter()
            .filter(|(id, doc)| {
                self.cursor.is_none() || (!doc.get_heads().is_empty() && !self.is_acked(id, doc))
            })
            .map(|(id, doc)| ManifestEntry {
                doc: *id,
                heads: doc.get_heads(),
            })
            .collect()
    }

    /// Whether `doc` holds changes the server has not acknowledged. An empty document (one the server began to
    /// send) holds none.
    pub fn is_pending(&self, id: &DocumentId) -> bool {
        self.docs
            .get(id)
            .is_some_and(|doc| !doc.get_heads().is_empty() && !self.is_acked(id, doc))
    }

    fn is_acked(&self, id: &DocumentId, doc: &Automerge) -> bool {
        let Some(acked) = self.acked.get(id) else {
            return false;
        };
        *acked == doc.get_heads() || (knows_all(doc, acked) && doc.get_changes(acked).is_empty())
    }

    pub fn is_connected(&self) -> bool {
        self.session.is_some()
    }
}

struct Link {
    server: ServerSession,
    to_server: VecDeque<Vec<u8>>,
    to_client: VecDeque<Vec<u8>>,
    /// The server sent Error and closed: nothing more from the client is processed.
    server_closed: bool,
}

/// The network: the server, the clients and the connections between them.
pub struct Network {
    pub rng: Rng,
    pub now_ms: u64,
    pub server: Server,
    clients: Vec<Client>,
    links: Vec<Option<Link>>,
    pub rate: RateLimit,
    /// Every frame sent: (client index, direction, frame).
    pub log: Vec<(usize, Direction, Frame)>,
}

impl Network {
    /// `clients` devices named `device-0`, `device-1`, …, none connected, and a server that refuses
    /// documents whose root has `invalid = true`.
    pub fn new(seed: u64, clients: usize) -> Self {
        Self::with_validator(seed, clients, refuse_invalid_flag)
    }

    /// Like [`Self::new`], with the server's validation replaced (for case documents, say).
    pub fn with_validator(seed: u64, clients: usize, validate: Validator) -> Self {
        let clients = (0..clients)
            .map(|i| Client {
                device: format!("device-{i}"),
                docs: BTreeMap::new(),
                cursor: None,
                acked: BTreeMap::new(),
                effects: Vec::new(),
                session: None,
            })
            .collect::<Vec<_>>();
        let mut rng = Rng::new(seed);
        let actor_salt = rng.next_u64();
        Self {
            rng,
            now_ms: 0,
            server: Server::new(validate, actor_salt),
            links: clients.iter().map(|_| None).collect(),
            clients,
            rate: RateLimit::default(),
            log: Vec::new(),
        }
    }

    pub fn client(&self, i: usize) -> &Client {
        &self.clients[i]
    }

    pub fn client_mut(&mut self, i: usize) -> &mut Client {
        &mut self.clients[i]
    }

    /// Opens a connection: the client sends its Hello.
    pub fn connect(&mut self, i: usize) {
        let client = &mut self.clients[i];
        let server = ServerSession::new(client.device.clone(), Limits::default(), self.rate);
        self.links[i] = Some(Link {
            server,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            server_closed: false,
        });
        let mut session = ClientSession::new("sim/1".into(), client.device.clone());
        // As `tov`: a document received whole is handed on as it came.
        session.receive_unloaded();
        let effects = session.start(client.cursor, client.manifest());
        client.session = Some(session);
        self.client_effects(i, effects);
    }

    /// Drops the connection; frames in flight are lost, as with a real socket.
    pub fn disconnect(&mut self, i: usize) {
        self.links[i] = None;
        self.clients[i].session = None;
    }

    /// Sends raw bytes from client `i` to the server, bypassing its session (for hostile input).
    pub fn inject(&mut self, i: usize, bytes: Vec<u8>) {
        if let Some(link) = &mut self.links[i] {
            link.to_server.push_back(bytes);
        }
    }

    /// A local edit on device `i` (creating the document if needed), sent at once if connected.
    pub fn edit(&mut self, i: usize, doc: DocumentId, edit: impl FnOnce(&mut Transaction<'_>)) {
        self.edit_doc(i, doc, |document| {
            let mut tx = document.transaction();
            edit(&mut tx);
            tx.commit();
        });
    }

    /// Like [`Self::edit`], with the whole document (for autosurgeon's `reconcile`, say).
    pub fn edit_doc(&mut self, i: usize, doc: DocumentId, edit: impl FnOnce(&mut Automerge)) {
        let client = &mut self.clients[i];
        let document = client.docs.entry(doc).or_default();
        // automerge draws actor ids at random; fixing them per device keeps every run of a seed identical.
        document.set_actor(actor(self.server.actor_salt, i as u8 + 1));
        edit(document);
        let effects = match &mut client.session {
            Some(session) => session.local_change(doc, &mut client.docs),
            None => Vec::new(),
        };
        self.client_effects(i, effects);
    }

    /// A change made on the server by someone outside the simulation (another device, the back office).
    pub fn server_edit(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Transaction<'_>)) {
        self.server.edit(doc, edit);
        self.push_to_others(None, doc);
    }

    /// Gives the store an access rule: from now on a device sees only what [`Self::grant`] gives it (and what it
    /// creates).
    pub fn restrict_access(&mut self) {
        self.server.access.get_or_insert_with(AccessRule::default);
    }

    /// A lead's decision: device `i` may change `doc` (`Some(true)`), only read it (`Some(false)`, break the
    /// glass), or no longer see it (`None`). Numbered like a commit, and every connection is told.
    pub fn grant(&mut self, i: usize, doc: DocumentId, access: Option<bool>) {
        let rule = self.server.access.get_or_insert_with(AccessRule::default);
        let grants = rule.grants.entry(i).or_default();
        match access {
            Some(writable) => grants.insert(doc, writable),
            None => grants.remove(&doc),
        };

        self.server.bump(doc);
        self.access_changed(None, doc);
    }

    /// An admin revokes device `i`: its connection closes with `Revoked`, and so will every later one.
    pub fn revoke(&mut self, i: usize) {
        self.server.revoked.insert(i);
        if let Some(link) = &mut self.links[i] {
            let effects = link
                .server
                .close(ErrorCode::Revoked, "this device was revoked".into());
            self.server_effects(i, effects);
        }
    }

    /// Delivers one frame, chosen at random among the non-empty queues (each queue stays in order, as a
    /// WebSocket does). Returns false when nothing is in flight.
    pub fn step(&mut self) -> bool {
        let mut ready = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            let Some(link) = link else { continue };
            if !link.to_server.is_empty() {
                ready.push((i, Direction::ToServer));
            }
            if !link.to_client.is_empty() {
                ready.push((i, Direction::ToClient));
            }
        }
        if ready.is_empty() {
            return false;
        }
        let (i, direction) = ready[self.rng.below(ready.len())];
        self.now_ms += 1;
        match direction {
            Direction::ToServer => self.deliver_to_server(i),
            Direction::ToClient => self.deliver_to_client(i),
        }
        true
    }

    /// Steps until nothing is in flight; panics if that takes absurdly long (a sync loop).
    pub fn deliver_all(&mut self) {
        for _ in 0..2_000_000 {
            if !self.step() {
                return;
            }
        }
        let keep = std::env::var("SIM_TAIL")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(12);
        let tail: Vec<String> = self.log[self.log.len().saturating_sub(keep)..]
            .iter()
            .map(|(i, direction, frame)| format!("{i} {direction:?} {}", describe(frame)))
            .collect();
        panic!(
            "the network did not go quiet: the protocol is looping; the last frames:\n{}",
            tail.join("\n")
        );
    }

    pub fn frames(&self, direction: Direction, frame_type: FrameType) -> Vec<&Frame> {
        self.log
            .iter()
            .filter(|(_, dir, frame)| *dir == direction && frame.frame_type() == frame_type)
            .map(|(_, _, frame)| frame)
            .collect()
    }

    /// The documents that Sync frames were sent for, in either direction.
    pub fn synced_docs(&self) -> BTreeSet<DocumentId> {
        self.log
            .iter()
            .filter_map(|(_, _, frame)| match frame {
                Frame::Sync { doc, .. } => Some(*doc),
                _ => None,
            })
            .collect()
    }

    fn deliver_to_server(&mut self, i: usize) {
        let Some(link) = &mut self.links[i] else { return };
        let Some(bytes) = link.to_server.pop_front() else {
            return;
        };
        if link.server_closed {
            return;
        }
        let effects = link.server.handle_frame(&bytes, self.now_ms);
        self.server_effects(i, effects);
    }

    fn deliver_to_client(&mut self, i: usize) {
        let Some(link) = &mut self.links[i] else { return };
        let Some(bytes) = link.to_client.pop_front() else {
            return;
        };
        let client = &mut self.clients[i];
        let Some(session) = &mut client.session else {
            return;
        };
        let effects = session.handle_frame(&bytes, &mut client.docs);
        self.client_effects(i, effects);
    }

    fn client_effects(&mut self, i: usize, effects: Vec<ClientEffect>) {
        for effect in effects {
            let client = &mut self.clients[i];
            match &effect {
                ClientEffect::Send(frame) => {
                    if let Some(link) = &mut self.links[i] {
                        link.to_server.push_back(encode(frame));
                        self.log.push((i, Direction::ToServer, frame.clone()));
                    }
                    continue;
                }
                ClientEffect::Acknowledged { doc, heads } => {
                    client.acked.insert(*doc, heads.clone());
                }
                ClientEffect::ReceivedWhole { doc, heads, saved } => {
                    let loaded = Automerge::load(saved).expect("a document the server sent whole loads");
                    assert_eq!(&loaded.get_heads(), heads, "the heads it came with are its own");
                    client.docs.insert(*doc, loaded);
                }
                ClientEffect::CursorAdvanced(cursor) => client.cursor = Some(*cursor),
                // Both clients keep a purged document that still holds unacknowledged changes (PROTOCOL.md §10).
                ClientEffect::Purge { doc, .. } if !client.is_pending(doc) => {
                    client.docs.remove(doc);
                    client.acked.remove(doc);
                }
                // A revoked device deletes its whole store, unsent changes included.
                ClientEffect::ServerError {
                    code: ErrorCode::Revoked,
                    ..
                } => {
                    client.docs.clear();
                    client.acked.clear();
                    client.cursor = None;
                }
                _ => {}
            }
            client.effects.push(effect);
        }
    }
}

/// A frame for a failure message: sync messages by what they carry rather than as bytes.
fn describe(frame: &Frame) -> String {
    match frame {
        Frame::Sync { doc, message } => match automerge::sync::Message::decode(message) {
            Ok(m) => format!(
                "Sync {doc} heads {:?} need {} have {} changes {} flags {:?}",
                m.heads
                    .iter()
                    .map(|h| h.to_string()[..8].to_owned())
                    .collect::<Vec<_>>(),
                m.need.len(),
                m.have.len(),
                m.changes.len(),
                m.flags
            ),
            Err(_) => format!("Sync {doc} (undecodable)"),
        },
        frame => format!("{frame:?}"),
    }
}
