//! The link's handling of server frames, without a server: purges keep unsynced work unless forced, refusals are
//! stored, and the cursor is persisted on CaughtUp. (The demo server sends no Purge yet, so this is where purges
//! are pinned.)

use secrecy::SecretString;
use sync_core::DocumentId;
use sync_core::protocol::{Frame, Limits, PurgeReason, RefusalReason, decode, encode};

use super::link::{Link, UPLOAD_BATCH};
use crate::device::Device;
use crate::edits::{NewCase, create_case};
use crate::profile::{Profile, Settings};
use crate::store::PurgeOutcome;

async fn device(dir: &std::path::Path) -> Device {
    let mut profile = Profile::open(dir).expect("profile");
    let settings = Settings {
        server: "http://127.0.0.1:9".into(),
        tenant_slug: "hoeje-taastrup".into(),
        tenant_id: "t".into(),
        user_id: "u".into(),
        username: "anna".into(),
        role: "worker".into(),
        team_id: Some("team".into()),
        device_id: "d".into(),
        device_name: "test".into(),
        token_expires_ms: 0,
        offline_until_ms: None,
    };
    profile.set_key(std::sync::Arc::new(crate::keys::DataKey::generate()));
    profile
        .save_login(settings, &SecretString::from("token"), None)
        .expect("saves");
    Device::open(profile).await.expect("opens")
}

async fn new_case(device: &Device, name: &str) -> DocumentId {
    let new = NewCase {
        name: name.into(),
        reference: "R-1".into(),
        birth_year: None,
    };
    create_case(device, new, 1_000).await.expect("created")
}

/// A link past its Welcome with every manifest document loaded, as after a connect.
async fn open_link(device: &Device, force: bool) -> Link<'_> {
    let (mut link, hello) = Link::open(device, "d", force, false).await.expect("opens");
    assert_eq!(hello.len(), 1, "the Hello, and nothing before the Welcome");
    link.receive(&encode(&Frame::Welcome {
        cursor: 7,
        changed: Vec::new(),
    }))
    .await
    .expect("welcome");
    while link.has_unloaded() {
        link.upload_next(UPLOAD_BATCH).await.expect("loads");
    }
    link
}

/// The sync messages among the frames, in order, with their documents.
fn sync_messages(frames: &[Vec<u8>]) -> Vec<(DocumentId, automerge::sync::Message)> {
    frames
        .iter()
        .filter_map(|bytes| match decode(bytes, &Limits::default()) {
            Ok(Frame::Sync { doc, message }) => Some((
                doc,
                automerge::sync::Message::decode(&message).expect("a sync message"),
            )),
            _ => None,
        })
        .collect()
}

/// The documents the frames sync, in order.
fn synced(frames: &[Vec<u8>]) -> Vec<DocumentId> {
    sync_messages(frames).into_iter().map(|(doc, _)| doc).collect()
}

/// The bytes the store holds for `doc`, as an upload from its save reads them.
async fn stored_bytes(device: &Device, doc: &DocumentId) -> Vec<u8> {
    device
        .store()
        .load_bytes(doc)
        .await
        .expect("reads")
        .expect("present")
}

async fn stored_heads(device: &Device, doc: &DocumentId) -> Vec<automerge::ChangeHash> {
    device
        .store()
        .document(doc)
        .await
        .expect("reads")
        .expect("present")
        .heads
}

/// The server's Ack of `doc` at the heads the store holds for it, handed to the link.
async fn acknowledge(link: &mut Link<'_>, device: &Device, doc: DocumentId) {
    let heads = stored_heads(device, &doc).await;
    link.receive(&encode(&Frame::Ack { doc, heads }))
        .await
        .expect("ack");
}

/// The ids of the documents the store holds, in its order.
async fn stored_ids(device: &Device) -> Vec<DocumentId> {
    let docs = device.store().documents().await.expect("lists");
    docs.into_iter().map(|d| d.id).collect()
}

#[tokio::test]
async fn a_purge_keeps_a_document_with_unsynced_changes_unless_forced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let kept = new_case(&device, "Kept").await;
    let acked = new_case(&device, "Acked").await;
    let heads = stored_heads(&device, &acked).await;
    device.store().set_acked(&acked, &heads).await.expect("acks");

    let mut link = open_link(&device, false).await;
    for doc in [kept, acked] {
        let purge = Frame::Purge {
            doc,
            reason: PurgeReason::Unassigned,
        };
        link.receive(&encode(&purge)).await.expect("purge");
    }
    let ids = stored_ids(&device).await;
    assert_eq!(
        ids,
        vec![kept],
        "the acknowledged case is gone, the unsynced one kept"
    );
    let notes = device.store().purges(10).await.expect("lists");
    assert!(
        notes
            .iter()
            .any(|n| n.doc == kept && n.outcome == PurgeOutcome::KeptPending)
    );
    assert!(
        notes
            .iter()
            .any(|n| n.doc == acked && n.outcome == PurgeOutcome::Deleted)
    );

    let mut forced = open_link(&device, true).await;
    let purge = Frame::Purge {
        doc: kept,
        reason: PurgeReason::Unassigned,
    };
    forced.receive(&encode(&purge)).await.expect("purge");
    assert!(device.store().documents().await.expect("lists").is_empty());
    let notes = device.store().purges(1).await.expect("lists");
    assert_eq!(notes[0].outcome, PurgeOutcome::DeletedPending);
}

#[tokio::test]
async fn a_refusal_is_stored_and_the_cursor_waits_for_caught_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let case = new_case(&device, "Refused").await;
    let mut link = open_link(&device, false).await;
    let refused = Frame::Refused {
        doc: case,
        reason: RefusalReason::WriteForbidden,
        message: "new cases are created in your own team".into(),
    };
    link.receive(&encode(&refused)).await.expect("refusal");
    // Refused again (as at every connection until corrected): still one note.
    link.receive(&encode(&refused)).await.expect("refusal");
    let notes = device.store().refusals().await.expect("lists");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].doc, notes[0].reason.as_str()),
        (case, "write_forbidden")
    );
    assert_eq!(device.store().cursor().await.expect("reads"), None);

    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    assert_eq!(device.store().cursor().await.expect("reads"), Some(7));
    assert!(
        link.is_complete(),
        "the refused document does not hold the sync open"
    );
}

#[tokio::test]
async fn an_error_frame_from_the_server_is_the_matching_sync_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let mut link = open_link(&device, false).await;
    let error = Frame::Error {
        code: sync_core::protocol::ErrorCode::Revoked,
        message: "device revoked".into(),
    };
    let result = link.receive(&encode(&error)).await;
    assert!(
        matches!(result, Err(super::SyncError::Revoked(_))),
        "{:?}",
        result.err()
    );
}

#[tokio::test]
async fn the_sync_is_complete_only_once_every_document_is_acknowledged_in_whatever_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(new_case(&device, &format!("Case {n}")).await);
    }
    cases.sort();
    let mut link = open_link(&device, false).await;
    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    // Out of order: the check starts where the last one stopped, and must still see the documents before it.
    for (acked, doc) in [cases[1], cases[3], cases[0], cases[2]].into_iter().enumerate() {
        assert!(!link.is_complete(), "{acked} of 4 acknowledged");
        acknowledge(&mut link, &device, doc).await;
    }
    assert!(link.is_complete());
}

#[tokio::test]
async fn the_manifest_documents_go_up_as_they_load_and_the_sync_waits_for_every_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    for n in 0..3 {
        new_case(&device, &format!("Case {n}")).await;
    }
    // In the manifest's order, which is the store's.
    let cases: Vec<DocumentId> = device
        .store()
        .pending()
        .await
        .expect("lists")
        .into_iter()
        .map(|d| d.id)
        .collect();
    let (mut link, _hello) = Link::open(&device, "d", false, false).await.expect("opens");
    // Loaded before the Welcome: it goes up with it.
    assert!(synced(&link.upload_next(1).await.expect("loads")).is_empty());
    let frames = link
        .receive(&encode(&Frame::Welcome {
            cursor: 7,
            changed: Vec::new(),
        }))
        .await
        .expect("welcome");
    assert_eq!(synced(&frames), vec![cases[0]]);
    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    acknowledge(&mut link, &device, cases[0]).await;
    assert!(
        !link.is_complete(),
        "the documents still to load are still to be acknowledged"
    );
    let frames = link.upload_next(UPLOAD_BATCH).await.expect("loads");
    assert_eq!(synced(&frames), vec![cases[1], cases[2]]);
    assert!(!link.has_unloaded());
    for doc in [cases[1], cases[2]] {
        acknowledge(&mut link, &device, doc).await;
    }
    assert!(link.is_complete());
}

#[tokio::test]
async fn a_new_case_goes_up_as_its_stored_save_and_one_acknowledged_with_the_welcome_from_its_heads() {
    use automerge::sync::{State, SyncDoc};

    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let new = new_case(&device, "Case 0").await;
    // The server holds this one already (its Ack was lost): it acknowledges it with the Welcome.
    let held = new_case(&device, "Case 1").await;
    let (mut link, _hello) = Link::open(&device, "d", false, false).await.expect("opens");
    assert!(!link.has_unloaded(), "nothing is offered before the Welcome");
    link.receive(&encode(&Frame::Welcome {
        cursor: 7,
        changed: Vec::new(),
    }))
    .await
    .expect("welcome");
    acknowledge(&mut link, &device, held).await;
    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");

    let saved = stored_bytes(&device, &new).await;
    let mut sent = Vec::new();
    while link.has_unloaded() {
        sent.extend(sync_messages(
            &link.upload_next(UPLOAD_BATCH).await.expect("offers"),
        ));
    }
    sent.sort_by_key(|(doc, _)| *doc);
    let mut expected = vec![new, held];
    expected.sort();
    assert_eq!(sent.iter().map(|(doc, _)| *doc).collect::<Vec<_>>(), expected);
    for (doc, message) in &sent {
        if *doc == new {
            // As stored, without a bloom filter.
            assert!(message.have.is_empty());
            assert_eq!(message.changes.iter().collect::<Vec<_>>(), vec![saved.as_slice()]);
        } else {
            // Acknowledged already: synced from its heads, not whole.
            assert!(message.changes.is_empty());
        }
    }
    assert!(!link.is_complete(), "the new case is not acknowledged yet");
    acknowledge(&mut link, &device, new).await;
    assert!(link.is_complete());

    // The server's answer that it holds what was sent needs no reply.
    let stored = device
        .store()
        .load(&new, automerge::ActorId::random())
        .await
        .expect("reads")
        .expect("present");
    let answer = stored
        .generate_sync_message(&mut State::new())
        .expect("a message");
    let frames = link
        .receive(&encode(&Frame::Sync {
            doc: new,
            message: answer.encode(),
        }))
        .await
        .expect("answer");
    assert!(frames.is_empty(), "{} frames", frames.len());
    assert!(link.is_complete());
}

#[tokio::test]
async fn a_received_case_whose_ack_was_lost_goes_up_as_its_save_and_settles_with_the_ack() {
    use automerge::transaction::Transactable;

    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    // Received in an earlier connection, which was cut before the server's Ack: stored, never acknowledged, and
    // not listed by the next Welcome (nothing changed since the cursor).
    let received = DocumentId::from_bytes([5; 16]);
    let mut doc = automerge::Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "n", 1).map(|_| ()))
        .expect("edit");
    device
        .store()
        .save_synced(&received, &mut doc, 1)
        .await
        .expect("stores");
    device.store().set_cursor(7).await.expect("stores");
    let saved = stored_bytes(&device, &received).await;

    let (mut link, _hello) = Link::open(&device, "d", false, false).await.expect("opens");
    link.receive(&encode(&Frame::Welcome {
        cursor: 7,
        changed: Vec::new(),
    }))
    .await
    .expect("welcome");
    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    let frames = link.upload_next(UPLOAD_BATCH).await.expect("offers");
    assert_eq!(frames.len(), 1, "one frame");
    let [(doc, message)] = sync_messages(&frames).try_into().expect("a Sync frame");
    assert_eq!(doc, received);
    assert_eq!(message.changes.iter().collect::<Vec<_>>(), vec![saved.as_slice()]);
    assert!(!link.is_complete(), "it waits for the Ack");
    acknowledge(&mut link, &device, received).await;
    assert!(link.is_complete());
    link.record_acks().await.expect("records");
    let stored = device
        .store()
        .document(&received)
        .await
        .expect("reads")
        .expect("present");
    assert!(!stored.is_pending());
}

#[tokio::test]
async fn acks_are_recorded_together_and_before_a_purge_reads_what_is_pending() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let purged = new_case(&device, "Purged").await;
    let kept = new_case(&device, "Kept").await;
    let mut link = open_link(&device, false).await;
    for doc in [purged, kept] {
        acknowledge(&mut link, &device, doc).await;
    }
    assert!(link.has_unwritten());
    assert_eq!(
        device.store().pending().await.expect("lists").len(),
        2,
        "not recorded yet"
    );

    // Acknowledged, so the purge deletes it: the Acks are recorded before it asks.
    let purge = Frame::Purge {
        doc: purged,
        reason: PurgeReason::Unassigned,
    };
    link.receive(&encode(&purge)).await.expect("purge");
    let notes = device.store().purges(1).await.expect("lists");
    assert_eq!((notes[0].doc, notes[0].outcome), (purged, PurgeOutcome::Deleted));
    assert!(!link.has_unwritten());
    assert!(device.store().pending().await.expect("lists").is_empty());
    let ids = stored_ids(&device).await;
    assert_eq!(ids, vec![kept]);
}

#[tokio::test]
async fn a_received_document_is_persisted_before_its_reply_goes_out_and_before_the_cursor() {
    use automerge::sync::{self, SyncDoc};
    use automerge::transaction::Transactable;

    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let mut link = open_link(&device, false).await;

    // The server's document, sent as automerge sends it to a peer that has nothing: a second message, with changes.
    let doc = DocumentId::from_bytes([9; 16]);
    let mut server = automerge::Automerge::new();
    server
        .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "n", 1).map(|_| ()))
        .expect("edit");
    let (mut server_state, mut peer_state) = (sync::State::new(), sync::State::new());
    let mut peer = automerge::Automerge::new();
    let first = server.generate_sync_message(&mut server_state).expect("heads");
    peer.receive_sync_message(&mut peer_state, first)
        .expect("applies");
    let answer = peer.generate_sync_message(&mut peer_state).expect("answer");
    server
        .receive_sync_message(&mut server_state, answer)
        .expect("applies");
    let content = server.generate_sync_message(&mut server_state).expect("content");
    let frame = Frame::Sync {
        doc,
        message: content.encode(),
    };

    let frames = link.receive(&encode(&frame)).await.expect("sync");
    assert!(
        frames.is_empty(),
        "the reply waits for the document to be persisted"
    );
    assert!(link.has_unwritten());
    assert!(device.store().document(&doc).await.expect("reads").is_none());

    // The cursor says the document is here: it is persisted first, and the reply goes out with it.
    let frames = link
        .receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    assert_eq!(synced(&frames), vec![doc]);
    let stored = device
        .store()
        .document(&doc)
        .await
        .expect("reads")
        .expect("persisted");
    assert_eq!(stored.heads, server.get_heads());
    assert_eq!(device.store().cursor().await.expect("reads"), Some(7));
    assert!(!link.has_unwritten());
}

#[tokio::test]
async fn a_case_the_server_sends_whole_is_stored_as_it_came_and_loaded_only_for_what_follows() {
    use automerge::transaction::Transactable;
    use sync_core::protocol::ManifestEntry;
    use sync_core::protocol::sync_message::whole_document;

    // The server's case: made on another phone, with a change after its save, as the server stores it.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let other = device(elsewhere.path()).await;
    let doc = new_case(&other, "Case 0").await;
    let mut server = other
        .store()
        .load(&doc, automerge::ActorId::random())
        .await
        .expect("reads")
        .expect("present");
    let mut saved = server.save();
    server
        .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "x", 1).map(|_| ()))
        .expect("edit");
    saved.extend(server.save_after(&automerge::Automerge::load(&saved).expect("loads").get_heads()));
    let heads = server.get_heads();

    let dir = tempfile::tempdir().expect("temp dir");
    let phone = device(dir.path()).await;
    let (mut link, _hello) = Link::open(&phone, "d", false, false).await.expect("opens");
    let frames = link
        .receive(&encode(&Frame::Welcome {
            cursor: 9,
            changed: vec![ManifestEntry {
                doc,
                heads: heads.clone(),
            }],
        }))
        .await
        .expect("welcome");
    let [(asked, nothing)] = sync_messages(&frames).try_into().expect("one Sync frame");
    assert_eq!(asked, doc);
    assert!(
        nothing.heads.is_empty() && nothing.changes.is_empty(),
        "I have nothing"
    );

    let frames = link
        .receive(&encode(&Frame::Sync {
            doc,
            message: whole_document(heads.clone(), saved.clone()).encode(),
        }))
        .await
        .expect("the whole case");
    assert!(frames.is_empty(), "the answer waits until the case is stored");
    let frames = link.write_pending().await.expect("stores");
    let [(_, answer)] = sync_messages(&frames).try_into().expect("the answer");
    assert_eq!(answer.heads, heads);
    assert!(answer.need.is_empty() && answer.changes.is_empty());
    assert_eq!(stored_bytes(&phone, &doc).await, saved, "stored as it came");
    assert_eq!(stored_heads(&phone, &doc).await, heads);
    link.receive(&encode(&Frame::CaughtUp { cursor: 9 }))
        .await
        .expect("caught up");
    assert!(!link.is_complete(), "it waits for the Ack of what it holds");
    acknowledge(&mut link, &phone, doc).await;
    assert!(link.is_complete());

    // A change that follows needs the case: it is loaded from the store and takes the change.
    let before = server.get_heads();
    server
        .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "x", 2).map(|_| ()))
        .expect("edit");
    let mut push = whole_document(server.get_heads(), server.save_after(&before));
    push.have = vec![automerge::sync::Have {
        last_sync: before,
        bloom: automerge::sync::BloomFilter::from_hashes(std::iter::empty::<automerge::ChangeHash>()),
    }];
    link.receive(&encode(&Frame::Sync {
        doc,
        message: push.clone().encode(),
    }))
    .await
    .expect("the change");
    link.write_pending().await.expect("stores");
    assert_eq!(stored_heads(&phone, &doc).await, server.get_heads());

    // On another new phone the change comes before the whole case is stored: the case is stored first, and the
    // answer that waited for it goes out with what follows.
    let dir = tempfile::tempdir().expect("temp dir");
    let phone = device(dir.path()).await;
    let (mut link, _hello) = Link::open(&phone, "d", false, false).await.expect("opens");
    link.receive(&encode(&Frame::Welcome {
        cursor: 9,
        changed: vec![ManifestEntry {
            doc,
            heads: heads.clone(),
        }],
    }))
    .await
    .expect("welcome");
    let whole = link
        .receive(&encode(&Frame::Sync {
            doc,
            message: whole_document(heads.clone(), saved).encode(),
        }))
        .await
        .expect("the whole case");
    assert!(whole.is_empty());
    let frames = link
        .receive(&encode(&Frame::Sync {
            doc,
            message: push.encode(),
        }))
        .await
        .expect("the change");
    let answered = sync_messages(&frames);
    assert_eq!(
        answered.first().map(|(_, m)| &m.heads),
        Some(&heads),
        "the answer to the whole case first"
    );
    link.write_pending().await.expect("stores");
    assert_eq!(stored_heads(&phone, &doc).await, server.get_heads());
}
