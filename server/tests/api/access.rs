//! Who sees which case: workers, a sharing team, leads, admins and another tenant, through `access` and
//! `visible_changes` alike; what a device may do with a case it held and lost; and assignments that change
//! visibility move the case's sequence number.

use std::collections::BTreeSet;

use server::ids::DeviceId;
use server::store::User;
use sync_core::DocumentId;
use sync_core::protocol::{Access, Held};

use crate::fixtures::{NOW, World, Writer, heads_hex};
use crate::helpers::{Backend, sees};

both_backends!(
    each_role_sees_exactly_the_cases_the_rule_allows,
    a_lost_case_is_answered_with_what_the_device_held,
    another_tenants_case_answers_like_a_missing_one,
    an_assignment_makes_a_case_appear_for_a_cursor_past_its_last_commit,
    an_assignment_across_tenants_changes_nothing,
);

async fn each_role_sees_exactly_the_cases_the_rule_allows(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store();
    // (case, team, holders)
    let plan: [(u8, &_, Vec<&User>); 5] = [
        (1, &w.nord, vec![&w.anna]),
        (2, &w.syd, vec![&w.cy]),
        // A Syd case held by a Nord worker, and one held by the Nord lead: assignments cross teams.
        (3, &w.syd, vec![&w.anna]),
        (4, &w.syd, vec![&w.lea]),
        // An admin holding a case still sees no case content.
        (5, &w.nord, vec![&w.admin]),
    ];
    let mut ids = Vec::new();
    for (n, team, holders) in plan {
        let mut case = Writer::new(n, &w.north, team, holders[0]);
        case.create(store, &holders).await;
        ids.push(case.doc_id);
    }
    let expected: [(&User, &[usize]); 6] = [
        // Nord shares its cases: anna and bo see every Nord case, and anna her Syd case too.
        (&w.anna, &[0, 2, 4]),
        (&w.bo, &[0, 4]),
        // Leads: their team's cases and their own assignments.
        (&w.lea, &[0, 3, 4]),
        (&w.dan, &[1, 2, 3]),
        // Syd does not share: cy sees only her own.
        (&w.cy, &[1]),
        (&w.admin, &[]),
    ];
    for (user, visible) in expected {
        let viewer = w.viewer(user).await;
        let want: BTreeSet<DocumentId> = visible.iter().map(|i| ids[*i]).collect();
        let mut seen = BTreeSet::new();
        for id in &ids {
            if sees(store, &viewer, id).await {
                seen.insert(*id);
            }
        }
        assert_eq!(seen, want, "access for {}", user.username);
        let (_, listed) = store.visible_changes(&viewer, None).await.expect("store");
        let listed: BTreeSet<DocumentId> = listed.iter().map(|case| case.doc_id).collect();
        assert_eq!(listed, want, "visible_changes for {}", user.username);
    }
}

async fn another_tenants_case_answers_like_a_missing_one(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store();
    let mut theirs = Writer::new(1, &w.west, &w.bost, &w.mads);
    theirs.create(store, &[&w.mads]).await;
    let anna = w.viewer(&w.anna).await;
    let missing = Writer::new(2, &w.north, &w.nord, &w.anna).doc_id;

    assert!(!sees(store, &anna, &theirs.doc_id).await);
    assert!(!sees(store, &anna, &missing).await);
    let (cursor, listed) = store.visible_changes(&anna, None).await.expect("store");
    assert_eq!((cursor, listed.len()), (0, 0), "west's commit is not north's");
    // A viewer claiming another tenant gets nothing either, even for a case of that tenant.
    let mut forged = anna.clone();
    forged.tenant_id = w.west.id.clone();
    assert!(!sees(store, &forged, &theirs.doc_id).await);
    let mads = w.viewer(&w.mads).await;
    assert!(sees(store, &mads, &theirs.doc_id).await);
}

async fn an_assignment_makes_a_case_appear_for_a_cursor_past_its_last_commit(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store();
    let mut case = Writer::new(1, &w.north, &w.syd, &w.cy);
    case.create(store, &[&w.cy]).await;
    let mut other = Writer::new(2, &w.north, &w.nord, &w.anna);
    other.create(store, &[&w.anna]).await;
    let anna = w.viewer(&w.anna).await;
    let (cursor, _) = store.visible_changes(&anna, None).await.expect("store");

    assert!(
        store
            .assign_case(&case.doc_id, &w.anna.id, NOW)
            .await
            .expect("store")
    );
    let (after_assign, listed) = store.visible_changes(&anna, Some(cursor)).await.expect("store");
    assert_eq!(after_assign, cursor + 1, "the assignment took a number");
    let listed: Vec<_> = listed
        .into_iter()
        .map(|case| (case.doc_id, heads_hex(case.heads.as_slice()), case.writable))
        .collect();
    assert_eq!(listed, [(case.doc_id, heads_hex(&case.doc.heads()), true)]);
    assert!(sees(store, &anna, &case.doc_id).await);

    // Assigning again changes nothing and spends no number.
    assert!(
        !store
            .assign_case(&case.doc_id, &w.anna.id, NOW)
            .await
            .expect("store")
    );
    assert_eq!(
        store.tenant_cursor(&w.north.id).await.expect("store"),
        after_assign
    );

    // Unassigning hides it again, and moves the case for those who still see it (cy, dan).
    assert!(
        store
            .unassign_case(&case.doc_id, &w.anna.id, NOW + 1)
            .await
            .expect("store")
    );
    assert!(!sees(store, &anna, &case.doc_id).await);
    let (_, listed) = store
        .visible_changes(&anna, Some(after_assign))
        .await
        .expect("store");
    assert!(listed.is_empty());
    let cy = w.viewer(&w.cy).await;
    let (_, listed) = store
        .visible_changes(&cy, Some(after_assign))
        .await
        .expect("store");
    assert_eq!(listed.len(), 1);
    assert!(
        !store
            .unassign_case(&case.doc_id, &w.anna.id, NOW + 2)
            .await
            .expect("store")
    );
}

async fn an_assignment_across_tenants_changes_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store();
    let mut case = Writer::new(1, &w.north, &w.nord, &w.anna);
    case.create(store, &[&w.anna, &w.mads]).await;
    assert_eq!(
        store.case_assignees(&case.doc_id).await.expect("store"),
        std::slice::from_ref(&w.anna.id)
    );
    let before = store.tenant_cursor(&w.north.id).await.expect("store");
    assert!(
        !store
            .assign_case(&case.doc_id, &w.mads.id, NOW)
            .await
            .expect("store")
    );
    assert!(
        !store
            .assign_case(&DocumentId::from_bytes([0xee; 16]), &w.anna.id, NOW)
            .await
            .expect("store")
    );
    assert_eq!(store.tenant_cursor(&w.north.id).await.expect("store"), before);
    let mads = w.viewer(&w.mads).await;
    assert!(!sees(store, &mads, &case.doc_id).await);
}

/// A device that held a case its user may no longer see gets `Lost` with what the store records: whether it held the
/// case as one its user could change (only then is the grace open to the device), when it was first told to purge
/// it, and the cursor of the Hello whose Purge it must have read. Another device of the same user gets `Hidden`.
async fn a_lost_case_is_answered_with_what_the_device_held(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store();
    let mut case = Writer::new(1, &w.north, &w.syd, &w.cy);
    case.create(store, &[&w.cy, &w.anna]).await;
    let anna = w.viewer(&w.anna).await;
    let device = store
        .register_device(&w.anna.id, &w.north.id, "phone", NOW)
        .await
        .expect("store")
        .id;
    assert_eq!(
        store.access(&anna, &device, &case.doc_id).await.expect("store"),
        Access::Write
    );
    let doc = case.doc_id;
    let held = |writable| Held { doc, writable };
    store
        .record_holdings(&[(&device, held(true))], NOW)
        .await
        .expect("store");
    assert!(
        store
            .lost_holdings(&anna, &device)
            .await
            .expect("store")
            .is_empty()
    );

    store
        .unassign_case(&case.doc_id, &w.anna.id, NOW + 1)
        .await
        .expect("store");
    let Access::Lost(holding) = store.access(&anna, &device, &case.doc_id).await.expect("store") else {
        panic!("a case the device held");
    };
    assert!(holding.writable, "the device held it as a case anna could change");
    assert_eq!((holding.told_at_ms, holding.purge_cursor), (None, None));
    assert_eq!(
        store
            .access(&anna, &DeviceId::new_random(), &case.doc_id)
            .await
            .expect("store"),
        Access::Hidden
    );

    store
        .mark_purged(&device, &case.doc_id, NOW + 2, Some(7))
        .await
        .expect("store");
    store
        .mark_purged(&device, &case.doc_id, NOW + 3, None)
        .await
        .expect("store");
    let lost = store.lost_holdings(&anna, &device).await.expect("store");
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].0, case.doc_id);
    assert_eq!(
        (lost[0].1.told_at_ms, lost[0].1.purge_cursor),
        (Some(NOW + 2), None),
        "first told at the first Purge; the live one since may not have been read"
    );

    // Visible again (held afresh, say through break-the-glass, to read only): what it was told is over, and the
    // grace would now be closed to it.
    store
        .assign_case(&case.doc_id, &w.anna.id, NOW + 4)
        .await
        .expect("store");
    // Named twice in one call (one statement may not update a row twice): the last word holds. Another device's
    // holding in the same call is its own row.
    let tablet = store
        .register_device(&w.anna.id, &w.north.id, "tablet", NOW + 4)
        .await
        .expect("store")
        .id;
    store
        .record_holdings(
            &[
                (&device, held(true)),
                (&tablet, held(true)),
                (&device, held(false)),
            ],
            NOW + 4,
        )
        .await
        .expect("store");
    store
        .unassign_case(&case.doc_id, &w.anna.id, NOW + 5)
        .await
        .expect("store");
    let lost = store.lost_holdings(&anna, &device).await.expect("store");
    assert_eq!(
        (lost[0].1.told_at_ms, lost[0].1.purge_cursor, lost[0].1.writable),
        (None, None, false)
    );
    let lost = store.lost_holdings(&anna, &tablet).await.expect("store");
    assert_eq!(lost.len(), 1);
    assert!(lost[0].1.writable);

    store.forget_holding(&device, &case.doc_id).await.expect("store");
    assert!(
        store
            .lost_holdings(&anna, &device)
            .await
            .expect("store")
            .is_empty()
    );
}
