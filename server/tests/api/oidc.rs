//! Logins through the municipality's identity provider: an ES256 ID token checked against the provider's JWKS
//! buys a session; wrong audience, issuer, expiry, key, algorithm or user are all the same generic 401.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{Backend, OIDC_AUDIENCE, OIDC_ISSUER, TestApp};

both_backends!(
    an_id_token_of_the_identity_provider_starts_a_session,
    forged_or_foreign_id_tokens_are_refused_alike,
    without_a_configured_provider_the_endpoint_does_not_exist,
);

// A P-256 key made for these tests only (PKCS#8, DER, base64) and its public half as a JWK.
const TEST_KEY: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/oeXiZ0jm5DrkLaDkp8AIDYOEwMdcqyK9dWAHvhBq8GhRANCAAT5saFwfn+o9iiAQUf8tqN0xPy28wuJc924Hyp/huRcKXr0UwTy92LwqkmEMLT53boKSm+ZbQpx1iwpxGssqF0Y";
const TEST_X: &str = "-bGhcH5_qPYogEFH_LajdMT8tvMLiXPduB8qf4bkXCk";
const TEST_Y: &str = "evRTBPL3YvCqSYQwtPndugpKb5ltCnHWLCnEayyoXRg";

/// Serves the provider's JWKS on a local port; returns its URL.
async fn jwks_server() -> String {
    let jwks = json!({ "keys": [{
        "kty": "EC", "crv": "P-256", "x": TEST_X, "y": TEST_Y, "kid": "test-key", "alg": "ES256", "use": "sig"
    }]});
    let app = Router::new().route("/jwks", get(move || async move { axum::Json(jwks) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{port}/jwks")
}

fn id_token(claims: Value, kid: &str) -> String {
    let der = base64::engine::general_purpose::STANDARD
        .decode(TEST_KEY)
        .expect("base64");
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    encode(&header, &claims, &EncodingKey::from_ec_der(&der)).expect("signs")
}

fn claims(username: &str) -> Value {
    let exp = server::clock::now_ms() / 1000 + 300;
    json!({ "iss": OIDC_ISSUER, "aud": OIDC_AUDIENCE, "exp": exp, "preferred_username": username })
}

async fn exchange(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.post_json(
        "/v1/auth/oidc",
        &json!({ "id_token": token, "device": "Annas telefon" }),
    )
    .await
}

async fn an_id_token_of_the_identity_provider_starts_a_session(backend: Backend) {
    let app = TestApp::builder(backend).oidc(&jwks_server().await).build().await;
    let response = exchange(&app, &id_token(claims("anna"), "test-key")).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    let access = response.body["access_token"].as_str().expect("an access token");
    assert!(response.body["refresh_token"].is_string());
    let me = app.get("/v1/me", Some(access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["username"], "anna");
}

async fn forged_or_foreign_id_tokens_are_refused_alike(backend: Backend) {
    let app = TestApp::builder(backend).oidc(&jwks_server().await).build().await;
    let mut wrong_audience = claims("anna");
    wrong_audience["aud"] = json!("another-app");
    let mut wrong_issuer = claims("anna");
    wrong_issuer["iss"] = json!("https://evil.example.test");
    let mut expired = claims("anna");
    expired["exp"] = json!(server::clock::now_ms() / 1000 - 3600);
    // HS256 with the provider's public key as the secret: the classic algorithm confusion.
    let mut confused_header = Header::new(Algorithm::HS256);
    confused_header.kid = Some("test-key".into());
    let confused = encode(
        &confused_header,
        &claims("anna"),
        &EncodingKey::from_secret(TEST_X.as_bytes()),
    )
    .expect("signs");
    let mut tampered = id_token(claims("anna"), "test-key");
    tampered.push('A');
    let cases = [
        ("wrong audience", id_token(wrong_audience, "test-key")),
        ("wrong issuer", id_token(wrong_issuer, "test-key")),
        ("expired", id_token(expired, "test-key")),
        ("unknown key", id_token(claims("anna"), "other-key")),
        ("unknown user", id_token(claims("nobody"), "test-key")),
        ("a user of another tenant", id_token(claims("mads"), "test-key")),
        ("algorithm confusion", confused),
        ("tampered signature", tampered),
        ("not a token", "garbage".to_owned()),
    ];
    for (what, token) in cases {
        let response = exchange(&app, &token).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {:?}",
            response.body
        );
        assert_eq!(response.error_code(), "unauthorized", "{what}");
    }
}

async fn without_a_configured_provider_the_endpoint_does_not_exist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = exchange(&app, &id_token(claims("anna"), "test-key")).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}
