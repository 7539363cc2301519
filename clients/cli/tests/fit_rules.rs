//! The municipality's own FIT rule set in `tov` (issue 12, point 9): fetched at each sync and kept in the profile,
//! so the case view assesses offline with the server's thresholds and names the set that fired its alerts.

mod common;

use common::{login_as, new_case, shown, start_server, stdout, sync, tov};
use serde_json::json;
use tests::http::{login, request};

const SRS_BELOW: &str = "The latest SRS is below the cutoff";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tov_assesses_with_the_municipalitys_rule_set_once_it_synced() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = new_case(dir.path(), "T-RULES", Some(1980)).await;
    // SRS 37.0: above fit-rules/1's cutoff of 36.0.
    let visit = tov(
        dir.path(),
        &[
            "contact",
            "add",
            &case,
            "--kind",
            "home-visit",
            "--ors",
            "6,6,6,6",
            "--srs",
            "9.2,9.3,9.2,9.3",
        ],
    )
    .await;
    assert!(visit.status.success(), "{}", shown(&visit));
    let before = tov(dir.path(), &["case", &case, "--purpose", "visit"]).await;
    assert!(
        stdout(&before).contains("rules fit-rules/1"),
        "{}",
        shown(&before)
    );
    assert!(!stdout(&before).contains(SRS_BELOW), "{}", shown(&before));

    // The municipality's admin loads a set whose SRS cutoff is 38.0.
    let admin = login(server.port, "hoeje-taastrup", "admin", tests::DEMO_PASSWORD).await;
    let mut rules = serde_json::to_value(sync_core::fit::RuleSet::v1()).expect("JSON");
    rules["version"] = json!("test-kommune/2");
    for cutoff in rules["cutoffs"].as_array_mut().expect("cutoffs") {
        if cutoff["instrument"] == "srs" {
            cutoff["cutoff_mm"] = json!(380);
        }
    }
    let (status, answer) = request(
        server.port,
        "PUT",
        "/v1/fit-rules",
        Some(&admin.token),
        Some(&rules),
    )
    .await
    .expect("answers");
    assert_eq!(status, 200, "{answer}");

    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    // Offline from here: the kept set is used.
    let _paused = server.pause().await;
    let after = tov(dir.path(), &["case", &case, "--purpose", "visit"]).await;
    assert!(
        stdout(&after).contains("rules test-kommune/2"),
        "{}",
        shown(&after)
    );
    assert!(stdout(&after).contains(SRS_BELOW), "{}", shown(&after));
}
