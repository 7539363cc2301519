//! A hostile device as a program: the fuzzer's bytes are read as automerge operations on the device's copy of
//! the world's case, and the resulting changes are sent as one sync message.
//!
//! Raw bytes rarely get past automerge's checksums, so this is how the fuzzer reaches the write rules, the
//! schema's shape, validation, conflicts and the projection with changes automerge itself considers valid:
//! unknown keys, deep nesting, deletes of recorded entries, wrong types, long texts, counters, lists and tables.

use automerge::sync::{ChunkList, Message, MessageVersion};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};

use crate::world::World;

/// Keys the program may use: the schema's own, ids like the case's, and keys the schema does not know.
const KEYS: &[&str] = &[
    "contacts",
    "plan",
    "goals",
    "courses",
    "follow_ups",
    "outcomes",
    "citizen",
    "workers",
    "notes",
    "ors",
    "srs",
    "entry",
    "items",
    "rater",
    "instrument",
    "recorded_by",
    "entered_in_error",
    "status",
    "own_goal",
    "purpose",
    "tenant",
    "team",
    "schema",
    "start_ms",
    "kind",
    "title",
    "approval",
    "state",
    "by",
    "at_ms",
    "reason",
    "display_name",
    "birth_year",
    "tovholder",
    "course",
    "probe_hidden",
    "00000000-0000-0000-0000-000000000064",
    "00000000-0000-0000-0000-000000000065",
    "00000000-0000-0000-0000-000000000014",
    "00000000-0000-0000-0000-00000000000a",
    "bad key!",
    "",
];

/// The most operations one program runs, so that one input stays a fraction of a second.
const MAX_STEPS: usize = 64;

/// Runs the program on the device's copy and returns the encoded sync message with its changes.
pub fn message(world: &World, program: &[u8]) -> Vec<u8> {
    let mut device = world.device_copy();
    run(&mut device, program);
    let changes = device.get_changes(&world.heads);
    Message {
        heads: device.get_heads(),
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(changes.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>()),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

fn run(doc: &mut Automerge, program: &[u8]) {
    let mut tx = doc.transaction();
    // The object the program is at, and the path back to the root.
    let mut path: Vec<ObjId> = vec![ROOT];
    let mut bytes = program.iter().copied();
    for _ in 0..MAX_STEPS {
        let (Some(op), Some(arg)) = (bytes.next(), bytes.next()) else {
            break;
        };
        let here = path.last().cloned().unwrap_or(ROOT);
        let key = KEYS[usize::from(arg) % KEYS.len()];
        let index = usize::from(arg);
        let is_list = matches!(tx.object_type(&here), Ok(ObjType::List));
        let is_text = matches!(tx.object_type(&here), Ok(ObjType::Text));
        // Errors are part of the game: an operation automerge refuses is simply not made.
        match op % 12 {
            // Go into a child object (an existing one, by key or index), or make a map there.
            0 => {
                let child = if is_list || is_text {
                    tx.get(&here, index.min(tx.length(&here).saturating_sub(1)))
                } else {
                    tx.get(&here, key)
                };
                match child {
                    Ok(Some((_, id))) if tx.object_type(&id).is_ok() => path.push(id),
                    _ => {
                        if let Ok(id) = put_object(&mut tx, &here, key, index, is_list, ObjType::Map) {
                            path.push(id);
                        }
                    }
                }
            }
            1 => {
                if path.len() > 1 {
                    path.pop();
                }
            }
            2 => path.truncate(1),
            3 => drop(put(
                &mut tx,
                &here,
                key,
                index,
                is_list,
                ScalarValue::Str(word(arg).into()),
            )),
            4 => drop(put(
                &mut tx,
                &here,
                key,
                index,
                is_list,
                ScalarValue::Int(i64::from(arg) * 1_000 - 64_000),
            )),
            5 => drop(put(
                &mut tx,
                &here,
                key,
                index,
                is_list,
                ScalarValue::Boolean(arg % 2 == 0),
            )),
            6 => drop(put(&mut tx, &here, key, index, is_list, ScalarValue::Null)),
            7 => {
                if is_list || is_text {
                    drop(tx.delete(&here, index.min(tx.length(&here).saturating_sub(1))));
                } else {
                    drop(tx.delete(&here, key));
                }
            }
            8 => {
                let kind = [ObjType::List, ObjType::Text, ObjType::Map][index % 3];
                if let Ok(id) = put_object(&mut tx, &here, key, index, is_list, kind) {
                    path.push(id);
                }
            }
            9 => {
                if is_text {
                    let at = index.min(tx.length(&here));
                    drop(tx.splice_text(&here, at, 0, &word(arg).repeat(usize::from(arg) + 1)));
                } else if is_list {
                    let at = index.min(tx.length(&here));
                    drop(tx.insert(&here, at, ScalarValue::Str(word(arg).into())));
                }
            }
            10 => drop(put(
                &mut tx,
                &here,
                key,
                index,
                is_list,
                ScalarValue::counter(i64::from(arg)),
            )),
            _ => {
                drop(tx.increment(&here, key, i64::from(arg)));
                if arg % 7 == 0 {
                    drop(put_object(&mut tx, &here, key, index, is_list, ObjType::Table));
                }
            }
        }
    }
    tx.commit_with(CommitOptions::default().with_time(0));
}

fn put(
    tx: &mut impl Transactable,
    obj: &ObjId,
    key: &str,
    index: usize,
    is_list: bool,
    value: ScalarValue,
) -> Result<(), automerge::AutomergeError> {
    if is_list {
        tx.insert(obj, index.min(tx.length(obj)), value)
    } else {
        tx.put(obj, key, value)
    }
}

fn put_object(
    tx: &mut impl Transactable,
    obj: &ObjId,
    key: &str,
    index: usize,
    is_list: bool,
    kind: ObjType,
) -> Result<ObjId, automerge::AutomergeError> {
    if is_list {
        tx.insert_object(obj, index.min(tx.length(obj)), kind)
    } else {
        tx.put_object(obj, key, kind)
    }
}

/// Short values the schema knows or does not: codes, dates, ids, words with æøå, a long line.
fn word(arg: u8) -> &'static str {
    const WORDS: &[&str] = &[
        "citizen",
        "home_visit",
        "ors",
        "srs",
        "items",
        "active",
        "2026-01-01",
        "2026-13-45",
        "worker-fuzz",
        "someone-else",
        "s85",
        "æøå",
        "",
        "x",
        "fuzz-kommune",
        "team-fuzz",
        "team-other",
    ];
    WORDS[usize::from(arg) % WORDS.len()]
}
