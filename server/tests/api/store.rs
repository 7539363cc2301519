//! Store behaviour that no endpoint shows yet: case assignments and server secrets.

use secrecy::{ExposeSecret, SecretString};
use server::clock::now_ms;
use server::store::{NewCase, StoreError};
use sync_core::DocumentId;

use crate::helpers::{Backend, TestApp, find_tenant, find_user};

both_backends!(
    a_case_is_assigned_once_and_only_within_its_tenant,
    documents_load_together_as_they_load_one_by_one,
    the_first_stored_secret_wins,
    usernames_are_unique_within_a_tenant,
);

async fn a_case_is_assigned_once_and_only_within_its_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let anna = find_user(store, "hoeje-taastrup", "anna").await;
    let mads = find_user(store, "holstebro", "mads").await;

    let doc_id = &DocumentId::from_bytes([0x5a; 16]);
    let case = NewCase {
        doc_id,
        tenant_id: &tenant.id,
        team_id: anna.team_id.as_ref(),
    };
    store.create_case(&case, now_ms()).await.expect("case row");
    // A case row without commits loads as an empty document at sequence 0, in its tenant and team.
    let stored = store
        .load_document(doc_id)
        .await
        .expect("store")
        .expect("the case row");
    assert!(stored.bytes.is_empty() && stored.seq == 0);
    assert_eq!(
        (&stored.tenant_id, stored.team_id.as_ref()),
        (&tenant.id, anna.team_id.as_ref())
    );
    assert!(
        store
            .load_document(&DocumentId::from_bytes([0x5b; 16]))
            .await
            .expect("store")
            .is_none()
    );

    assert!(
        store
            .assign_case(doc_id, &anna.id, now_ms())
            .await
            .expect("store")
    );
    assert!(
        !store
            .assign_case(doc_id, &anna.id, now_ms())
            .await
            .expect("store"),
        "already assigned"
    );
    assert!(
        !store
            .assign_case(doc_id, &mads.id, now_ms())
            .await
            .expect("store"),
        "another tenant's user"
    );
    // The demo assigns anna cases of her own; this one is among them now.
    assert!(
        store
            .assigned_cases(&anna.id)
            .await
            .expect("store")
            .iter()
            .any(|case| case == doc_id)
    );
    assert_eq!(
        store.case_assignees(doc_id).await.expect("store"),
        vec![anna.id.clone()]
    );

    assert!(
        store
            .unassign_case(doc_id, &anna.id, now_ms())
            .await
            .expect("store")
    );
    assert!(
        !store
            .assigned_cases(&anna.id)
            .await
            .expect("store")
            .iter()
            .any(|case| case == doc_id)
    );
    // Reassigning after an unassignment opens a new assignment; the old one stays as history.
    assert!(
        store
            .assign_case(doc_id, &anna.id, now_ms() + 1)
            .await
            .expect("store")
    );
}

async fn the_first_stored_secret_wins(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    let first = store
        .server_secret_get_or_create("test", SecretString::from("first"), now_ms())
        .await
        .expect("store");
    let second = store
        .server_secret_get_or_create("test", SecretString::from("second"), now_ms())
        .await
        .expect("store");
    assert_eq!(
        (first.expose_secret(), second.expose_secret()),
        ("first", "first")
    );
}

async fn usernames_are_unique_within_a_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = find_tenant(store, "holstebro").await;
    let new = server::store::NewUser {
        tenant_id: &tenant.id,
        username: "mads",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        role: server::store::Role::Worker,
        team_id: None,
    };
    let result = store.create_user(&new, now_ms()).await;
    assert!(matches!(result, Err(StoreError::AlreadyExists)), "{result:?}");
}

async fn documents_load_together_as_they_load_one_by_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let anna = find_user(store, "hoeje-taastrup", "anna").await;
    let mut ids = store.assigned_cases(&anna.id).await.expect("store");
    assert!(ids.len() >= 2, "the demo's cases of anna's");
    let empty = DocumentId::from_bytes([0x6a; 16]);
    let case = NewCase {
        doc_id: &empty,
        tenant_id: &tenant.id,
        team_id: anna.team_id.as_ref(),
    };
    store.create_case(&case, now_ms()).await.expect("case row");
    ids.push(empty);
    ids.push(DocumentId::from_bytes([0x6b; 16]));

    let mut together = store.load_documents(&ids).await.expect("store");
    together.sort_by_key(|doc| doc.doc_id);
    let mut one_by_one = Vec::new();
    for id in &ids {
        one_by_one.extend(store.load_document(id).await.expect("store"));
    }
    one_by_one.sort_by_key(|doc| doc.doc_id);
    assert_eq!(together.len(), ids.len() - 1, "all but the missing one");
    assert_eq!(together, one_by_one);
    assert!(
        together
            .iter()
            .any(|doc| doc.doc_id == empty && doc.bytes.is_empty())
    );
    assert!(
        together
            .iter()
            .filter(|doc| doc.doc_id != empty)
            .all(|doc| doc.seq > 0 && automerge::Automerge::load(&doc.bytes).is_ok())
    );
}
