//! Fuzz targets for what a logged-in device can send the server (issue 10: a device is untrusted input).
//!
//! Three targets, each a plain function of the fuzzer's bytes so that the same code runs under libFuzzer
//! (`cargo +nightly fuzz run <target>`, see `fuzz/README.md`) and, on stable, in the corpus-replay test
//! (`fuzz/tests/corpus.rs`), which the workspace's test command runs:
//!
//! - [`frames`]: the frame decoder. Whatever it accepts must encode back to a frame that decodes the same.
//! - [`session`]: a whole connection through `ServerSession`: the bytes are a sequence of frames.
//! - [`receive`]: the server's receive path in-process, as `server/src/sync/receive.rs` runs it on one case:
//!   vet the sync message, check and apply it (`ServerSession::receive_sync`), the write rules and validation
//!   (`server::sync::accept::check_write`), conflicts and the projection. Its input is either a raw sync message
//!   or a small program of automerge operations that a hostile device applies to its copy of the case.
//!
//! Each target asserts the invariants the server relies on: no panic escapes (a panic inside automerge that the
//! server contains with `catch_unwind` is answered as the server answers it), a refused message leaves the shared
//! document at its heads, and what is accepted projects.

#![forbid(unsafe_code)]

mod ops;
pub mod seeds;
mod world;

use automerge::sync;
use sync_core::case::conflicts;
use sync_core::protocol::{
    Access, Frame, RefusalReason, ServerEffect, ServerSession, SessionError, decode, encode, sync_message,
};

use server::projection::Projection;
use server::sync::accept::{Existing, Incoming, check_write};

pub use world::World;

/// For the libFuzzer entry points: libfuzzer-sys's panic hook aborts on every panic, also one the server
/// contains; this hook stays quiet instead, and a panic that escapes a target still aborts the run.
pub fn contain_panics_as_the_server_does() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// The frame decoder: never panics, and what it accepts round-trips.
pub fn frames(data: &[u8]) {
    let limits = World::get().limits;
    if let Ok(frame) = decode(data, &limits) {
        let again = decode(&encode(&frame), &limits).expect("an encoded frame decodes");
        assert_eq!(again, frame, "a decoded frame round-trips");
    }
}

/// A connection: the bytes are frames, each preceded by its length (two bytes, little-endian). Hello is
/// answered as the I/O layer would, with the world's case visible and one lost case held; the access the store
/// reports for any other document follows from its id's first byte, so the session's policy (grace, purge,
/// read-only, an id the device may not see) is fuzzed along with the protocol. Sync messages go to the world's case
/// or to a document of their own.
pub fn session(data: &[u8]) {
    let world = World::get();
    let mut session = ServerSession::new(world::DEVICE.into(), world.limits, world.rate);
    let mut docs = std::collections::BTreeMap::new();
    let mut rest = data;
    let mut queue: Vec<ServerEffect> = Vec::new();
    while rest.len() >= 2 && !session.is_closed() {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let (frame, tail) = rest[2..].split_at(len);
        rest = tail;
        queue.extend(session.handle_frame(frame, 1));
        while let Some(effect) = queue.pop() {
            match effect {
                ServerEffect::Send(frame) => {
                    let bytes = encode(&frame);
                    assert_eq!(
                        decode(&bytes, &world.limits).ok(),
                        Some(frame),
                        "the server sends what decodes"
                    );
                }
                ServerEffect::Close
                | ServerEffect::Hold { .. }
                | ServerEffect::Purged { .. }
                | ServerEffect::Forget { .. } => {}
                ServerEffect::ResolveHello { manifest, .. } => {
                    queue.extend(session.welcome(world.resolved(&manifest)));
                }
                ServerEffect::CheckAccess { doc, message } => {
                    queue.extend(session.access(doc, world.access_of(doc), message));
                }
                ServerEffect::Offer { doc } => {
                    let entry = docs.entry(doc).or_insert_with(|| world.stored(doc));
                    queue.extend(session.offer(doc, entry));
                }
                ServerEffect::ReceiveSync { doc, message, access } => {
                    // As the server: a document the device holds nothing of goes out as stored, and the answer that
                    // it holds it is taken without the document.
                    if let Some(effects) = session.receive_saved_confirmation(doc, &message) {
                        queue.extend(effects);
                        continue;
                    }
                    if session.wants_saved(doc, &message) {
                        let stored = docs.entry(doc).or_insert_with(|| world.stored(doc));
                        if !stored.get_heads().is_empty() {
                            let (heads, saved) = (stored.get_heads(), stored.save());
                            queue.extend(session.send_saved(doc, message, heads, saved));
                            continue;
                        }
                    }
                    // A document the device may not see is applied to a scratch copy only, as the server does.
                    let mut scratch = automerge::Automerge::new();
                    let entry = match access {
                        Access::Hidden | Access::Lost(_) => &mut scratch,
                        _ => docs.entry(doc).or_insert_with(|| world.stored(doc)),
                    };
                    let heads = entry.get_heads();
                    match apply(&mut session, doc, entry, message, access) {
                        Outcome::Accepted => {
                            assert!(
                                access != Access::Read || heads.is_empty(),
                                "a change to a case the device only reads was accepted"
                            );
                            queue.extend(session.committed(doc, entry, false));
                        }
                        Outcome::Refused(message) => {
                            assert_eq!(entry.get_heads(), heads, "a refused message leaves the document");
                            queue.extend(session.refused(doc, RefusalReason::Invalid, message));
                        }
                        Outcome::Ignored => queue.extend(session.reply(doc, entry)),
                    }
                }
            }
        }
    }
}

/// The receive path on the world's case. The first byte chooses the input's form: even, a raw sync message;
/// odd, a program of operations (see `ops.rs`) a hostile device applies to its copy of the case.
pub fn receive(data: &[u8]) {
    drop(receive_outcome(data));
}

/// What [`receive`] did: `None` when the bytes are no sync message at all (the session closes with
/// `Malformed`), else whether the message was accepted (`Ok(true)`), brought nothing new (`Ok(false)`) or was
/// refused, with the reason the device is told.
pub fn receive_outcome(data: &[u8]) -> Option<Result<bool, String>> {
    let (&mode, rest) = data.split_first()?;
    let world = World::get();
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        ops::message(world, rest)
    };
    let message = sync_message::vet(&bytes, &world.limits).ok()?;
    let mut session = world.open_session();
    let mut doc = world.doc.clone();
    Some(
        match apply(&mut session, world.doc_id, &mut doc, message, Access::Write) {
            Outcome::Accepted => Ok(true),
            Outcome::Ignored => Ok(false),
            Outcome::Refused(reason) => {
                assert_eq!(
                    doc.get_heads(),
                    world.heads,
                    "a refused message leaves the document"
                );
                Err(reason)
            }
        },
    )
}

enum Outcome {
    Accepted,
    Refused(String),
    /// The message brought no new changes.
    Ignored,
}

/// What `server/src/sync/receive.rs` does with one sync message, without the store: apply, check, project; and
/// roll back what is refused.
fn apply(
    session: &mut ServerSession,
    doc_id: sync_core::DocumentId,
    doc: &mut automerge::Automerge,
    message: sync::Message,
    access: Access,
) -> Outcome {
    let world = World::get();
    let creating = doc.get_heads().is_empty();
    // The server's committed copy, which it reloads from the store after a contained panic.
    let committed = doc.clone();
    let received = match session.receive_sync(doc_id, doc, message) {
        Ok(received) => received,
        Err(SessionError::NotOpen) => return Outcome::Ignored,
        Err(SessionError::Sync { heads_before, .. }) => {
            *doc = doc.fork_at(&heads_before).expect("the heads the document had");
            return Outcome::Refused("malformed".into());
        }
        Err(SessionError::Refused { problem, .. }) => return Outcome::Refused(problem.to_string()),
        Err(SessionError::Panicked { .. }) => {
            *doc = committed;
            return Outcome::Refused("the changes could not be applied".into());
        }
    };
    if received.new_changes.is_empty() {
        return Outcome::Ignored;
    }
    // Every stored document of the fuzzing world is a copy of its case (see `World::stored`).
    let existing = (!creating).then_some(Existing {
        team_id: Some(world::team_id()),
        case: Some(&world.case),
        stored_bytes: world.stored_bytes,
        read_only: access == Access::Read,
    });
    let incoming = Incoming {
        doc,
        bytes: received.new_changes.bytes(),
    };
    match check_write(&world.viewer, world::TENANT, existing, &incoming) {
        Ok((case, found)) => {
            // What the server does next with an accepted document: its projection rows, with the conflicts read
            // together with the case (which a reading of its own must find the same).
            assert_eq!(found, conflicts::list(doc));
            let projection = Projection::of(&doc_id.to_string(), &case, &found, &world.rules);
            assert_eq!(projection.contacts.len(), case.contacts.len());
            Outcome::Accepted
        }
        Err(refusal) => {
            *doc = doc
                .fork_at(&received.heads_before)
                .expect("the heads the document had");
            Outcome::Refused(refusal.message)
        }
    }
}

/// Frames a device would send for the world's case, for seeds: a Hello and then each sync message.
pub fn connection(messages: &[Vec<u8>]) -> Vec<u8> {
    let world = World::get();
    let mut frames = vec![Frame::Hello {
        client: "tov/seed".into(),
        device: world::DEVICE.into(),
        cursor: None,
        manifest: Vec::new(),
    }];
    frames.extend(messages.iter().map(|message| Frame::Sync {
        doc: world.doc_id,
        message: message.clone(),
    }));
    let mut out = Vec::new();
    for frame in frames {
        let bytes = encode(&frame);
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes[..usize::from(len)]);
    }
    out
}
