//! A deterministic in-memory network for protocol tests: one server with an in-memory store and any number
//! of clients, joined by ordered frame queues that a seeded random generator interleaves.
//!
//! The server loop here plays the server's I/O layer: it resolves Hellos against the store, receives
//! sync messages into the documents it holds, validates (see [`Validator`]), commits or rolls back, and
//! pushes committed changes to the other connections. Every document is visible to every device; access
//! control belongs to the server crate. Each client plays the `tov` store: it keeps its documents, the
//! heads the server acknowledged and its cursor, and builds the Hello's manifest from them.
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
    ClientEffect, ClientSession, Frame, FrameType, Limits, ManifestEntry, RateLimit, ServerSession, encode,
};

pub use rng::{Rng, actor};
pub use server::{Server, Validator, refuse_invalid_flag};

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
            .filter(|(id, doc)| self.cursor.is_none() || !self.is_acked(id, doc))
            .map(|(id, doc)| ManifestEntry {
                doc: *id,
                heads: doc.get_heads(),
            })
            .collect()
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

    /// Tells device `i` to purge `doc`.
    pub fn purge(&mut self, i: usize, doc: DocumentId, reason: sync_core::protocol::PurgeReason) {
        if let Some(link) = &mut self.links[i] {
            let effects = link.server.purge(doc, reason);
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
        panic!("the network did not go quiet: the protocol is looping");
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
                ClientEffect::CursorAdvanced(cursor) => client.cursor = Some(*cursor),
                ClientEffect::Purge { doc, .. } => {
                    client.docs.remove(doc);
                    client.acked.remove(doc);
                }
                _ => {}
            }
            client.effects.push(effect);
        }
    }
}
