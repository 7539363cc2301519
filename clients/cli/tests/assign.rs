//! Who holds a case, with the real `tov` against a real server (issue 12, point 1): offline, a worker assigns a
//! teammate, hands them the tovholder role and steps off the case; `tov` refuses what sync-core refuses before
//! anything is sent; the teammate's phone reads the new tovholder after one sync; the worker who stepped off the
//! list keeps the case (the list does not decide sight: the lead's assignment and the team's sharing do); and the
//! server refuses naming someone outside the case's team. A goal's status history shows in `tov case`.

mod common;

use common::{TENANT, login_as, new_case, shown, start_server, stdout, sync, tov};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_hands_the_case_over_offline_and_the_server_refuses_a_stranger() {
    let server = start_server().await;
    let (anna_dir, bo_dir) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let anna = login_as(&server, "anna", anna_dir.path()).await;
    let bo = login_as(&server, "bo", bo_dir.path()).await;
    let anna_id = server.user(TENANT, "anna").await.id.to_string();
    let bo_id = server.user(TENANT, "bo").await.id.to_string();
    let mads_id = server.user("holstebro", "mads").await.id.to_string();
    sync(&anna).await;
    let case = new_case(anna_dir.path(), "T-ASSIGN", Some(1985)).await;
    let a = anna_dir.path();

    // Offline: everything below is written on the phone only.
    let paused = server.pause().await;
    let run = |args: Vec<&str>| {
        let mut all = vec!["assign", case.as_str()];
        all.extend(args);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        async move { tov(a, &all.iter().map(String::as_str).collect::<Vec<_>>()).await }
    };
    // A colleague is named by username (the team list the last sync fetched) or by user id.
    let not_a_user = run(vec!["--add", "nobody-of-the-team", "--name", "Nobody"]).await;
    assert_eq!(not_a_user.status.code(), Some(2), "{}", shown(&not_a_user));
    let stranger = run(vec!["--tovholder", &bo_id]).await;
    assert_eq!(
        stranger.status.code(),
        Some(2),
        "not assigned yet: {}",
        shown(&stranger)
    );
    let added = run(vec!["--add", "bo", "--name", "Bo"]).await;
    assert!(added.status.success(), "{}", shown(&added));
    assert!(stdout(&added).contains("is assigned to"), "{}", shown(&added));
    let twice = run(vec!["--add", &bo_id, "--name", "Bo B."]).await;
    assert_eq!(twice.status.code(), Some(2), "{}", shown(&twice));
    let the_tovholder = run(vec!["--remove", &anna_id[..8]]).await;
    assert_eq!(the_tovholder.status.code(), Some(2), "{}", shown(&the_tovholder));
    assert!(
        String::from_utf8_lossy(&the_tovholder.stderr).contains("hand the role over first"),
        "{}",
        shown(&the_tovholder)
    );
    // Workers already on the case are named by the name the case shows, or by a prefix of their id.
    let handed = run(vec!["--tovholder", "bo"]).await;
    assert!(handed.status.success(), "{}", shown(&handed));
    let stepped_off = run(vec!["--remove", &anna_id[..8]]).await;
    assert!(stepped_off.status.success(), "{}", shown(&stepped_off));
    let last = run(vec!["--remove", "Bo"]).await;
    assert_eq!(last.status.code(), Some(2), "{}", shown(&last));

    // A goal's status history: made active, then achieved, both on this device.
    let goal = tov(a, &["goal", "add", &case, "--title", "Keep the flat"]).await;
    assert!(goal.status.success(), "{}", shown(&goal));
    let goal_id = common::printed_id(&goal, "goal");
    let achieved = tov(a, &["goal", "set", &case, &goal_id, "--status", "achieved"]).await;
    assert!(achieved.status.success(), "{}", shown(&achieved));

    let _server = paused.resume().await;
    let report = sync(&anna).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    sync(&bo).await;
    let bos_view = tov(bo_dir.path(), &["case", &case, "--purpose", "review"]).await;
    assert!(bos_view.status.success(), "{}", shown(&bos_view));
    let shown_to_bo = stdout(&bos_view);
    assert!(
        shown_to_bo.contains(&format!("Tovholder: Bo   Workers: Bo ({})", &bo_id[..8])),
        "{}",
        shown(&bos_view)
    );
    assert!(
        shown_to_bo.contains("status: active") && shown_to_bo.contains("-> achieved"),
        "{}",
        shown(&bos_view)
    );

    // Stepping off the list does not take the case off Anna's phone: the server's assignments (a lead's) and the
    // team's sharing decide sight, so her phone still holds it after a sync, with her own steps as this device's.
    sync(&anna).await;
    let annas_view = tov(a, &["case", &case, "--purpose", "review"]).await;
    assert!(annas_view.status.success(), "{}", shown(&annas_view));
    assert!(
        stdout(&annas_view).contains("Tovholder: Bo") && stdout(&annas_view).contains("(this device)"),
        "{}",
        shown(&annas_view)
    );

    // Someone of another municipality passes sync-core's rules on the phone, but not the server's.
    let outsider = run(vec!["--add", &mads_id, "--name", "Mads"]).await;
    assert!(outsider.status.success(), "{}", shown(&outsider));
    let report = sync(&anna).await;
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert!(
        report.refused[0].message.contains("workers of the case's team"),
        "{:?}",
        report.refused
    );
    sync(&bo).await;
    let unchanged = tov(bo_dir.path(), &["case", &case, "--purpose", "review"]).await;
    assert!(!stdout(&unchanged).contains("Mads"), "{}", shown(&unchanged));
}
