//! The document store: commits load back, each commit takes the tenant's next number, a cursor finds exactly
//! what changed, refused commits leave no trace, and refused changes are quarantined.

use automerge::Automerge;
use server::store::{DocumentCommit, Heads, Quarantined, StoreError};
use sync_core::DocumentId;

use crate::fixtures::{NOW, World, Writer, heads_hex, load_stored, ors, projection_of, srs};
use crate::helpers::Backend;

both_backends!(
    a_committed_document_loads_back_with_its_heads,
    a_case_created_whole_is_one_snapshot_that_later_commits_add_to,
    each_commit_takes_the_next_number_of_its_tenant,
    concurrent_commits_take_distinct_consecutive_numbers,
    visible_changes_lists_exactly_the_documents_changed_after_the_cursor,
    a_refused_commit_changes_nothing,
    quarantined_changes_are_listed_without_their_bytes,
    a_commit_from_an_out_of_date_copy_is_refused_as_stale,
    a_group_commit_stores_every_document_or_none,
);

async fn a_committed_document_loads_back_with_its_heads(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = Writer::new(1, &world.north, &world.nord, &world.anna);
    case.add_contact(1, Some(ors([50, 50, 50, 50])), Some(srs([95, 95, 95, 95])), true);
    let first = case.create(store, &[&world.anna]).await;

    let (stored, loaded) = load_stored(store, &case.doc_id).await;
    assert_eq!(
        (stored.seq, stored.tenant_id.as_str()),
        (first, world.north.id.as_str())
    );
    assert_eq!(
        stored.team_id.as_ref().map(|id| id.as_str()),
        Some(world.nord.id.as_str())
    );
    assert_eq!(loaded.get_heads(), case.doc.heads());

    // A second commit: the whole document still loads, and a copy cached at the first catches up.
    case.add_contact(2, Some(ors([60, 60, 60, 60])), None, true);
    let second = case.commit(store).await;
    let (stored, stored_doc) = load_stored(store, &case.doc_id).await;
    assert_eq!(stored.seq, second);
    assert_eq!(stored_doc.get_heads(), case.doc.heads());
    let mut cached = loaded;
    let chunks = store.changes_after(&case.doc_id, first).await.expect("store");
    assert!(
        chunks.iter().all(|(seq, _)| *seq == second),
        "only the second commit"
    );
    for (_, bytes) in chunks {
        cached.load_incremental(&bytes).expect("applies");
    }
    assert_eq!(cached.get_heads(), case.doc.heads());

    assert!(
        store
            .load_document(&DocumentId::from_bytes([0xee; 16]))
            .await
            .expect("store")
            .is_none()
    );
}

/// A device's new case is stored as the whole document it sent (`DocumentCommit::document`): one snapshot row,
/// which loads, catches a cached copy up and compacts like any other.
async fn a_case_created_whole_is_one_snapshot_that_later_commits_add_to(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = Writer::new(1, &world.north, &world.nord, &world.anna);
    case.add_contact(1, Some(ors([50, 50, 50, 50])), Some(srs([95, 95, 95, 95])), true);
    case.add_contact(2, Some(ors([60, 60, 60, 60])), None, true);
    let first = case.create_whole(store, &[&world.anna]).await;
    assert_eq!(store.change_row_count(&case.doc_id).await.expect("store"), 0);
    let (stored, stored_doc) = load_stored(store, &case.doc_id).await;
    assert_eq!(stored.seq, first);
    assert_eq!(stored_doc.get_heads(), case.doc.heads());
    // A copy that has nothing gets the snapshot as the first commit's one chunk.
    let chunks = store.changes_after(&case.doc_id, 0).await.expect("store");
    assert_eq!(chunks.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [first]);
    let mut cached = Automerge::new();
    cached.load_incremental(&chunks[0].1).expect("applies");
    assert_eq!(cached.get_heads(), case.doc.heads());

    // A later commit is change rows after the snapshot; the whole still loads, and the cached copy catches up.
    case.add_contact(3, Some(ors([70, 70, 70, 70])), None, true);
    let second = case.commit(store).await;
    assert!(store.change_row_count(&case.doc_id).await.expect("store") > 0);
    let (stored, stored_doc) = load_stored(store, &case.doc_id).await;
    assert_eq!(stored.seq, second);
    assert_eq!(stored_doc.get_heads(), case.doc.heads());
    for (_, bytes) in store.changes_after(&case.doc_id, first).await.expect("store") {
        cached.load_incremental(&bytes).expect("applies");
    }
    assert_eq!(cached.get_heads(), case.doc.heads());

    // Compaction replaces the creation's snapshot and folds the later rows in.
    let snapshot = stored_doc.save();
    assert!(
        store
            .compact_document(&case.doc_id, &snapshot, second, NOW)
            .await
            .expect("store")
    );
    assert_eq!(store.change_row_count(&case.doc_id).await.expect("store"), 0);
    let (_, compacted) = load_stored(store, &case.doc_id).await;
    assert_eq!(compacted.get_heads(), case.doc.heads());

    // A whole document only ever creates a case.
    let mut other = Writer::new(2, &world.north, &world.nord, &world.anna);
    other.create(store, &[&world.anna]).await;
    other.add_contact(4, None, None, true);
    let pending = other.pending(false, &[]);
    let document = other.doc.automerge().save();
    let misused = DocumentCommit {
        changes: &[],
        document: Some(&document),
        base_seq: Some(
            store
                .load_document(&other.doc_id)
                .await
                .expect("store")
                .expect("stored")
                .seq,
        ),
        ..other.commit_of(&pending)
    };
    let refused = store.commit_document(&misused).await;
    assert!(
        matches!(refused, Err(StoreError::InvalidArgument(_))),
        "{refused:?}"
    );
}

async fn each_commit_takes_the_next_number_of_its_tenant(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    assert_eq!(store.tenant_cursor(&world.north.id).await.expect("store"), 0);
    let mut one = Writer::new(1, &world.north, &world.nord, &world.anna);
    let mut two = Writer::new(2, &world.north, &world.nord, &world.bo);
    let mut west = Writer::new(3, &world.west, &world.bost, &world.mads);

    assert_eq!(one.create(store, &[&world.anna]).await, 1);
    assert_eq!(two.create(store, &[&world.bo]).await, 2);
    // Another tenant counts on its own.
    assert_eq!(west.create(store, &[&world.mads]).await, 1);
    one.add_contact(1, None, None, true);
    assert_eq!(one.commit(store).await, 3);
    assert_eq!(store.tenant_cursor(&world.north.id).await.expect("store"), 3);
    assert_eq!(store.tenant_cursor(&world.west.id).await.expect("store"), 1);
}

async fn concurrent_commits_take_distinct_consecutive_numbers(backend: Backend) {
    let world = World::new(backend).await;
    let tasks: Vec<_> = (1..=8)
        .map(|n| {
            let mut case = Writer::new(n, &world.north, &world.nord, &world.anna);
            let store = world.store().clone();
            let holder = world.anna.clone();
            tokio::spawn(async move { case.create(&store, &[&holder]).await })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.expect("commits"));
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=8).collect::<Vec<i64>>());
}

async fn visible_changes_lists_exactly_the_documents_changed_after_the_cursor(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let anna = world.viewer(&world.anna).await;
    let mut cases: Vec<Writer> = (1..=4)
        .map(|n| Writer::new(n, &world.north, &world.nord, &world.anna))
        .collect();
    for case in &mut cases {
        case.create(store, &[&world.anna]).await;
    }
    // A case anna may not see (team Syd does not share, and it is not hers) changes too.
    let mut hidden = Writer::new(9, &world.north, &world.syd, &world.cy);
    hidden.create(store, &[&world.cy]).await;

    let (cursor, all) = store.visible_changes(&anna, None).await.expect("store");
    assert_eq!(cursor, 5);
    assert_eq!(all.len(), 4);

    cases[1].add_contact(1, None, None, true);
    cases[1].commit(store).await;
    cases[3].add_contact(2, None, None, true);
    cases[3].commit(store).await;
    hidden.add_contact(3, None, None, true);
    hidden.commit(store).await;

    let (now, changed) = store.visible_changes(&anna, Some(cursor)).await.expect("store");
    assert_eq!(now, store.tenant_cursor(&world.north.id).await.expect("store"));
    let mut changed: Vec<(DocumentId, Vec<String>)> = changed
        .into_iter()
        .map(|case| (case.doc_id, heads_hex(case.heads.as_slice())))
        .collect();
    changed.sort();
    let mut expected: Vec<(DocumentId, Vec<String>)> = [&cases[1], &cases[3]]
        .iter()
        .map(|c| (c.doc_id, heads_hex(&c.doc.heads())))
        .collect();
    expected.sort();
    assert_eq!(changed, expected);
    let (again, nothing) = store.visible_changes(&anna, Some(now)).await.expect("store");
    assert_eq!((again, nothing.len()), (now, 0));
}

async fn a_refused_commit_changes_nothing(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = Writer::new(1, &world.north, &world.nord, &world.anna);
    case.create(store, &[&world.anna]).await;
    let before = store.tenant_cursor(&world.north.id).await.expect("store");

    let nowhere = DocumentId::from_bytes([0xee; 16]);
    let projection = projection_of(&nowhere.to_string(), case.doc.automerge());
    let mut commit = DocumentCommit {
        doc_id: &nowhere,
        tenant_id: &world.north.id,
        team_id: Some(&world.nord.id),
        create: false,
        base_seq: None,
        assign_users: &[],
        device_id: None,
        held_as_committed: false,
        user_id: &world.anna.id,
        changes: &[],
        document: None,
        change_hashes: &[],
        actors: &[],
        heads: &Heads::default(),
        projection: &projection,
        now_ms: NOW,
        audit: &[],
    };
    let missing = store.commit_document(&commit).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    // A team of another tenant is refused, even though the team exists.
    commit.create = true;
    commit.team_id = Some(&world.bost.id);
    let foreign = store.commit_document(&commit).await;
    assert!(matches!(foreign, Err(StoreError::NotFound(_))), "{foreign:?}");
    let projection = projection_of(&case.doc_id.to_string(), case.doc.automerge());
    commit.doc_id = &case.doc_id;
    commit.team_id = Some(&world.nord.id);
    commit.projection = &projection;
    let twice = store.commit_document(&commit).await;
    assert!(matches!(twice, Err(StoreError::AlreadyExists)), "{twice:?}");
    commit.create = false;
    let unhashed_changes = [vec![1, 2, 3]];
    commit.changes = &unhashed_changes;
    let unhashed = store.commit_document(&commit).await;
    assert!(
        matches!(unhashed, Err(StoreError::InvalidArgument(_))),
        "{unhashed:?}"
    );

    assert_eq!(store.tenant_cursor(&world.north.id).await.expect("store"), before);
    assert!(store.load_document(&nowhere).await.expect("store").is_none());
}

async fn quarantined_changes_are_listed_without_their_bytes(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let device = store
        .register_device(&world.anna.id, &world.north.id, "test phone", NOW)
        .await
        .expect("device");
    const CASE_A: DocumentId = DocumentId::from_bytes([0xa1; 16]);
    const CASE_B: DocumentId = DocumentId::from_bytes([0xb2; 16]);
    const CASE_C: DocumentId = DocumentId::from_bytes([0xc3; 16]);
    let (case_a, case_b) = (CASE_A.to_string(), CASE_B.to_string());
    let refuse =
        |doc_id: &'static DocumentId, reason: &'static str, bytes: &'static [u8], at: i64| Quarantined {
            tenant_id: &world.north.id,
            doc_id,
            device_id: Some(&device.id),
            user_id: Some(&world.anna.id),
            reason,
            message: "contacts.x.ors.items[2]: an item is 0 to 100 mm",
            bytes,
            now_ms: at,
        };
    let first = store
        .quarantine(&refuse(&CASE_A, "invalid", &[1, 2, 3], NOW))
        .await
        .expect("store");
    let second = store
        .quarantine(&refuse(&CASE_B, "forbidden", &[4; 10], NOW + 1))
        .await
        .expect("store");

    let for_device = store.quarantined_for_device(&device.id).await.expect("store");
    let listed: Vec<(&str, &str, &str, i64)> = for_device
        .iter()
        .map(|q| (q.id.as_str(), q.doc_id.as_str(), q.reason.as_str(), q.byte_len))
        .collect();
    assert_eq!(
        listed,
        [
            (first.as_str(), case_a.as_str(), "invalid", 3),
            (second.as_str(), case_b.as_str(), "forbidden", 10)
        ]
    );
    let for_case = store
        .quarantined_for_case(&world.north.id, &CASE_B)
        .await
        .expect("store");
    assert_eq!(for_case.len(), 1);
    assert_eq!(
        for_case[0].device_id.as_ref().map(|id| id.as_str()),
        Some(device.id.as_str())
    );
    assert_eq!(
        for_case[0].user_id.as_ref().map(|id| id.as_str()),
        Some(world.anna.id.as_str())
    );
    assert!(for_case[0].resolved_at.is_none());
    assert!(
        store
            .quarantined_for_case(&world.north.id, &CASE_C)
            .await
            .expect("store")
            .is_empty()
    );
}

/// A server process whose copy of a document is out of date (another process committed since it read it) is
/// told so instead of committing a projection computed from the old document.
async fn a_commit_from_an_out_of_date_copy_is_refused_as_stale(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = Writer::new(1, &world.north, &world.nord, &world.anna);
    case.create(store, &[&world.anna]).await;
    let (stored, _) = load_stored(store, &case.doc_id).await;

    // Another process commits a contact.
    case.add_contact(7, None, None, false);
    case.commit(store).await;

    let projection = projection_of(&case.doc_id.to_string(), case.doc.automerge());
    let commit = DocumentCommit {
        doc_id: &case.doc_id,
        tenant_id: &world.north.id,
        team_id: Some(&world.nord.id),
        create: false,
        base_seq: Some(stored.seq),
        assign_users: &[],
        device_id: None,
        held_as_committed: false,
        user_id: &world.anna.id,
        changes: &[],
        document: None,
        change_hashes: &[],
        actors: &[],
        heads: &Heads::default(),
        projection: &projection,
        now_ms: NOW,
        audit: &[],
    };
    let before = store.tenant_cursor(&world.north.id).await.expect("store");
    let stale = store.commit_document(&commit).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    assert_eq!(
        store.tenant_cursor(&world.north.id).await.expect("store"),
        before,
        "no number used"
    );
    let (current, _) = load_stored(store, &case.doc_id).await;
    let fresh = DocumentCommit {
        base_seq: Some(current.seq),
        ..commit
    };
    store
        .commit_document(&fresh)
        .await
        .expect("an up-to-date copy commits");
}

/// Group commit (`Store::commit_documents`): the documents of two tenants, new and changed, in one transaction,
/// each with its tenant's next number and its projection; and a group with one stale commit stores nothing.
async fn a_group_commit_stores_every_document_or_none(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut changed = Writer::new(1, &world.north, &world.nord, &world.anna);
    changed.create(store, &[&world.anna]).await;
    changed.add_contact(1, Some(ors([40, 40, 40, 40])), None, true);
    let mut first = Writer::new(2, &world.north, &world.nord, &world.anna);
    let second = Writer::new(3, &world.north, &world.nord, &world.anna);
    let elsewhere = Writer::new(4, &world.west, &world.bost, &world.mads);
    let (north_before, west_before) = (
        store.tenant_cursor(&world.north.id).await.expect("store"),
        store.tenant_cursor(&world.west.id).await.expect("store"),
    );

    let anna = [world.anna.id.clone()];
    let mads = [world.mads.id.clone()];
    let pending = [
        changed.pending(false, &[]),
        first.pending(true, &anna),
        elsewhere.pending(true, &mads),
        second.pending(true, &anna),
    ];
    let writers = [&changed, &first, &elsewhere, &second];
    let commits: Vec<DocumentCommit<'_>> = writers
        .iter()
        .zip(&pending)
        .map(|(writer, pending)| writer.commit_of(pending))
        .collect();
    let seqs = store.commit_documents(&commits).await.expect("group commit");
    assert_eq!(
        seqs,
        [
            north_before + 1,
            north_before + 2,
            west_before + 1,
            north_before + 3
        ],
        "each tenant's next numbers, in the group's order"
    );
    for (writer, seq) in writers.iter().zip(&seqs) {
        let (stored, stored_doc) = load_stored(store, &writer.doc_id).await;
        assert_eq!(stored.seq, *seq);
        assert_eq!(stored_doc.get_heads(), writer.doc.heads());
    }
    let projection = store.projection_rows(&changed.doc_id).await.expect("store");
    assert_eq!(
        projection, pending[0].projection,
        "the changed case's projection was replaced"
    );
    assert_eq!(projection.fit_scores.len(), 1);
    for (writer, pending) in writers.iter().zip(&pending).skip(1) {
        let projection = store.projection_rows(&writer.doc_id).await.expect("store");
        assert_eq!(projection, pending.projection, "a new case's projection");
    }
    changed.committed(&pending[0]);
    first.committed(&pending[1]);

    // A new case and a stale commit in one group: neither is stored, and no number is used.
    let mut third = Writer::new(5, &world.north, &world.nord, &world.anna);
    first.add_contact(2, None, None, true);
    let fresh = [third.pending(true, &anna), first.pending(false, &[])];
    let stale = DocumentCommit {
        base_seq: Some(seqs[1] - 1),
        ..first.commit_of(&fresh[1])
    };
    let before = store.tenant_cursor(&world.north.id).await.expect("store");
    let refused = store.commit_documents(&[third.commit_of(&fresh[0]), stale]).await;
    assert!(matches!(refused, Err(StoreError::Stale)), "{refused:?}");
    assert_eq!(store.tenant_cursor(&world.north.id).await.expect("store"), before);
    assert!(store.load_document(&third.doc_id).await.expect("store").is_none());
    // The stale commit's own changes are still to commit.
    first.committed(&fresh[1]);
    third.committed(&fresh[0]);
}
