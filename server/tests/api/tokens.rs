//! `GET /v1/me` as the protected endpoint: what a valid token opens, and the tokens that must not open it.

use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use server::auth::Claims;

use crate::helpers::{Backend, JWT_SECRET, TestApp};

both_backends!(
    me_answers_with_the_token_holder,
    requests_without_a_bearer_token_are_refused,
    forged_or_stale_tokens_are_refused,
    tokens_of_revoked_devices_are_refused_and_a_lockout_leaves_logged_in_devices_working,
);

async fn me_answers_with_the_token_holder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for("hoeje-taastrup", "anna").await;
    let claims = app.state().tokens.verify(&token).expect("valid");
    let response = app.get("/v1/me", Some(&token)).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["user"]["username"], "anna");
    assert_eq!(response.body["user"]["role"], "worker");
    assert_eq!(response.body["user"]["tenant"], claims.tenant.as_str());
    assert_eq!(response.body["device_id"], claims.device.as_str());
    assert!(response.body["user"]["team_id"].is_string(), "anna is in a team");
}

async fn requests_without_a_bearer_token_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for("hoeje-taastrup", "anna").await;
    let headers = [
        None,
        Some(format!("Basic {token}")),
        Some("Bearer".to_owned()),
        Some("Bearer    ".to_owned()),
    ];
    for value in headers {
        let mut request = Request::get("/v1/me");
        if let Some(value) = &value {
            request = request.header(header::AUTHORIZATION, value);
        }
        let response = app
            .send(request.body(axum::body::Body::empty()).expect("request"))
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert_eq!(response.error_code(), "unauthorized", "{value:?}");
    }
    // The scheme is case-insensitive.
    let request = Request::get("/v1/me").header(header::AUTHORIZATION, format!("bearer {token}"));
    let response = app
        .send(request.body(axum::body::Body::empty()).expect("request"))
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

async fn forged_or_stale_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for("hoeje-taastrup", "anna").await;
    let claims = app.state().tokens.verify(&token).expect("valid");
    let now = jsonwebtoken::get_current_timestamp();
    let fresh = Claims {
        iat: now,
        exp: now + 600,
        ..claims
    };
    let sign = |algorithm: Algorithm, claims: &Claims, secret: &str| {
        let key = EncodingKey::from_secret(secret.as_bytes());
        jsonwebtoken::encode(&Header::new(algorithm), claims, &key).expect("signs")
    };

    // Control: forged with the right secret and claims, a token is accepted, so each refusal below has the
    // reason its case names (the user and device are real and active).
    let control = sign(Algorithm::HS256, &fresh, JWT_SECRET);
    assert_eq!(app.get("/v1/me", Some(&control)).await.status, StatusCode::OK);

    let cases = [
        ("alg none", unsigned(&fresh)),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                &Claims {
                    aud: "elsewhere".into(),
                    ..fresh.clone()
                },
                JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                &Claims {
                    iss: "mallory".into(),
                    ..fresh.clone()
                },
                JWT_SECRET,
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                &Claims {
                    iat: now - 7200,
                    exp: now - 3600,
                    ..fresh.clone()
                },
                JWT_SECRET,
            ),
        ),
        (
            "tampered payload",
            with_payload_field(&token, "role", json!("admin")),
        ),
        (
            "another HMAC algorithm",
            sign(Algorithm::HS512, &fresh, JWT_SECRET),
        ),
        (
            "another secret",
            sign(
                Algorithm::HS256,
                &fresh,
                "some-other-secret-that-is-32-bytes-long",
            ),
        ),
        ("not a JWT", "not-a-token".to_owned()),
    ];
    for (case, forged) in cases {
        let response = app.get("/v1/me", Some(&forged)).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{case}: {:?}",
            response.body
        );
        assert_eq!(response.error_code(), "unauthorized", "{case}");
    }
}

async fn tokens_of_revoked_devices_are_refused_and_a_lockout_leaves_logged_in_devices_working(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;

    let bo = app.token_for("hoeje-taastrup", "bo").await;
    let device = app.state().tokens.verify(&bo).expect("valid").device;
    assert!(
        store
            .revoke_device(&device, server::clock::now_ms())
            .await
            .expect("store")
    );
    assert_eq!(
        app.get("/v1/me", Some(&bo)).await.status,
        StatusCode::UNAUTHORIZED,
        "revoked device"
    );

    // Anyone can type three wrong passwords for lea (issue 11): that blocks password logins, not her phone.
    let login = app
        .login("hoeje-taastrup", "lea", crate::helpers::DEMO_PASSWORD)
        .await;
    let lea = login.body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let refresh = login.body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    for _ in 0..3 {
        app.login("hoeje-taastrup", "lea", "wrong").await;
    }
    assert_eq!(
        app.login("hoeje-taastrup", "lea", crate::helpers::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the right password is refused while she is blocked"
    );
    assert_eq!(
        app.get("/v1/me", Some(&lea)).await.status,
        StatusCode::OK,
        "the phone she logged in on keeps working"
    );
    let refreshed = app
        .post_json("/v1/auth/refresh", &json!({ "refresh_token": refresh }))
        .await;
    assert_eq!(
        refreshed.status,
        StatusCode::OK,
        "and refreshes its token: {}",
        refreshed.body
    );
}

/// An unsigned token (`alg: none`) with the given claims.
fn unsigned(claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).expect("serializes"));
    format!("{header}.{payload}.")
}

/// `token` with one payload field changed and the original signature kept.
fn with_payload_field(token: &str, field: &str, value: Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url payload");
    let mut claims: Value = serde_json::from_slice(&payload).expect("JSON payload");
    claims[field] = value;
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}
