//! The store's promises: a document written in chunks loads whole, compaction keeps it, pending means "not
//! covered by the last Ack", and a sync write never loses a local edit made meanwhile; no citizen text reaches its
//! files, and a plaintext store of an older tov is sealed keeping what it had pending.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc};
use sync_core::DocumentId;

use super::documents::{COMPACT_AFTER, SavedDoc};
use super::*;
use crate::keys::DataKey;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn put(doc: &mut Automerge, key: &str, value: i64) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).expect("put");
    tx.commit();
}

/// The store's one saved form of `id`, as an upload reads it.
async fn saved_doc(store: &Store, id: DocumentId) -> SavedDoc {
    let [saved] = store
        .saved_among(&[id])
        .await
        .expect("reads")
        .try_into()
        .expect("one");
    saved
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("store.db"), Arc::new(DataKey::generate()))
        .await
        .expect("opens");
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
        // Acknowledged, so the next write appends (a document never acknowledged is kept as one save).
        store.set_acked(&id, &doc.get_heads()).await.expect("acks");
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
async fn many_documents_load_together_each_from_all_its_chunks() {
    let (_dir, store) = store().await;
    // More documents than one statement reads, each written in a few chunks.
    let mut written = std::collections::BTreeMap::new();
    for n in 0..150u8 {
        let id = DocumentId::from_bytes([n; 16]);
        let mut doc = Automerge::new().with_actor(actor(1));
        for i in 0..=i64::from(n % 3) {
            put(&mut doc, "n", i);
            write(&store, &id, &doc).await;
            store.set_acked(&id, &doc.get_heads()).await.expect("acks");
        }
        written.insert(id, doc);
    }
    let absent = DocumentId::from_bytes([200; 16]);
    let mut ids: Vec<DocumentId> = written.keys().copied().collect();
    ids.push(absent);

    let loaded = store.load_among(&ids, &actor(2)).await.expect("reads");

    assert_eq!(loaded.len(), written.len(), "the absent one is left out");
    for (id, doc) in &loaded {
        assert_eq!(doc.get_heads(), written[id].get_heads(), "{id}");
        assert_eq!(doc.get_actor(), &actor(2));
    }
}

#[tokio::test]
async fn a_document_never_acknowledged_is_kept_as_the_one_save_its_upload_sends() {
    let (_dir, store) = store().await;
    let id = DocumentId::from_bytes([3; 16]);
    let mut doc = Automerge::new().with_actor(actor(1));
    for i in 0..3 {
        put(&mut doc, "n", i);
        write(&store, &id, &doc).await;
    }
    let saved = saved_doc(&store, id).await;
    assert_eq!((saved.id, saved.one_save), (id, true));
    assert_eq!(saved.heads, doc.get_heads());
    assert_eq!(
        saved.bytes,
        doc.save(),
        "what automerge sends of a whole document"
    );

    // Once acknowledged, an edit appends only what it adds.
    store.set_acked(&id, &doc.get_heads()).await.expect("acks");
    put(&mut doc, "n", 3);
    write(&store, &id, &doc).await;
    let saved = saved_doc(&store, id).await;
    assert!(!saved.one_save);
    let loaded = store.load(&id, actor(2)).await.expect("reads").expect("present");
    assert_eq!(loaded.get_heads(), doc.get_heads());
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

#[tokio::test]
async fn many_received_documents_are_persisted_together() {
    let (_dir, store) = store().await;
    // More new documents than one statement writes, and one the store holds that a local edit changed meanwhile.
    let mut received: std::collections::BTreeMap<DocumentId, Automerge> = (0..250u8)
        .map(|n| {
            let mut doc = Automerge::new().with_actor(actor(1));
            put(&mut doc, "n", i64::from(n));
            (DocumentId::from_bytes([n; 16]), doc)
        })
        .collect();
    let edited = DocumentId::from_bytes([7; 16]);
    write(&store, &edited, &received[&edited]).await;
    let mut local = store
        .load(&edited, actor(2))
        .await
        .expect("reads")
        .expect("present");
    put(&mut local, "local", 1);
    write(&store, &edited, &local).await;

    let mut tx = store.begin_write().await.expect("begins");
    let merged = tx.save_synced_all(received.iter_mut(), 2).await.expect("saves");
    tx.commit().await.expect("commits");

    assert_eq!(merged, [edited]);
    assert_eq!(store.documents().await.expect("lists").len(), 250);
    for (id, doc) in &received {
        let stored = store.load(id, actor(1)).await.expect("reads").expect("present");
        assert_eq!(stored.get_heads(), doc.get_heads(), "{id}");
    }
    let stored = store
        .load(&edited, actor(1))
        .await
        .expect("reads")
        .expect("present");
    assert!(
        stored.get(ROOT, "local").expect("reads").is_some(),
        "the local edit kept"
    );
}

#[tokio::test]
async fn acks_are_recorded_together_and_of_two_for_one_document_the_later_counts() {
    let (_dir, store) = store().await;
    let mut acks = Vec::new();
    let mut docs = Vec::new();
    for n in 0..150u8 {
        let id = DocumentId::from_bytes([n; 16]);
        let mut doc = Automerge::new().with_actor(actor(1));
        put(&mut doc, "n", 1);
        write(&store, &id, &doc).await;
        acks.push(AckRecord {
            doc: id,
            heads: doc.get_heads(),
            clears_refusals: n == 3,
        });
        docs.push((id, doc));
    }
    // Document 0 changed after its first Ack and was acknowledged again in the same burst.
    let (first, ref mut doc) = docs[0];
    put(doc, "n", 2);
    write(&store, &first, doc).await;
    acks.push(AckRecord {
        doc: first,
        heads: doc.get_heads(),
        clears_refusals: false,
    });
    store
        .add_refusal(&RefusalNote {
            doc: docs[3].0,
            reason: "invalid".into(),
            message: "refused before".into(),
            at_ms: 1,
        })
        .await
        .expect("notes");

    store.record_acks(&acks).await.expect("records");

    assert_eq!(store.pending().await.expect("lists"), []);
    assert_eq!(store.refusals().await.expect("lists"), []);
}

/// Whether any of the store's files (database, WAL, shared memory) holds `needle` in its raw bytes.
fn on_disk(path: &Path, needle: &str) -> bool {
    ["", "-wal", "-shm"].iter().any(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::fs::read(PathBuf::from(name)).is_ok_and(|bytes| {
            bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        })
    })
}

fn put_text(doc: &mut Automerge, key: &str, text: &str) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, text).expect("put");
    tx.commit();
}

#[tokio::test]
async fn no_citizen_text_reaches_the_files_after_an_edit() {
    let (dir, store) = store().await;
    let path = dir.path().join("store.db");
    let id = DocumentId::from_bytes([4; 16]);
    let mut doc = Automerge::new().with_actor(actor(1));
    put_text(&mut doc, "name", "Karen Sørensen");
    write(&store, &id, &doc).await;
    put_text(&mut doc, "note", "Borgeren fortalte om sin søster Mette");
    write(&store, &id, &doc).await;
    store
        .add_refusal(&RefusalNote {
            doc: id,
            reason: "invalid".into(),
            message: "contacts.x.notes: Karen Sørensen".into(),
            at_ms: 1,
        })
        .await
        .expect("stores");
    // The control: the document's own bytes carry the text in the clear, so a plaintext store would show it.
    let plain = store.load_bytes(&id).await.expect("reads").expect("present");
    for text in ["Karen Sørensen", "søster Mette"] {
        let text = text.as_bytes();
        assert!(plain.windows(text.len()).any(|w| w == text));
    }
    for text in ["Karen Sørensen", "søster Mette"] {
        assert!(!on_disk(&path, text), "{text:?} is in the open store's files");
    }
    let refusals = store.refusals().await.expect("reads");
    assert_eq!(refusals[0].message, "contacts.x.notes: Karen Sørensen");
    store.close().await;
    for text in ["Karen Sørensen", "søster Mette"] {
        assert!(!on_disk(&path, text), "{text:?} is in the closed store's files");
    }
}

#[tokio::test]
async fn a_refusal_repeated_at_every_connection_is_kept_once() {
    let (_dir, store) = store().await;
    let note = RefusalNote {
        doc: DocumentId::from_bytes([5; 16]),
        reason: "invalid".into(),
        message: "ors.items[2]: must be between 0 and 100".into(),
        at_ms: 1,
    };
    store.add_refusal(&note).await.expect("stores");
    store
        .add_refusal(&RefusalNote {
            at_ms: 2,
            ..note.clone()
        })
        .await
        .expect("stores");
    let refusals = store.refusals().await.expect("reads");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].at_ms, 2);
}

/// A store as tov wrote it before it was encrypted: only the first migration, everything in the clear.
async fn plaintext_store(dir: &Path, id: &DocumentId, doc: &Automerge, refusal: &str) -> PathBuf {
    let migrations = dir.join("migrations-of-an-older-tov");
    std::fs::create_dir(&migrations).expect("creates");
    std::fs::write(
        migrations.join("0001_local_store.sql"),
        include_str!("../../migrations/0001_local_store.sql"),
    )
    .expect("writes");
    let path = dir.join("store.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePool::connect_with(options).await.expect("opens");
    sqlx::migrate::Migrator::new(migrations.as_path())
        .await
        .expect("reads the migration")
        .run(&pool)
        .await
        .expect("migrates");
    // Pending: no acknowledged heads.
    sqlx::query("INSERT INTO documents (doc_id, heads, chunks, updated_ms) VALUES (?, ?, 1, 1)")
        .bind(id.to_string())
        .bind(encode_heads(&doc.get_heads()))
        .execute(&pool)
        .await
        .expect("inserts");
    sqlx::query("INSERT INTO document_chunks (doc_id, seq, bytes) VALUES (?, 0, ?)")
        .bind(id.to_string())
        .bind(doc.save())
        .execute(&pool)
        .await
        .expect("inserts");
    sqlx::query("INSERT INTO refusals (doc_id, reason, message, at_ms) VALUES (?, 'invalid', ?, 1)")
        .bind(id.to_string())
        .bind(refusal)
        .execute(&pool)
        .await
        .expect("inserts");
    pool.close().await;
    path
}

#[tokio::test]
async fn a_plaintext_store_of_an_older_tov_is_sealed_on_open_keeping_its_pending_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let id = DocumentId::from_bytes([6; 16]);
    let mut doc = Automerge::new().with_actor(actor(1));
    put_text(&mut doc, "note", "Borgeren fortalte om sin søster Mette");
    let refusal = "notes: Borgeren fortalte";
    let path = plaintext_store(dir.path(), &id, &doc, refusal).await;
    assert!(on_disk(&path, "søster Mette"), "the older store is plaintext");
    assert_eq!(
        Store::census(&path).await.expect("counts"),
        Census {
            documents: 1,
            pending: 1
        },
        "counted without a key"
    );

    let key = Arc::new(DataKey::generate());
    let store = Store::open(&path, key.clone()).await.expect("opens and seals");
    let pending = store.pending().await.expect("lists");
    assert_eq!(pending.iter().map(|d| d.id).collect::<Vec<_>>(), vec![id]);
    let loaded = store.load(&id, actor(2)).await.expect("reads").expect("present");
    assert_eq!(loaded.get_heads(), doc.get_heads(), "the pending change is whole");
    assert_eq!(store.refusals().await.expect("reads")[0].message, refusal);
    store.close().await;
    for text in ["søster Mette", refusal] {
        assert!(!on_disk(&path, text), "{text:?} is still in the files");
    }

    // Sealed once: the key opens it again, another key is refused rather than read as garbage.
    Store::open(&path, key).await.expect("reopens").close().await;
    let other = Store::open(&path, Arc::new(DataKey::generate())).await;
    assert!(matches!(other, Err(StoreError::WrongKey)), "{other:?}");
}

#[tokio::test]
async fn openings_are_forgotten_only_up_to_the_batch_the_server_answered_for() {
    let (_dir, store) = store().await;
    let case = DocumentId::from_bytes([7; 16]);
    for (purpose, at) in [("visit", 1), ("review", 2), ("follow_up", 3)] {
        store.record_opening(&case, purpose, at).await.expect("records");
    }
    let batch = store.openings(2).await.expect("lists");
    assert_eq!(
        batch.iter().map(|o| o.purpose.as_str()).collect::<Vec<_>>(),
        ["visit", "review"]
    );
    // Recorded while the batch was on its way: not part of it, so not forgotten with it.
    store
        .record_opening(&case, "coordination", 4)
        .await
        .expect("records");
    store.forget_openings(batch[1].id).await.expect("forgets");
    let left = store.openings(10).await.expect("lists");
    assert_eq!(
        left.iter()
            .map(|o| (o.purpose.as_str(), o.at_ms))
            .collect::<Vec<_>>(),
        [("follow_up", 3), ("coordination", 4)]
    );
    assert!(left.iter().all(|o| o.doc == case));
}
