//! `sync --watch`: a connected phone receives a colleague's change live, and uploads an edit another tov command
//! stored meanwhile.

mod common;

use std::time::Duration;

use cli::Device;
use cli::edits::{NoteEdit, edit_note};
use cli::sync::{SyncEvent, SyncOptions, WatchEvent, watch};
use cli::time::now_ms;
use common::{login_as, start_server, sync};
use tokio::sync::{mpsc, oneshot};

/// Waits for a watch event matching `wanted`, failing the test after 30 seconds.
async fn wait_for(events: &mut mpsc::UnboundedReceiver<WatchEvent>, wanted: impl Fn(&WatchEvent) -> bool) {
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = events.recv().await {
            if wanted(&event) {
                return;
            }
        }
        panic!("the watch ended");
    })
    .await;
    assert!(found.is_ok(), "timed out waiting for a watch event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watching_phone_receives_live_changes_and_uploads_local_edits() {
    let server = start_server().await;
    let (anna_dir, bo_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let anna = login_as(&server, "anna", anna_dir.path()).await;
    let bo = login_as(&server, "bo", bo_dir.path()).await;
    sync(&anna).await;
    sync(&bo).await;

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let watcher_profile = anna.clone();
    let watcher = tokio::spawn(async move {
        let device = Device::open(watcher_profile).await.expect("store");
        let result = watch(
            &device,
            &SyncOptions::default(),
            |e| drop(events_tx.send(e)),
            async {
                let _ = stopped.await;
            },
        )
        .await;
        device.close().await;
        result
    });
    wait_for(&mut events, |e| matches!(e, WatchEvent::InSync)).await;

    // bo edits a case and syncs: anna's phone receives it without asking.
    let bo_phone = Device::open(bo.clone()).await.expect("store");
    let case = bo_phone.store().documents().await.expect("lists")[0].id;
    let contact = bo_phone
        .read_case(&case)
        .await
        .expect("reads")
        .case
        .contacts
        .keys()
        .next()
        .cloned()
        .expect("a contact");
    edit_note(
        &bo_phone,
        &case,
        &contact,
        NoteEdit::Replace("Fra bo.".into()),
        now_ms(),
    )
    .await
    .expect("edited");
    bo_phone.close().await;
    sync(&bo).await;
    wait_for(
        &mut events,
        |e| matches!(e, WatchEvent::Sync(SyncEvent::Received { doc, .. }) if *doc == case),
    )
    .await;

    // Another tov command on anna's phone stores an edit: the watch uploads it.
    let anna_phone = Device::open(anna.clone()).await.expect("store");
    edit_note(
        &anna_phone,
        &case,
        &contact,
        NoteEdit::Append("Fra anna.".into()),
        now_ms(),
    )
    .await
    .expect("edited");
    anna_phone.close().await;
    wait_for(
        &mut events,
        |e| matches!(e, WatchEvent::Sync(SyncEvent::Acknowledged { doc }) if *doc == case),
    )
    .await;

    let _ = stop.send(());
    watcher.await.expect("joins").expect("the watch stopped cleanly");
    sync(&bo).await;
    let bo_phone = Device::open(bo).await.expect("store");
    let notes = bo_phone.read_case(&case).await.expect("reads").case.contacts[&contact]
        .notes
        .as_str()
        .to_owned();
    assert_eq!(notes, "Fra bo.\nFra anna.");
    bo_phone.close().await;
    server.stop().await;
}
