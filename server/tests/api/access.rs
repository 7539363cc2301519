//! Who sees which case: workers, a sharing team, leads, admins and another tenant, through `can_see` and
//! `visible_changes` alike; and assignments that change visibility move the case's sequence number.

use std::collections::BTreeSet;

use server::store::User;

use crate::fixtures::{NOW, World, Writer, heads_hex};
use crate::helpers::Backend;

both_backends!(
    each_role_sees_exactly_the_cases_the_rule_allows,
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
        let want: BTreeSet<&str> = visible.iter().map(|i| ids[*i].as_str()).collect();
        let mut seen = BTreeSet::new();
        for id in &ids {
            if store.can_see(&viewer, id).await.expect("store") {
                seen.insert(id.as_str());
            }
        }
        assert_eq!(seen, want, "can_see for {}", user.username);
        let (_, listed) = store.visible_changes(&viewer, None).await.expect("store");
        let listed: BTreeSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
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

    assert!(!store.can_see(&anna, &theirs.doc_id).await.expect("store"));
    assert!(!store.can_see(&anna, &missing).await.expect("store"));
    let (cursor, listed) = store.visible_changes(&anna, None).await.expect("store");
    assert_eq!((cursor, listed.len()), (0, 0), "west's commit is not north's");
    // A viewer claiming another tenant gets nothing either, even for a case of that tenant.
    let mut forged = anna.clone();
    forged.tenant_id = w.west.id.clone();
    assert!(!store.can_see(&forged, &theirs.doc_id).await.expect("store"));
    let mads = w.viewer(&w.mads).await;
    assert!(store.can_see(&mads, &theirs.doc_id).await.expect("store"));
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
    assert_eq!(listed, [(case.doc_id.clone(), heads_hex(&case.doc.heads()))]);
    assert!(store.can_see(&anna, &case.doc_id).await.expect("store"));

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
    assert!(!store.can_see(&anna, &case.doc_id).await.expect("store"));
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
        [w.anna.id.as_str()]
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
            .assign_case("no-such-case", &w.anna.id, NOW)
            .await
            .expect("store")
    );
    assert_eq!(store.tenant_cursor(&w.north.id).await.expect("store"), before);
    let mads = w.viewer(&w.mads).await;
    assert!(!store.can_see(&mads, &case.doc_id).await.expect("store"));
}
