//! The plan and coordination with the real `tov` against a real server (issue 12, points 2 and 5 in `tov`): the
//! purpose and the citizen's own goal are written offline (writing what already reads so changes nothing), a network
//! meeting is recorded as its own entry, and a teammate's phone reads both after one sync each.

mod common;

use common::{login_as, new_case, shown, start_server, stdout, sync, tov};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_and_a_network_meeting_are_written_offline_and_reach_a_teammate() {
    let server = start_server().await;
    let (anna_dir, bo_dir) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let anna = login_as(&server, "anna", anna_dir.path()).await;
    let bo = login_as(&server, "bo", bo_dir.path()).await;
    sync(&anna).await;
    let case = new_case(anna_dir.path(), "T-PLAN", Some(1990)).await;

    let nothing = tov(anna_dir.path(), &["plan", &case]).await;
    assert_eq!(nothing.status.code(), Some(2), "{}", shown(&nothing));

    let paused = server.pause().await;
    let purpose = "Synthetic: support to keep the flat";
    let own_goal = "I want to pay my rent myself";
    let written = tov(
        anna_dir.path(),
        &["plan", &case, "--purpose", purpose, "--own-goal", own_goal],
    )
    .await;
    assert!(written.status.success(), "{}", shown(&written));
    assert!(stdout(&written).contains("is written"), "{}", shown(&written));
    let again = tov(anna_dir.path(), &["plan", &case, "--own-goal", own_goal]).await;
    assert!(stdout(&again).contains("already reads so"), "{}", shown(&again));
    let agreements = "Psychiatry calls the landlord before the visit";
    let coordinated = tov(
        anna_dir.path(),
        &[
            "coordination",
            "add",
            &case,
            "--date",
            "2026-11-30",
            "--with",
            "psychiatry,housing",
            "--participants",
            "Nurse, housing officer",
            "--agreements",
            agreements,
        ],
    )
    .await;
    assert!(coordinated.status.success(), "{}", shown(&coordinated));

    let _server = paused.resume().await;
    sync(&anna).await;
    sync(&bo).await;
    let view = tov(bo_dir.path(), &["case", &case, "--purpose", "review"]).await;
    assert!(view.status.success(), "{}", shown(&view));
    assert!(
        stdout(&view).contains(purpose) && stdout(&view).contains(own_goal),
        "{}",
        shown(&view)
    );
    assert!(
        stdout(&view).contains("Psychiatry, Housing")
            && stdout(&view).contains(&format!("agreed: {agreements}")),
        "{}",
        shown(&view)
    );
}
