//! A device's first sync, and the life of a change made offline: stored before anything is sent, kept across a
//! restart and a dead server, and acknowledged once the server has it.

mod common;

use cli::edits::{ContactInput, CourseChoice, add_contact};
use cli::sync::{SyncError, SyncOptions, run_once};
use cli::time::now_ms;
use cli::{Device, Profile};
use common::{TEAM_CASES, TENANT, login_as, shown, start_server, sync, tov};
use sync_core::fit::RaterKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_first_sync_download_the_caseload() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let login = tov(
        dir.path(),
        &[
            "login",
            "--server",
            &server.url(),
            "--tenant",
            TENANT,
            "--user",
            "anna",
        ],
    )
    .await;
    assert!(login.status.success(), "{}", shown(&login));
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    assert!(
        String::from_utf8_lossy(&synced.stdout)
            .contains(&format!("{TEAM_CASES} document(s) received ({TEAM_CASES} new)")),
        "{}",
        shown(&synced)
    );
    let cases = tov(dir.path(), &["cases"]).await;
    assert!(
        String::from_utf8_lossy(&cases.stdout)
            .contains(&format!("{TEAM_CASES} cases; 0 with unsynced changes")),
        "{}",
        shown(&cases)
    );
    let status = tov(dir.path(), &["status"]).await;

    // No command ever shows the token, and the profile keeps it only sealed.
    let mut profile = Profile::open(dir.path()).expect("profile");
    profile.unlocked(now_ms()).expect("unlocked by the login");
    let token = secrecy::ExposeSecret::expose_secret(&profile.token().expect("a token")).to_owned();
    for output in [&login, &synced, &cases, &status] {
        assert!(
            !shown(output).contains(&token),
            "the token leaked: {}",
            shown(output)
        );
    }
    let file = std::fs::read(dir.path().join("token")).expect("token file");
    assert!(
        !String::from_utf8_lossy(&file).contains(&token),
        "the token file is sealed"
    );

    let device = Device::open(Profile::open(dir.path()).expect("profile"))
        .await
        .expect("store");
    assert_eq!(device.store().documents().await.expect("lists").len(), TEAM_CASES);
    assert!(
        device.store().pending().await.expect("lists").is_empty(),
        "a first sync leaves nothing pending"
    );
    assert!(device.store().cursor().await.expect("reads").is_some());
    device.close().await;
    server.stop().await;
}

fn home_visit() -> ContactInput {
    ContactInput {
        kind: "home_visit".to_owned(),
        start_ms: now_ms(),
        duration_minutes: 60,
        notes: "Talte om at tage bussen.".to_owned(),
        ors: Some("6.5,5.0,7.2,6.0".to_owned()),
        srs: Some("9.1,9.4,8.8,9.0".to_owned()),
        rater: RaterKind::Citizen,
        goals: Vec::new(),
        course: CourseChoice::Current,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_contact_survives_a_restart_and_a_dead_server_until_acknowledged() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;

    // Offline: a contact is recorded, and the process ends.
    let (case, contact) = {
        let device = Device::open(profile.clone()).await.expect("store");
        let case = device.store().documents().await.expect("lists")[0].id;
        let contact = add_contact(&device, &case, home_visit(), now_ms())
            .await
            .expect("recorded");
        device.close().await;
        (case, contact)
    };

    // The server is down: the sync fails and the change stays pending.
    let paused = server.pause().await;
    let options = SyncOptions {
        timeout: std::time::Duration::from_secs(5),
        ..SyncOptions::default()
    };
    let failed = run_once(&Profile::open(dir.path()).expect("profile"), &options).await;
    assert!(
        matches!(failed, Err(SyncError::Network(_) | SyncError::Timeout(_))),
        "{failed:?}"
    );

    // A new process: the store is read from disk again, and still holds the change as pending.
    let profile = Profile::open(dir.path()).expect("profile");
    let device = Device::open(profile.clone()).await.expect("store");
    let pending = device.store().pending().await.expect("lists");
    assert_eq!(pending.iter().map(|d| d.id).collect::<Vec<_>>(), vec![case]);
    device.close().await;

    let server = paused.resume().await;
    let report = sync(&profile).await;
    assert!(report.acknowledged.contains(&case), "{report:?}");
    assert_eq!(report.pending, 0);
    let device = Device::open(profile.clone()).await.expect("store");
    assert!(device.store().pending().await.expect("lists").is_empty());
    device.close().await;

    // The server holds it durably: a colleague's phone downloads it.
    let bo_dir = tempfile::tempdir().expect("temp dir");
    let bo = login_as(&server, "bo", bo_dir.path()).await;
    sync(&bo).await;
    let device = Device::open(bo).await.expect("store");
    let local = device.read_case(&case).await.expect("bo has the case");
    let recorded = local.case.contacts.get(&contact).expect("the contact arrived");
    assert_eq!(recorded.ors.as_ref().and_then(|r| r.total_mm()), Some(247));
    assert_eq!(recorded.notes.as_str(), "Talte om at tage bussen.");
    device.close().await;
    server.stop().await;
}
