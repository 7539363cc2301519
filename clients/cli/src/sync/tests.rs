//! The link's handling of server frames, without a server: purges keep unsynced work unless forced, refusals are
//! stored, and the cursor is persisted on CaughtUp. (The demo server sends no Purge yet, so this is where purges
//! are pinned.)

use secrecy::SecretString;
use sync_core::DocumentId;
use sync_core::protocol::{Frame, PurgeReason, RefusalReason, encode};

use super::link::Link;
use crate::device::Device;
use crate::edits::{NewCase, create_case};
use crate::profile::{Profile, Settings};
use crate::store::PurgeOutcome;

async fn device(dir: &std::path::Path) -> Device {
    let mut profile = Profile::open(dir).expect("profile");
    let settings = Settings {
        server: "http://127.0.0.1:9".into(),
        tenant_slug: "hoeje-taastrup".into(),
        tenant_id: "t".into(),
        user_id: "u".into(),
        username: "anna".into(),
        role: "worker".into(),
        team_id: Some("team".into()),
        device_id: "d".into(),
        device_name: "test".into(),
        token_expires_ms: 0,
        offline_until_ms: None,
    };
    profile.set_key(std::sync::Arc::new(crate::keys::DataKey::generate()));
    profile
        .save_login(settings, &SecretString::from("token"), None)
        .expect("saves");
    Device::open(profile).await.expect("opens")
}

async fn new_case(device: &Device, name: &str) -> DocumentId {
    let new = NewCase {
        name: name.into(),
        reference: "R-1".into(),
        birth_year: None,
    };
    create_case(device, new, 1_000).await.expect("created")
}

/// A link past its Welcome, as after a connect.
async fn open_link(device: &Device, force: bool) -> Link<'_> {
    let (mut link, hello) = Link::open(device, "d", force, false).await.expect("opens");
    assert_eq!(hello.len(), 1, "the Hello, and nothing before the Welcome");
    link.receive(&encode(&Frame::Welcome {
        cursor: 7,
        changed: Vec::new(),
    }))
    .await
    .expect("welcome");
    link
}

#[tokio::test]
async fn a_purge_keeps_a_document_with_unsynced_changes_unless_forced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let kept = new_case(&device, "Kept").await;
    let acked = new_case(&device, "Acked").await;
    let heads = device
        .store()
        .document(&acked)
        .await
        .expect("reads")
        .expect("present")
        .heads;
    device.store().set_acked(&acked, &heads).await.expect("acks");

    let mut link = open_link(&device, false).await;
    for doc in [kept, acked] {
        let purge = Frame::Purge {
            doc,
            reason: PurgeReason::Unassigned,
        };
        link.receive(&encode(&purge)).await.expect("purge");
    }
    let ids: Vec<_> = device
        .store()
        .documents()
        .await
        .expect("lists")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        ids,
        vec![kept],
        "the acknowledged case is gone, the unsynced one kept"
    );
    let notes = device.store().purges(10).await.expect("lists");
    assert!(
        notes
            .iter()
            .any(|n| n.doc == kept && n.outcome == PurgeOutcome::KeptPending)
    );
    assert!(
        notes
            .iter()
            .any(|n| n.doc == acked && n.outcome == PurgeOutcome::Deleted)
    );

    let mut forced = open_link(&device, true).await;
    let purge = Frame::Purge {
        doc: kept,
        reason: PurgeReason::Unassigned,
    };
    forced.receive(&encode(&purge)).await.expect("purge");
    assert!(device.store().documents().await.expect("lists").is_empty());
    let notes = device.store().purges(1).await.expect("lists");
    assert_eq!(notes[0].outcome, PurgeOutcome::DeletedPending);
}

#[tokio::test]
async fn a_refusal_is_stored_and_the_cursor_waits_for_caught_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let case = new_case(&device, "Refused").await;
    let mut link = open_link(&device, false).await;
    let refused = Frame::Refused {
        doc: case,
        reason: RefusalReason::WriteForbidden,
        message: "new cases are created in your own team".into(),
    };
    link.receive(&encode(&refused)).await.expect("refusal");
    // Refused again (as at every connection until corrected): still one note.
    link.receive(&encode(&refused)).await.expect("refusal");
    let notes = device.store().refusals().await.expect("lists");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].doc, notes[0].reason.as_str()),
        (case, "write_forbidden")
    );
    assert_eq!(device.store().cursor().await.expect("reads"), None);

    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    assert_eq!(device.store().cursor().await.expect("reads"), Some(7));
    assert!(
        link.is_complete(),
        "the refused document does not hold the sync open"
    );
}

#[tokio::test]
async fn an_error_frame_from_the_server_is_the_matching_sync_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let mut link = open_link(&device, false).await;
    let error = Frame::Error {
        code: sync_core::protocol::ErrorCode::Revoked,
        message: "device revoked".into(),
    };
    let result = link.receive(&encode(&error)).await;
    assert!(
        matches!(result, Err(super::SyncError::Revoked(_))),
        "{:?}",
        result.err()
    );
}

#[tokio::test]
async fn the_sync_is_complete_only_once_every_document_is_acknowledged_in_whatever_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = device(dir.path()).await;
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(new_case(&device, &format!("Case {n}")).await);
    }
    cases.sort();
    let mut link = open_link(&device, false).await;
    link.receive(&encode(&Frame::CaughtUp { cursor: 7 }))
        .await
        .expect("caught up");
    // Out of order: the check starts where the last one stopped, and must still see the documents before it.
    for (acked, doc) in [cases[1], cases[3], cases[0], cases[2]].into_iter().enumerate() {
        assert!(!link.is_complete(), "{acked} of 4 acknowledged");
        let heads = device
            .store()
            .document(&doc)
            .await
            .expect("reads")
            .expect("present")
            .heads;
        link.receive(&encode(&Frame::Ack { doc, heads }))
            .await
            .expect("ack");
    }
    assert!(link.is_complete());
}
