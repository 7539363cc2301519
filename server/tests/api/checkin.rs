//! The citizen's check-in link: created by the worker for a video or phone contact, used once by the citizen,
//! the scores landing in the case document; a used or expired link says so plainly.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sync_core::DocumentId;
use sync_core::case::read_case;
use sync_core::fit::{Entry, RaterKind};

use crate::helpers::{Backend, TestApp, TestResponse, audit_rows, find_tenant, find_user};

both_backends!(
    a_citizen_rates_once_through_the_link_and_the_scores_reach_the_case,
    a_used_or_expired_link_says_so_plainly,
    check_in_links_are_refused_for_wrong_input_and_other_tenants,
);

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(request.body(Body::from(body.to_string())).expect("request"))
        .await
}

/// A case anna holds with a contact of one of `kinds`.
async fn case_with_contact(app: &TestApp, kinds: &[&str]) -> (String, String) {
    let store = &app.state().store;
    let anna = find_user(store, "hoeje-taastrup", "anna").await;
    let viewer = store.viewer(&anna.id).await.expect("store").expect("viewer");
    let (_, cases) = store.visible_changes(&viewer, None).await.expect("store");
    for visible in cases {
        let doc = visible.doc_id;
        let guard = app.state().sync.documents.open(doc).await.expect("open");
        let Some(loaded) = guard.as_ref() else { continue };
        let case = read_case(&loaded.doc).expect("case");
        if let Some((contact, _)) = case
            .contacts
            .iter()
            .find(|(_, c)| kinds.contains(&c.kind.as_str()))
        {
            return (visible.doc_id.to_string(), contact.clone());
        }
    }
    panic!("the demo gives anna contacts of kinds {kinds:?}");
}

async fn create_link(app: &TestApp, token: &str, case: &str, contact: &str) -> String {
    let body = json!({ "contact_id": contact, "scales": ["ors", "srs"] });
    let created = post(app, &format!("/v1/cases/{case}/checkins"), Some(token), &body).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    assert!(
        created.body["path"]
            .as_str()
            .expect("a path")
            .starts_with("/checkin#")
    );
    created.body["token"].as_str().expect("a token").to_owned()
}

async fn a_citizen_rates_once_through_the_link_and_the_scores_reach_the_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anna = app.token_for("hoeje-taastrup", "anna").await;
    let (case, contact) = case_with_contact(&app, &["video", "phone"]).await;
    let link = create_link(&app, &anna, &case, &contact).await;

    // The citizen's page: the municipality and the scales, nothing about the case.
    let page = app.get(&format!("/v1/checkin/{link}"), None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["scales"].as_array().map(Vec::len), Some(2));
    assert_eq!(page.body["scales"][0]["items"].as_array().map(Vec::len), Some(4));
    let shown = page.body.to_string();
    assert!(
        !shown.contains(&case) && !shown.contains(&contact),
        "the page reveals no ids: {shown}"
    );

    let scores = json!({ "ors": [50, 60, 70, 80], "srs": [90, 91, 92, 93] });
    let saved = post(&app, &format!("/v1/checkin/{link}"), None, &scores).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);

    let guard = app
        .state()
        .sync
        .documents
        .open(case.parse().expect("id"))
        .await
        .expect("open");
    let stored = read_case(&guard.as_ref().expect("held").doc).expect("case");
    let rated = &stored.contacts[&contact];
    let ors = rated.ors.as_ref().expect("an ORS");
    assert_eq!(
        ors.entry,
        Entry::Items {
            items: vec![50, 60, 70, 80]
        }
    );
    assert_eq!(ors.rater, RaterKind::Citizen);
    assert_eq!(rated.srs.as_ref().and_then(|r| r.total_mm()), Some(366));
    drop(guard);
    let projection = app
        .state()
        .store
        .projection_rows(&case.parse().expect("id"))
        .await
        .expect("projection");
    assert!(
        projection
            .fit_scores
            .iter()
            .any(|row| row.contact_id == contact && row.total_mm == Some(260))
    );

    // The link's creation is in the access log beside the citizen's submission (issue 11, point 9).
    let filter = server::store::AuditFilter {
        case_id: Some(case.clone()),
        action: Some("create".into()),
        limit: 10,
        ..Default::default()
    };
    let rows = audit_rows(&app.state().store, "hoeje-taastrup", filter).await;
    let link_rows: Vec<_> = rows
        .iter()
        .filter(|row| row.purpose.as_deref() == Some("checkin_link"))
        .collect();
    assert_eq!(link_rows.len(), 1, "{rows:?}");
    assert!(
        link_rows[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains(&contact))
    );
}

async fn a_used_or_expired_link_says_so_plainly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anna = app.token_for("hoeje-taastrup", "anna").await;
    let (case, contact) = case_with_contact(&app, &["video", "phone"]).await;
    let link = create_link(&app, &anna, &case, &contact).await;
    let scores = json!({ "ors": [50, 50, 50, 50], "srs": [90, 90, 90, 90] });
    assert_eq!(
        post(&app, &format!("/v1/checkin/{link}"), None, &scores)
            .await
            .status,
        StatusCode::OK
    );
    let again = post(&app, &format!("/v1/checkin/{link}"), None, &scores).await;
    assert_eq!(
        (again.status, again.error_code()),
        (StatusCode::GONE, "checkin_used")
    );
    let page = app.get(&format!("/v1/checkin/{link}"), None).await;
    assert_eq!(
        (page.status, page.error_code()),
        (StatusCode::GONE, "checkin_used")
    );

    // An expired link, stored as the worker's would be.
    let store = &app.state().store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let user = find_user(store, "hoeje-taastrup", "anna").await;
    let hash: String = Sha256::digest(b"expired-link")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now = server::clock::now_ms();
    store
        .create_checkin(&server::store::NewCheckin {
            token_hash: &hash,
            tenant_id: &tenant.id,
            case_id: &case.parse().expect("id"),
            contact_id: &contact,
            scales: "ors",
            created_by: &user.id,
            now_ms: now - 10_000,
            expires_at: now - 1,
        })
        .await
        .expect("stored");
    let expired = app.get("/v1/checkin/expired-link", None).await;
    assert_eq!(
        (expired.status, expired.error_code()),
        (StatusCode::GONE, "checkin_expired")
    );
    let late = post(
        &app,
        "/v1/checkin/expired-link",
        None,
        &json!({ "ors": [1, 2, 3, 4] }),
    )
    .await;
    assert_eq!(
        (late.status, late.error_code()),
        (StatusCode::GONE, "checkin_expired")
    );
    let unknown = app.get("/v1/checkin/no-such-link", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn check_in_links_are_refused_for_wrong_input_and_other_tenants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anna = app.token_for("hoeje-taastrup", "anna").await;
    let mads = app.token_for("holstebro", "mads").await;
    let (case, contact) = case_with_contact(&app, &["video", "phone"]).await;
    let (visit_case, visit) = case_with_contact(&app, &["home_visit"]).await;
    let path = format!("/v1/cases/{case}/checkins");

    let foreign = post(
        &app,
        &path,
        Some(&mads),
        &json!({ "contact_id": contact, "scales": ["ors"] }),
    )
    .await;
    let missing = post(
        &app,
        &format!("/v1/cases/{}/checkins", DocumentId::from_bytes([9; 16])),
        Some(&mads),
        &json!({ "contact_id": contact, "scales": ["ors"] }),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.body.clone()),
        (missing.status, missing.body.clone())
    );
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);

    let home = post(
        &app,
        &format!("/v1/cases/{visit_case}/checkins"),
        Some(&anna),
        &json!({ "contact_id": visit, "scales": ["srs"] }),
    )
    .await;
    assert_eq!(home.status, StatusCode::BAD_REQUEST, "a home visit needs no link");
    let bad_scale = post(
        &app,
        &path,
        Some(&anna),
        &json!({ "contact_id": contact, "scales": ["xyz"] }),
    )
    .await;
    assert_eq!(bad_scale.status, StatusCode::BAD_REQUEST);
    let unauthenticated = post(
        &app,
        &path,
        None,
        &json!({ "contact_id": contact, "scales": ["ors"] }),
    )
    .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);

    let link = create_link(&app, &anna, &case, &contact).await;
    for scores in [
        json!({ "ors": [50, 50, 101, 50], "srs": [90, 90, 90, 90] }),
        json!({ "ors": [50, 50, 50], "srs": [90, 90, 90, 90] }),
        json!({ "ors": [50, 50, 50, 50] }),
        json!({ "ors": "high", "srs": [90, 90, 90, 90] }),
    ] {
        let refused = post(&app, &format!("/v1/checkin/{link}"), None, &scores).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{scores}: {:?}",
            refused.body
        );
    }
    // Refused input did not use the link up.
    let ok = json!({ "ors": [50, 50, 50, 50], "srs": [90, 90, 90, 90] });
    assert_eq!(
        post(&app, &format!("/v1/checkin/{link}"), None, &ok).await.status,
        StatusCode::OK
    );
}
