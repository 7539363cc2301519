//! Goals in `tov` against a real server (issue 12, point 2): a goal's title, FFB goal type and target date are
//! edited and goals re-ordered offline; `tov case` lists them in the plan's order (sync-core's `goals::in_order`);
//! after one sync the server holds the order and the edits.

mod common;

use common::{login_as, new_case, printed_id, shown, start_server, stdout, sync, tov};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goals_are_edited_and_reordered_offline_and_reach_the_server() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = new_case(dir.path(), "T-GOALS", Some(1985)).await;
    let paused = server.pause().await;

    let mut ids = Vec::new();
    for title in ["Keep the flat", "Find a job", "Sleep better"] {
        let added = tov(dir.path(), &["goal", "add", &case, "--title", title]).await;
        assert!(added.status.success(), "{}", shown(&added));
        ids.push(printed_id(&added, "goal "));
    }
    let order = |text: &str| -> Vec<&'static str> {
        let mut found: Vec<(usize, &'static str)> =
            ["Keep the flat", "Find a job", "Sleep through the night"]
                .into_iter()
                .filter_map(|title| text.find(title).map(|at| (at, title)))
                .collect();
        found.sort();
        found.into_iter().map(|(_, title)| title).collect()
    };

    let edited = tov(
        dir.path(),
        &[
            "goal",
            "edit",
            &case,
            &ids[2],
            "--title",
            "Sleep through the night",
            "--type",
            "fastholde",
            "--target",
            "2027-02-01",
        ],
    )
    .await;
    assert!(edited.status.success(), "{}", shown(&edited));
    let moved = tov(dir.path(), &["goal", "move", &case, &ids[2], "--first"]).await;
    assert!(moved.status.success(), "{}", shown(&moved));
    let after = tov(dir.path(), &["goal", "move", &case, &ids[0], "--after", &ids[1]]).await;
    assert!(after.status.success(), "{}", shown(&after));
    let again = tov(dir.path(), &["goal", "move", &case, &ids[0], "--after", &ids[1]]).await;
    assert_eq!(
        again.status.code(),
        Some(2),
        "it already stands there: {}",
        shown(&again)
    );
    let itself = tov(dir.path(), &["goal", "move", &case, &ids[0], "--after", &ids[0]]).await;
    assert_eq!(itself.status.code(), Some(2), "{}", shown(&itself));
    let nothing = tov(dir.path(), &["goal", "edit", &case, &ids[1]]).await;
    assert_eq!(
        nothing.status.code(),
        Some(2),
        "an edit names what to change: {}",
        shown(&nothing)
    );

    let view = tov(dir.path(), &["case", &case, "--purpose", "visit"]).await;
    let text = stdout(&view);
    assert_eq!(
        order(&text),
        ["Sleep through the night", "Find a job", "Keep the flat"],
        "{text}"
    );
    assert!(text.contains("by 2027-02-01"), "{text}");

    let server = paused.resume().await;
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    let stored = server.stored(case.parse().expect("a case id")).await;
    let held = sync_core::case::read_valid_case(&stored).expect("a valid case");
    let titles: Vec<&str> = sync_core::case::goals::in_order(&held.plan)
        .into_iter()
        .map(|(_, goal, _)| goal.title.as_str())
        .collect();
    assert_eq!(titles, ["Sleep through the night", "Find a job", "Keep the flat"]);
}
