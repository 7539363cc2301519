//! `tovholder users …` (server::operations): the way back in when the only admin is locked out. Unblocking a
//! user and creating an admin work against the database without a login, refuse bad input plainly, and are
//! written to the access log.

use axum::http::StatusCode;
use secrecy::SecretString;
use server::operations::{self, OperationError};
use server::store::{AuditFilter, Role};

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp, find_tenant};

both_backends!(
    the_console_unblocks_a_locked_out_admin_and_logs_it,
    the_console_creates_an_admin_who_can_log_in,
);

const TENANT: &str = "hoeje-taastrup";

async fn actions(app: &TestApp) -> Vec<(String, Option<String>)> {
    let store = &app.state().store;
    let tenant = find_tenant(store, TENANT).await;
    let filter = AuditFilter {
        limit: 50,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &filter).await.expect("store");
    rows.into_iter().map(|row| (row.action, row.purpose)).collect()
}

async fn the_console_unblocks_a_locked_out_admin_and_logs_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    // Anyone can lock the only admin out.
    for _ in 0..3 {
        app.login(TENANT, "admin", "wrong").await;
    }
    assert_eq!(
        app.login(TENANT, "admin", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    assert!(
        operations::unblock(store, TENANT, "admin")
            .await
            .expect("unblocked")
    );
    assert_eq!(
        app.login(TENANT, "admin", DEMO_PASSWORD).await.status,
        StatusCode::OK
    );
    assert!(
        actions(&app)
            .await
            .contains(&("unblock".to_owned(), Some("console".to_owned()))),
        "{:?}",
        actions(&app).await
    );
    // Not blocked: says so, and still clears the failures.
    assert!(!operations::unblock(store, TENANT, "admin").await.expect("done"));
    assert!(matches!(
        operations::unblock(store, TENANT, "nobody").await,
        Err(OperationError::NoUser { .. })
    ));
    assert!(matches!(
        operations::unblock(store, "no-such-town", "admin").await,
        Err(OperationError::NoTenant(_))
    ));
}

async fn the_console_creates_an_admin_who_can_log_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let short = SecretString::from("too short");
    assert!(matches!(
        operations::create_admin(store, TENANT, "rescue", &short).await,
        Err(OperationError::WeakPassword)
    ));
    let password = SecretString::from("a long synthetic password");
    let user = operations::create_admin(store, TENANT, "rescue", &password)
        .await
        .expect("created");
    assert_eq!(
        (user.role, user.team_id.as_ref().map(|id| id.as_str())),
        (Role::Admin, None)
    );
    let login = app.login(TENANT, "rescue", "a long synthetic password").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert!(
        actions(&app)
            .await
            .contains(&("create_user".to_owned(), Some("console".to_owned())))
    );
    assert!(matches!(
        operations::create_admin(store, TENANT, "rescue", &password).await,
        Err(OperationError::UserExists { .. })
    ));
}
