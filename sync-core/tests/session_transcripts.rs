//! `tests/vectors/session-transcripts.json`: sync-core's [`ClientSession`] driven by scripted server frames, frame in
//! by frame in, with the effects each frame produced. The web app runs every transcript through its own session
//! (`clients/web/tests/session-transcripts-vectors.test.ts`), so the phone answers the server as `tov` does.
//!
//! The server's frames are encoded by sync-core's codec; its Sync frames are real automerge sync messages made by a
//! server-side document (a case from [`CaseDocument`]) answering the messages this client sent, so the web app can
//! apply them too. A `Send(Sync)` is recorded without its message bytes, since two automerge implementations may
//! legitimately encode their messages differently; every other effect is recorded in full.
//!
//! After a deliberate change of the session, regenerate it with
//! `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test session_transcripts` and review the diff.

mod vectors_common;

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge, ChangeHash};
use serde_json::{Value, json};
use sync_core::DocumentId;
use sync_core::case::CaseDocument;
use sync_core::protocol::{
    ClientEffect, ClientError, ClientSession, ErrorCode, Frame, ManifestEntry, PurgeReason, RefusalReason,
    encode,
};
use vectors_common::{check_vectors, citizen_case};

const CLIENT: &str = "web/vectors";
const DEVICE: &str = "device-1";
const NOW_MS: i64 = 1_781_524_800_000;
const DOC_A: DocumentId = DocumentId::from_bytes([0x11; 16]);
const DOC_B: DocumentId = DocumentId::from_bytes([0x22; 16]);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn id(doc: &DocumentId) -> String {
    hex(doc.as_bytes())
}

fn heads(hashes: &[ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = hashes.iter().map(ToString::to_string).collect();
    out.sort();
    out
}

/// A case document written by `actor` (one byte repeated), as the server or a device holds it.
fn case_doc(actor: u8, reference: &str) -> Automerge {
    CaseDocument::create(ActorId::from(vec![actor; 16]), &citizen_case(reference), NOW_MS)
        .expect("a valid case")
        .into_automerge()
}

/// One effect as the vectors record it (see the module doc for why Sync is abstract).
fn effect(effect: &ClientEffect) -> Value {
    match effect {
        // Whether it carries changes, not the bytes: two automerge builds may encode the same message differently.
        ClientEffect::Send(Frame::Sync { doc, message }) => json!({
            "send": "Sync",
            "doc": id(doc),
            "changes": !sync::Message::decode(message).expect("the session's own message").changes.is_empty(),
        }),
        ClientEffect::Send(Frame::Hello {
            client,
            device,
            cursor,
            manifest,
        }) => json!({
            "send": "Hello",
            "client": client,
            "device": device,
            "cursor": cursor,
            "manifest": manifest
                .iter()
                .map(|entry| json!({"doc": id(&entry.doc), "heads": heads(&entry.heads)}))
                .collect::<Vec<_>>(),
        }),
        ClientEffect::Send(other) => panic!("a client never sends {:?}", other.frame_type()),
        ClientEffect::DocumentChanged { doc } => json!({"document_changed": id(doc)}),
        // Only a session that asked for it hands documents on unloaded (`receive_unloaded`); these do not.
        ClientEffect::ReceivedWhole { doc, heads: at, .. } => {
            json!({"received_whole": id(doc), "heads": heads(at)})
        }
        ClientEffect::Acknowledged { doc, heads: acked } => {
            json!({"acknowledged": id(doc), "heads": heads(acked)})
        }
        ClientEffect::Refused { doc, reason, message } => {
            json!({"refused": id(doc), "reason": format!("{reason:?}"), "message": message})
        }
        ClientEffect::Purge { doc, reason } => json!({"purge": id(doc), "reason": format!("{reason:?}")}),
        ClientEffect::ServerError { code, message } => {
            json!({"server_error": format!("{code:?}"), "message": message})
        }
        ClientEffect::CursorAdvanced(cursor) => json!({"cursor_advanced": cursor}),
        ClientEffect::InSync => json!({"in_sync": true}),
        ClientEffect::Failed(error) => match error {
            ClientError::Decode(_) => json!({"failed": "decode"}),
            ClientError::UnexpectedFrame(frame) => json!({"failed": "unexpected_frame", "frame": frame}),
            ClientError::BadSync { doc, .. } => json!({"failed": "bad_sync", "doc": id(doc)}),
        },
    }
}

/// A device in one connection: the session, and what its I/O layer keeps (documents, acked heads, cursor).
struct Device {
    session: ClientSession,
    docs: BTreeMap<DocumentId, Automerge>,
    acked: BTreeMap<DocumentId, Vec<ChangeHash>>,
    cursor: Option<u64>,
    initial: Value,
    start: Vec<Value>,
    steps: Vec<Value>,
    /// The encoded sync messages the session sent, per document, oldest first (for the scripted server).
    sent: BTreeMap<DocumentId, Vec<Vec<u8>>>,
}

impl Device {
    /// A device holding `docs` (with the heads the server last acknowledged) and `cursor`, which sends its Hello:
    /// the manifest is every document without a cursor, else those whose heads differ from the acked ones.
    fn connect(cursor: Option<u64>, docs: Vec<(DocumentId, Automerge, Vec<ChangeHash>)>) -> Self {
        let initial = json!({
            "cursor": cursor,
            "docs": docs
                .iter()
                .map(|(doc, automerge, acked)| json!({"doc": id(doc), "save": hex(&automerge.save()), "acked": heads(acked)}))
                .collect::<Vec<_>>(),
        });
        let mut device = Self {
            session: ClientSession::new(CLIENT.into(), DEVICE.into()),
            docs: BTreeMap::new(),
            acked: BTreeMap::new(),
            cursor,
            initial,
            start: Vec::new(),
            steps: Vec::new(),
            sent: BTreeMap::new(),
        };
        for (doc, automerge, acked) in docs {
            device.docs.insert(doc, automerge);
            device.acked.insert(doc, acked);
        }
        let manifest = device
            .docs
            .iter()
            .filter(|(doc, automerge)| {
                let held = heads(&automerge.get_heads());
                cursor.is_none() || held != heads(device.acked.get(doc).map_or(&[], Vec::as_slice))
            })
            .map(|(doc, automerge)| ManifestEntry {
                doc: *doc,
                heads: automerge.get_heads(),
            })
            .collect();
        let effects = device.session.start(cursor, manifest);
        // A document without acknowledged heads was made on the device: it goes up whole (PROTOCOL.md §5.2).
        for (doc, acked) in &device.acked {
            if acked.is_empty() {
                device.session.never_acknowledged(*doc);
            }
        }
        device.start = device.carry_out(&effects);
        device
    }

    /// Feeds one frame's bytes and records the step.
    fn receive_bytes(&mut self, bytes: Vec<u8>, what: &str) {
        let effects = self.session.handle_frame(&bytes, &mut self.docs);
        let out = self.carry_out(&effects);
        self.steps
            .push(json!({"what": what, "in": hex(&bytes), "out": out}));
    }

    fn receive(&mut self, frame: Frame, what: &str) {
        self.receive_bytes(encode(&frame), what);
    }

    /// Does what the I/O layer does with the effects (the session reports; the store acts), and records them.
    fn carry_out(&mut self, effects: &[ClientEffect]) -> Vec<Value> {
        for effect in effects {
            match effect {
                ClientEffect::Send(Frame::Sync { doc, message }) => {
                    self.sent.entry(*doc).or_default().push(message.clone());
                }
                ClientEffect::Acknowledged { doc, heads } => {
                    self.acked.insert(*doc, heads.clone());
                }
                ClientEffect::Purge { doc, .. } => {
                    // Every purge here is of a document without unacknowledged changes (PROTOCOL.md §10).
                    let pending = self.docs.get(doc).is_some_and(|held| {
                        !held.get_heads().is_empty() && Some(&held.get_heads()) != self.acked.get(doc)
                    });
                    assert!(
                        !pending,
                        "the transcripts purge only documents without pending changes"
                    );
                    self.docs.remove(doc);
                    self.acked.remove(doc);
                }
                ClientEffect::CursorAdvanced(cursor) => self.cursor = Some(*cursor),
                _ => {}
            }
        }
        effects.iter().map(effect).collect()
    }

    /// The last sync message the session sent for `doc`.
    fn last_sent(&self, doc: DocumentId) -> sync::Message {
        let bytes = self.sent[&doc].last().expect("a sync message was sent");
        sync::Message::decode(bytes).expect("the session's own message")
    }

    fn transcript(self, name: &str, why: &str) -> Value {
        json!({
            "name": name,
            "why": why,
            "device": self.initial,
            "start": self.start,
            "steps": self.steps,
            "heads": self
                .docs
                .iter()
                .map(|(doc, automerge)| (id(doc), json!(heads(&automerge.get_heads()))))
                .collect::<serde_json::Map<_, _>>(),
            "cursor": self.cursor,
        })
    }
}

/// The server's side of one document in one connection: its copy and its sync state.
struct ServerDoc {
    doc: Automerge,
    state: sync::State,
}

impl ServerDoc {
    fn new(doc: Automerge) -> Self {
        Self {
            doc,
            state: sync::State::new(),
        }
    }

    /// Receives the device's last message for `id` and answers with the Sync frame automerge generates.
    fn answer(&mut self, device: &Device, id: DocumentId) -> Frame {
        self.doc
            .receive_sync_message(&mut self.state, device.last_sent(id))
            .expect("the device's message applies");
        let message = self
            .doc
            .generate_sync_message(&mut self.state)
            .expect("the server has something to say");
        Frame::Sync {
            doc: id,
            message: message.encode(),
        }
    }
}

fn listed(doc: DocumentId, automerge: &Automerge) -> Vec<ManifestEntry> {
    vec![ManifestEntry {
        doc,
        heads: automerge.get_heads(),
    }]
}

fn fresh_device_downloads_a_case() -> Value {
    let mut server = ServerDoc::new(case_doc(0xa1, "A-1"));
    let mut device = Device::connect(None, vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 7,
            changed: listed(DOC_A, &server.doc),
        },
        "Welcome listing one case",
    );
    let sync = server.answer(&device, DOC_A);
    device.receive(sync, "the server's Sync carrying the case");
    device.receive(Frame::CaughtUp { cursor: 7 }, "CaughtUp once the case is held");
    server
        .doc
        .receive_sync_message(&mut server.state, device.last_sent(DOC_A))
        .expect("the device's answer applies");
    device.receive(
        Frame::Ack {
            doc: DOC_A,
            heads: server.doc.get_heads(),
        },
        "Ack of the heads the device announced",
    );
    device.transcript(
        "fresh_device_downloads_a_case",
        "a device without a cursor says Hello with an empty manifest, fetches the listed case, and persists the \
         cursor (and is in sync) at CaughtUp because the case is already held",
    )
}

fn cursor_waits_for_a_listed_case() -> Value {
    let mut server = ServerDoc::new(case_doc(0xa1, "A-1"));
    let mut device = Device::connect(None, vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 7,
            changed: listed(DOC_A, &server.doc),
        },
        "Welcome listing one case",
    );
    device.receive(
        Frame::CaughtUp { cursor: 7 },
        "CaughtUp before the case is held: the cursor waits",
    );
    let sync = server.answer(&device, DOC_A);
    device.receive(
        sync,
        "the server's Sync carrying the case: now the cursor advances",
    );
    device.transcript(
        "cursor_waits_for_a_listed_case",
        "a CaughtUp that arrives before a listed case is held is remembered; the cursor advances once the case is",
    )
}

fn pending_case_is_uploaded_and_acknowledged() -> Value {
    let local = case_doc(0xd1, "B-1");
    let mut device = Device::connect(Some(5), vec![(DOC_B, local, vec![])]);
    device.receive(
        Frame::Welcome {
            cursor: 9,
            changed: vec![],
        },
        "Welcome listing nothing",
    );
    let mut server = ServerDoc::new(Automerge::new());
    let sync = server.answer(&device, DOC_B);
    device.receive(
        Frame::Ack {
            doc: DOC_B,
            heads: server.doc.get_heads(),
        },
        "Ack of the uploaded case",
    );
    device.receive(sync, "the server's answer: it holds the device's heads");
    device.receive(Frame::CaughtUp { cursor: 9 }, "CaughtUp with nothing catching up");
    device.transcript(
        "pending_case_is_uploaded_and_acknowledged",
        "a case never acknowledged is in the Hello's manifest with its heads and goes up whole in its first Sync \
         after the Welcome (no round trip to learn that the server holds nothing); its Ack is reported with the \
         acknowledged heads, and the server's answer needs no reply",
    )
}

fn refused_not_found_releases_the_cursor() -> Value {
    let server = case_doc(0xa1, "A-1");
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: listed(DOC_A, &server),
        },
        "Welcome listing one case",
    );
    device.receive(
        Frame::CaughtUp { cursor: 4 },
        "CaughtUp: the cursor waits for the case",
    );
    device.receive(
        Frame::Refused {
            doc: DOC_A,
            reason: RefusalReason::NotFound,
            message: "no such document".into(),
        },
        "Refused NotFound: the case is not waited for any more",
    );
    device.transcript(
        "refused_not_found_releases_the_cursor",
        "a listed case the server then refuses as not found no longer holds the cursor back",
    )
}

fn purge_of_a_listed_case_releases_the_cursor() -> Value {
    let server = case_doc(0xa1, "A-1");
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 6,
            changed: listed(DOC_A, &server),
        },
        "Welcome listing one case",
    );
    device.receive(
        Frame::CaughtUp { cursor: 6 },
        "CaughtUp: the cursor waits for the case",
    );
    device.receive(
        Frame::Purge {
            doc: DOC_A,
            reason: PurgeReason::Unassigned,
        },
        "Purge of the case whose download had begun: it is deleted and no longer waited for",
    );
    device.transcript(
        "purge_of_a_listed_case_releases_the_cursor",
        "a purged case is deleted (an empty one holds no pending changes) and no longer holds the cursor back",
    )
}

fn server_error_closes_the_session() -> Value {
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        "Error before the Welcome",
    );
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: vec![],
        },
        "a Welcome after the Error is ignored",
    );
    device.transcript(
        "server_error_closes_the_session",
        "an Error frame is reported with its code and message, in any phase, and the session handles nothing after it",
    )
}

fn frame_before_welcome_fails() -> Value {
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Ack {
            doc: DOC_A,
            heads: vec![],
        },
        "Ack before the Welcome",
    );
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: vec![],
        },
        "a Welcome after the failure is ignored",
    );
    device.transcript(
        "frame_before_welcome_fails",
        "the server's first frame must be Welcome (or Error); anything else fails the session, which then handles \
         nothing more",
    )
}

fn second_welcome_fails() -> Value {
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: vec![],
        },
        "Welcome listing nothing",
    );
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: vec![],
        },
        "a second Welcome",
    );
    device.transcript(
        "second_welcome_fails",
        "a server sends exactly one Welcome per connection",
    )
}

fn undecodable_frame_fails() -> Value {
    let mut device = Device::connect(Some(3), vec![]);
    device.receive(
        Frame::Welcome {
            cursor: 4,
            changed: vec![],
        },
        "Welcome listing nothing",
    );
    device.receive_bytes(vec![0x01, 0x09], "a frame of unknown type 0x09");
    device.receive(
        Frame::CaughtUp { cursor: 4 },
        "a CaughtUp after the failure is ignored",
    );
    device.transcript(
        "undecodable_frame_fails",
        "bytes that do not decode as a frame fail the session, which then handles nothing more",
    )
}

fn refused_invalid_restarts_the_sync() -> Value {
    let acked = case_doc(0xd1, "A-1");
    let acked_heads = acked.get_heads();
    let pending = case_doc(0xd2, "B-1");
    let mut device = Device::connect(
        Some(5),
        vec![(DOC_A, acked, acked_heads), (DOC_B, pending, vec![])],
    );
    device.receive(
        Frame::Welcome {
            cursor: 9,
            changed: vec![],
        },
        "Welcome listing nothing",
    );
    device.receive(
        Frame::Refused {
            doc: DOC_B,
            reason: RefusalReason::Invalid,
            message: "citizen.reference: missing".into(),
        },
        "Refused Invalid: the changes are quarantined, and the document syncs again from a fresh state",
    );
    device.transcript(
        "refused_invalid_restarts_the_sync",
        "a case acknowledged at its heads stays out of the manifest; a refused upload (the case went up whole in its \
         first Sync) is reported with its reason and message, and the document starts syncing again from a fresh \
         state that asks the server what it holds",
    )
}

#[test]
fn session_transcripts_match_the_vectors() {
    let vectors = json!({
        "about": "ClientSession driven by scripted server frames; see sync-core/tests/vectors/README.md",
        "client": CLIENT,
        "device": DEVICE,
        "transcripts": [
            fresh_device_downloads_a_case(),
            cursor_waits_for_a_listed_case(),
            pending_case_is_uploaded_and_acknowledged(),
            refused_invalid_restarts_the_sync(),
            refused_not_found_releases_the_cursor(),
            purge_of_a_listed_case_releases_the_cursor(),
            server_error_closes_the_session(),
            frame_before_welcome_fails(),
            second_welcome_fails(),
            undecodable_frame_fails(),
        ],
    });
    check_vectors("session-transcripts.json", "session_transcripts", &vectors);
}
