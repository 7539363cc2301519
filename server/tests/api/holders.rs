//! Who holds a case, changed by a phone through sync-core's edits: the server commits a hand-over within the case's
//! team, refuses naming anyone outside it (`Refused WriteForbidden`, the stored case unchanged), and a worker who
//! takes themself off the case's list keeps the case: the list is the case's record, while who sees a case is the
//! assignment table's, which a lead manages. Holstebro's demo team does not share its cases, so what mads sees there
//! is his assignment alone.

use automerge::{ActorId, Automerge};
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen, read_case};
use sync_core::protocol::RefusalReason;
use uuid::Uuid;

use crate::helpers::{Backend, Served, sees};
use tests::device::Device;

both_backends!(a_worker_hands_a_case_over_and_keeps_it_but_names_no_stranger);

const NOW: i64 = 1_764_000_000_000;
const TENANT: &str = "holstebro";

/// Edits the device's copy of `id` through sync-core, as `tov` and the web app do.
fn edit(device: &mut Device, id: DocumentId, change: impl FnOnce(&mut CaseDocument)) {
    let held = device.docs.remove(&id).expect("the device holds the case");
    let mut doc = CaseDocument::from_automerge(held, NOW).expect("a case");
    change(&mut doc);
    device.docs.insert(id, doc.into_automerge());
}

async fn a_worker_hands_a_case_over_and_keeps_it_but_names_no_stranger(backend: Backend) {
    let server = Served::start(backend).await;
    let mads = server.user(TENANT, "mads").await;
    let lene = server.user(TENANT, "lene").await;
    let anna = server.user("hoeje-taastrup", "anna").await;
    let team = mads.team_id.clone().expect("a team").to_string();
    let store = &server.state.store;
    let viewer = store.viewer(&mads.id).await.expect("store").expect("mads");
    assert!(
        !viewer.team_shares_cases,
        "Holstebro's team does not share its cases"
    );

    // mads opens a case on his phone: its tovholder and only worker.
    let mut phone = server.device(TENANT, "mads").await;
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "test-holders".into(),
        birth_year: Some(1980),
    };
    let case = Case::opened_by(TENANT, &team, citizen, mads.id.as_str(), "Mads");
    let doc = CaseDocument::create(ActorId::random(), &case, NOW).expect("valid");
    let id = DocumentId::from_uuid(Uuid::new_v4());
    phone.docs.insert(id, doc.into_automerge());
    phone.sync(server.port).await;
    assert!(phone.is_acked(&id, &phone.docs[&id]));

    // He puts his lead on it, hands her the role and steps off the list himself: committed.
    edit(&mut phone, id, |doc| {
        doc.assign_worker(lene.id.as_str(), "Lene", NOW).expect("assign");
        doc.hand_over_tovholder(lene.id.as_str(), NOW).expect("hand over");
        doc.unassign_worker(mads.id.as_str(), NOW).expect("step off");
    });
    phone.sync(server.port).await;
    assert!(phone.is_acked(&id, &phone.docs[&id]), "{:?}", phone.refusal(&id));
    let stored = read_case(&server.stored(id).await).expect("a case");
    assert_eq!(stored.tovholder.as_deref(), Some(lene.id.as_str()));
    assert_eq!(stored.workers.keys().collect::<Vec<_>>(), [lene.id.as_str()]);
    // The list is not the assignment: mads still sees the case, and his phone keeps it.
    assert!(sees(store, &viewer, &id).await, "off the list, not off the case");
    phone.sync(server.port).await;
    assert!(!phone.purged(&id));

    // Someone of another municipality is refused, whoever's phone passed sync-core's own rules.
    let before: Automerge = server.stored(id).await;
    edit(&mut phone, id, |doc| {
        doc.assign_worker(anna.id.as_str(), "Anna", NOW)
            .expect("sync-core cannot know");
    });
    phone.sync(server.port).await;
    let (reason, message) = phone.refusal(&id).expect("refused");
    assert_eq!(reason, RefusalReason::WriteForbidden);
    assert!(message.contains("case's team"), "{message}");
    assert_eq!(server.stored(id).await.get_heads(), before.get_heads());

    // Naming very many at once is refused before anyone is looked up (each lookup holds the document's lock).
    let mut phone = server.device(TENANT, "mads").await;
    phone.sync(server.port).await;
    edit(&mut phone, id, |doc| {
        for n in 0..=server::sync::accept::MAX_NAMED_PER_CHANGE {
            let user = Uuid::from_u128(0xa000_0000_0000_4000_8000_0000_0000_0000 + n as u128);
            doc.assign_worker(&user.to_string(), "Synthetic", NOW)
                .expect("assign");
        }
    });
    phone.sync(server.port).await;
    let (reason, message) = phone.refusal(&id).expect("refused");
    assert_eq!(reason, RefusalReason::WriteForbidden);
    assert!(message.contains("too many"), "{message}");
    server.stop().await;
}
