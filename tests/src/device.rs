//! A test device: documents in memory, driven over a real WebSocket by sync-core's `ClientSession`, as the `tov`
//! client drives it. Tests use it to play phones against a real server, in-process or in another process.

use std::collections::BTreeMap;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use sync_core::DocumentId;
use sync_core::protocol::{
    ClientEffect, ClientSession, Frame, ManifestEntry, RefusalReason, WEBSOCKET_PATH, decode, encode,
    sync_path,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One phone: its documents, what the server acknowledged, its cursor, and every effect and frame it saw.
pub struct Device {
    /// The municipality's slug, sent as the sync URL's hint as the real clients do.
    pub tenant: String,
    pub device_id: String,
    pub token: String,
    /// The login's refresh token, for [`crate::http::refresh`] (a long run outlives the 15-minute access token).
    pub refresh_token: Option<String>,
    pub docs: BTreeMap<DocumentId, Automerge>,
    pub acked: BTreeMap<DocumentId, Vec<ChangeHash>>,
    pub cursor: Option<u64>,
    pub effects: Vec<ClientEffect>,
    /// Every frame received, across connections.
    pub received: Vec<Frame>,
    /// Where the current connection's effects start in `effects`.
    connection_start: usize,
    /// Frame bytes sent and received, across connections (for benchmarks).
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Ask the server what it holds before uploading even a document it never acknowledged, as a client without
    /// the shortcut of docs/PROTOCOL.md §5.2 does; by default such a document goes up whole, as `tov` sends it.
    pub asks_first: bool,
}

/// An open connection of a [`Device`].
pub struct Connection {
    pub socket: Socket,
    pub session: ClientSession,
    /// While set, sync messages that carry changes are kept in `held` instead of sent: a test lines up several
    /// connections' uploads and lets them go at the moment it chooses ([`Device::release`]).
    pub hold_uploads: bool,
    pub held: Vec<Frame>,
}

impl Device {
    pub fn new(tenant: &str, device_id: &str, token: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            device_id: device_id.to_owned(),
            token: token.to_owned(),
            refresh_token: None,
            docs: BTreeMap::new(),
            acked: BTreeMap::new(),
            cursor: None,
            effects: Vec::new(),
            received: Vec::new(),
            connection_start: 0,
            bytes_sent: 0,
            bytes_received: 0,
            asks_first: false,
        }
    }

    /// The same phone again (its municipality, device id and token; no documents, no cursor): for another
    /// connection of one device.
    pub fn twin(&self) -> Self {
        Self::new(&self.tenant, &self.device_id, &self.token)
    }

    /// Documents with changes the server has not acknowledged, or every document without a cursor.
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

    /// Whether every head of the document is among the heads the server acknowledged.
    pub fn is_acked(&self, id: &DocumentId, doc: &Automerge) -> bool {
        self.acked
            .get(id)
            .is_some_and(|acked| doc.get_heads().iter().all(|h| acked.contains(h)))
    }

    /// Opens a connection and sends the Hello; panics if the server refuses.
    pub async fn connect(&mut self, port: u16) -> Connection {
        match self.try_connect(port).await {
            Ok(connection) => connection,
            Err(error) => panic!("cannot connect: {error}"),
        }
    }

    pub async fn try_connect(&mut self, port: u16) -> Result<Connection, String> {
        let socket = open_socket(port, Some(&self.tenant), &self.token, "tovholder.v1")
            .await
            .map_err(|e| e.to_string())?;
        self.connection_start = self.effects.len();
        let mut connection = Connection {
            socket,
            session: ClientSession::new("test-device/1".into(), self.device_id.clone()),
            hold_uploads: false,
            held: Vec::new(),
        };
        let manifest = self.manifest();
        let effects = connection.session.start(self.cursor, manifest.clone());
        self.upload_whole_if_new(&mut connection, manifest.iter().map(|entry| entry.doc));
        self.try_apply(&mut connection, effects).await?;
        Ok(connection)
    }

    /// Connects, syncs until caught up and every local change is acknowledged, and disconnects.
    pub async fn sync(&mut self, port: u16) {
        if let Err(error) = self.try_sync(port, Duration::from_secs(20)).await {
            panic!("{error}; the last effects: {:?}", last(&self.effects));
        }
    }

    /// Like [`Self::sync`], with an error instead of a panic when the server goes away.
    pub async fn try_sync(&mut self, port: u16, timeout: Duration) -> Result<(), String> {
        let mut connection = self.try_connect(port).await?;
        self.try_run_until(&mut connection, timeout, |device| device.settled())
            .await?;
        let _ = connection.socket.close(None).await;
        Ok(())
    }

    /// Caught up on this connection and nothing pending.
    pub fn settled(&self) -> bool {
        self.in_sync()
            && self
                .docs
                .iter()
                .all(|(id, doc)| self.is_acked(id, doc) || self.refused(id))
    }

    /// The current connection has caught up.
    pub fn in_sync(&self) -> bool {
        self.effects[self.connection_start..].contains(&ClientEffect::InSync)
    }

    /// The code of the server's `Error` frame on the current connection, if it sent one.
    pub fn error_on_this_connection(&self) -> Option<sync_core::protocol::ErrorCode> {
        self.effects[self.connection_start..]
            .iter()
            .find_map(|e| match e {
                ClientEffect::ServerError { code, .. } => Some(*code),
                _ => None,
            })
    }

    /// The server refused the document's changes on the current connection.
    pub fn refused(&self, id: &DocumentId) -> bool {
        self.effects[self.connection_start..]
            .iter()
            .any(|e| matches!(e, ClientEffect::Refused { doc, .. } if doc == id))
    }

    /// The server told the device to purge the document on the current connection.
    pub fn purged(&self, id: &DocumentId) -> bool {
        self.effects[self.connection_start..]
            .iter()
            .any(|e| matches!(e, ClientEffect::Purge { doc, .. } if doc == id))
    }

    /// The latest refusal of the document's changes, across connections: its reason and message.
    pub fn refusal(&self, id: &DocumentId) -> Option<(RefusalReason, String)> {
        self.effects.iter().rev().find_map(|effect| match effect {
            ClientEffect::Refused { doc, reason, message } if doc == id => Some((*reason, message.clone())),
            _ => None,
        })
    }

    /// Processes frames until `done` holds; panics after `timeout` or if the connection ends.
    pub async fn run_until(
        &mut self,
        connection: &mut Connection,
        timeout: Duration,
        done: impl Fn(&Device) -> bool,
    ) {
        if let Err(error) = self.try_run_until(connection, timeout, done).await {
            panic!("{error}; the last effects: {:?}", last(&self.effects));
        }
    }

    /// Processes frames until `done` holds; an error when `timeout` passes or the connection ends (a server
    /// killed in the middle, say).
    pub async fn try_run_until(
        &mut self,
        connection: &mut Connection,
        timeout: Duration,
        done: impl Fn(&Device) -> bool,
    ) -> Result<(), String> {
        self.try_run_until_with(connection, timeout, |device, _| done(device))
            .await
    }

    /// Processes frames until `count` uploads are held back on the connection ([`Connection::hold_uploads`]).
    pub async fn run_until_held(&mut self, connection: &mut Connection, count: usize) {
        let timeout = Duration::from_secs(20);
        if let Err(error) = self
            .try_run_until_with(connection, timeout, |_, connection| {
                connection.held.len() >= count
            })
            .await
        {
            panic!("{error}; the last effects: {:?}", last(&self.effects));
        }
    }

    async fn try_run_until_with(
        &mut self,
        connection: &mut Connection,
        timeout: Duration,
        done: impl Fn(&Device, &Connection) -> bool,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(self, connection) {
            let message = tokio::time::timeout_at(deadline, connection.socket.next())
                .await
                .map_err(|_| "timed out".to_owned())?;
            match message {
                Some(Ok(Message::Binary(bytes))) => {
                    self.bytes_received += bytes.len() as u64;
                    if let Ok(frame) = decode(&bytes, &Default::default()) {
                        self.received.push(frame);
                    }
                    let effects = connection.session.handle_frame(&bytes, &mut self.docs);
                    self.try_apply(connection, effects).await?;
                }
                Some(Ok(_)) => {}
                other => return Err(format!("connection ended: {other:?}")),
            }
        }
        Ok(())
    }

    /// A local edit while connected is sent at once.
    pub async fn edited(&mut self, connection: &mut Connection, doc: DocumentId) {
        self.upload_whole_if_new(connection, [doc]);
        let effects = connection.session.local_change(doc, &mut self.docs);
        if let Err(error) = self.try_apply(connection, effects).await {
            panic!("{error}");
        }
    }

    /// Tells the session which of `docs` the server never acknowledged, so their first sync message carries them
    /// whole, as `tov` does.
    fn upload_whole_if_new(&self, connection: &mut Connection, docs: impl IntoIterator<Item = DocumentId>) {
        for doc in docs {
            if !self.asks_first && !self.acked.contains_key(&doc) {
                connection.session.never_acknowledged(doc);
            }
        }
    }

    /// Sends the uploads held back ([`Connection::hold_uploads`]), and those after them again as they come.
    pub async fn release(&mut self, connection: &mut Connection) {
        connection.hold_uploads = false;
        let held: Vec<ClientEffect> = connection.held.drain(..).map(ClientEffect::Send).collect();
        if let Err(error) = self.try_apply(connection, held).await {
            panic!("{error}");
        }
    }

    async fn try_apply(
        &mut self,
        connection: &mut Connection,
        effects: Vec<ClientEffect>,
    ) -> Result<(), String> {
        // Frames go out in one write at the end, as `tov` sends them (`send_all`).
        let mut unflushed = false;
        for effect in effects {
            match &effect {
                ClientEffect::Send(frame) if connection.hold_uploads && carries_changes(frame) => {
                    connection.held.push(frame.clone());
                    continue;
                }
                ClientEffect::Send(frame) => {
                    let bytes = encode(frame);
                    self.bytes_sent += bytes.len() as u64;
                    connection
                        .socket
                        .feed(Message::Binary(bytes.into()))
                        .await
                        .map_err(|e| format!("send failed: {e}"))?;
                    unflushed = true;
                    continue;
                }
                ClientEffect::Acknowledged { doc, heads } => {
                    self.acked.insert(*doc, heads.clone());
                }
                ClientEffect::CursorAdvanced(cursor) => self.cursor = Some(*cursor),
                ClientEffect::ReceivedWhole { doc, saved, .. } => {
                    let loaded = Automerge::load(saved).map_err(|e| format!("a whole document: {e}"))?;
                    self.docs.insert(*doc, loaded);
                }
                ClientEffect::Purge { doc, .. } => {
                    self.docs.remove(doc);
                }
                _ => {}
            }
            self.effects.push(effect);
        }
        if unflushed {
            connection
                .socket
                .flush()
                .await
                .map_err(|e| format!("send failed: {e}"))?;
        }
        Ok(())
    }
}

/// Opens the sync WebSocket with a token and a protocol entry, the URL naming `tenant` if given.
pub async fn open_socket(
    port: u16,
    tenant: Option<&str>,
    token: &str,
    protocol: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let path = tenant.map_or_else(|| WEBSOCKET_PATH.to_owned(), sync_path);
    let mut request = format!("ws://127.0.0.1:{port}{path}").into_client_request()?;
    let offered = format!("{protocol}, bearer.{token}");
    let value = offered.parse().map_err(|_| {
        tokio_tungstenite::tungstenite::Error::Url(
            tokio_tungstenite::tungstenite::error::UrlError::UnableToConnect("bad token".into()),
        )
    })?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", value);
    // Nagle's algorithm off, as `tov` and browsers do.
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
    Ok(socket)
}

/// Whether `frame` is a sync message with changes in it.
fn carries_changes(frame: &Frame) -> bool {
    match frame {
        Frame::Sync { message, .. } => {
            automerge::sync::Message::decode(message).is_ok_and(|message| !message.changes.is_empty())
        }
        _ => false,
    }
}

fn last(effects: &[ClientEffect]) -> &[ClientEffect] {
    &effects[effects.len().saturating_sub(8)..]
}
