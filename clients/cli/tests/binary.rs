//! The real `tov` binary: bad input is refused with exit code 2 before anything is written, `reset` will not
//! throw away unsynced work without `--force`, and a refused login is exit code 3.

mod common;

use std::path::Path;

use cli::{Device, Profile};
use common::{login_as, shown, start_server, sync, tov};
use sync_core::DocumentId;

/// The store's documents and their heads, to show that a refused command wrote nothing.
async fn snapshot(dir: &Path) -> Vec<(DocumentId, Vec<automerge::ChangeHash>, bool)> {
    let device = Device::open(Profile::open(dir).expect("profile"))
        .await
        .expect("store");
    let docs = device.store().documents().await.expect("lists");
    device.close().await;
    docs.into_iter()
        .map(|d| (d.id, d.heads.clone(), d.is_pending()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_score_is_refused_with_exit_code_2_and_nothing_is_written() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    sync(&login_as(&server, "anna", dir.path()).await).await;
    let before = snapshot(dir.path()).await;
    let case = before[0].0.to_string();
    let prefix = &case[..8];

    let out_of_range = tov(
        dir.path(),
        &[
            "contact",
            "add",
            prefix,
            "--kind",
            "home-visit",
            "--ors",
            "6.5,5.0,10.5,6.0",
            "--srs",
            "9.1,9.4,8.8,9.0",
        ],
    )
    .await;
    assert_eq!(out_of_range.status.code(), Some(2), "{}", shown(&out_of_range));
    assert!(
        String::from_utf8_lossy(&out_of_range.stderr).contains("ors.items[2]"),
        "{}",
        shown(&out_of_range)
    );

    let partial = tov(
        dir.path(),
        &[
            "contact",
            "add",
            prefix,
            "--kind",
            "phone",
            "--srs",
            "9.1,9.4,8.8",
        ],
    )
    .await;
    assert_eq!(partial.status.code(), Some(2), "{}", shown(&partial));
    assert!(
        String::from_utf8_lossy(&partial.stderr).contains("srs.items"),
        "{}",
        shown(&partial)
    );

    let unknown_kind = tov(dir.path(), &["contact", "add", prefix, "--kind", "teleport"]).await;
    assert_eq!(unknown_kind.status.code(), Some(2), "{}", shown(&unknown_kind));

    let no_such_case = tov(dir.path(), &["contact", "add", "0000", "--kind", "phone"]).await;
    assert_eq!(no_such_case.status.code(), Some(2), "{}", shown(&no_such_case));

    assert_eq!(
        snapshot(dir.path()).await,
        before,
        "a refused command wrote nothing"
    );

    // The same command with good scores is stored, pending until the next sync.
    let good = tov(
        dir.path(),
        &[
            "contact",
            "add",
            prefix,
            "--kind",
            "home-visit",
            "--ors",
            "6.5,5.0,7.2,6.0",
            "--srs",
            "9.1,9.4,8.8,9.0",
        ],
    )
    .await;
    assert!(good.status.success(), "{}", shown(&good));
    let pending: Vec<_> = snapshot(dir.path())
        .await
        .into_iter()
        .filter(|d| d.2)
        .map(|d| d.0.to_string())
        .collect();
    assert_eq!(pending, vec![case]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_refuses_to_discard_pending_changes_without_force() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    sync(&login_as(&server, "anna", dir.path()).await).await;
    let created = tov(
        dir.path(),
        &["case", "new", "--name", "Test Borger", "--reference", "T-1"],
    )
    .await;
    assert!(created.status.success(), "{}", shown(&created));

    let refused = tov(dir.path(), &["reset"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", shown(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("1 document(s)"),
        "{}",
        shown(&refused)
    );
    assert_eq!(
        snapshot(dir.path()).await.iter().filter(|d| d.2).count(),
        1,
        "the new case is still there"
    );

    let forced = tov(dir.path(), &["reset", "--force"]).await;
    assert!(forced.status.success(), "{}", shown(&forced));
    assert!(
        String::from_utf8_lossy(&forced.stderr).contains("discarding unsynced changes in 1"),
        "{}",
        shown(&forced)
    );
    assert!(snapshot(dir.path()).await.is_empty());

    // The login survives a reset: the next sync downloads the caseload again.
    let again = tov(dir.path(), &["sync"]).await;
    assert!(again.status.success(), "{}", shown(&again));
    assert_eq!(snapshot(dir.path()).await.len(), common::TEAM_CASES);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_ends_the_sync_with_exit_code_3() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    login_as(&server, "anna", dir.path()).await;
    replace_access_token(dir.path(), "not.a.token", i64::MAX / 2);
    let refused = tov(dir.path(), &["sync"]).await;
    assert_eq!(refused.status.code(), Some(3), "{}", shown(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("tov login"),
        "{}",
        shown(&refused)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_made_in_error_stays_in_the_record_and_leaves_fit() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = snapshot(dir.path()).await[0].0.to_string();
    let prefix = &case[..8];
    let args = [
        "contact",
        "add",
        prefix,
        "--kind",
        "phone",
        "--ors",
        "1.0,1.0,1.0,1.0",
        "--srs",
        "9.0,9.0,9.0,9.0",
    ];
    let added = tov(dir.path(), &args).await;
    assert!(added.status.success(), "{}", shown(&added));
    let stdout = String::from_utf8_lossy(&added.stdout).into_owned();
    let contact = stdout
        .split_whitespace()
        .nth(2)
        .expect("Recorded contact ID …")
        .to_owned();

    let no_reason = tov(
        dir.path(),
        &["contact", "mark-in-error", prefix, &contact, "--reason", " "],
    )
    .await;
    assert_eq!(no_reason.status.code(), Some(2), "{}", shown(&no_reason));
    let marked = tov(
        dir.path(),
        &[
            "contact",
            "mark-in-error",
            prefix,
            &contact,
            "--reason",
            "recorded on the wrong citizen",
        ],
    )
    .await;
    assert!(marked.status.success(), "{}", shown(&marked));
    let again = tov(
        dir.path(),
        &["contact", "mark-in-error", prefix, &contact, "--reason", "twice"],
    )
    .await;
    assert_eq!(
        again.status.code(),
        Some(2),
        "the mark is permanent: {}",
        shown(&again)
    );
    sync(&profile).await;

    let shown_case = tov(
        dir.path(),
        &["case", prefix, "--purpose", "review", "--contacts", "0"],
    )
    .await;
    let text = String::from_utf8_lossy(&shown_case.stdout);
    assert!(
        text.contains("MADE IN ERROR, not counted in FIT: recorded on the wrong citizen"),
        "{text}"
    );
    // On the server: the contact row stays, marked; its scores are not in the FIT rows.
    let id: DocumentId = case.parse().expect("an id");
    let rows = server.state.store.projection_rows(&id).await.expect("store");
    let row = rows
        .contacts
        .iter()
        .find(|c| c.contact_id.starts_with(&contact))
        .expect("the contact is kept");
    assert!(row.in_error);
    assert!(
        rows.fit_scores
            .iter()
            .all(|s| !s.contact_id.starts_with(&contact))
    );
    server.stop().await;
}

/// Stores `token` as the profile's access token, good until `expires_ms` as far as the device knows.
fn replace_access_token(dir: &Path, token: &str, expires_ms: i64) {
    let mut profile = Profile::open(dir).expect("profile");
    profile
        .unlocked(cli::time::now_ms())
        .expect("unlocked by the login");
    let mut settings = profile.logged_in().expect("logged in").clone();
    settings.token_expires_ms = expires_ms;
    profile
        .save_login(settings, &secrecy::SecretString::from(token), None)
        .expect("saves");
}

/// What 15 minutes do to the access token: the profile's token is stale and expired.
fn expire_access_token(dir: &Path) {
    replace_access_token(dir, "expired", 0);
}

/// The profile's tokens (access, refresh), opened with the session's key.
fn tokens(dir: &Path) -> (String, String) {
    use secrecy::ExposeSecret;
    let mut profile = Profile::open(dir).expect("profile");
    profile
        .unlocked(cli::time::now_ms())
        .expect("unlocked by the login");
    let access = profile.token().expect("an access token");
    let refresh = profile.refresh_token().expect("reads").expect("a refresh token");
    (
        access.expose_secret().to_owned(),
        refresh.expose_secret().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_silently_and_the_refresh_token_rotates() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    sync(&login_as(&server, "anna", dir.path()).await).await;
    let refresh = || tokens(dir.path()).1;
    let first = refresh();

    expire_access_token(dir.path());
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "no password asked: {}", shown(&synced));
    let second = refresh();
    assert_ne!(first, second, "the refresh token rotates");
    assert_ne!(tokens(dir.path()).0, "expired");

    // The rotated token works the next time, too.
    expire_access_token(dir.path());
    let again = tov(dir.path(), &["sync"]).await;
    assert!(again.status.success(), "{}", shown(&again));
    assert_ne!(refresh(), second);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_again_keeps_the_device_so_an_unassigned_case_is_still_purged() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Mads's team does not share cases: he holds exactly his assignments.
    let first = common::login_in(&server, "holstebro", "mads", dir.path()).await;
    sync(&first).await;
    let device = first.logged_in().expect("logged in").device_id.clone();
    let held: Vec<DocumentId> = snapshot(dir.path()).await.into_iter().map(|d| d.0).collect();
    assert!(held.len() >= 2, "the demo assigns mads cases");

    let again = common::login_in(&server, "holstebro", "mads", dir.path()).await;
    let settings = again.logged_in().expect("logged in").clone();
    assert_eq!(settings.device_id, device, "the same device goes on");

    for case in &held[..2] {
        assert!(
            server
                .state
                .store
                .unassign_case(
                    case,
                    &settings.user_id.parse().expect("a user id"),
                    cli::time::now_ms()
                )
                .await
                .expect("store")
        );
    }
    sync(&again).await;
    sync(&again).await;
    let left: Vec<DocumentId> = snapshot(dir.path()).await.into_iter().map(|d| d.0).collect();
    assert!(
        !left.contains(&held[0]) && !left.contains(&held[1]),
        "both unassigned cases were purged: {left:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_phone_wipes_its_store_also_when_its_token_had_expired() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    assert!(!snapshot(dir.path()).await.is_empty());
    let device = profile.logged_in().expect("logged in").device_id.clone();
    assert!(
        server
            .state
            .store
            .revoke_device(&device.parse().expect("a device id"), cli::time::now_ms())
            .await
            .expect("store")
    );
    // Offline for a while: the access token ran out, so the refresh is what hears of the revocation.
    expire_access_token(dir.path());
    let refused = tov(dir.path(), &["sync"]).await;
    assert_eq!(refused.status.code(), Some(3), "{}", shown(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("revoked"),
        "{}",
        shown(&refused)
    );
    assert!(!dir.path().join("store.db").exists(), "the store is wiped");
    assert!(!dir.path().join("refresh").exists(), "and the login");
    assert!(
        !dir.path().join("key.json").exists(),
        "and the key it was sealed under"
    );
    server.stop().await;
}
