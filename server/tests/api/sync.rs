//! The sync endpoint over a real WebSocket: durable acknowledgement, reconnects that cost what changed, refusal
//! without blocking other documents, tenant isolation, live updates (across two server processes on PostgreSQL)
//! and protocol errors.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc};
use server::ids::TenantId;
use server::state::AppState;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen, NewContact, read_valid_case};
use sync_core::protocol::{ClientEffect, ErrorCode, Frame, PROTOCOL_VERSION, RefusalReason};
use uuid::Uuid;

use crate::helpers::{Backend, Served, TestApp, audit_rows};
use tests::device::{Device, open_socket};

both_backends!(
    a_new_case_is_acknowledged_only_once_committed_and_projected,
    reconnect_syncs_only_changed_documents,
    a_case_of_another_tenant_looks_exactly_like_a_missing_one,
    a_case_of_another_team_is_answered_like_a_fresh_id_until_a_valid_upload,
    an_invalid_change_is_quarantined_and_other_documents_carry_on,
    live_changes_reach_a_connected_teammate,
    a_connection_without_a_valid_token_is_refused,
    the_sync_url_must_name_the_tokens_municipality,
    a_client_speaking_another_protocol_version_gets_a_clear_error,
    an_oversized_frame_gets_a_clear_error_before_the_close,
    documents_leave_memory_when_idle,
    documents_leave_memory_with_their_last_watcher,
    a_document_dropped_while_a_notice_catches_it_up_leaves_after,
    a_new_install_gets_its_caseload_as_stored_without_the_server_loading_a_case,
    a_busy_minute_holds_no_more_documents_than_configured,
    a_grant_above_the_limit_waits_for_a_leads_approval,
    an_unassigned_case_is_purged_only_after_the_devices_last_changes_arrive,
    a_lead_takes_a_case_away_and_gives_it_back_live,
    a_case_given_to_a_worker_of_another_team_reaches_them_live,
    an_own_upload_taken_away_and_given_back_comes_back_at_the_next_reconnect,
    two_teammates_editing_the_same_cases_in_opposite_order_both_get_every_ack,
    a_case_uploaded_on_two_connections_at_once_is_acknowledged_on_both,
);

const NOW: i64 = 1_764_000_000_000;

/// The id of the demo municipality the tests' devices log in to.
async fn demo_tenant_id(state: &AppState) -> TenantId {
    crate::helpers::tenant_id(&state.store, "hoeje-taastrup").await
}

/// A new case in hoeje-taastrup's `team` with one contact, under a fresh id.
pub(crate) fn new_case(team: &str, n: u128) -> (DocumentId, Automerge) {
    new_case_in("hoeje-taastrup", team, n)
}

fn new_case_in(tenant: &str, team: &str, n: u128) -> (DocumentId, Automerge) {
    let citizen = Citizen {
        display_name: format!("Synthetic {n}"),
        reference: format!("test-{n}"),
        birth_year: Some(1985),
    };
    let mut doc =
        CaseDocument::create(ActorId::random(), &Case::new(tenant, team, citizen), NOW).expect("valid case");
    doc.add_contact(Uuid::from_u128(n), contact(), NOW)
        .expect("valid contact");
    (DocumentId::from_uuid(Uuid::new_v4()), doc.into_automerge())
}

fn contact() -> NewContact {
    NewContact {
        kind: "home_visit".into(),
        start_ms: NOW,
        duration_minutes: 60,
        course: None,
        workers: vec![],
        notes: "Synthetic note".into(),
        goals: vec![],
        ors: None,
        srs: None,
        recorded_by: "tester".into(),
    }
}

pub(crate) fn add_contact(doc: &mut Automerge, n: u128) {
    let mut case = CaseDocument::from_automerge(std::mem::take(doc), NOW).expect("a case");
    case.add_contact(Uuid::from_u128(n), contact(), NOW)
        .expect("valid contact");
    *doc = case.into_automerge();
}

async fn a_new_case_is_acknowledged_only_once_committed_and_projected(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let (id, doc) = new_case(&team, 1);
    anna.docs.insert(id, doc);
    anna.sync(server.port).await;

    let heads = anna.docs[&id].get_heads();
    assert!(
        anna.is_acked(&id, &anna.docs[&id]),
        "the upload is acknowledged: {:?}",
        anna.effects
    );
    // Acknowledged means committed: a fresh read of the store has the document at the acknowledged heads.
    let stored = server
        .state
        .store
        .load_document(&id)
        .await
        .expect("store")
        .expect("stored");
    let stored_doc = Automerge::load(&stored.bytes).expect("loads");
    assert_eq!(stored_doc.get_heads(), heads);
    read_valid_case(&stored_doc).expect("a valid case");
    let projection = server.state.store.projection_rows(&id).await.expect("projection");
    assert_eq!(projection.contacts.len(), 1);
    server.stop().await;
}

async fn reconnect_syncs_only_changed_documents(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..20)
        .map(|n| {
            let (id, doc) = new_case(&team, 100 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    anna.sync(server.port).await;
    // The first reconnect after anna's own uploads lists none of them: the commits recorded that her phone holds
    // each exactly as committed, though her cursor (from before the uploads) is older than their commits.
    anna.received.clear();
    anna.sync(server.port).await;
    let welcome = anna.received.iter().find_map(|f| match f {
        Frame::Welcome { changed, .. } => Some(changed.clone()),
        _ => None,
    });
    assert_eq!(
        welcome.expect("a welcome"),
        [],
        "her own uploads are not listed back"
    );

    // Bo (same team, sharing cases) changes 3 of them.
    let mut bo = server.device("hoeje-taastrup", "bo").await;
    bo.sync(server.port).await;
    for (n, id) in ids.iter().take(3).enumerate() {
        let doc = bo.docs.get_mut(id).expect("bo sees the team's cases");
        add_contact(doc, 500 + n as u128);
    }
    bo.sync(server.port).await;

    anna.received.clear();
    anna.effects.clear();
    anna.sync(server.port).await;
    let welcome = anna.received.iter().find_map(|f| match f {
        Frame::Welcome { changed, .. } => Some(changed.clone()),
        _ => None,
    });
    let changed: Vec<DocumentId> = welcome.expect("a welcome").iter().map(|e| e.doc).collect();
    for id in ids.iter().take(3) {
        assert!(changed.contains(id), "a changed document is listed");
    }
    for id in ids.iter().skip(3) {
        assert!(
            !changed.contains(id),
            "an unchanged document is not listed: {} listed",
            changed.len()
        );
    }
    let synced: std::collections::BTreeSet<DocumentId> = anna
        .received
        .iter()
        .filter_map(|f| match f {
            Frame::Sync { doc, .. } => Some(*doc),
            _ => None,
        })
        .collect();
    assert!(
        synced.iter().all(|d| ids[..3].contains(d)),
        "only changed documents sync: {synced:?}"
    );
    for id in &ids[..3] {
        assert_eq!(anna.docs[id].get_heads(), bo.docs[id].get_heads());
    }
    server.stop().await;
}

async fn a_case_of_another_tenant_looks_exactly_like_a_missing_one(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let (id, doc) = new_case(&team, 2);
    anna.docs.insert(id, doc.clone());
    anna.sync(server.port).await;

    // Mads of another municipality asks for the id (guessed or leaked) and for an id nobody uses.
    let mut mads = server.device("holstebro", "mads").await;
    let missing = DocumentId::from_uuid(Uuid::new_v4());
    mads.docs.insert(id, Automerge::new());
    mads.docs.insert(missing, Automerge::new());
    let mut connection = mads.connect(server.port).await;
    mads.run_until(&mut connection, Duration::from_secs(20), |d| {
        d.refused(&id) && d.refused(&missing)
    })
    .await;
    let answers: Vec<(RefusalReason, String)> = mads
        .effects
        .iter()
        .filter_map(|e| match e {
            ClientEffect::Refused { reason, message, .. } => Some((*reason, message.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0], answers[1], "the two answers are identical");
    assert_eq!(answers[0].0, RefusalReason::NotFound);
    assert!(
        mads.docs[&id].get_heads().is_empty(),
        "nothing of the case reached mads"
    );

    // With a copy of his own to push, every frame he gets for the case is the frame he gets for the same copy
    // under an id nobody uses, whether his phone asks first (an invitation to upload, then the refusal a new case
    // of another municipality gets) or sends the copy whole at once (that refusal).
    let mut fork = doc.fork();
    fork.set_actor(ActorId::random());
    add_contact(&mut fork, 77);
    for asks_first in [true, false] {
        let fresh = DocumentId::from_uuid(Uuid::new_v4());
        let mut mads = server.device("holstebro", "mads").await;
        mads.asks_first = asks_first;
        mads.docs.insert(id, fork.clone());
        mads.docs.insert(fresh, fork.clone());
        let mut connection = mads.connect(server.port).await;
        mads.run_until(&mut connection, Duration::from_secs(20), |d| {
            d.refused(&id) && d.refused(&fresh)
        })
        .await;
        let seen_for_case = frames_for(&mads.received, id);
        assert_eq!(seen_for_case, frames_for(&mads.received, fresh));
        assert_invited_then_refused(&seen_for_case, asks_first, RefusalReason::WriteForbidden);
    }
    // Nothing of the foreign copy reached the case.
    assert_eq!(server.stored(id).await.get_heads(), doc.get_heads());
    server.stop().await;
}

/// In one tenant an id can collide with a case the device may not see: the exchange goes as for a fresh id, and
/// only the upload of a valid new case, which a fresh id would take, is refused (`NotFound`), quarantined and kept
/// away from the case (docs/PROTOCOL.md §5.5).
async fn a_case_of_another_team_is_answered_like_a_fresh_id_until_a_valid_upload(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("holstebro", "mads").await;
    let mut mads = server.device("holstebro", "mads").await;
    let mut connection = mads.connect(server.port).await;
    mads.run_until(&mut connection, Duration::from_secs(20), |d| d.in_sync())
        .await;
    // A case of Mads's team that is not assigned to him (his lead's): his team does not share cases.
    let mut lene = server.device("holstebro", "lene").await;
    let (hidden, lenes) = new_case_in("holstebro", &team, 8);
    lene.docs.insert(hidden, lenes);
    lene.sync(server.port).await;
    assert!(!mads.docs.contains_key(&hidden));
    let before = server.stored(hidden).await.get_heads();

    // Asked first, the id gets an invitation to upload as a fresh one would; sent whole at once, the copy gets the
    // refusal at once. Either way the upload is refused.
    let (_, copy) = new_case_in("holstebro", &team, 9);
    for asks_first in [true, false] {
        let mut mads = server.device("holstebro", "mads").await;
        mads.asks_first = asks_first;
        mads.docs.insert(hidden, copy.clone());
        let mut connection = mads.connect(server.port).await;
        mads.run_until(&mut connection, Duration::from_secs(20), |d| d.refused(&hidden))
            .await;
        let seen = frames_for(&mads.received, hidden);
        assert_invited_then_refused(&seen, asks_first, RefusalReason::NotFound);
    }
    assert_eq!(
        server.stored(hidden).await.get_heads(),
        before,
        "the case is untouched"
    );
    server.stop().await;
}

/// The frames received for `doc`, with the id left out, to compare the answers for two ids.
/// A device that asked first (heads only) is met with an invitation to upload, a Sync, before the refusal; one that
/// sent the document whole gets the refusal straight away. Either way the exchange ends with `Refused` for `reason`.
fn assert_invited_then_refused(seen: &[Frame], asks_first: bool, reason: RefusalReason) {
    assert_eq!(
        matches!(seen.first(), Some(Frame::Sync { .. })),
        asks_first,
        "heads are met with an invitation: {seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(Frame::Refused { reason: r, .. }) if *r == reason),
        "refused with {reason:?}: {seen:?}"
    );
}

fn frames_for(received: &[Frame], doc: DocumentId) -> Vec<Frame> {
    let blank = DocumentId::from_uuid(Uuid::nil());
    received
        .iter()
        .filter_map(|frame| match frame.clone() {
            Frame::Sync { doc: d, message } if d == doc => Some(Frame::Sync { doc: blank, message }),
            Frame::Refused {
                doc: d,
                reason,
                message,
            } if d == doc => Some(Frame::Refused {
                doc: blank,
                reason,
                message,
            }),
            Frame::Ack { doc: d, heads } if d == doc => Some(Frame::Ack { doc: blank, heads }),
            _ => None,
        })
        .collect()
}

async fn an_invalid_change_is_quarantined_and_other_documents_carry_on(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let (good, good_doc) = new_case(&team, 3);
    let (bad, mut bad_doc) = new_case(&team, 4);
    // A broken client writes a score of 150 mm straight into the document.
    bad_doc
        .transact(|tx| {
            let contacts = tx.get(ROOT, "contacts")?.expect("contacts").1;
            let contact = tx
                .get(&contacts, Uuid::from_u128(4).to_string())?
                .expect("contact")
                .1;
            let ors = tx.put_object(&contact, "ors", automerge::ObjType::Map)?;
            tx.put(&ors, "instrument", "ors")?;
            tx.put(&ors, "rater", "citizen")?;
            let entry = tx.put_object(&ors, "entry", automerge::ObjType::Map)?;
            let items_variant = tx.put_object(&entry, "items", automerge::ObjType::Map)?;
            let items = tx.put_object(&items_variant, "items", automerge::ObjType::List)?;
            for (i, value) in [50_i64, 150, 50, 50].into_iter().enumerate() {
                tx.insert(&items, i, value)?;
            }
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("raw edit");
    anna.docs.insert(good, good_doc);
    anna.docs.insert(bad, bad_doc);
    anna.sync(server.port).await;

    assert!(
        anna.is_acked(&good, &anna.docs[&good]),
        "the valid document is committed"
    );
    let refusal = anna.effects.iter().find_map(|e| match e {
        ClientEffect::Refused { doc, reason, message } if *doc == bad => Some((*reason, message.clone())),
        _ => None,
    });
    let (reason, message) = refusal.expect("the invalid document is refused");
    assert_eq!(reason, RefusalReason::Invalid);
    assert!(
        message.contains("ors.items[1]"),
        "the message names the field: {message}"
    );
    let quarantined = server
        .state
        .store
        .quarantined_for_case(&demo_tenant_id(&server.state).await, &bad)
        .await
        .expect("store");
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].reason, "invalid");
    assert!(
        server
            .state
            .store
            .load_document(&bad)
            .await
            .expect("store")
            .is_none()
    );
    server.stop().await;
}

async fn live_changes_reach_a_connected_teammate(backend: Backend) {
    let first = Served::start(backend).await;
    // On PostgreSQL the teammate is connected to a second server process sharing the database.
    let second = first.second_process().await;
    let other = second.as_ref().unwrap_or(&first);
    let team = first.team_of("hoeje-taastrup", "anna").await;
    let mut anna = first.device("hoeje-taastrup", "anna").await;
    let (id, doc) = new_case(&team, 5);
    anna.docs.insert(id, doc);
    anna.sync(first.port).await;

    let mut bo = other.device("hoeje-taastrup", "bo").await;
    let mut bo_connection = bo.connect(other.port).await;
    bo.run_until(&mut bo_connection, Duration::from_secs(20), |d| d.in_sync())
        .await;
    assert!(bo.docs.contains_key(&id), "bo got the team's case on connecting");

    let mut anna_connection = anna.connect(first.port).await;
    anna.run_until(&mut anna_connection, Duration::from_secs(20), |d| d.in_sync())
        .await;
    add_contact(anna.docs.get_mut(&id).expect("doc"), 600);
    let expected = anna.docs[&id].get_heads();
    let started = tokio::time::Instant::now();
    anna.edited(&mut anna_connection, id).await;
    // Both phones keep reading their sockets, as connected apps do.
    let anna_done = anna.run_until(&mut anna_connection, Duration::from_secs(5), |d| {
        d.is_acked(&id, &d.docs[&id])
    });
    let bo_done = bo.run_until(&mut bo_connection, Duration::from_secs(5), |d| {
        d.docs[&id].get_heads() == expected
    });
    tokio::join!(anna_done, bo_done);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "live update took {took:?}");
    if let Some(second) = second {
        second.stop().await;
    }
    first.stop().await;
}

/// One phone's new cases uploaded on two connections at once (it reconnected through another server process while
/// the first connection still committed; on SQLite both are one process): both connections find the ids unused and
/// upload, and the two uploads of a case race to commit it. The one that loses is a change to the case the other
/// created: acknowledged at once when it brings nothing new, checked and committed when it does (the twin's copies
/// have one contact more), never a connection ended with an internal error.
async fn a_case_uploaded_on_two_connections_at_once_is_acknowledged_on_both(backend: Backend) {
    const CASES: u128 = 24;
    let first = Served::start(backend).await;
    let second = first.second_process().await;
    let other = second.as_ref().unwrap_or(&first);
    let team = first.team_of("hoeje-taastrup", "anna").await;
    let mut phone = first.device("hoeje-taastrup", "anna").await;
    let mut twin = phone.twin();
    for n in 0..CASES {
        let (id, doc) = new_case(&team, 100 + n);
        let mut on_twin = doc.clone();
        if n % 2 == 1 {
            add_contact(&mut on_twin, 200 + n);
        }
        phone.docs.insert(id, doc);
        twin.docs.insert(id, on_twin);
    }
    let ids: Vec<DocumentId> = phone.docs.keys().copied().collect();

    // Both connections get as far as the upload of every case, which they hold back; then both go at once.
    let mut on_first = phone.connect(first.port).await;
    on_first.hold_uploads = true;
    let mut on_other = twin.connect(other.port).await;
    on_other.hold_uploads = true;
    phone.run_until_held(&mut on_first, ids.len()).await;
    twin.run_until_held(&mut on_other, ids.len()).await;
    let all_acked = |d: &Device| ids.iter().all(|id| d.is_acked(id, &d.docs[id]));
    tokio::join!(
        async {
            phone.release(&mut on_first).await;
            phone
                .run_until(&mut on_first, Duration::from_secs(30), all_acked)
                .await;
        },
        async {
            twin.release(&mut on_other).await;
            twin.run_until(&mut on_other, Duration::from_secs(30), all_acked)
                .await;
        },
    );
    assert_eq!(phone.error_on_this_connection(), None);
    assert_eq!(twin.error_on_this_connection(), None);

    // The store holds each case once, with everything both connections brought.
    for id in &ids {
        let stored = first
            .state
            .store
            .load_document(id)
            .await
            .expect("store")
            .expect("stored");
        let mut expected = phone.docs[id].clone();
        expected.merge(&mut twin.docs[id].clone()).expect("merges");
        let loaded = Automerge::load(&stored.bytes).expect("loads");
        assert_eq!(loaded.get_heads(), expected.get_heads());
    }
    if let Some(second) = second {
        second.stop().await;
    }
    first.stop().await;
}

async fn a_connection_without_a_valid_token_is_refused(backend: Backend) {
    let server = Served::start(backend).await;
    let refused = open_socket(server.port, None, "not-a-token", "tovholder.v1").await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    server.stop().await;
}

/// The municipality hint a load balancer routes on (`?tenant=`) must be the token's; without a token it is not
/// even looked at.
async fn the_sync_url_must_name_the_tokens_municipality(backend: Backend) {
    let server = Served::start(backend).await;
    let anna = server.device("hoeje-taastrup", "anna").await;
    let status = |refused: Result<tests::device::Socket, tokio_tungstenite::tungstenite::Error>| match refused
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other:?}"),
        Ok(_) => 101,
    };
    let own = open_socket(server.port, Some("hoeje-taastrup"), &anna.token, "tovholder.v1").await;
    assert_eq!(status(own), 101);
    let other = open_socket(server.port, Some("holstebro"), &anna.token, "tovholder.v1").await;
    assert_eq!(status(other), 400);
    let unknown = open_socket(server.port, Some("no-such-place"), &anna.token, "tovholder.v1").await;
    assert_eq!(status(unknown), 400);
    let anonymous = open_socket(server.port, Some("holstebro"), "not-a-token", "tovholder.v1").await;
    assert_eq!(status(anonymous), 401);
    server.stop().await;
}

async fn a_client_speaking_another_protocol_version_gets_a_clear_error(backend: Backend) {
    let server = Served::start(backend).await;
    let anna = server.device("hoeje-taastrup", "anna").await;
    let mut socket = open_socket(server.port, None, &anna.token, "tovholder.v2")
        .await
        .expect("connects");
    let mut frame = sync_core::protocol::encode(&Frame::Hello {
        client: "old".into(),
        device: anna.device_id.clone(),
        cursor: None,
        manifest: vec![],
    });
    frame[0] = PROTOCOL_VERSION + 1;
    let (code, message) = send_and_read_error(&mut socket, frame).await;
    assert_eq!(code, ErrorCode::ProtocolVersion);
    assert!(message.contains("protocol 2"), "{message}");
    server.stop().await;
}

async fn an_oversized_frame_gets_a_clear_error_before_the_close(backend: Backend) {
    let server = Served::start(backend).await;
    let anna = server.device("hoeje-taastrup", "anna").await;
    let mut socket = open_socket(server.port, None, &anna.token, "tovholder.v1")
        .await
        .expect("connects");
    let too_big = vec![1_u8; server.state.sync.limits.max_frame_bytes + 1];
    let (code, _) = send_and_read_error(&mut socket, too_big).await;
    assert_eq!(code, ErrorCode::FrameTooLarge);
    server.stop().await;
}

/// Sends raw bytes as one frame and returns the Error frame the server answers with.
async fn send_and_read_error(socket: &mut tests::device::Socket, bytes: Vec<u8>) -> (ErrorCode, String) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    socket.send(Message::Binary(bytes.into())).await.expect("send");
    let reply = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer");
    let Some(Ok(Message::Binary(bytes))) = reply else {
        panic!("expected an error frame, got {reply:?}");
    };
    match sync_core::protocol::decode(&bytes, &Default::default()).expect("decodes") {
        Frame::Error { code, message } => (code, message),
        other => panic!("expected an error frame, got {other:?}"),
    }
}

async fn documents_leave_memory_when_idle(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..30)
        .map(|n| {
            let (id, doc) = new_case(&team, 900 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    // Connected throughout: its last watcher closing would drop the cases at once.
    let mut live = anna.connect(server.port).await;
    anna.run_until(&mut live, Duration::from_secs(20), Device::settled)
        .await;
    let documents = &server.state.sync.documents;
    // No other connection was told of her new cases: they left memory as they were committed. (On PostgreSQL a
    // commit's own notice may come back while the connection still holds the case: it leaves as the notice lets go,
    // see `a_document_dropped_while_a_notice_catches_it_up_leaves_after`.)
    assert_eq!(documents.held_count(), 0, "a device's own new cases are not kept");
    // Changed again, they are loaded and kept while in use.
    for (n, id) in ids.iter().enumerate() {
        add_contact(anna.docs.get_mut(id).expect("doc"), 930 + n as u128);
        anna.edited(&mut live, *id).await;
    }
    anna.run_until(&mut live, Duration::from_secs(20), Device::settled)
        .await;
    assert!(documents.held_count() >= 30, "the documents in use are in memory");
    // Nothing is in use any more: everything held goes, however many documents were ever touched.
    assert_eq!(documents.evict_idle(0), 0);
    assert_eq!(documents.held_count(), 0);
    drop(live);
    // And comes back from the store when needed.
    anna.docs.clear();
    anna.cursor = None;
    anna.sync(server.port).await;
    assert!(anna.docs.len() >= 30);
    server.stop().await;
}

/// On PostgreSQL a commit's own notice can come back while the committing connection still holds the case; catching
/// it up then waits for the case's lock, and holds the case when the connection drops it as unused (a case it just
/// created). The case leaves as the catching up lets go, not with the idle eviction a minute later.
async fn a_document_dropped_while_a_notice_catches_it_up_leaves_after(backend: Backend) {
    let server = Served::start(backend).await;
    let documents = &server.state.sync.documents;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    // The committing connection holds the case (a new one: nothing loaded, so nothing to catch up from the store).
    let committing = documents.open_unloaded(id).await;
    let notice = documents.refresh(id, 1);
    let done = async {
        // The notice waits for the lock first (`join!` polls it first), then the connection lets go and drops it.
        tokio::task::yield_now().await;
        drop(committing);
        documents.drop_unused([id]);
        documents.held_count()
    };
    let (caught_up, held_at_drop) = tokio::join!(notice, done);
    assert!(!caught_up.expect("refreshes"), "nothing to catch up");
    assert_eq!(held_at_drop, 1, "held by the notice while the connection let go");
    assert_eq!(documents.held_count(), 0, "gone once the notice let go");
    // A case dropped while a connection used it, and opened again since, is wanted: a notice leaves it held.
    let using = documents.open_unloaded(id).await;
    documents.drop_unused([id]);
    drop(using);
    drop(documents.open_unloaded(id).await);
    documents.refresh(id, 2).await.expect("refreshes");
    assert_eq!(documents.held_count(), 1, "kept for whoever opened it");
    server.stop().await;
}

/// Waits until the server holds no document in memory, at most `wait`; fails with `why` if it still does.
async fn until_none_held(documents: &server::sync::Documents, wait: Duration, why: &str) {
    let emptied = async {
        while documents.held_count() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(wait, emptied).await.is_err() {
        panic!("{why}: {} documents held", documents.held_count());
    }
}

/// A case stays in memory while a connection watches it, and leaves when the last one closes, without waiting
/// for the idle eviction.
async fn documents_leave_memory_with_their_last_watcher(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let documents = &server.state.sync.documents;
    let wait = Duration::from_secs(20);
    let mut bo = server.device("hoeje-taastrup", "bo").await;
    bo.sync(server.port).await;
    let mut bo_live = bo.connect(server.port).await;
    bo.run_until(&mut bo_live, wait, Device::in_sync).await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..5)
        .map(|n| {
            let (id, doc) = new_case(&team, 700 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    anna.sync(server.port).await;
    bo.run_until(&mut bo_live, wait, |d| {
        ids.iter().all(|id| d.docs.contains_key(id))
    })
    .await;
    // anna is gone; bo, her teammate, still watches her new cases.
    assert!(
        documents.held_count() >= ids.len(),
        "watched cases stay in memory"
    );
    drop(bo_live);
    until_none_held(
        documents,
        wait,
        "nobody watches a case any more: none stays in memory",
    )
    .await;
    server.stop().await;
}

async fn a_new_install_gets_its_caseload_as_stored_without_the_server_loading_a_case(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let documents = &server.state.sync.documents;
    let wait = Duration::from_secs(20);
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..3)
        .map(|n| {
            let (id, doc) = new_case(&team, 800 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    anna.sync(server.port).await;
    // A new case that came as one whole document is stored as the device sent it (deflated as automerge saves).
    let stored = server
        .state
        .store
        .load_document(&ids[1])
        .await
        .expect("reads")
        .expect("stored");
    assert_eq!(stored.bytes, anna.docs[&ids[1]].save());
    // One case also has a change stored after its snapshot: it goes out as the two, which automerge loads as one.
    add_contact(anna.docs.get_mut(&ids[0]).expect("doc"), 810);
    anna.sync(server.port).await;
    until_none_held(documents, wait, "anna's cases leave memory once she disconnects").await;

    // Her new phone holds nothing: it gets every case it may see (the demo's too), acknowledged at its heads.
    let mut phone = server.device("hoeje-taastrup", "anna").await;
    let mut connection = phone.connect(server.port).await;
    phone
        .run_until(&mut connection, wait, |device| device.settled())
        .await;
    assert_eq!(documents.held_count(), 0, "no case was loaded to send it");
    drop(connection);
    for id in &ids {
        let heads = anna.docs[id].get_heads();
        assert_eq!(phone.docs[id].get_heads(), heads);
        assert_eq!(phone.acked.get(id), Some(&heads));
    }
    assert!(phone.docs.len() > ids.len(), "the demo's cases came too");
    // Each went out as stored, with its heads and without a bloom filter of its changes.
    for frame in &phone.received {
        if let Frame::Sync { message, .. } = frame {
            let message = automerge::sync::Message::decode(message).expect("a sync message");
            assert!(message.have.is_empty() && !message.changes.is_empty());
        }
    }
    server.stop().await;
}

async fn a_busy_minute_holds_no_more_documents_than_configured(backend: Backend) {
    let server = TestApp::builder(backend).documents_held(20).build().await.serve();
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..50)
        .map(|n| {
            let (id, doc) = new_case(&team, 950 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    anna.sync(server.port).await;
    // Changes to the cases she created load them again (her new cases left memory as they were committed).
    for (n, id) in ids.iter().enumerate() {
        add_contact(anna.docs.get_mut(id).expect("doc"), 1_000 + n as u128);
    }
    anna.sync(server.port).await;
    // Every upload was committed, and the least recently used came back from the store when asked for. (Right
    // after the upload more may be held: documents with commits in flight are never dropped. The download opens
    // one at a time.)
    let mut fresh = server.device("hoeje-taastrup", "anna").await;
    fresh.sync(server.port).await;
    for id in &ids {
        assert_eq!(
            fresh.docs.get(id).map(Automerge::get_heads),
            Some(anna.docs[id].get_heads()),
            "a case left memory and came back whole"
        );
    }
    let held = server.state.sync.documents.held_count();
    assert!(held <= 20, "at most 20 documents in memory, not {held}");
    server.stop().await;
}

fn course(minutes: i64, state: &str) -> sync_core::case::Course {
    sync_core::case::Course {
        service: sync_core::case::ffb::Ffb::get()
            .service_code("Socialpædagogisk støtte")
            .expect("code")
            .to_owned(),
        legal_basis: "s85".into(),
        start: "2026-09-01".into(),
        planned_end: Some("2026-12-01".into()),
        end: None,
        end_reason: None,
        granted_minutes_per_week: minutes,
        granted_sessions: None,
        approval: sync_core::case::Approval {
            state: state.into(),
            by: None,
            at_ms: None,
        },
        extensions: vec![],
        entered_in_error: None,
    }
}

fn edit_case(doc: &mut Automerge, edit: impl FnOnce(&mut CaseDocument)) {
    let mut case = CaseDocument::from_automerge(std::mem::take(doc), NOW).expect("a case");
    edit(&mut case);
    *doc = case.into_automerge();
}

fn refusal_of(device: &Device, id: &DocumentId) -> Option<RefusalReason> {
    device.effects.iter().rev().find_map(|e| match e {
        ClientEffect::Refused { doc, reason, .. } if doc == id => Some(*reason),
        _ => None,
    })
}

async fn a_grant_above_the_limit_waits_for_a_leads_approval(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let lea = server.user("hoeje-taastrup", "lea").await;

    // Six hours a week without approval is refused; corrected to "awaiting", the case is accepted.
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let (id, doc) = new_case(&team, 40);
    anna.docs.insert(id, doc);
    anna.sync(server.port).await;
    let course_id = Uuid::from_u128(41);
    let course_key = course_id.to_string();
    edit_case(anna.docs.get_mut(&id).expect("doc"), |c| {
        c.add_course(course_id, course(360, "not_required"), NOW)
            .expect("valid on the device");
    });
    anna.sync(server.port).await;
    assert_eq!(refusal_of(&anna, &id), Some(RefusalReason::Invalid));
    edit_case(anna.docs.get_mut(&id).expect("doc"), |c| {
        c.change(NOW, "await approval", |case| {
            case.courses.get_mut(&course_key).expect("course").approval.state = "awaiting".into();
            Ok(())
        })
        .expect("valid");
    });
    anna.sync(server.port).await;
    assert!(
        anna.is_acked(&id, &anna.docs[&id]),
        "awaiting approval is accepted"
    );

    // A worker may not approve.
    let heads_before = anna.docs[&id].get_heads();
    let anna_id = server.user("hoeje-taastrup", "anna").await.id;
    edit_case(anna.docs.get_mut(&id).expect("doc"), |c| {
        c.decide_approval(&course_key, true, anna_id.as_str(), NOW)
            .expect("valid");
    });
    anna.sync(server.port).await;
    assert_eq!(refusal_of(&anna, &id), Some(RefusalReason::WriteForbidden));
    assert_eq!(
        server
            .state
            .store
            .quarantined_for_case(&demo_tenant_id(&server.state).await, &id)
            .await
            .expect("store")
            .len(),
        2
    );

    // The lead approves under her own name.
    let mut lea_phone = server.device("hoeje-taastrup", "lea").await;
    lea_phone.sync(server.port).await;
    let lea_doc = lea_phone
        .docs
        .get_mut(&id)
        .expect("the lead sees her team's cases");
    assert_eq!(
        lea_doc.get_heads(),
        heads_before,
        "the worker's approval never reached the server"
    );
    edit_case(lea_doc, |c| {
        c.decide_approval(&course_key, true, lea.id.as_str(), NOW)
            .expect("valid");
    });
    lea_phone.sync(server.port).await;
    assert!(
        lea_phone.is_acked(&id, &lea_phone.docs[&id]),
        "the lead's approval is accepted"
    );
    let stored = server
        .state
        .store
        .load_document(&id)
        .await
        .expect("store")
        .expect("stored");
    let case = read_valid_case(&Automerge::load(&stored.bytes).expect("loads")).expect("valid");
    assert_eq!(case.courses[&course_key].approval.state, "approved");
    assert_eq!(
        case.courses[&course_key].approval.by.as_deref(),
        Some(lea.id.as_str())
    );
    server.stop().await;
}

async fn an_unassigned_case_is_purged_only_after_the_devices_last_changes_arrive(backend: Backend) {
    let server = Served::start(backend).await;
    let store = &server.state.store;
    let mads_id = server.user("holstebro", "mads").await.id;
    // Mads's team does not share cases: he sees exactly his assignments.
    let mut mads = server.device("holstebro", "mads").await;
    mads.sync(server.port).await;
    let mut held: Vec<DocumentId> = mads.docs.keys().copied().collect();
    assert!(held.len() >= 2, "the demo assigns mads cases");
    let (pending, quiet) = (held.remove(0), held.remove(0));

    // Offline, mads records a visit on one case; meanwhile both cases are taken from him.
    add_contact(mads.docs.get_mut(&pending).expect("doc"), 700);
    let his_heads = mads.docs[&pending].get_heads();
    for case in [pending, quiet] {
        assert!(store.unassign_case(&case, &mads_id, NOW).await.expect("store"));
    }
    mads.sync(server.port).await;
    // The purge of the pending case follows its Ack, possibly after mads's sync had already finished: it is
    // repeated at the start of his next connection.
    mads.sync(server.port).await;

    // His visit arrived first, then both copies were purged.
    let stored = store
        .load_document(&pending)
        .await
        .expect("store")
        .expect("stored");
    let stored = Automerge::load(&stored.bytes).expect("loads");
    assert!(
        his_heads.iter().all(|h| stored.get_change_by_hash(h).is_some()),
        "the pending visit was taken"
    );
    let position = |wanted: &dyn Fn(&ClientEffect) -> bool| mads.effects.iter().position(wanted);
    let acked = position(
        &|e| matches!(e, ClientEffect::Acknowledged { doc, heads } if *doc == pending && *heads == his_heads),
    );
    let purged = position(&|e| matches!(e, ClientEffect::Purge { doc, .. } if *doc == pending));
    assert!(
        acked.is_some() && purged.is_some() && acked < purged,
        "the purge follows the ack: {:?}",
        mads.effects
    );
    assert!(position(&|e| matches!(e, ClientEffect::Purge { doc, .. } if *doc == quiet)).is_some());
    assert!(!mads.docs.contains_key(&pending) && !mads.docs.contains_key(&quiet));

    // They do not come back, and the server stops repeating the purge: at most once more, when the connection that
    // sent the purge after the Ack recorded it (as one that need not have been read) only after the next Hello had
    // recorded its own; the later record wins, and a repeated purge deletes nothing.
    let mut repeats = 0;
    loop {
        let before = mads.effects.len();
        mads.sync(server.port).await;
        assert!(!mads.docs.contains_key(&pending) && !mads.docs.contains_key(&quiet));
        let purged_again = mads.effects[before..]
            .iter()
            .any(|e| matches!(e, ClientEffect::Purge { .. }));
        if !purged_again {
            break;
        }
        repeats += 1;
        assert!(
            repeats <= 1,
            "the purge is repeated again and again: {:?}",
            mads.effects
        );
    }
    server.stop().await;
}

async fn a_lead_takes_a_case_away_and_gives_it_back_live(backend: Backend) {
    use tests::http::request;
    let server = Served::start(backend).await;
    let mads_id = server.user("holstebro", "mads").await.id;
    let lene = server.device("holstebro", "lene").await;
    let lea = server.device("hoeje-taastrup", "lea").await;

    let mut mads = server.device("holstebro", "mads").await;
    let mut live = mads.connect(server.port).await;
    mads.run_until(&mut live, Duration::from_secs(20), |d| d.in_sync())
        .await;
    let case = *mads.docs.keys().next().expect("mads holds cases");
    let path = format!("/v1/cases/{case}/assignees/{mads_id}");

    // Neither a worker nor a lead of another municipality may touch it; they cannot tell it exists.
    for token in [&mads.token, &lea.token] {
        let (status, _) = request(server.port, "DELETE", &path, Some(token), None)
            .await
            .expect("answers");
        assert_eq!(status, 404);
    }

    let started = tokio::time::Instant::now();
    let (status, _) = request(server.port, "DELETE", &path, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    mads.run_until(&mut live, Duration::from_secs(5), |d| !d.docs.contains_key(&case))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "purged live in {:?}",
        started.elapsed()
    );

    let (status, _) = request(server.port, "PUT", &path, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    mads.run_until(&mut live, Duration::from_secs(5), |d| d.docs.contains_key(&case))
        .await;

    // Both assignment changes and the purge from mads's phone are in the access log (issue 11, point 9).
    let filter = server::store::AuditFilter {
        case_id: Some(case.to_string()),
        limit: 100,
        ..Default::default()
    };
    let rows = audit_rows(&server.state.store, "holstebro", filter).await;
    let logged = |purpose: &str| -> Vec<String> {
        rows.iter()
            .filter(|row| row.purpose.as_deref() == Some(purpose))
            .map(|row| format!("{} {}", row.action, row.detail.clone().unwrap_or_default()))
            .collect()
    };
    assert_eq!(
        logged("case_assignment"),
        [
            format!("change assign user={mads_id}"),
            format!("change unassign user={mads_id}")
        ],
        "newest first"
    );
    assert_eq!(logged("purge"), ["delete live"]);
    server.stop().await;
}

/// A change of who may see a case is announced to its team and the people it names (issue 13: the other
/// connections of the municipality rule themselves out without the store). A worker of another team, named by an
/// admin's assignment, must still get the case live.
async fn a_case_given_to_a_worker_of_another_team_reaches_them_live(backend: Backend) {
    use tests::http::request;
    let server = Served::start(backend).await;
    let (_, users) = tests::database::add_team_in(
        &server.state.store,
        "hoeje-taastrup",
        "Team Syd",
        true,
        &["sara".to_owned()],
    )
    .await;
    let sara = &users[0];

    let mut anna = server.device("hoeje-taastrup", "anna").await;
    anna.sync(server.port).await;
    let case = *anna.docs.keys().next().expect("anna holds cases");
    let mut phone = server.device("hoeje-taastrup", "sara").await;
    let mut live = phone.connect(server.port).await;
    phone
        .run_until(&mut live, Duration::from_secs(20), |d| d.in_sync())
        .await;
    assert!(phone.docs.is_empty(), "another team's cases are not hers");

    let admin = server.device("hoeje-taastrup", "admin").await;
    let path = format!("/v1/cases/{case}/assignees/{sara}");
    let (status, _) = request(server.port, "PUT", &path, Some(&admin.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    phone
        .run_until(&mut live, Duration::from_secs(5), |d| d.docs.contains_key(&case))
        .await;
}

/// A Welcome leaves out what a device holds from its own upload (`device_holdings.held_seq`), but never a case the
/// device was told to purge: taken away and given back, the case mads uploaded comes back at his next reconnect.
async fn an_own_upload_taken_away_and_given_back_comes_back_at_the_next_reconnect(backend: Backend) {
    use tests::http::request;
    let server = Served::start(backend).await;
    let mads_user = server.user("holstebro", "mads").await;
    let team = mads_user.team_id.expect("a team").to_string();
    let lene = server.device("holstebro", "lene").await;
    let mut mads = server.device("holstebro", "mads").await;
    let (case, doc) = new_case_in("holstebro", &team, 900);
    mads.docs.insert(case, doc);
    mads.sync(server.port).await;
    assert!(mads.is_acked(&case, &mads.docs[&case]), "uploaded");

    let path = format!("/v1/cases/{case}/assignees/{}", mads_user.id);
    let (status, _) = request(server.port, "DELETE", &path, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    // The commit that created the case recorded that his phone holds it, as a case he may change (no separate
    // holdings write follows a new case): taken from him, it is a lost holding before his phone even reconnects.
    let store = &server.state.store;
    let viewer = store.viewer(&mads_user.id).await.expect("store").expect("viewer");
    let device: server::ids::DeviceId = mads.device_id.parse().expect("a device id");
    match store.access(&viewer, &device, &case).await.expect("store") {
        sync_core::protocol::Access::Lost(holding) => assert!(holding.writable, "held as his to change"),
        other => panic!("his phone's holding of the case he created was not recorded: {other:?}"),
    }
    mads.sync(server.port).await;
    assert!(!mads.docs.contains_key(&case), "purged from his phone");

    let (status, _) = request(server.port, "PUT", &path, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    mads.sync(server.port).await;
    assert!(
        mads.docs.contains_key(&case),
        "given back, it is downloaded again"
    );
    server.stop().await;
}

/// Each connection keeps commits in flight, each holding its document's lock, while it reads on. Two teammates'
/// phones editing the same cases live, one front to back and the other back to front, would each wait for a
/// document the other holds if a connection ever waited for a lock while keeping commits in flight
/// (`Connection::lock_document`); both must get every Ack and end with the same documents.
async fn two_teammates_editing_the_same_cases_in_opposite_order_both_get_every_ack(backend: Backend) {
    let server = Served::start(backend).await;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let ids: Vec<DocumentId> = (0..30)
        .map(|n| {
            let (id, doc) = new_case(&team, 300 + n);
            anna.docs.insert(id, doc);
            id
        })
        .collect();
    anna.sync(server.port).await;
    let mut bo = server.device("hoeje-taastrup", "bo").await;
    bo.sync(server.port).await;

    let mut anna_live = anna.connect(server.port).await;
    anna.run_until(&mut anna_live, Duration::from_secs(20), |d| d.in_sync())
        .await;
    let mut bo_live = bo.connect(server.port).await;
    bo.run_until(&mut bo_live, Duration::from_secs(20), |d| d.in_sync())
        .await;
    let before: Vec<usize> = ids
        .iter()
        .map(|id| anna.docs[id].get_changes(&[]).len())
        .collect();
    for (n, (forward, backward)) in ids.iter().zip(ids.iter().rev()).enumerate() {
        add_contact(anna.docs.get_mut(forward).expect("anna's"), 700 + n as u128);
        anna.edited(&mut anna_live, *forward).await;
        add_contact(bo.docs.get_mut(backward).expect("bo's"), 800 + n as u128);
        bo.edited(&mut bo_live, *backward).await;
    }
    // Done: every case holds both visits and the server acknowledged it as it stands.
    let done = |device: &Device| {
        ids.iter().zip(&before).all(|(id, before)| {
            device.docs[id].get_changes(&[]).len() == before + 2 && device.is_acked(id, &device.docs[id])
        })
    };
    for _ in 0..40 {
        // A timeout here only means "not yet": the loop looks again.
        let _ = anna
            .try_run_until(&mut anna_live, Duration::from_millis(250), |d| done(d))
            .await;
        let _ = bo
            .try_run_until(&mut bo_live, Duration::from_millis(250), |d| done(d))
            .await;
        if done(&anna) && done(&bo) {
            for id in &ids {
                assert_eq!(anna.docs[id].get_heads(), bo.docs[id].get_heads());
            }
            server.stop().await;
            return;
        }
    }
    let unacked = |device: &Device| {
        ids.iter()
            .filter(|id| !device.is_acked(id, &device.docs[id]))
            .count()
    };
    let differ = ids
        .iter()
        .filter(|id| anna.docs[*id].get_heads() != bo.docs[*id].get_heads())
        .count();
    panic!(
        "the two phones did not both get every Ack and converge: {} and {} not acknowledged, {differ} differ; \
         anna's last effects {:?}",
        unacked(&anna),
        unacked(&bo),
        anna.effects.iter().rev().take(3).collect::<Vec<_>>()
    );
}
