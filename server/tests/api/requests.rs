//! Requests the API must answer with a 4xx in its error shape (never a 500), and `/healthz`.

use axum::http::StatusCode;
use serde_json::json;
use server::app::BODY_LIMIT_BYTES;

use crate::helpers::{Backend, TestApp};

both_backends!(
    malformed_json_is_a_bad_request,
    wrong_types_and_missing_fields_are_bad_requests,
    a_body_without_json_content_type_is_a_bad_request,
    an_oversized_body_is_payload_too_large,
    unknown_routes_and_methods_answer_in_the_error_shape,
    overlong_login_fields_are_bad_requests,
    healthz_is_ok_while_the_database_answers_and_503_after,
);

async fn malformed_json_is_a_bad_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for body in ["{", "not json", "", "[1, 2", "{\"tenant\": }"] {
        let response = app
            .post_raw("/v1/auth/login", Some("application/json"), body)
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(response.error_code(), "bad_request", "{body:?}");
        assert!(response.body["error"]["message"].is_string());
    }
}

async fn wrong_types_and_missing_fields_are_bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bodies = [
        json!({ "tenant": "holstebro", "username": 42, "password": "x", "device": "d" }),
        json!({ "tenant": "holstebro", "username": "mads", "password": ["x"], "device": "d" }),
        json!({ "tenant": "holstebro", "username": "mads", "device": "d" }),
        json!({ "tenant": "holstebro", "username": "mads", "password": "x", "device": "   " }),
        json!(["holstebro", "mads"]),
        json!(null),
    ];
    for body in bodies {
        let response = app.post_json("/v1/auth/login", &body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {:?}",
            response.body
        );
        assert_eq!(response.error_code(), "bad_request", "{body}");
    }
}

async fn a_body_without_json_content_type_is_a_bad_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body =
        json!({ "tenant": "holstebro", "username": "mads", "password": "x", "device": "d" }).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let response = app.post_raw("/v1/auth/login", content_type, body.clone()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{content_type:?}");
        assert_eq!(response.error_code(), "bad_request", "{content_type:?}");
    }
}

async fn an_oversized_body_is_payload_too_large(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let padding = "x".repeat(BODY_LIMIT_BYTES + 1);
    let body = json!({ "tenant": "holstebro", "username": "mads", "password": padding, "device": "d" });
    let response = app.post_json("/v1/auth/login", &body).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.error_code(), "payload_too_large");
}

async fn unknown_routes_and_methods_answer_in_the_error_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/v1/nothing-here", None).await;
    assert_eq!(
        (response.status, response.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let response = app.get("/v1/auth/login", None).await;
    assert_eq!(
        (response.status, response.error_code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

async fn overlong_login_fields_are_bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = "a".repeat(200);
    let bodies = [
        json!({ "tenant": long, "username": "mads", "password": "x", "device": "d" }),
        json!({ "tenant": "holstebro", "username": "mads", "password": "p".repeat(2000), "device": "d" }),
    ];
    for body in bodies {
        let response = app.post_json("/v1/auth/login", &body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.error_code(), "bad_request");
    }
}

async fn healthz_is_ok_while_the_database_answers_and_503_after(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({ "status": "ok" }));

    app.state().store.close().await;
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.body, json!({ "status": "unavailable" }));
}
