//! `POST /v1/auth/login`: tokens, generic refusals, lockout after 3 failures, tenant isolation.

use axum::http::StatusCode;
use serde_json::json;
use server::api::LOGIN_FAILED;
use server::auth::login::{self, LoginOutcome, LoginRefusal};
use server::auth::password;
use server::store::{NewUser, Role};

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp, audit_rows, find_tenant, find_user, tenant_id};

both_backends!(
    login_returns_a_token_naming_user_tenant_role_and_device,
    every_refused_login_gets_the_same_generic_answer,
    three_failed_logins_block_the_user_until_an_admin_clears_it,
    failures_older_than_a_day_do_not_count_towards_a_block,
    a_username_from_another_tenant_cannot_log_in_there,
    each_login_registers_a_new_device,
    a_login_continues_the_users_own_device_unless_it_was_revoked,
    failures_of_names_that_are_no_users_are_counted_per_hour_not_stored,
);

async fn login_returns_a_token_naming_user_tenant_role_and_device(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.login("hoeje-taastrup", "lea", DEMO_PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    let body = &response.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 15 * 60);
    assert_eq!(body["user"]["username"], "lea");
    assert_eq!(body["user"]["role"], "lead");
    assert_eq!(body["user"]["tenant_slug"], "hoeje-taastrup");

    let token = body["access_token"].as_str().expect("a token");
    let claims = app.state().tokens.verify(token).expect("the token verifies");
    let store = &app.state().store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    assert_eq!(claims.tenant, tenant.id);
    assert_eq!(body["user"]["tenant"], tenant.id.as_str());
    assert_eq!(claims.role, Role::Lead);
    assert_eq!(
        claims.sub.as_str(),
        body["user"]["id"].as_str().expect("a user id")
    );
    assert_eq!(
        claims.device.as_str(),
        body["device_id"].as_str().expect("a device id")
    );
    assert_eq!(
        (claims.iss.as_str(), claims.aud.as_str()),
        ("tovholder", "tovholder-sync")
    );
}

async fn every_refused_login_gets_the_same_generic_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let attempts = [
        ("wrong password", "hoeje-taastrup", "anna", "not the password"),
        ("unknown user", "hoeje-taastrup", "nobody", DEMO_PASSWORD),
        ("unknown tenant", "atlantis", "anna", DEMO_PASSWORD),
        ("empty password", "hoeje-taastrup", "bo", ""),
    ];
    for (case, tenant, username, password) in attempts {
        let response = app.login(tenant, username, password).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{case}");
        let expected = json!({ "error": { "code": "unauthorized", "message": LOGIN_FAILED } });
        assert_eq!(response.body, expected, "{case}");
    }
}

async fn three_failed_logins_block_the_user_until_an_admin_clears_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..2 {
        assert_eq!(
            app.login("hoeje-taastrup", "anna", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Two failures do not block yet.
    assert_eq!(
        app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );

    assert_eq!(
        app.login("hoeje-taastrup", "anna", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    let store = &app.state().store;
    let anna = find_user(store, "hoeje-taastrup", "anna").await;
    assert!(
        anna.blocked_at.is_some(),
        "the third failure within 24 hours blocks"
    );

    let refused = app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "a blocked user's right password is refused"
    );
    assert_eq!(refused.body["error"]["message"], LOGIN_FAILED);
    // Other users are not affected.
    assert_eq!(
        app.login("hoeje-taastrup", "bo", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );

    // Only an admin clears the block, through the API.
    let unblock = |token: String| {
        let path = format!("/v1/users/{}/unblock", anna.id);
        let request = axum::http::Request::post(path)
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .expect("a request");
        app.send(request)
    };
    let by_worker = unblock(app.token_for("hoeje-taastrup", "bo").await).await;
    assert_eq!(by_worker.status, StatusCode::FORBIDDEN);
    let by_admin = unblock(app.token_for("hoeje-taastrup", "admin").await).await;
    assert_eq!(by_admin.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );
    // The failures before the admin cleared the block no longer count: one new failure does not block again.
    assert_eq!(
        app.login("hoeje-taastrup", "anna", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("hoeje-taastrup", "anna", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn failures_older_than_a_day_do_not_count_towards_a_block(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let wrong = secrecy::SecretString::from("wrong");
    let minute = 60 * 1000;
    let start = server::clock::now_ms();
    // The first failure has aged out of the 24-hour window by the third: still only two within any day.
    for at in [start, start + 60 * minute, start + (24 * 60 + 30) * minute] {
        let outcome = login::verify(store, "holstebro", "mads", &wrong, at)
            .await
            .expect("store");
        assert!(
            matches!(
                outcome,
                LoginOutcome::Refused {
                    reason: LoginRefusal::WrongPassword,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }
    // +1 h, +24 h 30 min and +24 h 45 min lie within one day: blocked.
    let outcome = login::verify(
        store,
        "holstebro",
        "mads",
        &wrong,
        start + (24 * 60 + 45) * minute,
    )
    .await;
    let outcome = outcome.expect("store");
    assert!(
        matches!(
            outcome,
            LoginOutcome::Refused {
                reason: LoginRefusal::NowBlocked,
                ..
            }
        ),
        "{outcome:?}"
    );
}

async fn a_username_from_another_tenant_cannot_log_in_there(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let holstebro = find_tenant(store, "holstebro").await;
    let other_password = secrecy::SecretString::from("holstebro-annas-password");
    let hash = password::hash_blocking(other_password).await.expect("hash");
    let new = NewUser {
        tenant_id: &holstebro.id,
        username: "anna",
        password_hash: &hash,
        role: Role::Worker,
        team_id: None,
    };
    store
        .create_user(&new, server::clock::now_ms())
        .await
        .expect("a second anna, in Holstebro");

    // Høje-Taastrup's anna's password does not open Holstebro's anna, and vice versa.
    assert_eq!(
        app.login("holstebro", "anna", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("hoeje-taastrup", "anna", "holstebro-annas-password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A Holstebro user cannot log into Høje-Taastrup at all.
    assert_eq!(
        app.login("hoeje-taastrup", "mads", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    let response = app.login("holstebro", "anna", "holstebro-annas-password").await;
    assert_eq!(response.status, StatusCode::OK);
    let claims = app
        .state()
        .tokens
        .verify(response.body["access_token"].as_str().expect("token"))
        .expect("valid");
    assert_eq!(claims.tenant, holstebro.id);
}

async fn each_login_registers_a_new_device(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.login("holstebro", "lene", DEMO_PASSWORD).await;
    let second = app.login("holstebro", "lene", DEMO_PASSWORD).await;
    let (first, second) = (&first.body["device_id"], &second.body["device_id"]);
    assert_ne!(first, second);
    let device_id = first.as_str().expect("a device id");
    let device = app
        .state()
        .store
        .device_by_id(&device_id.parse().expect("a device id"))
        .await
        .expect("store")
        .expect("registered");
    assert_eq!(device.name, "test phone");
    assert_eq!(device.revoked_at, None);
}

async fn a_login_continues_the_users_own_device_unless_it_was_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = |username: &'static str, device_id: Option<String>| {
        let app = &app;
        async move {
            let body = serde_json::json!({
                "tenant": "holstebro", "username": username, "password": DEMO_PASSWORD,
                "device": "test phone", "device_id": device_id,
            });
            let answer = app.post_json("/v1/auth/login", &body).await;
            assert_eq!(answer.status, axum::http::StatusCode::OK, "{}", answer.body);
            answer.body["device_id"].as_str().expect("a device id").to_owned()
        }
    };
    let first = login("lene", None).await;
    assert_eq!(
        login("lene", Some(first.clone())).await,
        first,
        "her own device goes on"
    );
    assert_ne!(
        login("mads", Some(first.clone())).await,
        first,
        "nobody takes over another's device"
    );
    assert_ne!(login("lene", Some("no-such-device".into())).await, first);
    let store = &app.state().store;
    assert!(
        store
            .revoke_device(&first.parse().expect("a device id"), server::clock::now_ms())
            .await
            .expect("store")
    );
    assert_ne!(
        login("lene", Some(first.clone())).await,
        first,
        "a revoked device stays revoked"
    );
}

/// A stranger's guesses cannot grow the database: a failed login for a name that is no user's (or a tenant that
/// does not exist) is one more in an hourly tally, no row of its own, and no access log row (issue 11, point 3).
async fn failures_of_names_that_are_no_users_are_counted_per_hour_not_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = tenant_id(store, "hoeje-taastrup").await;
    let everything = || server::store::AuditFilter {
        limit: 100,
        ..Default::default()
    };
    let before = audit_rows(store, "hoeje-taastrup", everything()).await.len();
    for n in 0..5 {
        let response = app.login("hoeje-taastrup", &format!("guess-{n}"), "x").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..2 {
        assert_eq!(
            app.login("atlantis", "anna", "x").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let counted = store
        .unknown_login_failures(Some(&tenant), 0)
        .await
        .expect("store");
    assert_eq!(counted.len(), 1, "one hour, one row: {counted:?}");
    assert_eq!(counted[0].1, 5);
    assert_eq!(counted[0].0 % 3_600_000, 0, "the row is the hour's");
    let elsewhere = store.unknown_login_failures(None, 0).await.expect("store");
    assert_eq!(elsewhere.iter().map(|(_, n)| n).sum::<i64>(), 2);
    let after = audit_rows(store, "hoeje-taastrup", everything()).await.len();
    assert_eq!(after, before, "no access log row for a name that is no user's");

    // The purge forgets tallies past the access log's retention.
    let now = server::clock::now_ms();
    store
        .purge_failed_logins(now, now + 3_600_000)
        .await
        .expect("store");
    assert!(
        store
            .unknown_login_failures(Some(&tenant), 0)
            .await
            .expect("store")
            .is_empty()
    );
}
