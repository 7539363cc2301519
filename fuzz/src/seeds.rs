//! The seed corpus: what a real device sends for the world's case (sync-core's own edits, as `tov` and the web
//! app make them) and the hostile changes issue 10 found, so the fuzzer starts from traffic that gets deep.
//!
//! `TOVHOLDER_WRITE_CORPUS=1 cargo test -p tovholder-fuzz` writes them to `fuzz/corpus/<target>/seed-*`;
//! without it, the corpus replay test checks the committed seeds are what this module builds.

use automerge::sync::{ChunkList, Message, MessageVersion};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Change, ExpandedChange, ObjType, ROOT, ReadDoc};
use sync_core::case::{CaseDocument, EntryRef, ErrorMark, NewContact};
use sync_core::fit::{Instrument, RaterKind, Rating};
use sync_core::protocol::{Frame, ManifestEntry, encode};
use uuid::Uuid;

use crate::world::{self, NOW, World};

/// One named seed for each target: `(target, name, bytes)`.
pub fn all() -> Vec<(&'static str, String, Vec<u8>)> {
    let messages = messages();
    let mut seeds = Vec::new();
    for (name, message) in &messages {
        let mut raw = vec![0];
        raw.extend_from_slice(message);
        seeds.push(("receive", format!("seed-{name}"), raw));
        seeds.push((
            "session",
            format!("seed-{name}"),
            crate::connection(std::slice::from_ref(message)),
        ));
    }
    for (name, program) in programs() {
        let mut input = vec![1];
        input.extend_from_slice(&program);
        seeds.push(("receive", format!("seed-program-{name}"), input));
    }
    let all: Vec<Vec<u8>> = messages.iter().map(|(_, m)| m.clone()).collect();
    seeds.push((
        "session",
        "seed-all-in-one-connection".into(),
        crate::connection(&all),
    ));
    for (name, frame) in frames(&messages) {
        seeds.push(("frames", format!("seed-{name}"), encode(&frame)));
    }
    seeds
}

/// Sync messages for the world's case: real edits first, then the hostile ones.
fn messages() -> Vec<(&'static str, Vec<u8>)> {
    let world = World::get();
    let mut out = vec![
        (
            "add-contact",
            edit(world, |doc| {
                let contact = NewContact {
                    kind: "video".into(),
                    start_ms: NOW + 3 * 86_400_000,
                    duration_minutes: 45,
                    course: Some(Uuid::from_u128(10).to_string()),
                    workers: vec![world::WORKER.into()],
                    notes: "Synthetic video call".into(),
                    goals: vec![],
                    ors: Some(Rating::items(
                        Instrument::Ors,
                        [55, 60, 50, 70],
                        RaterKind::Citizen,
                    )),
                    srs: Some(Rating::items(
                        Instrument::Srs,
                        [80, 85, 90, 88],
                        RaterKind::Citizen,
                    )),
                    recorded_by: world::WORKER.into(),
                };
                doc.add_contact(Uuid::from_u128(102), contact, NOW).map(drop)
            }),
        ),
        (
            "edit-notes",
            edit(world, |doc| {
                doc.set_notes(
                    &Uuid::from_u128(100).to_string(),
                    "Synthetic note, longer now",
                    NOW,
                )
                .map(drop)
            }),
        ),
        (
            "goal-status",
            edit(world, |doc| {
                doc.set_goal_status(&Uuid::from_u128(20).to_string(), "achieved", NOW)
                    .map(drop)
            }),
        ),
        (
            "own-goal",
            edit(world, |doc| {
                doc.set_own_goal("Synthetic words of my own æøå", NOW).map(drop)
            }),
        ),
        (
            "mark-in-error",
            edit(world, |doc| {
                let mark = ErrorMark {
                    by: world::WORKER.into(),
                    at_ms: NOW,
                    reason: "recorded on the wrong citizen".into(),
                };
                doc.mark_in_error(EntryRef::Contact(&Uuid::from_u128(101).to_string()), mark, NOW)
                    .map(drop)
            }),
        ),
        (
            "probe-hidden",
            raw(world, |tx| drop(tx.put(ROOT, "probe_hidden", "Synthetic secret"))),
        ),
        (
            "nested-400",
            raw(world, |tx| {
                let mut at = tx.put_object(ROOT, "deep", ObjType::Map).expect("put");
                for _ in 0..400 {
                    at = tx.put_object(&at, "d", ObjType::Map).expect("put");
                }
            }),
        ),
        (
            "wipe-contacts",
            raw(world, |tx| drop(tx.put_object(ROOT, "contacts", ObjType::Map))),
        ),
        (
            "delete-a-contact",
            raw(world, |tx| {
                let contacts = tx.get(ROOT, "contacts").expect("get").expect("contacts").1;
                drop(tx.delete(&contacts, Uuid::from_u128(100).to_string()));
            }),
        ),
        (
            "rewrite-rating",
            raw(world, |tx| {
                let contacts = tx.get(ROOT, "contacts").expect("get").expect("contacts").1;
                let contact = tx
                    .get(&contacts, Uuid::from_u128(100).to_string())
                    .expect("get")
                    .expect("contact")
                    .1;
                drop(tx.put(&contact, "ors", ()));
            }),
        ),
    ];
    out.push((
        "delete-without-predecessor",
        message_of(world, &[missing_ops(world)]),
    ));
    out.push(("whole-document", {
        let mut device = world.device_copy();
        let mut tx = device.transaction();
        drop(tx.put(ROOT, "tovholder", world::WORKER));
        tx.commit_with(CommitOptions::default().with_time(0));
        encode_message(device.get_heads(), vec![device.save()])
    }));
    out
}

/// The 0.12 "MissingOps" bug (issue 10): one delete with an empty predecessor list.
fn missing_ops(world: &World) -> Change {
    let json = serde_json::json!({
        "ops": [{"action": "del", "obj": "_root", "key": "tovholder", "pred": []}],
        "actor": "02020202020202020202020202020202",
        "seq": 1, "startOp": 1_000, "time": 0, "message": null,
        "deps": world.heads.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    Change::from(serde_json::from_value::<ExpandedChange>(json).expect("a change"))
}

fn edit(
    world: &World,
    f: impl FnOnce(&mut CaseDocument) -> Result<(), sync_core::case::CaseError>,
) -> Vec<u8> {
    let mut doc = CaseDocument::from_automerge(world.device_copy(), NOW)
        .expect("the world's case")
        .with_author(world::WORKER);
    f(&mut doc).expect("a valid edit");
    let device = doc.into_automerge();
    message_of(world, &device.get_changes(&world.heads))
}

fn raw(world: &World, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Vec<u8> {
    let mut device = world.device_copy();
    let mut tx = device.transaction();
    f(&mut tx);
    tx.commit_with(CommitOptions::default().with_time(0));
    message_of(world, &device.get_changes(&world.heads))
}

fn message_of(world: &World, changes: &[Change]) -> Vec<u8> {
    let mut heads: Vec<_> = changes.iter().map(Change::hash).collect();
    if heads.is_empty() {
        heads.clone_from(&world.heads);
    }
    encode_message(heads, changes.iter().map(|c| c.raw_bytes().to_vec()).collect())
}

fn encode_message(heads: Vec<automerge::ChangeHash>, chunks: Vec<Vec<u8>>) -> Vec<u8> {
    Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(chunks),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

/// Programs for the operations mode (see `ops.rs`): a step is an opcode byte and an argument byte.
fn programs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        // Into contacts (key 0), delete the first contact's id (key 36).
        ("delete-contact", vec![0, 0, 7, 36]),
        // A map under an unknown key, then nest it.
        ("nest", [0u8, 35].iter().copied().cycle().take(64).collect()),
        // Into plan (1) → own_goal (18), splice text.
        ("splice-own-goal", vec![0, 1, 0, 18, 9, 200, 9, 3]),
        // A counter at the root, then increment it.
        ("counter", vec![10, 35, 11, 35]),
        // Into contacts → a contact → ors: null it.
        ("clear-rating", vec![0, 0, 0, 36, 6, 9]),
    ]
}

fn frames(messages: &[(&'static str, Vec<u8>)]) -> Vec<(String, Frame)> {
    let world = World::get();
    let manifest = vec![ManifestEntry {
        doc: world.doc_id,
        heads: world.heads.clone(),
    }];
    let mut out = vec![
        (
            "hello".to_owned(),
            Frame::Hello {
                client: "tov/seed".into(),
                device: world::DEVICE.into(),
                cursor: Some(42),
                manifest: manifest.clone(),
            },
        ),
        (
            "welcome".into(),
            Frame::Welcome {
                cursor: 42,
                changed: manifest,
            },
        ),
        (
            "ack".into(),
            Frame::Ack {
                doc: world.doc_id,
                heads: world.heads.clone(),
            },
        ),
        ("caught-up".into(), Frame::CaughtUp { cursor: 42 }),
    ];
    out.extend(messages.iter().take(2).map(|(name, message)| {
        (
            format!("sync-{name}"),
            Frame::Sync {
                doc: world.doc_id,
                message: message.clone(),
            },
        )
    }));
    out
}

/// Where a target's corpus lives.
pub fn corpus_dir(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}
