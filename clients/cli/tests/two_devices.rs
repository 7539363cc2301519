//! Two workers' phones editing the same case offline, then syncing: nobody's work is lost, text interleaves, and
//! a field both changed is a conflict that both phones show until a person resolves it.

mod common;

use cli::Device;
use cli::edits::{
    Choice, ContactInput, CourseChoice, NoteEdit, add_contact, edit_note, resolve, set_goal_status,
};
use cli::time::now_ms;
use common::{login_as, start_server, sync};
use sync_core::DocumentId;
use sync_core::case::conflicts;
use sync_core::fit::RaterKind;

fn contact(kind: &str, notes: &str) -> ContactInput {
    ContactInput {
        kind: kind.to_owned(),
        start_ms: now_ms(),
        duration_minutes: 30,
        notes: notes.to_owned(),
        ors: None,
        srs: Some("9.5,9.5,9.5,9.5".to_owned()),
        rater: RaterKind::Citizen,
        goals: Vec::new(),
        course: CourseChoice::Current,
    }
}

/// A case anna and bo both hold, with its latest contact and its first goal.
async fn shared_case(device: &Device) -> (DocumentId, String, String) {
    for local in device.cases().await.expect("reads").into_iter().flatten() {
        if local.case.workers.len() == 2
            && let (Some(contact), Some(goal)) = (
                local
                    .case
                    .contacts
                    .iter()
                    .max_by_key(|(_, c)| c.start_ms)
                    .map(|(id, _)| id.clone()),
                local.case.plan.goals.keys().next().cloned(),
            )
        {
            return (local.id, contact, goal);
        }
    }
    panic!("the demo has cases held by both anna and bo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_offline_edits_converge_and_a_shared_field_becomes_a_conflict() {
    let server = start_server().await;
    let (anna_dir, bo_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let anna = login_as(&server, "anna", anna_dir.path()).await;
    let bo = login_as(&server, "bo", bo_dir.path()).await;
    sync(&anna).await;
    sync(&bo).await;

    // A note with letters beyond ASCII, on both phones, so text positions in bytes and in characters differ.
    let anna_phone = Device::open(anna.clone()).await.expect("store");
    let (case, visit, goal) = shared_case(&anna_phone).await;
    let before = "Kort snak om søvn og døgnrytme.";
    edit_note(
        &anna_phone,
        &case,
        &visit,
        NoteEdit::Replace(before.into()),
        now_ms(),
    )
    .await
    .expect("edited");
    anna_phone.close().await;
    sync(&anna).await;
    sync(&bo).await;

    // Both phones offline, editing the same case.
    let anna_phone = Device::open(anna.clone()).await.expect("store");
    let bo_phone = Device::open(bo.clone()).await.expect("store");
    let anna_contact = add_contact(
        &anna_phone,
        &case,
        contact("home_visit", "Anna var på besøg."),
        now_ms(),
    )
    .await
    .expect("recorded");
    let bo_contact = add_contact(&bo_phone, &case, contact("phone", "Bo ringede."), now_ms())
        .await
        .expect("recorded");
    edit_note(
        &anna_phone,
        &case,
        &visit,
        NoteEdit::Append("Anna: ringer i morgen, på vej.".into()),
        now_ms(),
    )
    .await
    .expect("edited");
    edit_note(
        &bo_phone,
        &case,
        &visit,
        NoteEdit::Append("Bo: øvede bussen sammen.".into()),
        now_ms(),
    )
    .await
    .expect("edited");
    set_goal_status(&anna_phone, &case, &goal, "achieved", now_ms())
        .await
        .expect("set");
    set_goal_status(&bo_phone, &case, &goal, "dropped", now_ms())
        .await
        .expect("set");
    anna_phone.close().await;
    bo_phone.close().await;

    // Signal again: anna, then bo (who receives anna's work), then anna (who receives bo's).
    sync(&anna).await;
    let bo_report = sync(&bo).await;
    assert!(bo_report.acknowledged.contains(&case));
    assert!(
        bo_report.conflicts.iter().any(|(doc, _)| *doc == case),
        "{bo_report:?}"
    );
    let anna_report = sync(&anna).await;
    assert!(
        anna_report.conflicts.iter().any(|(doc, _)| *doc == case),
        "{anna_report:?}"
    );

    let status_path = vec![
        "plan".to_owned(),
        "goals".to_owned(),
        goal.clone(),
        "status".to_owned(),
    ];
    let mut heads = Vec::new();
    for profile in [&anna, &bo] {
        let device = Device::open(profile.clone()).await.expect("store");
        let local = device.read_case(&case).await.expect("reads");
        assert!(
            local.case.contacts.contains_key(&anna_contact),
            "anna's contact kept"
        );
        assert!(local.case.contacts.contains_key(&bo_contact), "bo's contact kept");
        let notes = local.case.contacts[&visit].notes.as_str().to_owned();
        for part in [
            before,
            "Anna: ringer i morgen, på vej.",
            "Bo: øvede bussen sammen.",
        ] {
            assert!(notes.contains(part), "{part:?} is in {notes:?}");
        }
        let found = conflicts::list(local.doc.automerge());
        let conflict = found
            .iter()
            .find(|c| c.path == status_path)
            .expect("the goal status is a conflict");
        let mut values: Vec<String> = conflict.values.iter().map(|v| v.value.to_string()).collect();
        values.sort();
        assert_eq!(values, ["\"achieved\"", "\"dropped\""]);
        assert!(!local.pending, "everything acknowledged");
        heads.push(local.doc.heads());
        device.close().await;
    }
    assert_eq!(heads[0], heads[1], "both phones hold the same document");
    // The back office sees the conflict too, in the server's projection.
    let field = status_path.join(".");
    let projected = server
        .state
        .store
        .projection_rows(&case)
        .await
        .expect("projection");
    assert!(
        projected
            .conflicts
            .iter()
            .any(|c| c.path == field && c.value_count == 2),
        "{:?}",
        projected.conflicts
    );

    // anna resolves; after a sync round both phones agree and the conflict is gone.
    let device = Device::open(anna.clone()).await.expect("store");
    let (_, chosen) = resolve(
        &device,
        &case,
        &field,
        Choice::Value(serde_json::json!("achieved")),
        now_ms(),
    )
    .await
    .expect("resolved");
    assert_eq!(chosen, serde_json::json!("achieved"));
    device.close().await;
    sync(&anna).await;
    sync(&bo).await;
    for profile in [&anna, &bo] {
        let device = Device::open(profile.clone()).await.expect("store");
        let local = device.read_case(&case).await.expect("reads");
        assert!(
            conflicts::list(local.doc.automerge())
                .iter()
                .all(|c| c.path != status_path)
        );
        assert_eq!(local.case.plan.goals[&goal].status, "achieved");
        device.close().await;
    }
    let projected = server
        .state
        .store
        .projection_rows(&case)
        .await
        .expect("projection");
    assert!(
        projected.conflicts.iter().all(|c| c.path != field),
        "resolved on the server too"
    );

    // bo edits the note again, now that anna's changes sit on top of his own last one: an edit must not depend on
    // the device's previous change being a head.
    let device = Device::open(bo.clone()).await.expect("store");
    edit_note(
        &device,
        &case,
        &visit,
        NoteEdit::Append("Bo: næste gang.".into()),
        now_ms(),
    )
    .await
    .expect("a later edit on top of others' changes works");
    device.close().await;
    assert!(sync(&bo).await.acknowledged.contains(&case));
    server.stop().await;
}
