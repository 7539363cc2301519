//! Hostile input: SQL metacharacters in names, filters, paths and notes are data, never SQL. Every answer is a
//! clear 4xx in the error shape or a normal answer, never a 500, and nothing is changed by them.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp};

both_backends!(sql_metacharacters_are_only_ever_data);

const HOSTILE: &str = "anna'; DROP TABLE users; -- \" OR '1'='1";

async fn sql_metacharacters_are_only_ever_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    // In a login: the same generic refusal as any wrong login, and the users are all still there.
    let refused = app.login(HOSTILE, HOSTILE, HOSTILE).await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let refused = app.login("hoeje-taastrup", HOSTILE, DEMO_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let anna = app.token_for("hoeje-taastrup", "anna").await;

    // In query filters and path segments.
    let admin = app.token_for("hoeje-taastrup", "admin").await;
    let encoded = "anna%27%3B%20DROP%20TABLE%20users%3B%20--%20%22%20OR%20%271%27%3D%271";
    let filtered = app
        .get(&format!("/v1/audit?user={encoded}&case={encoded}"), Some(&admin))
        .await;
    assert!(
        filtered.status.is_success() || filtered.status.is_client_error(),
        "{:?}",
        filtered.status
    );
    for path in [
        format!("/v1/checkin/{encoded}"),
        format!("/v1/cases/{encoded}/export"),
        format!("/v1/devices/{encoded}/revoke"),
    ] {
        let answer = if path.ends_with("revoke") {
            app.post_json(&path, &json!({})).await
        } else {
            app.get(&path, Some(&admin)).await
        };
        assert!(answer.status.is_client_error(), "{path}: {:?}", answer.status);
        assert!(
            answer.body["error"]["code"].is_string(),
            "{path}: the error shape"
        );
    }
    let reason = json!({ "reason": format!("Following up a call: {HOSTILE}") });
    let glass = app
        .post_json(&format!("/v1/cases/{encoded}/break-glass"), &reason)
        .await;
    assert!(glass.status.is_client_error());

    // Everything still works afterwards.
    assert_eq!(app.get("/v1/me", Some(&anna)).await.status, StatusCode::OK);
    assert_eq!(
        app.login("hoeje-taastrup", "bo", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );
}
