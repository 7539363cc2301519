//! The client and server sessions driven together over the simulated network in `sim`.

mod sim;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ScalarValue, Value};
use sim::{Direction, Network};
use sync_core::DocumentId;
use sync_core::protocol::{ClientEffect, ErrorCode, Frame, FrameType, PurgeReason, RefusalReason};

fn put(key: &'static str, value: i64) -> impl FnOnce(&mut automerge::transaction::Transaction<'_>) {
    move |tx| {
        tx.put(automerge::ROOT, key, value).expect("put");
    }
}

fn flag(key: &'static str, value: bool) -> impl FnOnce(&mut automerge::transaction::Transaction<'_>) {
    move |tx| {
        tx.put(automerge::ROOT, key, value).expect("put");
    }
}

fn int(doc: &Automerge, key: &str) -> Option<i64> {
    match doc.get(automerge::ROOT, key).expect("read") {
        Some((Value::Scalar(value), _)) => match value.as_ref() {
            ScalarValue::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

/// Creates `count` documents on client `i`, each with one change.
fn create_docs(net: &mut Network, i: usize, count: usize) -> Vec<DocumentId> {
    (0..count)
        .map(|n| {
            let doc = net.rng.doc_id();
            net.edit(i, doc, put("n", n as i64));
            doc
        })
        .collect()
}

fn has_effect(net: &Network, i: usize, wanted: impl Fn(&ClientEffect) -> bool) -> bool {
    net.client(i).effects.iter().any(wanted)
}

#[test]
fn a_new_document_uploaded_from_a_client_is_acknowledged() {
    let mut net = Network::new(1, 1);
    let doc = net.rng.doc_id();
    net.edit(0, doc, put("contacts", 3));
    net.connect(0);
    net.deliver_all();

    let local_heads = net.client(0).docs[&doc].get_heads();
    assert_eq!(net.server.docs[&doc].get_heads(), local_heads);
    assert_eq!(net.client(0).acked.get(&doc), Some(&local_heads));
    assert!(has_effect(&net, 0, |e| *e == ClientEffect::InSync));
    // A document acknowledged at its current heads leaves the next manifest.
    assert!(net.client(0).manifest().is_empty());
}

#[test]
fn reconnect_syncs_only_changed_documents() {
    let mut net = Network::new(2, 1);
    let docs = create_docs(&mut net, 0, 2_000);
    net.connect(0);
    net.deliver_all();
    assert_eq!(net.client(0).acked.len(), 2_000);
    // The cursor of the first connection predates the uploads, so the next Welcome lists every document
    // once (at zero Sync frames, see below); from then on the cursor is current.
    net.disconnect(0);
    net.connect(0);
    net.deliver_all();
    net.disconnect(0);

    let changed: Vec<_> = docs.iter().step_by(400).copied().collect();
    assert_eq!(changed.len(), 5);
    for doc in &changed {
        net.server_edit(*doc, put("server", 7));
    }

    net.log.clear();
    net.connect(0);
    net.deliver_all();

    // One round trip before syncing starts: Hello, then Welcome listing exactly the changed documents.
    let (_, first_up, hello) = &net.log[0];
    assert_eq!(
        (*first_up, hello.frame_type()),
        (Direction::ToServer, FrameType::Hello)
    );
    let welcomes = net.frames(Direction::ToClient, FrameType::Welcome);
    let [Frame::Welcome { changed: listed, .. }] = welcomes.as_slice() else {
        panic!("one Welcome")
    };
    let mut listed: Vec<_> = listed.iter().map(|entry| entry.doc).collect();
    listed.sort();
    let mut expected = changed.clone();
    expected.sort();
    assert_eq!(listed, expected);
    // Sync frames only for those five, and a handful each.
    assert_eq!(net.synced_docs(), expected.iter().copied().collect());
    let syncs = net.frames(Direction::ToServer, FrameType::Sync).len()
        + net.frames(Direction::ToClient, FrameType::Sync).len();
    assert!(syncs <= 5 * 4, "{syncs} Sync frames for 5 documents");
    for doc in &changed {
        assert_eq!(int(&net.client(0).docs[doc], "server"), Some(7));
    }
    assert_eq!(net.client(0).cursor, Some(net.server.seq));
}

#[test]
fn unchanged_documents_cost_no_sync_frames() {
    let mut net = Network::new(3, 1);
    create_docs(&mut net, 0, 100);
    net.connect(0);
    net.deliver_all();
    // The cursor from the first connection predates the uploads, so the Welcome lists every document,
    // each already at the server's heads on the device.
    for _ in 0..2 {
        net.disconnect(0);
        net.log.clear();
        net.connect(0);
        net.deliver_all();
        assert_eq!(net.frames(Direction::ToServer, FrameType::Sync).len(), 0);
        assert_eq!(net.frames(Direction::ToClient, FrameType::Sync).len(), 0);
        assert_eq!(net.client(0).cursor, Some(net.server.seq));
    }
    let welcomes = net.frames(Direction::ToClient, FrameType::Welcome);
    assert!(matches!(welcomes.as_slice(), [Frame::Welcome { changed, .. }] if changed.is_empty()));
}

#[test]
fn a_refused_document_does_not_block_the_others() {
    let mut net = Network::new(4, 1);
    let good = create_docs(&mut net, 0, 3);
    let bad = net.rng.doc_id();
    net.edit(0, bad, flag("invalid", true));
    net.connect(0);
    net.deliver_all();

    assert!(has_effect(
        &net,
        0,
        |e| matches!(e, ClientEffect::Refused { doc, reason: RefusalReason::Invalid, .. } if *doc == bad)
    ));
    assert_eq!(net.server.refusals.len(), 1, "refused once, not in a loop");
    assert!(
        net.server
            .docs
            .get(&bad)
            .is_none_or(|doc| doc.get_heads().is_empty())
    );
    for doc in &good {
        assert_eq!(
            net.client(0).acked.get(doc),
            Some(&net.client(0).docs[doc].get_heads())
        );
    }
    assert!(has_effect(&net, 0, |e| *e == ClientEffect::InSync));

    // A correction made on the device while still connected is uploaded and accepted.
    net.edit(0, bad, flag("invalid", false));
    net.deliver_all();
    assert_eq!(
        net.server.docs[&bad].get_heads(),
        net.client(0).docs[&bad].get_heads()
    );
    assert_eq!(
        net.client(0).acked.get(&bad),
        Some(&net.client(0).docs[&bad].get_heads())
    );
}

#[test]
fn a_refused_document_still_receives_the_servers_changes() {
    let mut net = Network::new(5, 1);
    let [doc] = create_docs(&mut net, 0, 1)[..] else {
        unreachable!()
    };
    net.connect(0);
    net.deliver_all();
    net.disconnect(0);

    net.server_edit(doc, put("server", 1));
    net.edit(0, doc, flag("invalid", true));
    net.connect(0);
    net.deliver_all();

    assert!(has_effect(&net, 0, |e| matches!(e, ClientEffect::Refused { .. })));
    assert_eq!(int(&net.client(0).docs[&doc], "server"), Some(1));
    assert_eq!(int(&net.server.docs[&doc], "n"), Some(0));
    assert!(
        net.server.docs[&doc]
            .get(automerge::ROOT, "invalid")
            .expect("read")
            .is_none()
    );
    // The cursor is not held back by the refusal: the device has every change the server has.
    assert_eq!(net.client(0).cursor, Some(net.server.seq));
}

#[test]
fn a_live_change_from_one_client_reaches_another() {
    let mut net = Network::new(6, 2);
    net.connect(0);
    net.connect(1);
    net.deliver_all();

    let doc = net.rng.doc_id();
    net.edit(0, doc, put("mood", 4));
    net.deliver_all();
    assert_eq!(int(&net.client(1).docs[&doc], "mood"), Some(4));
    assert!(has_effect(&net, 1, |e| *e == ClientEffect::DocumentChanged { doc }));

    net.edit(1, doc, put("mood", 5));
    net.deliver_all();
    assert_eq!(int(&net.client(0).docs[&doc], "mood"), Some(5));
    assert_eq!(
        net.client(0).docs[&doc].get_heads(),
        net.client(1).docs[&doc].get_heads()
    );
}

#[test]
fn a_fresh_device_gets_each_document_as_stored_and_both_sides_settle_it_without_loading_it() {
    let mut net = Network::new(8, 3);
    let docs = create_docs(&mut net, 0, 3);
    net.connect(0);
    net.deliver_all();
    let first_of_doc0 = net.log.len();

    // A new install: every document goes out whole with its heads and no bloom filter, and the device's answer
    // that it holds those heads is acknowledged.
    net.connect(1);
    net.deliver_all();
    for doc in &docs {
        let heads = net.server.docs[doc].get_heads();
        assert_eq!(net.client(1).docs[doc].get_heads(), heads);
        assert_eq!(net.client(1).acked.get(doc), Some(&heads));
        let to_device: Vec<automerge::sync::Message> = net.log[first_of_doc0..]
            .iter()
            .filter_map(|(i, direction, frame)| match (i, direction, frame) {
                (1, Direction::ToClient, Frame::Sync { doc: sent, message }) if sent == doc => {
                    Some(automerge::sync::Message::decode(message).expect("a sync message"))
                }
                _ => None,
            })
            .collect();
        let [whole] = to_device.as_slice() else {
            panic!("one Sync frame for the document: {}", to_device.len())
        };
        assert!(whole.have.is_empty() && whole.need.is_empty());
        assert_eq!(whole.heads, heads);
        assert!(!whole.changes.is_empty());
        // And the device handed it on as it came, without loading it.
        assert!(has_effect(
            &net,
            1,
            |e| matches!(e, ClientEffect::ReceivedWhole { doc: got, .. } if got == doc)
        ));
    }
    assert!(has_effect(&net, 1, |e| *e == ClientEffect::InSync));

    // The sync state left behind is automerge's: a change made elsewhere afterwards reaches the device, and the
    // device's own change reaches the others.
    net.edit(0, docs[0], put("n", 10));
    net.deliver_all();
    assert_eq!(int(&net.client(1).docs[&docs[0]], "n"), Some(10));
    net.edit(1, docs[1], put("n", 11));
    net.deliver_all();
    assert_eq!(int(&net.client(0).docs[&docs[1]], "n"), Some(11));

    // A change made before the device's answer arrives: the answer no longer confirms what is current, and the
    // ordinary way brings the device the rest.
    net.connect(2);
    let sent_whole = |net: &Network| {
        net.log.iter().any(|(i, direction, frame)| {
            matches!((i, direction, frame), (2, Direction::ToClient, Frame::Sync { doc, .. }) if *doc == docs[2])
        })
    };
    while !sent_whole(&net) {
        assert!(net.step(), "the document goes out");
    }
    net.server_edit(docs[2], put("n", 12));
    net.deliver_all();
    let server_heads = net.server.docs[&docs[2]].get_heads();
    let to_device = net
        .log
        .iter()
        .filter(|(i, direction, frame)| {
            matches!((i, direction, frame), (2, Direction::ToClient, Frame::Sync { doc, .. }) if *doc == docs[2])
        })
        .count();
    assert!(to_device >= 2, "the change went out after the stored document");
    assert_eq!(int(&net.client(2).docs[&docs[2]], "n"), Some(12));
    assert_eq!(net.client(2).acked.get(&docs[2]), Some(&server_heads));
}

/// Three devices editing four documents while frames interleave at random and connections drop. With
/// `refusals`, some edits mark a document invalid and the same device corrects it a few frames later, so
/// refusals, quarantines and rollbacks of the shared document happen in every order.
fn random_edits_converge(seed: u64, refusals: bool) {
    let mut net = Network::new(seed, 3);
    let docs: Vec<_> = (0..4).map(|_| net.rng.doc_id()).collect();
    for i in 0..3 {
        net.connect(i);
    }
    for round in 0..30i64 {
        let i = net.rng.below(3);
        let doc = docs[net.rng.below(docs.len())];
        if refusals && net.rng.below(4) == 0 {
            net.edit(i, doc, flag("invalid", true));
            for _ in 0..net.rng.below(10) {
                net.step();
            }
            net.edit(i, doc, flag("invalid", false));
        } else {
            let key = ["a", "b", "c"][net.rng.below(3)];
            net.edit(i, doc, put(key, round));
        }
        for _ in 0..net.rng.below(20) {
            net.step();
        }
        if net.rng.below(8) == 0 {
            net.disconnect(i);
            net.connect(i);
        }
    }
    net.deliver_all();
    for doc in &docs {
        let server_heads = net.server.docs[doc].get_heads();
        for i in 0..3 {
            let client_heads = net.client(i).docs[doc].get_heads();
            assert_eq!(client_heads, server_heads, "seed {seed}, client {i}");
        }
    }
}

#[test]
fn random_interleavings_converge() {
    for seed in 0..20 {
        random_edits_converge(100 + seed, false);
    }
}

/// Seed 348 livelocked before `ServerSession::doc_rolled_back` existed: a rollback for one device dropped
/// another device's queued change, which that device's sync state counted as sent.
#[test]
fn random_interleavings_with_refusals_converge() {
    for seed in (0..40).chain([348]) {
        random_edits_converge(seed, true);
    }
}

#[test]
fn a_lost_ack_is_answered_from_the_manifest() {
    let mut net = Network::new(7, 1);
    let [doc] = create_docs(&mut net, 0, 1)[..] else {
        unreachable!()
    };
    net.connect(0);
    net.deliver_all();
    net.disconnect(0);
    // The device crashed before persisting the Ack.
    net.client_mut(0).acked.clear();
    assert_eq!(net.client(0).manifest().len(), 1);

    net.log.clear();
    net.connect(0);
    net.deliver_all();
    let to_client: Vec<_> = net
        .log
        .iter()
        .filter(|(_, dir, _)| *dir == Direction::ToClient)
        .collect();
    assert_eq!(to_client[0].2.frame_type(), FrameType::Welcome);
    assert!(matches!(&to_client[1].2, Frame::Ack { doc: acked, .. } if *acked == doc));
    assert!(net.client(0).manifest().is_empty());
}

#[test]
fn purge_reaches_the_device() {
    let mut net = Network::new(8, 1);
    net.restrict_access();
    let [doc] = create_docs(&mut net, 0, 1)[..] else {
        unreachable!()
    };
    net.connect(0);
    net.deliver_all();
    net.grant(0, doc, None);
    net.deliver_all();
    assert!(has_effect(&net, 0, |e| *e
        == ClientEffect::Purge {
            doc,
            reason: PurgeReason::Unassigned
        }));
    assert!(!net.client(0).docs.contains_key(&doc));
}

#[test]
fn a_hostile_frame_closes_only_its_own_connection() {
    let mut net = Network::new(9, 2);
    net.connect(0);
    net.connect(1);
    net.deliver_all();
    net.inject(0, vec![1, 0x03, 0xff]);
    net.deliver_all();
    assert!(has_effect(&net, 0, |e| matches!(
        e,
        ClientEffect::ServerError {
            code: ErrorCode::Malformed,
            ..
        }
    )));

    let doc = net.rng.doc_id();
    net.edit(1, doc, put("still", 1));
    net.deliver_all();
    assert_eq!(int(&net.server.docs[&doc], "still"), Some(1));
}

mod session {
    //! The server session on its own, for the answers that need no documents.

    use automerge::sync::{State, SyncDoc};
    use automerge::transaction::Transactable;
    use sync_core::DocumentId;
    use sync_core::protocol::{
        Access, ErrorCode, Frame, Limits, RateLimit, Resolved, ServerEffect, ServerSession, encode,
    };

    fn session(rate: RateLimit) -> ServerSession {
        ServerSession::new("device-0".into(), Limits::default(), rate)
    }

    fn hello(device: &str) -> Vec<u8> {
        encode(&Frame::Hello {
            client: "test".into(),
            device: device.into(),
            cursor: None,
            manifest: vec![],
        })
    }

    fn error(effects: &[ServerEffect]) -> Option<(ErrorCode, &str)> {
        match effects {
            [
                ServerEffect::Send(Frame::Error { code, message }),
                ServerEffect::Close,
            ] => Some((*code, message)),
            _ => None,
        }
    }

    fn sync_frame() -> Vec<u8> {
        let mut doc = automerge::Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "k", 1).expect("put");
        tx.commit();
        let message = doc.generate_sync_message(&mut State::new()).expect("a message");
        encode(&Frame::Sync {
            doc: DocumentId::from_bytes([1; 16]),
            message: message.encode(),
        })
    }

    #[test]
    fn protocol_version_2_frames_get_a_protocol_version_error() {
        let mut bytes = hello("device-0");
        bytes[0] = 2;
        let effects = session(RateLimit::default()).handle_frame(&bytes, 0);
        assert_eq!(
            error(&effects),
            Some((
                ErrorCode::ProtocolVersion,
                "client speaks protocol 2, server speaks 1"
            ))
        );
    }

    #[test]
    fn exceeding_the_rate_limit_closes_with_rate_limited() {
        let rate = RateLimit {
            frames_per_second: 10,
            frame_burst: 5,
            ..RateLimit::default()
        };
        let mut server = session(rate);
        assert!(matches!(
            server.handle_frame(&hello("device-0"), 0)[..],
            [ServerEffect::ResolveHello { .. }]
        ));
        assert!(matches!(
            server.welcome(Resolved::default())[..],
            [
                ServerEffect::Send(Frame::Welcome { .. }),
                ServerEffect::Send(Frame::CaughtUp { .. })
            ]
        ));
        let sync = sync_frame();
        for now in 0..4 {
            assert!(matches!(
                server.handle_frame(&sync, now)[..],
                [ServerEffect::CheckAccess { .. }]
            ));
        }
        // The Hello and four Syncs spent the burst of five; at 10 frames per second one more is allowed
        // 100 ms later, and the next, a millisecond after that, is one too many.
        assert!(matches!(
            server.handle_frame(&sync, 100)[..],
            [ServerEffect::CheckAccess { .. }]
        ));
        let effects = server.handle_frame(&sync, 101);
        assert_eq!(
            error(&effects).map(|(code, _)| code),
            Some(ErrorCode::RateLimited)
        );
        assert!(server.is_closed());
        assert!(server.handle_frame(&sync, 10_000).is_empty());
    }

    #[test]
    fn a_new_document_uploaded_from_its_saved_bytes_is_taken_whole_and_answered_without_it() {
        use std::collections::BTreeMap;

        use automerge::{ActorId, Automerge};
        use sync_core::protocol::{ClientEffect, ClientSession, ManifestEntry};

        let doc_id = DocumentId::from_bytes([1; 16]);
        let mut phone = Automerge::new().with_actor(ActorId::from([9; 16].as_slice()));
        for value in ["opened", "visited"] {
            let mut tx = phone.transaction();
            tx.put(automerge::ROOT, "k", value).expect("put");
            tx.commit();
        }
        let heads = phone.get_heads();
        // The device lends no document at all.
        let mut lent: BTreeMap<DocumentId, Automerge> = BTreeMap::new();
        let mut client = ClientSession::new("test".into(), "device-0".into());
        let manifest = vec![ManifestEntry {
            doc: doc_id,
            heads: heads.clone(),
        }];
        client.start(None, manifest);
        client.never_acknowledged(doc_id);
        assert!(!client.may_upload_saved(&doc_id), "not before the Welcome");
        let welcome = encode(&Frame::Welcome {
            cursor: 1,
            changed: Vec::new(),
        });
        assert!(client.handle_frame(&welcome, &mut lent).is_empty());
        assert!(client.may_upload_saved(&doc_id));
        let upload = client.upload_saved(doc_id, heads.clone(), phone.save());
        let [ClientEffect::Send(frame @ Frame::Sync { .. })] = upload.as_slice() else {
            panic!("one Sync frame: {upload:?}")
        };
        assert!(!client.may_upload_saved(&doc_id), "uploaded once");

        let mut server = session(RateLimit::default());
        server.handle_frame(&hello("device-0"), 0);
        server.welcome(Resolved {
            missing: vec![doc_id],
            ..Resolved::default()
        });
        let effects = server.handle_frame(&encode(frame), 1);
        let [ServerEffect::ReceiveSync { message, .. }] = effects.as_slice() else {
            panic!("a creation: {effects:?}")
        };
        let mut stored = Automerge::new();
        let received = server
            .receive_sync(doc_id, &mut stored, message.clone())
            .expect("taken");
        assert_eq!(stored.get_heads(), heads);
        assert_eq!(
            received.new_changes.len(),
            2,
            "both changes, from the one document"
        );
        let answers = server.committed(doc_id, &stored, true);
        let frames: Vec<&Frame> = answers
            .iter()
            .filter_map(|effect| match effect {
                ServerEffect::Send(frame) => Some(frame),
                _ => None,
            })
            .collect();
        assert!(
            matches!(frames[..], [Frame::Ack { .. }]),
            "the Ack alone: automerge's answer would say no more: {answers:?}"
        );
        for frame in frames {
            let bytes = encode(frame);
            let effects = client.handle_frame(&bytes, &mut lent);
            assert!(
                effects
                    .iter()
                    .all(|effect| matches!(effect, ClientEffect::Acknowledged { .. })),
                "nothing to send or persist: {effects:?}"
            );
        }
        assert!(lent.is_empty(), "no document was needed");
        assert_eq!(client.acked_heads(&doc_id), Some(heads.as_slice()));

        // What the server has later still reaches the device: a teammate's change goes out in the next message, which
        // the device takes with the document (it started from its store's copy).
        let mut teammate = stored.fork();
        let mut tx = teammate.transaction();
        tx.put(automerge::ROOT, "teammate", 1).expect("put");
        tx.commit();
        stored.merge(&mut teammate).expect("merges");
        assert!(matches!(
            server.changed_elsewhere(doc_id)[..],
            [ServerEffect::Offer { .. }]
        ));
        let pushed = server.offer(doc_id, &stored);
        let [ServerEffect::Send(push @ Frame::Sync { message, .. })] = pushed.as_slice() else {
            panic!("one push: {pushed:?}")
        };
        assert!(
            client.needs_document(&doc_id, message),
            "the answer to the upload is over"
        );
        let mut phone_copy = BTreeMap::from([(doc_id, phone.fork())]);
        let mut to_server = client.handle_frame(&encode(push), &mut phone_copy);
        // The two sides talk until automerge has nothing more to say.
        for _ in 0..4 {
            let mut to_client = Vec::new();
            for effect in std::mem::take(&mut to_server) {
                if let ClientEffect::Send(frame) = effect {
                    for server_effect in server.handle_frame(&encode(&frame), 2) {
                        match server_effect {
                            ServerEffect::ReceiveSync { message, .. } => {
                                server.receive_sync(doc_id, &mut stored, message).expect("taken");
                                to_client.extend(server.reply(doc_id, &stored));
                            }
                            other => to_client.push(other),
                        }
                    }
                }
            }
            for effect in to_client {
                if let ServerEffect::Send(frame) = effect {
                    to_server.extend(client.handle_frame(&encode(&frame), &mut phone_copy));
                }
            }
        }
        assert_eq!(
            phone_copy[&doc_id].get_heads(),
            stored.get_heads(),
            "the device has the teammate's change"
        );

        // An answer that brings the server's own changes needs the document.
        let mut server_side = stored.fork();
        let mut tx = server_side.transaction();
        tx.put(automerge::ROOT, "server", 1).expect("put");
        tx.commit();
        let mut client = ClientSession::new("test".into(), "device-0".into());
        client.start(Some(1), Vec::new());
        client.handle_frame(&welcome, &mut lent);
        client.never_acknowledged(doc_id);
        client.upload_saved(doc_id, heads, phone.save());
        let mut state = State::new();
        let answer = server_side.generate_sync_message(&mut state).expect("a message");
        assert!(client.needs_document(&doc_id, &answer.encode()));

        // A document the server acknowledged (with the Welcome, as for a manifest document it holds) is not
        // uploaded whole any more.
        let mut client = ClientSession::new("test".into(), "device-0".into());
        client.start(Some(1), Vec::new());
        client.never_acknowledged(doc_id);
        client.handle_frame(&welcome, &mut lent);
        let ack = encode(&Frame::Ack {
            doc: doc_id,
            heads: stored.get_heads(),
        });
        client.handle_frame(&ack, &mut lent);
        assert!(!client.may_upload_saved(&doc_id));
    }

    #[test]
    fn a_document_the_hello_found_missing_is_taken_as_a_creation_without_asking_the_store() {
        let mut server = session(RateLimit::default());
        server.handle_frame(&hello("device-0"), 0);
        server.welcome(Resolved {
            missing: vec![DocumentId::from_bytes([1; 16])],
            ..Resolved::default()
        });
        assert!(matches!(
            server.handle_frame(&sync_frame(), 1)[..],
            [ServerEffect::ReceiveSync {
                access: Access::Missing,
                ..
            }]
        ));
        // Without the Hello's word the store is asked, as for an id of a case the device may not see.
        let mut server = session(RateLimit::default());
        server.handle_frame(&hello("device-0"), 0);
        server.welcome(Resolved::default());
        assert!(matches!(
            server.handle_frame(&sync_frame(), 1)[..],
            [ServerEffect::CheckAccess { .. }]
        ));
    }

    #[test]
    fn a_hello_for_another_device_is_unauthorized() {
        let effects = session(RateLimit::default()).handle_frame(&hello("device-9"), 0);
        assert_eq!(
            error(&effects).map(|(code, _)| code),
            Some(ErrorCode::Unauthorized)
        );
    }

    #[test]
    fn sync_before_hello_and_server_frames_from_the_client_are_unexpected() {
        let effects = session(RateLimit::default()).handle_frame(&sync_frame(), 0);
        assert_eq!(
            error(&effects).map(|(code, _)| code),
            Some(ErrorCode::UnexpectedFrame)
        );
        let ack = encode(&Frame::Ack {
            doc: DocumentId::from_bytes([1; 16]),
            heads: vec![],
        });
        let mut server = session(RateLimit::default());
        server.handle_frame(&hello("device-0"), 0);
        server.welcome(Resolved::default());
        let effects = server.handle_frame(&ack, 1);
        assert_eq!(
            error(&effects).map(|(code, _)| code),
            Some(ErrorCode::UnexpectedFrame)
        );
    }

    #[test]
    fn oversize_frames_get_frame_too_large() {
        let limits = Limits {
            max_frame_bytes: 64,
            ..Limits::default()
        };
        let mut server = ServerSession::new("device-0".into(), limits, RateLimit::default());
        let effects = server.handle_frame(&sync_frame(), 0);
        assert_eq!(
            error(&effects).map(|(code, _)| code),
            Some(ErrorCode::FrameTooLarge)
        );
    }

    #[test]
    fn a_hostile_bloom_filter_is_malformed_not_a_crash() {
        let mut server = session(RateLimit::default());
        server.handle_frame(&hello("device-0"), 0);
        server.welcome(Resolved::default());
        // Sync message v1: no heads, no need, one have (no last_sync, a bloom of one entry with zero bits
        // per entry, so no bits at all: automerge would divide by zero answering it), no changes.
        let message = vec![0x42, 0, 0, 1, 0, 3, 1, 0, 7, 0];
        let frame = encode(&Frame::Sync {
            doc: DocumentId::from_bytes([1; 16]),
            message,
        });
        let effects = server.handle_frame(&frame, 1);
        assert_eq!(error(&effects).map(|(code, _)| code), Some(ErrorCode::Malformed));
    }
}

/// The server purges a document live only when it holds every change the device named for it (issue 11: no
/// device is told to delete what the server lacks).
#[test]
fn the_server_knows_whether_it_holds_everything_a_device_named() {
    use automerge::sync::{ChunkList, Message, MessageVersion};
    use sync_core::protocol::{Frame, Limits, RateLimit, Resolved, ServerSession, encode};

    let doc_id = DocumentId::from_bytes([9; 16]);
    let mut server = Automerge::new().with_actor(automerge::ActorId::from([1; 16].as_slice()));
    let mut tx = server.transaction();
    put("a", 1)(&mut tx);
    tx.commit();
    let mut session = ServerSession::new("d".into(), Limits::default(), RateLimit::default());
    let hello = Frame::Hello {
        client: "test".into(),
        device: "d".into(),
        cursor: None,
        manifest: vec![],
    };
    session.handle_frame(&encode(&hello), 0);
    session.welcome(Resolved::default());
    assert!(
        !session.holds_all_of_peer(doc_id, &server),
        "not synced on this connection yet"
    );

    let naming = |heads| Message {
        heads,
        need: vec![],
        have: vec![],
        changes: ChunkList::from(Vec::<Vec<u8>>::new()),
        flags: None,
        version: MessageVersion::V1,
    };
    let mut client = server
        .fork()
        .with_actor(automerge::ActorId::from([2; 16].as_slice()));
    session
        .receive_sync(doc_id, &mut server, naming(client.get_heads()))
        .expect("applies");
    assert!(session.holds_all_of_peer(doc_id, &server));

    let mut tx = client.transaction();
    put("b", 2)(&mut tx);
    tx.commit();
    session
        .receive_sync(doc_id, &mut server, naming(client.get_heads()))
        .expect("applies");
    assert!(
        !session.holds_all_of_peer(doc_id, &server),
        "the device holds a change the server lacks"
    );
}
