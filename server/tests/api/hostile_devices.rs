//! Hostile devices: a logged-in phone sends changes no honest client makes. Each is refused for its own document
//! (`Refused Invalid`, quarantined with its reason), the shared copy is unchanged, and the server, the sender's
//! other documents and every other device carry on.

use std::time::Duration;

use automerge::sync::{ChunkList, Message as SyncMessage, MessageVersion};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, Change, ExpandedChange, ObjType, ROOT, ReadDoc};
use futures_util::SinkExt;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen, EntryRef, ErrorMark, NewContact, RatingSlot};
use sync_core::fit::{Instrument, RaterKind, Rating};
use sync_core::protocol::{Frame, RefusalReason, encode};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{Backend, Served, find_tenant};
use tests::device::Device;

both_backends!(
    a_change_nesting_maps_hundreds_deep_is_refused_and_the_server_carries_on,
    a_delete_without_a_predecessor_is_refused_and_the_case_stays_usable,
    no_phone_can_remove_recorded_history,
    keys_and_sizes_the_schema_does_not_define_are_refused,
);

const NOW: i64 = 1_764_000_000_000;
const TENANT: &str = "hoeje-taastrup";

async fn start(backend: Backend) -> Served {
    Served::start(backend).await
}

fn contact(recorded_by: &str) -> NewContact {
    NewContact {
        kind: "home_visit".into(),
        start_ms: NOW,
        duration_minutes: 60,
        course: None,
        workers: vec![],
        notes: "Synthetic note".into(),
        goals: vec![],
        ors: Some(Rating::items(
            Instrument::Ors,
            [65, 50, 72, 60],
            RaterKind::Citizen,
        )),
        srs: None,
        recorded_by: recorded_by.into(),
    }
}

/// A valid case with two contacts recorded by `recorded_by`.
fn new_case(team: &str, recorded_by: &str) -> (DocumentId, Automerge) {
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "test-hostile".into(),
        birth_year: Some(1985),
    };
    let mut doc =
        CaseDocument::create(ActorId::random(), &Case::new(TENANT, team, citizen), NOW).expect("valid");
    for n in 1..=2 {
        doc.add_contact(Uuid::from_u128(n), contact(recorded_by), NOW)
            .expect("valid contact");
    }
    (DocumentId::from_uuid(Uuid::new_v4()), doc.into_automerge())
}

/// Edits the device's copy with raw automerge operations, as a broken or hostile client would.
fn raw_edit(
    device: &mut Device,
    id: DocumentId,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) {
    let doc = device.docs.get_mut(&id).expect("the device holds the case");
    let mut tx = doc.transaction();
    edit(&mut tx);
    tx.commit();
}

/// The case as the store holds it.
async fn quarantined(server: &Served, id: &DocumentId) -> Vec<String> {
    let tenant = find_tenant(&server.state.store, TENANT).await;
    let entries = server
        .state
        .store
        .quarantined_for_case(&tenant.id, id)
        .await
        .expect("store");
    entries.into_iter().map(|entry| entry.reason).collect()
}

async fn a_change_nesting_maps_hundreds_deep_is_refused_and_the_server_carries_on(backend: Backend) {
    let server = start(backend).await;
    let team = server.team_of(TENANT, "anna").await;
    let mut anna = server.device(TENANT, "anna").await;
    let (id, doc) = new_case(&team, "anna");
    let (other, other_doc) = new_case(&team, "anna");
    anna.docs.insert(id, doc);
    anna.sync(server.port).await;
    let heads = anna.docs[&id].get_heads();

    // 400 maps under a key the schema does not know, and 400 more where a string belongs.
    raw_edit(&mut anna, id, |tx| {
        let mut obj = tx.put_object(ROOT, "probe_deep", ObjType::Map).expect("put");
        for _ in 0..400 {
            obj = tx.put_object(&obj, "d", ObjType::Map).expect("put");
        }
        let citizen = tx.get(ROOT, "citizen").expect("get").expect("citizen").1;
        let mut obj = tx
            .put_object(&citizen, "display_name", ObjType::Map)
            .expect("put");
        for _ in 0..400 {
            obj = tx.put_object(&obj, "d", ObjType::Map).expect("put");
        }
    });
    // In the same connection, a new valid case.
    anna.docs.insert(other, other_doc);
    anna.sync(server.port).await;

    let (reason, message) = anna.refusal(&id).expect("the deep change is refused");
    assert_eq!(reason, RefusalReason::Invalid);
    assert!(
        message.contains("probe_deep"),
        "the message names the key: {message}"
    );
    assert!(
        anna.is_acked(&other, &anna.docs[&other]),
        "the other case is committed"
    );
    assert_eq!(quarantined(&server, &id).await, ["invalid"]);
    assert_eq!(
        server.stored(id).await.get_heads(),
        heads,
        "nothing of it was stored"
    );

    // The server is alive and a teammate gets the case as it was.
    let mut bo = server.device(TENANT, "bo").await;
    bo.sync(server.port).await;
    assert_eq!(bo.docs[&id].get_heads(), heads);
    assert!(bo.docs[&id].get(ROOT, "probe_deep").expect("read").is_none());
    server.stop().await;
}

/// The automerge 0.12 bug: one delete operation naming no predecessor (see `sync_core::case::changes`).
fn delete_without_predecessor(doc: &Automerge) -> Change {
    let json = serde_json::json!({
        "ops": [{"action": "del", "obj": "_root", "key": "team", "pred": []}],
        "actor": "0badc0de0badc0de0badc0de0badc0de",
        "seq": 1, "startOp": 1_000, "time": 0, "message": null,
        "deps": doc.get_heads().iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    Change::from(serde_json::from_value::<ExpandedChange>(json).expect("a change"))
}

async fn a_delete_without_a_predecessor_is_refused_and_the_case_stays_usable(backend: Backend) {
    let server = start(backend).await;
    let team = server.team_of(TENANT, "anna").await;
    let mut anna = server.device(TENANT, "anna").await;
    let (id, doc) = new_case(&team, "anna");
    anna.docs.insert(id, doc);
    anna.sync(server.port).await;
    let heads = anna.docs[&id].get_heads();
    let bad = delete_without_predecessor(&anna.docs[&id]);
    assert!(
        bad.raw_bytes().len() < 120,
        "a small change: {} bytes",
        bad.raw_bytes().len()
    );

    // The change goes out as a hand-made sync message: no honest client could produce it.
    let mut connection = anna.connect(server.port).await;
    anna.run_until(&mut connection, Duration::from_secs(20), Device::in_sync)
        .await;
    let message = SyncMessage {
        heads: vec![bad.hash()],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(vec![bad.raw_bytes().to_vec()]),
        flags: None,
        version: MessageVersion::V1,
    };
    let frame = encode(&Frame::Sync {
        doc: id,
        message: message.encode(),
    });
    connection
        .socket
        .send(Message::Binary(frame.into()))
        .await
        .expect("sent");
    anna.run_until(&mut connection, Duration::from_secs(20), |d| d.refused(&id))
        .await;
    assert_eq!(anna.refusal(&id).map(|r| r.0), Some(RefusalReason::Invalid));
    // The sender's connection carries on: a new case in it is committed.
    let (other, other_doc) = new_case(&team, "anna");
    anna.docs.insert(other, other_doc);
    anna.edited(&mut connection, other).await;
    anna.run_until(&mut connection, Duration::from_secs(20), |d| {
        d.is_acked(&other, &d.docs[&other])
    })
    .await;
    assert_eq!(quarantined(&server, &id).await, ["invalid"]);
    assert_eq!(server.stored(id).await.get_heads(), heads);

    // A teammate reads the case and edits it; a new phone downloads it.
    let mut bo = server.device(TENANT, "bo").await;
    bo.sync(server.port).await;
    assert_eq!(bo.docs[&id].get_heads(), heads);
    let mut case = CaseDocument::from_automerge(bo.docs.remove(&id).expect("held"), NOW).expect("a case");
    case.add_contact(Uuid::from_u128(3), contact("bo"), NOW)
        .expect("valid");
    bo.docs.insert(id, case.into_automerge());
    bo.sync(server.port).await;
    assert!(
        bo.is_acked(&id, &bo.docs[&id]),
        "the teammate's edit is committed"
    );
    let mut fresh = server.device(TENANT, "anna").await;
    fresh.sync(server.port).await;
    assert_eq!(fresh.docs[&id].get_heads(), bo.docs[&id].get_heads());
    server.stop().await;
}

async fn no_phone_can_remove_recorded_history(backend: Backend) {
    let server = start(backend).await;
    let team = server.team_of(TENANT, "anna").await;
    let anna_id = {
        let store = &server.state.store;
        let tenant = find_tenant(store, TENANT).await;
        store
            .user_by_username(&tenant.id, "anna")
            .await
            .expect("store")
            .expect("anna")
            .id
    };
    let mut anna = server.device(TENANT, "anna").await;
    let (id, doc) = new_case(&team, anna_id.as_str());
    anna.docs.insert(id, doc);
    anna.sync(server.port).await;
    let heads = anna.docs[&id].get_heads();

    // Replacing the contacts with an empty map is refused; the visits stay.
    raw_edit(&mut anna, id, |tx| {
        tx.put_object(ROOT, "contacts", ObjType::Map).expect("put");
    });
    anna.sync(server.port).await;
    let (reason, message) = anna.refusal(&id).expect("refused");
    assert_eq!(reason, RefusalReason::Invalid);
    assert!(message.contains("contacts."), "{message}");
    let kept = sync_core::case::read_case(&server.stored(id).await).expect("a case");
    assert_eq!(kept.contacts.len(), 2);
    assert_eq!(server.stored(id).await.get_heads(), heads);

    // A teammate may not rewrite anna's rating.
    let mut bo = server.device(TENANT, "bo").await;
    bo.sync(server.port).await;
    let contact = Uuid::from_u128(1).to_string();
    let mut case = CaseDocument::from_automerge(bo.docs.remove(&id).expect("held"), NOW).expect("a case");
    let other = Rating::items(Instrument::Ors, [10, 10, 10, 10], RaterKind::Citizen);
    case.set_rating(&contact, RatingSlot::Outcome, Some(other), NOW)
        .expect("the device does not know who bo is here");
    bo.docs.insert(id, case.into_automerge());
    bo.sync(server.port).await;
    let (reason, message) = bo.refusal(&id).expect("refused");
    assert_eq!(reason, RefusalReason::Invalid);
    assert!(message.contains("ors"), "{message}");

    // Marking a visit as made in error keeps it, struck through, and leaves it out of FIT.
    let mut anna = server.device(TENANT, "anna").await;
    anna.sync(server.port).await;
    let mut case = CaseDocument::from_automerge(anna.docs.remove(&id).expect("held"), NOW)
        .expect("a case")
        .with_author(anna_id.as_str());
    let mark = ErrorMark::new(anna_id.as_str(), NOW + 1, "recorded on the wrong citizen");
    case.mark_in_error(EntryRef::Contact(&contact), mark, NOW + 1)
        .expect("marked");
    anna.docs.insert(id, case.into_automerge());
    anna.sync(server.port).await;
    assert!(anna.is_acked(&id, &anna.docs[&id]), "the mark is committed");
    let rows = server.state.store.projection_rows(&id).await.expect("projection");
    assert_eq!(rows.contacts.len(), 2, "the visit stays in the record");
    assert!(
        rows.contacts
            .iter()
            .any(|c| c.contact_id == contact && c.in_error)
    );
    assert!(
        rows.fit_scores.iter().all(|s| s.contact_id != contact),
        "its scores are left out of FIT"
    );
    server.stop().await;
}

async fn keys_and_sizes_the_schema_does_not_define_are_refused(backend: Backend) {
    let server = start(backend).await;
    let team = server.team_of(TENANT, "anna").await;
    let mut anna = server.device(TENANT, "anna").await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let (id, doc) = new_case(&team, "anna");
        anna.docs.insert(id, doc);
        cases.push(id);
    }
    anna.sync(server.port).await;
    let heads: Vec<_> = cases.iter().map(|id| anna.docs[id].get_heads()).collect();

    raw_edit(&mut anna, cases[0], |tx| {
        tx.put(ROOT, "probe_hidden", "Synthetic secret").expect("put")
    });
    raw_edit(&mut anna, cases[1], |tx| {
        let plan = tx.get(ROOT, "plan").expect("get").expect("plan").1;
        tx.put(&plan, "purpose", "x".repeat(200 * 1024)).expect("put");
    });
    raw_edit(&mut anna, cases[2], |tx| {
        let plan = tx.get(ROOT, "plan").expect("get").expect("plan").1;
        let own_goal = tx.get(&plan, "own_goal").expect("get").expect("own goal").1;
        tx.splice_text(&own_goal, 0, 0, &"y".repeat(200_000))
            .expect("splice");
    });
    anna.sync(server.port).await;

    let problems: Vec<String> = cases
        .iter()
        .map(|id| anna.refusal(id).expect("refused").1)
        .collect();
    assert!(problems[0].starts_with("probe_hidden"), "{}", problems[0]);
    assert!(problems[1].starts_with("plan.purpose"), "{}", problems[1]);
    assert!(problems[2].starts_with("changes"), "{}", problems[2]);
    for (id, heads) in cases.iter().zip(&heads) {
        assert_eq!(server.stored(*id).await.get_heads(), *heads);
        assert_eq!(quarantined(&server, id).await, ["invalid"]);
    }
    // None of it reaches a teammate.
    let mut bo = server.device(TENANT, "bo").await;
    bo.sync(server.port).await;
    assert!(
        bo.docs[&cases[0]]
            .get(ROOT, "probe_hidden")
            .expect("read")
            .is_none()
    );
    server.stop().await;
}
