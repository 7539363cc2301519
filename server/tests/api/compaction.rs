//! Compaction: many commits fold into one snapshot with the same heads, the change rows go, later commits stay,
//! and a copy cached before the compaction still catches up.

use std::time::Duration;

use server::compaction;

use crate::fixtures::{World, Writer, load_stored, ors};
use crate::helpers::Backend;

both_backends!(
    compaction_folds_many_commits_into_a_snapshot_with_the_same_heads,
    a_copy_cached_before_compaction_still_catches_up,
    the_compactor_task_compacts_until_it_is_shut_down,
);

/// A case with `commits` commits of one contact each.
async fn busy_case(world: &World, n: u8, commits: u128) -> Writer {
    let store = world.store();
    let mut case = Writer::new(n, &world.north, &world.nord, &world.anna);
    case.create(store, &[&world.anna]).await;
    for k in 0..commits {
        case.add_contact(k, Some(ors([40, 45, 50, 55])), None, true);
        case.commit(store).await;
    }
    case
}

async fn compaction_folds_many_commits_into_a_snapshot_with_the_same_heads(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let case = busy_case(&world, 1, 40).await;
    let quiet = busy_case(&world, 2, 3).await;
    let rows = store.change_row_count(&case.doc_id).await.expect("store");
    assert_eq!(
        rows, 42,
        "the creating commit has two changes, then one per contact"
    );

    assert_eq!(
        store.documents_needing_compaction(32, 10).await.expect("store"),
        [case.doc_id],
        "only the busy case is worth compacting"
    );
    assert_eq!(compaction::compact_round(store, 32, 10).await.expect("store"), 1);

    assert_eq!(store.change_row_count(&case.doc_id).await.expect("store"), 0);
    assert_eq!(store.change_row_count(&quiet.doc_id).await.expect("store"), 5);
    let (stored, loaded) = load_stored(store, &case.doc_id).await;
    assert_eq!(loaded.get_heads(), case.doc.heads());
    assert_eq!(
        stored.seq,
        store.tenant_cursor(&world.north.id).await.expect("store") - 4
    );
    assert_eq!(
        sync_core::case::read_case(&loaded).expect("reads"),
        case.doc.read().expect("reads")
    );
    assert!(
        store
            .documents_needing_compaction(32, 10)
            .await
            .expect("store")
            .is_empty()
    );
}

async fn a_copy_cached_before_compaction_still_catches_up(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = busy_case(&world, 1, 5).await;
    let (cached_at, mut cached) = load_stored(store, &case.doc_id).await;

    case.add_contact(100, None, None, true);
    case.commit(store).await;
    assert!(compaction::compact(store, &case.doc_id).await.expect("compacts"));
    // A commit after the compaction stays a change row.
    case.add_contact(101, None, None, true);
    let last = case.commit(store).await;
    assert_eq!(store.change_row_count(&case.doc_id).await.expect("store"), 1);

    // The changes the cache lacks were folded into the snapshot: it comes first, then the later change.
    let chunks = store
        .changes_after(&case.doc_id, cached_at.seq)
        .await
        .expect("store");
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks.last().map(|(seq, _)| *seq), Some(last));
    for (_, bytes) in &chunks {
        cached.load_incremental(bytes).expect("applies");
    }
    assert_eq!(cached.get_heads(), case.doc.heads());
    // A stale snapshot never replaces a newer one.
    assert!(
        !store
            .compact_document(&case.doc_id, &[], 1, 0)
            .await
            .expect("store")
    );
    let (_, stored) = load_stored(store, &case.doc_id).await;
    assert_eq!(stored.get_heads(), case.doc.heads());
}

async fn the_compactor_task_compacts_until_it_is_shut_down(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let case = busy_case(&world, 1, compaction::MIN_CHANGES as u128).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = compaction::spawn_compactor(store.clone(), Duration::from_millis(20), async {
        let _ = stopped.await;
    });
    let mut rows = store.change_row_count(&case.doc_id).await.expect("store");
    for _ in 0..250 {
        if rows == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        rows = store.change_row_count(&case.doc_id).await.expect("store");
    }
    assert_eq!(rows, 0, "compacted within five seconds");
    stop.send(()).expect("the task is running");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops promptly")
        .expect("did not panic");
}
