//! Break-the-glass: a reason is required, the grant opens the case to the user (also for sync catch-up) to read
//! only, it is logged with the reason and shown to the lead, and another tenant's case answers like a missing one.

use std::time::Duration;

use automerge::Automerge;
use axum::http::StatusCode;
use serde_json::json;
use server::store::{AuditFilter, Store, Viewer};
use sync_core::DocumentId;
use sync_core::case::{CaseDocument, NewContact};
use sync_core::protocol::RefusalReason;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, execute_raw, find_user, sees};

both_backends!(
    breaking_the_glass_needs_a_reason_grants_access_and_is_logged,
    another_tenants_case_answers_like_a_missing_one,
    a_case_opened_by_break_the_glass_is_read_only,
);

const REASON: &str = "Borgeren ringede akut, og den faste medarbejder er syg";

async fn viewer(store: &Store, tenant: &str, username: &str) -> Viewer {
    let user = find_user(store, tenant, username).await;
    store.viewer(&user.id).await.expect("store").expect("viewer")
}

/// A Holstebro case that mads does not hold (the team there does not share its cases).
async fn case_outside_mads_caseload(store: &Store) -> DocumentId {
    let lene = viewer(store, "holstebro", "lene").await;
    let mads = viewer(store, "holstebro", "mads").await;
    let (_, cases) = store.visible_changes(&lene, None).await.expect("store");
    let case = cases.first().expect("the demo has Holstebro cases").doc_id;
    store.unassign_case(&case, &mads.user_id, 1).await.expect("store");
    assert!(!sees(store, &mads, &case).await);
    case
}

async fn breaking_the_glass_needs_a_reason_grants_access_and_is_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.state().store.clone();
    let case = case_outside_mads_caseload(&store).await;
    let mads = viewer(&store, "holstebro", "mads").await;
    let (cursor, _) = store.visible_changes(&mads, None).await.expect("store");
    let mads_token = app.token_for("holstebro", "mads").await;
    let path = format!("/v1/cases/{case}/break-glass");
    let with_token = |body: serde_json::Value| {
        axum::http::Request::post(path.as_str())
            .header("authorization", format!("Bearer {mads_token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .expect("a request")
    };

    for body in [
        json!({}),
        json!({ "reason": "" }),
        json!({ "reason": "too short" }),
        json!({ "reason": "          x         " }),
        json!({ "reason": "x".repeat(501) }),
        // Blanks around the reason are not a way past the limit the schema states (found by Schemathesis).
        json!({ "reason": format!("{}{}", "x".repeat(495), "\u{a0}".repeat(10)) }),
        json!({ "reason": 42 }),
    ] {
        let refused = app.send(with_token(body.clone())).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.error_code(), "bad_request");
    }
    assert!(!sees(&store, &mads, &case).await, "nothing was granted");

    let granted = app.send(with_token(json!({ "reason": REASON }))).await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    assert_eq!(granted.body["case_id"], case.to_string());
    assert!(sees(&store, &mads, &case).await);
    let (_, changed) = store.visible_changes(&mads, Some(cursor)).await.expect("store");
    assert!(
        changed.iter().any(|visible| visible.doc_id == case),
        "the next catch-up brings the case"
    );

    let filter = AuditFilter {
        action: Some("break_glass".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&mads.tenant_id, &filter).await.expect("store");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].case_id.as_deref(), Some(case.to_string().as_str()));
    assert_eq!(rows[0].purpose.as_deref(), Some(REASON));
    assert_eq!(
        rows[0].user_id.as_ref().map(|id| id.as_str()),
        Some(mads.user_id.as_str())
    );

    let lene = app.token_for("holstebro", "lene").await;
    let listed = app.get("/v1/break-glass", Some(&lene)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["grants"][0]["case_id"], case.to_string());
    assert_eq!(listed.body["grants"][0]["username"], "mads");
    assert_eq!(listed.body["grants"][0]["reason"], REASON);
    let worker = app.get("/v1/break-glass", Some(&mads_token)).await;
    assert_eq!(worker.status, StatusCode::FORBIDDEN);
}

async fn another_tenants_case_answers_like_a_missing_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.state().store.clone();
    let case = case_outside_mads_caseload(&store).await;
    let anna = app.token_for("hoeje-taastrup", "anna").await;
    let post = |path: String| {
        axum::http::Request::post(path)
            .header("authorization", format!("Bearer {anna}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json!({ "reason": REASON }).to_string()))
            .expect("a request")
    };
    let other = app.send(post(format!("/v1/cases/{case}/break-glass"))).await;
    let missing = app
        .send(post("/v1/cases/2VMKpqDzmfzXdZnJ8Sm4d1bBvEkE/break-glass".into()))
        .await;
    let quote = app
        .send(post("/v1/cases/x'%20OR%20'1'='1/break-glass".into()))
        .await;
    for response in [&other, &missing, &quote] {
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{:?}", response.body);
    }
    assert_eq!(other.body, missing.body);
    let anna_viewer = viewer(&store, "hoeje-taastrup", "anna").await;
    assert!(!sees(&store, &anna_viewer, &case).await);

    let admin = app.token_for("hoeje-taastrup", "admin").await;
    let by_admin = app.send(
        axum::http::Request::post(format!("/v1/cases/{case}/break-glass"))
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json!({ "reason": REASON }).to_string()))
            .expect("a request"),
    );
    assert_eq!(
        by_admin.await.status,
        StatusCode::FORBIDDEN,
        "admins do not read cases"
    );
    let lea = app.token_for("hoeje-taastrup", "lea").await;
    let listed = app.get("/v1/break-glass", Some(&lea)).await;
    assert_eq!(listed.body["grants"], json!([]), "nothing of another tenant");
}

/// Break-the-glass opens a case to read (issue 11, point 7): the case reaches the phone, and a change to it is
/// refused as `WriteForbidden` and never stored, while the worker's own cases take changes as ever.
async fn a_case_opened_by_break_the_glass_is_read_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let database = app.database_url().to_owned();
    let served = app.serve();
    let store = served.state.store.clone();
    let case = case_outside_mads_caseload(&store).await;
    let id = case;
    let mads_user = viewer(&store, "holstebro", "mads").await;
    let mut mads = served.device("holstebro", "mads").await;
    let token = mads.token.clone();
    let path = format!("/v1/cases/{case}/break-glass");
    let granted = served
        .call("POST", &path, &token, Some(json!({ "reason": REASON })))
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    // A check-in link would let the citizen's scores into the case: refused too.
    let link = json!({ "contact_id": "any", "scales": ["ors"] });
    let checkin = served
        .call("POST", &format!("/v1/cases/{case}/checkins"), &token, Some(link))
        .await;
    assert_eq!(checkin.status, StatusCode::FORBIDDEN, "{:?}", checkin.body);

    mads.sync(served.port).await;
    let before = mads
        .docs
        .get(&id)
        .expect("the case reached the phone")
        .get_heads();
    let now = server::clock::now_ms();
    let mut document =
        CaseDocument::from_automerge(mads.docs.remove(&id).expect("held"), now).expect("a case");
    document
        .add_contact(Uuid::new_v4(), contact(mads_user.user_id.as_str()), now)
        .expect("a valid contact");
    mads.docs.insert(id, document.into_automerge());

    let mut connection = mads.connect(served.port).await;
    mads.edited(&mut connection, id).await;
    mads.run_until(&mut connection, Duration::from_secs(20), |d| d.refused(&id))
        .await;
    assert_eq!(
        mads.refusal(&id).map(|r| r.0),
        Some(RefusalReason::WriteForbidden)
    );
    let stored = store.load_document(&case).await.expect("store").expect("stored");
    assert_eq!(
        Automerge::load(&stored.bytes).expect("loads").get_heads(),
        before,
        "nothing of the change was stored"
    );

    // The grant expires while the refused change is still on the phone. Losing sight of a case opens the grace
    // for a device's last changes only to one who could change the case: this one could only read it, so the
    // change is still refused, and the phone is told to purge the case (it keeps the change, which the server
    // never acknowledged).
    execute_raw(&database, "UPDATE break_glass SET expires_at = 0").await;
    drop(connection);
    let mut connection = mads.connect(served.port).await;
    mads.run_until(&mut connection, Duration::from_secs(20), |d| d.purged(&id))
        .await;
    let stored = store.load_document(&case).await.expect("store").expect("stored");
    assert_eq!(
        Automerge::load(&stored.bytes).expect("loads").get_heads(),
        before,
        "the grant's expiry opened no door to the refused change"
    );
    served.stop().await;
}

fn contact(recorded_by: &str) -> NewContact {
    NewContact {
        kind: "home_visit".into(),
        start_ms: server::clock::now_ms(),
        duration_minutes: 30,
        course: None,
        workers: vec![],
        notes: "Synthetic note".into(),
        goals: vec![],
        ors: None,
        srs: None,
        recorded_by: recorded_by.to_owned(),
    }
}
