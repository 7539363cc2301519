//! A municipality's own FIT rule set (issue 12, point 9): an admin loads it (checked by sync-core; a version never
//! changes its content), staff and phones read it, and every assessment of the municipality's cases (the
//! projection at commit, and the reassessment of the cases already there) uses it and names its version, while
//! other municipalities keep theirs.

use std::time::Duration;

use automerge::Automerge;
use serde_json::{Value, json};
use server::store::AuditFilter;
use sync_core::case::{CaseDocument, NewContact};
use sync_core::fit::{Instrument, RaterKind, Rating};
use tests::http::request;
use uuid::Uuid;

use crate::helpers::{Backend, Served, TestApp, audit_rows, execute_raw};

both_backends!(a_municipality_loads_its_own_fit_rules_and_every_assessment_names_them);

const NOW: i64 = 1_764_000_000_000;
const OWN_VERSION: &str = "test-kommune/2";

/// fit-rules/1 with another version name and an SRS cutoff of 38.0 instead of 36.0.
fn own_rules() -> Value {
    let mut rules: Value =
        serde_json::to_value(sync_core::fit::RuleSet::v1()).expect("the built-in set as JSON");
    rules["version"] = json!(OWN_VERSION);
    for cutoff in rules["cutoffs"].as_array_mut().expect("cutoffs") {
        if cutoff["instrument"] == "srs" {
            cutoff["cutoff_mm"] = json!(380);
        }
    }
    rules
}

/// Records a home visit whose SRS total is 37.0 points: fine under fit-rules/1, below the own set's cutoff.
fn add_visit_with_srs_37(doc: &mut Automerge, n: u128) {
    let mut case = CaseDocument::from_automerge(std::mem::take(doc), NOW).expect("a case");
    let visit = NewContact {
        kind: "home_visit".into(),
        start_ms: NOW + i64::try_from(n).expect("small") * 86_400_000,
        duration_minutes: 60,
        course: None,
        workers: vec![],
        notes: String::new(),
        goals: vec![],
        ors: None,
        srs: Some(Rating::items(
            Instrument::Srs,
            [92, 93, 92, 93],
            RaterKind::Citizen,
        )),
        recorded_by: "tester".into(),
    };
    case.add_contact(Uuid::from_u128(n), visit, NOW)
        .expect("a valid visit");
    *doc = case.into_automerge();
}

/// The versions of the rule sets behind the case's `srs_below_cutoff` alerts.
async fn srs_alerts(server: &Served, id: &sync_core::DocumentId) -> Vec<String> {
    let rows = server.state.store.projection_rows(id).await.expect("store");
    rows.alerts
        .iter()
        .filter(|a| a.kind == "srs_below_cutoff")
        .map(|a| a.rule_set_version.clone())
        .collect()
}

async fn a_municipality_loads_its_own_fit_rules_and_every_assessment_names_them(backend: Backend) {
    let server = Served::start(backend).await;
    let port = server.port;
    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let lea = server.device("hoeje-taastrup", "lea").await;
    let admin = server.device("hoeje-taastrup", "admin").await;
    let mads = server.device("holstebro", "mads").await;
    let read = |token: String| async move {
        request(port, "GET", "/v1/fit-rules", Some(&token), None)
            .await
            .expect("answers")
    };
    let load = |token: String, body: Value| async move {
        request(port, "PUT", "/v1/fit-rules", Some(&token), Some(&body))
            .await
            .expect("answers")
    };

    let (status, built_in) = read(anna.token.clone()).await;
    assert_eq!(status, 200, "{built_in}");
    assert_eq!(
        (built_in["version"].as_str(), &built_in["loaded_at"]),
        (Some("fit-rules/1"), &Value::Null)
    );
    assert_eq!(built_in["rules"]["reliable_change_mm"], 50);

    let (id, mut doc) = crate::sync::new_case(&team, 70);
    add_visit_with_srs_37(&mut doc, 71);
    anna.docs.insert(id, doc);
    anna.sync(port).await;
    assert!(anna.is_acked(&id, &anna.docs[&id]));
    assert!(
        srs_alerts(&server, &id).await.is_empty(),
        "37.0 is above fit-rules/1's 36.0"
    );

    // Only an admin loads a rule set, and only one sync-core accepts.
    for token in [anna.token.clone(), lea.token.clone()] {
        assert_eq!(load(token, own_rules()).await.0, 403);
    }
    let mut gap = own_rules();
    gap["cutoffs"][0]["max_age"] = json!(15);
    let (status, refused) = load(admin.token.clone(), gap).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cutoffs of ORS"),
        "{refused}"
    );
    let mut misspelt = own_rules();
    misspelt["reliable_chnage_mm"] = json!(40);
    assert_eq!(load(admin.token.clone(), misspelt).await.0, 400);
    assert_eq!(
        read(anna.token.clone()).await.1["version"],
        "fit-rules/1",
        "nothing refused was stored"
    );

    let (status, loaded) = load(admin.token.clone(), own_rules()).await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(loaded["version"], OWN_VERSION);
    assert!(loaded["loaded_at"].is_i64());
    let (_, seen) = read(anna.token.clone()).await;
    assert_eq!(
        (seen["version"].as_str(), &seen["rules"]),
        (Some(OWN_VERSION), &loaded["rules"])
    );
    assert_eq!(
        read(mads.token.clone()).await.1["version"],
        "fit-rules/1",
        "another municipality keeps its own"
    );

    // The case already there is reassessed in the background.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while srs_alerts(&server, &id).await != [OWN_VERSION] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the case was not reassessed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let store = &server.state.store;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !store.fit_rules_not_reassessed().await.expect("store").is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the finished reassessment was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A process stopped in the middle of a reassessment: the set is not marked, the case keeps an old alert. The
    // next process to start finishes it.
    execute_raw(
        &server.database_url(),
        "UPDATE fit_rule_sets SET reassessed_at = NULL",
    )
    .await;
    execute_raw(
        &server.database_url(),
        "UPDATE proj_alerts SET rule_set_version = 'fit-rules/1'",
    )
    .await;
    assert_eq!(srs_alerts(&server, &id).await, ["fit-rules/1"]);
    let restarted = TestApp::builder(backend)
        .on_database(&server.database_url())
        .build()
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while srs_alerts(&server, &id).await != [OWN_VERSION]
        || !store.fit_rules_not_reassessed().await.expect("store").is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted process did not finish the reassessment"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(restarted);

    // A new visit is assessed with it at commit.
    let (other, mut doc) = crate::sync::new_case(&team, 80);
    add_visit_with_srs_37(&mut doc, 81);
    anna.docs.insert(other, doc);
    anna.sync(port).await;
    assert!(anna.is_acked(&other, &anna.docs[&other]));
    assert_eq!(srs_alerts(&server, &other).await, [OWN_VERSION]);

    // A version's content never changes; the same content loads again.
    let mut changed = own_rules();
    changed["srs_drop_mm"] = json!(20);
    let (status, conflict) = load(admin.token.clone(), changed).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(load(admin.token.clone(), own_rules()).await.0, 200);

    let logged = audit_rows(
        &server.state.store,
        "hoeje-taastrup",
        AuditFilter {
            action: Some("change".into()),
            limit: 100,
            ..AuditFilter::default()
        },
    )
    .await;
    let loads: Vec<_> = logged
        .iter()
        .filter(|row| row.purpose.as_deref() == Some("fit_rules"))
        .map(|row| row.detail.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        loads,
        [format!("version={OWN_VERSION}"), format!("version={OWN_VERSION}")]
    );
}
