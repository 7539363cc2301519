//! The demo loader: the promised municipalities and users, and loading twice changes nothing but the password.

use axum::http::StatusCode;
use secrecy::SecretString;
use server::store::Role;

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp};

both_backends!(
    demo_has_the_two_municipalities_and_their_users,
    loading_the_demo_twice_creates_nothing_new
);

async fn demo_has_the_two_municipalities_and_their_users(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    let logins = server::demo::load(store, &SecretString::from(DEMO_PASSWORD))
        .await
        .expect("loads");
    let mut found: Vec<_> = logins.iter().map(|l| (l.tenant, l.username, l.role)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("hoeje-taastrup", "admin", Role::Admin),
            ("hoeje-taastrup", "anna", Role::Worker),
            ("hoeje-taastrup", "bo", Role::Worker),
            ("hoeje-taastrup", "lea", Role::Lead),
            ("holstebro", "lene", Role::Lead),
            ("holstebro", "mads", Role::Worker),
        ]
    );

    let tenant = store
        .tenant_by_slug("hoeje-taastrup")
        .await
        .expect("store")
        .expect("tenant");
    let team = store
        .team_by_name(&tenant.id, "Udkørende team Nord")
        .await
        .expect("store")
        .expect("team");
    assert!(team.shares_cases);
    let anna = store
        .user_by_username(&tenant.id, "anna")
        .await
        .expect("store")
        .expect("anna");
    assert_eq!(anna.team_id.as_deref(), Some(team.id.as_str()));
    for (tenant, username, _) in found {
        assert_eq!(
            app.login(tenant, username, DEMO_PASSWORD).await.status,
            StatusCode::OK,
            "{username}"
        );
    }
}

async fn loading_the_demo_twice_creates_nothing_new(backend: Backend) {
    // The builder loaded the demo once already.
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = store
        .tenant_by_slug("holstebro")
        .await
        .expect("store")
        .expect("tenant");
    let mads = store
        .user_by_username(&tenant.id, "mads")
        .await
        .expect("store")
        .expect("mads");

    server::demo::load(store, &SecretString::from("a-new-demo-password"))
        .await
        .expect("loads again");

    let tenant_again = store
        .tenant_by_slug("holstebro")
        .await
        .expect("store")
        .expect("tenant");
    let mads_again = store
        .user_by_username(&tenant.id, "mads")
        .await
        .expect("store")
        .expect("mads");
    assert_eq!(
        (tenant_again.id, mads_again.id),
        (tenant.id, mads.id),
        "same rows, not new ones"
    );
    // The password printed at the latest start is the one that works.
    assert_eq!(
        app.login("holstebro", "mads", "a-new-demo-password").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("holstebro", "mads", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}
