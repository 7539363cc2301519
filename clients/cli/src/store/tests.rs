//! The store's promises: a document written in chunks loads whole, compaction keeps it, pending means "not
//! covered by the last Ack", and a sync write never loses a local edit made meanwhile.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc};
use sync_core::DocumentId;

use super::documents::COMPACT_AFTER;
use super::*;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn put(doc: &mut Automerge, key: &str, value: i64) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).expect("put");
    tx.commit();
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("store.db")).await.expect("opens");
    (dir, store)
}

/// Appends what `doc` has beyond the stored heads, as a local edit does.
async fn write(store: &Store, id: &DocumentId, doc: &Automerge) {
    let mut tx = store.begin_write().await.expect("begins");
    let stored = tx
        .load(id)
        .await
        .expect("loads")
        .map(|(_, heads)| heads)
        .unwrap_or_default();
    tx.append(id, doc, &stored, 1).await.expect("appends");
    tx.commit().await.expect("commits");
}

#[tokio::test]
async fn a_document_written_in_many_chunks_loads_whole_and_is_compacted() {
    let (_dir, store) = store().await;
    let id = DocumentId::from_bytes([1; 16]);
    let mut doc = Automerge::new().with_actor(actor(1));
    for i in 0..(2 * COMPACT_AFTER) {
        put(&mut doc, "n", i);
        write(&store, &id, &doc).await;
    }
    let loaded = store.load(&id, actor(1)).await.expect("reads").expect("present");
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(loaded.get_changes(&[]).len(), doc.get_changes(&[]).len());
    let chunks: i64 = sqlx::query_scalar("SELECT chunks FROM documents")
        .fetch_one(&store.pool)
        .await
        .expect("row");
    assert!(chunks <= COMPACT_AFTER, "{chunks} chunks");
}

#[tokio::test]
async fn a_document_is_pending_until_an_ack_covers_its_heads() {
    let (_dir, store) = store().await;
    let id = DocumentId::from_bytes([2; 16]);
    let mut doc = Automerge::new().with_actor(actor(1));
    put(&mut doc, "a", 1);
    write(&store, &id, &doc).await;
    assert_eq!(store.pending().await.expect("lists").len(), 1);
    store.set_acked(&id, &doc.get_heads()).await.expect("acks");
    assert!(store.pending().await.expect("lists").is_empty());
    put(&mut doc, "a", 2);
    write(&store, &id, &doc).await;
    let pending = store.pending().await.expect("lists");
    assert_eq!(pending.len(), 1);
    assert!(pending[0].is_pending());
}

#[tokio::test]
async fn a_synced_write_merges_a_local_edit_made_meanwhile() {
    let (_dir, store) = store().await;
    let id = DocumentId::from_bytes([3; 16]);
    let mut base = Automerge::new().with_actor(actor(1));
    put(&mut base, "base", 1);
    write(&store, &id, &base).await;
    // Another tov command edits the stored document…
    let mut local = store.load(&id, actor(2)).await.expect("reads").expect("present");
    put(&mut local, "local", 2);
    write(&store, &id, &local).await;
    // …while the sync holds the older copy and receives a change from the server.
    let mut synced = base.fork().with_actor(actor(3));
    put(&mut synced, "server", 3);
    let merged = store.save_synced(&id, &mut synced, 2).await.expect("saves");
    assert!(merged, "the local edit was merged in");
    let stored = store.load(&id, actor(1)).await.expect("reads").expect("present");
    for key in ["base", "local", "server"] {
        assert!(stored.get(ROOT, key).expect("reads").is_some(), "{key} kept");
    }
    assert_eq!(stored.get_heads(), synced.get_heads());
}
