//! `POST /v1/auth/refresh`: rotation, reuse detection (which revokes the device and is logged), expiry after the
//! maximum offline period, and bad input.

use axum::http::StatusCode;
use serde_json::json;
use server::auth::refresh;
use server::store::{AuditFilter, RefreshOwner, Role};

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp, TestResponse, find_tenant};

both_backends!(
    login_returns_a_refresh_token_that_rotates_on_every_use,
    a_reused_refresh_token_revokes_the_device_and_is_logged,
    unknown_expired_and_revoked_refresh_tokens_are_refused,
    bad_refresh_requests_get_a_clear_4xx,
);

async fn refresh_with(app: &TestApp, token: &str) -> TestResponse {
    app.post_json("/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

fn text(response: &TestResponse, field: &str) -> String {
    response.body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {:?}", response.body))
        .to_owned()
}

async fn login_returns_a_refresh_token_that_rotates_on_every_use(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["refresh_expires_in"], 14 * 24 * 3600);
    let first = text(&login, "refresh_token");

    let rotated = refresh_with(&app, &first).await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let second = text(&rotated, "refresh_token");
    assert_ne!(first, second);
    assert_eq!(
        rotated.body["device_id"], login.body["device_id"],
        "the same device goes on"
    );
    let me = app.get("/v1/me", Some(&text(&rotated, "access_token"))).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["device_id"], login.body["device_id"]);
    assert_eq!(refresh_with(&app, &second).await.status, StatusCode::OK);
}

async fn a_reused_refresh_token_revokes_the_device_and_is_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    let first = text(&login, "refresh_token");
    let rotated = refresh_with(&app, &first).await;
    let (access, second) = (text(&rotated, "access_token"), text(&rotated, "refresh_token"));

    let reused = refresh_with(&app, &first).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reused.error_code(), "unauthorized");
    assert_eq!(
        refresh_with(&app, &second).await.status,
        StatusCode::UNAUTHORIZED,
        "the device is revoked"
    );
    assert_eq!(
        app.get("/v1/me", Some(&access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let other_device = app.token_for("hoeje-taastrup", "anna").await;
    assert_eq!(
        app.get("/v1/me", Some(&other_device)).await.status,
        StatusCode::OK,
        "a new login works"
    );

    let store = &app.state().store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let filter = AuditFilter {
        action: Some("refresh_reuse".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &filter).await.expect("store");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].device_id.as_ref().map(|id| id.as_str()),
        login.body["device_id"].as_str()
    );
    let device = text(&login, "device_id");
    let device = device.parse().expect("a device id");
    let stored = store.device_by_id(&device).await.expect("store").expect("device");
    assert!(stored.revoked_at.is_some());
}

async fn unknown_expired_and_revoked_refresh_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let unknown = refresh_with(&app, "bm90LWEtcmVhbC10b2tlbg").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh_with(&app, "").await.status, StatusCode::UNAUTHORIZED);

    // A token past the maximum offline period.
    let login = app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    let owner = RefreshOwner {
        tenant_id: login.body["user"]["tenant"]
            .as_str()
            .expect("tenant")
            .parse()
            .expect("a tenant id"),
        user_id: login.body["user"]["id"]
            .as_str()
            .expect("user")
            .parse()
            .expect("a user id"),
        device_id: text(&login, "device_id").parse().expect("a device id"),
        role: Role::Worker,
    };
    let expired = refresh::generate();
    let now = server::clock::now_ms();
    app.state()
        .store
        .issue_refresh_token(&expired.hash, &owner, now - 20 * 86_400_000, now - 1)
        .await
        .expect("stores");
    assert_eq!(
        refresh_with(&app, &expired.token).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A revoked device's refresh token.
    let refresh_token = text(&login, "refresh_token");
    app.state()
        .store
        .revoke_device(&owner.device_id, now)
        .await
        .expect("revokes");
    // Its holder is told why, so the phone wipes what it holds (a lost phone); a stranger's token says nothing.
    let refused = refresh_with(&app, &refresh_token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.error_code(), "device_revoked");
    assert_eq!(
        refresh_with(&app, "not-a-token").await.error_code(),
        "unauthorized"
    );
}

async fn bad_refresh_requests_get_a_clear_4xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = "x".repeat(10_000);
    let bodies = [
        json!({}),
        json!({ "refresh_token": 5 }),
        json!({ "refresh_token": long }),
        json!(null),
    ];
    for body in bodies {
        let response = app.post_json("/v1/auth/refresh", &body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_code(), "bad_request");
    }
    let not_json = app
        .post_raw("/v1/auth/refresh", Some("text/plain"), "refresh")
        .await;
    assert!(not_json.status.is_client_error());
    assert_eq!(not_json.error_code(), "bad_request");
    let quote = refresh_with(&app, "' OR '1'='1").await;
    assert_eq!(quote.status, StatusCode::UNAUTHORIZED);
}
