//! The access log in use: sync downloads and commits are logged once and without citizen data, and
//! `GET /v1/audit` and `/v1/audit/sample` serve admins of the same tenant only, refusing bad queries with a 4xx.

use std::time::Duration;

use automerge::{ActorId, ChangeHash};
use axum::http::StatusCode;
use server::store::AuditFilter;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen};
use uuid::Uuid;

use crate::helpers::{Backend, Served, TestApp, execute_raw, find_tenant, find_user};

both_backends!(
    a_device_says_why_its_worker_opened_a_case_and_the_log_keeps_it,
    a_change_is_committed_with_its_log_row_or_not_at_all,
    a_sync_download_and_a_commit_are_logged_once_without_citizen_data,
    a_case_pushed_to_two_connections_of_one_device_is_logged_once,
    the_audit_endpoints_serve_admins_of_the_same_tenant_only,
    bad_audit_queries_get_a_clear_4xx,
);

const NOW: i64 = 1_764_000_000_000;

async fn a_sync_download_and_a_commit_are_logged_once_without_citizen_data(backend: Backend) {
    let served = Served::start(backend).await;
    let store = served.state.store.clone();
    let tenant = find_tenant(&store, "hoeje-taastrup").await;
    let anna_user = find_user(&store, "hoeje-taastrup", "anna").await;
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    anna.sync(served.port).await;
    let downloaded = anna.docs.len();
    assert!(downloaded > 0, "anna's team shares cases");

    let reads = AuditFilter {
        user_id: Some(anna_user.id.to_string()),
        action: Some("read".into()),
        limit: 1000,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &reads).await.expect("store");
    assert_eq!(rows.len(), downloaded, "one read per document per connection");
    assert!(
        rows.iter()
            .all(|row| row.device_id.as_ref().map(|id| id.as_str()) == Some(anna.device_id.as_str()))
    );

    // A new case: logged as create with its change hashes.
    let team = anna_user.team_id.clone().expect("a team");
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "audit-1".into(),
        birth_year: Some(1980),
    };
    let doc = CaseDocument::create(
        ActorId::random(),
        &Case::new("hoeje-taastrup", team.as_str(), citizen),
        NOW,
    )
    .expect("a valid case")
    .into_automerge();
    let heads: Vec<String> = doc.get_heads().iter().map(ChangeHash::to_string).collect();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    anna.docs.insert(id, doc);
    anna.sync(served.port).await;
    let creates = AuditFilter {
        case_id: Some(id.to_string()),
        action: Some("create".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &creates).await.expect("store");
    assert_eq!(rows.len(), 1);
    let detail = rows[0].detail.clone().unwrap_or_default();
    assert!(
        heads.iter().all(|head| detail.contains(head)),
        "{detail} names {heads:?}"
    );

    let everything = AuditFilter {
        limit: 1000,
        ..AuditFilter::default()
    };
    let all = store.audit_search(&tenant.id, &everything).await.expect("store");
    let text = serde_json::to_string(&all).expect("json");
    assert!(
        !text.contains("Synthetic") && !text.contains("audit-1"),
        "no citizen data in the log"
    );
    assert!(matches!(
        server::audit::verify(&store).await,
        Ok(server::audit::Verification::Intact { .. })
    ));
    served.stop().await;
}

/// A device's connections share one record of what it was sent: a teammate's edit pushed to both of them is one
/// read; once the device's last connection is gone, the next download is logged again.
async fn a_case_pushed_to_two_connections_of_one_device_is_logged_once(backend: Backend) {
    let served = Served::start(backend).await;
    let store = served.state.store.clone();
    let tenant = find_tenant(&store, "hoeje-taastrup").await;
    let team = served.team_of("hoeje-taastrup", "anna").await;
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    let (id, doc) = tests::cases::new_cases(&team, 1, 1, "two connections")
        .pop()
        .expect("a case");
    anna.docs.insert(id, doc);
    anna.sync(served.port).await;
    // bo's phone, connected twice (the same device: its app and a second tab), is sent the case on both.
    let mut bo = served.device("hoeje-taastrup", "bo").await;
    let bo_device = bo.device_id.clone();
    let bo_reads = || {
        let store = store.clone();
        let tenant_id = tenant.id.clone();
        let device_id = bo_device.clone();
        let filter = AuditFilter {
            case_id: Some(id.to_string()),
            action: Some("read".into()),
            limit: 100,
            ..AuditFilter::default()
        };
        async move {
            let rows = store.audit_search(&tenant_id, &filter).await.expect("store");
            rows.iter()
                .filter(|row| row.device_id.as_ref().map(|d| d.as_str()) == Some(device_id.as_str()))
                .count()
        }
    };
    let mut bo_again = bo.twin();
    let mut first = bo.connect(served.port).await;
    let mut second = bo_again.connect(served.port).await;
    let wait = Duration::from_secs(20);
    tokio::join!(
        bo.run_until(&mut first, wait, |d| d.in_sync() && d.docs.contains_key(&id)),
        bo_again.run_until(&mut second, wait, |d| d.in_sync() && d.docs.contains_key(&id)),
    );
    assert_eq!(
        bo_reads().await,
        1,
        "sent on two connections of one device: one read"
    );

    // anna records a visit: pushed to both of bo's connections, still the same device holding the case.
    tests::cases::add_visit(anna.docs.get_mut(&id).expect("the case"), "Pushed twice");
    let expected = anna.docs[&id].get_heads();
    anna.sync(served.port).await;
    tokio::join!(
        bo.run_until(&mut first, wait, |d| d.docs[&id].get_heads() == expected),
        bo_again.run_until(&mut second, wait, |d| d.docs[&id].get_heads() == expected),
    );
    assert_eq!(
        bo_reads().await,
        1,
        "a pushed edit of a case the device holds is not a new read"
    );

    // Both connections closed: the device's next connection that is sent the case logs it again.
    drop((first, second));
    tests::cases::add_visit(anna.docs.get_mut(&id).expect("the case"), "After the reconnect");
    anna.sync(served.port).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    bo.sync(served.port).await;
    assert_eq!(bo_reads().await, 2, "a new connection's download is a new read");
    served.stop().await;
}

async fn the_audit_endpoints_serve_admins_of_the_same_tenant_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for("hoeje-taastrup", "admin").await;
    let mads = app.token_for("holstebro", "mads").await;
    let anna = app.token_for("hoeje-taastrup", "anna").await;
    let store = &app.state().store;
    let holstebro = find_tenant(store, "holstebro").await;
    let mads_id = store
        .user_by_username(&holstebro.id, "mads")
        .await
        .expect("store")
        .expect("mads")
        .id;

    let all = app.get("/v1/audit", Some(&admin)).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let entries = all.body["entries"].as_array().expect("entries");
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["user_id"] != mads_id.as_str()),
        "another tenant's rows stay hidden"
    );

    // Filtering by another tenant's user finds nothing, exactly as for an unknown user.
    let other = app.get(&format!("/v1/audit?user={mads_id}"), Some(&admin)).await;
    assert_eq!(other.body["entries"], serde_json::json!([]));
    let logins = app.get("/v1/audit?action=login&limit=1", Some(&admin)).await;
    assert_eq!(logins.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(logins.body["entries"][0]["action"], "login");

    let sample = app.get("/v1/audit/sample?n=2", Some(&admin)).await;
    assert_eq!(sample.status, StatusCode::OK);
    assert!(
        sample.body["entries"]
            .as_array()
            .is_some_and(|e| (1..=2).contains(&e.len()))
    );

    for token in [&anna, &mads] {
        for path in ["/v1/audit", "/v1/audit/sample?n=1"] {
            let refused = app.get(path, Some(token)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(refused.error_code(), "forbidden");
        }
    }
    assert_eq!(app.get("/v1/audit", None).await.status, StatusCode::UNAUTHORIZED);
}

async fn bad_audit_queries_get_a_clear_4xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for("hoeje-taastrup", "admin").await;
    for path in [
        "/v1/audit?limit=abc",
        "/v1/audit?limit=0",
        "/v1/audit?limit=100000",
        "/v1/audit?from=yesterday",
        "/v1/audit?action=drop%20table",
        "/v1/audit/sample?n=-1",
        "/v1/audit/sample?n=x",
    ] {
        let response = app.get(path, Some(&admin)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            response.body
        );
        assert_eq!(response.error_code(), "bad_request", "{path}");
    }
    let quote = app
        .get("/v1/audit?user=x%27%20OR%20%271%27%3D%271", Some(&admin))
        .await;
    assert_eq!(quote.status, StatusCode::OK);
    assert_eq!(
        quote.body["entries"],
        serde_json::json!([]),
        "SQL metacharacters are just text"
    );
}

/// A commit and its access-log row are one transaction (issue 11, point 8): while the log cannot be written, a
/// device's new case is neither stored nor acknowledged (the device keeps it); once it can, the case lands with
/// its row.
async fn a_change_is_committed_with_its_log_row_or_not_at_all(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let database = app.database_url().to_owned();
    let served = app.serve();
    let store = served.state.store.clone();
    let tenant = find_tenant(&store, "hoeje-taastrup").await;
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    anna.sync(served.port).await;
    let team = store
        .user_by_username(&tenant.id, "anna")
        .await
        .expect("store")
        .expect("anna")
        .team_id
        .expect("a team");
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "audit-2".into(),
        birth_year: Some(1990),
    };
    let doc = CaseDocument::create(
        ActorId::random(),
        &Case::new("hoeje-taastrup", team.as_str(), citizen),
        NOW,
    )
    .expect("a valid case")
    .into_automerge();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    anna.docs.insert(id, doc);

    // The access log cannot be written (as if its table were gone).
    execute_raw(&database, "ALTER TABLE audit_log RENAME TO audit_log_away").await;
    let outcome = anna
        .try_sync(served.port, std::time::Duration::from_secs(10))
        .await;
    assert!(
        outcome.is_err(),
        "the sync cannot finish while nothing can be logged"
    );
    assert!(
        store.load_document(&id).await.expect("store").is_none(),
        "the case was not stored without its log row"
    );
    assert!(
        !anna.acked.contains_key(&id),
        "and not acknowledged: the phone keeps it"
    );

    execute_raw(&database, "ALTER TABLE audit_log_away RENAME TO audit_log").await;
    anna.sync(served.port).await;
    assert!(store.load_document(&id).await.expect("store").is_some());
    let creates = AuditFilter {
        case_id: Some(id.to_string()),
        action: Some("create".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(
        store
            .audit_search(&tenant.id, &creates)
            .await
            .expect("store")
            .len(),
        1
    );
    served.stop().await;
}

/// A phone sends the openings of cases with their stated purpose (issue 11, point 9): each case its user may see is
/// logged as a read with that purpose and the device's time in the detail; a case of another municipality is
/// skipped without a word about it; a purpose outside the list is refused.
async fn a_device_says_why_its_worker_opened_a_case_and_the_log_keeps_it(backend: Backend) {
    let served = Served::start(backend).await;
    let store = served.state.store.clone();
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    anna.sync(served.port).await;
    let case = anna.docs.keys().next().expect("anna holds cases").to_string();
    let mut mads = served.device("holstebro", "mads").await;
    mads.sync(served.port).await;
    let theirs = mads.docs.keys().next().expect("mads holds cases").to_string();

    let body = serde_json::json!({ "opens": [
        { "case_id": case, "purpose": "follow_up", "at_ms": 1_700_000_000_000_i64 },
        { "case_id": theirs, "purpose": "visit", "at_ms": 1_700_000_000_001_i64 },
    ]});
    let logged = served
        .call("POST", "/v1/access/opens", &anna.token, Some(body))
        .await;
    assert_eq!(logged.status, StatusCode::OK, "{:?}", logged.body);
    assert_eq!(
        (logged.body["logged"].clone(), logged.body["skipped"].clone()),
        (1.into(), 1.into())
    );

    let tenant = find_tenant(&store, "hoeje-taastrup").await;
    let reads = AuditFilter {
        case_id: Some(case.clone()),
        action: Some("read".into()),
        limit: 100,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &reads).await.expect("store");
    let opened: Vec<_> = rows
        .iter()
        .filter(|row| row.purpose.as_deref() == Some("follow_up"))
        .collect();
    assert_eq!(opened.len(), 1, "{rows:?}");
    assert_eq!(opened[0].detail.as_deref(), Some("opened at=1700000000000"));
    assert_eq!(
        opened[0].device_id.as_ref().map(|id| id.as_str()),
        Some(anna.device_id.as_str())
    );
    let west = find_tenant(&store, "holstebro").await;
    let theirs_read = AuditFilter {
        case_id: Some(theirs.clone()),
        limit: 100,
        ..AuditFilter::default()
    };
    let anna_device = Some(anna.device_id.as_str());
    let their_rows = store.audit_search(&west.id, &theirs_read).await.expect("store");
    assert!(
        their_rows
            .iter()
            .all(|row| row.device_id.as_ref().map(|id| id.as_str()) != anna_device)
    );

    let bad = serde_json::json!({ "opens": [{ "case_id": case, "purpose": "curiosity", "at_ms": 1 }] });
    let refused = served
        .call("POST", "/v1/access/opens", &anna.token, Some(bad))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    served.stop().await;
}
