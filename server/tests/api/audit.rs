//! The access log's chain: logins and failed logins are logged, the chain verifies (also with `tovholder audit
//! verify`), tampering with a row is found at that row, and retention purges keep the chain verifiable.

use std::sync::LazyLock;

use axum::http::StatusCode;
use server::audit::{self, Verification, retention};
use server::ids::{DeviceId, TenantId, UserId};
use server::store::{AuditFilter, AuditRecord, Store};

use server::audit::chain::{Fields, GENESIS, Position, row_hash};

use crate::helpers::{Backend, TestApp, find_tenant};

both_backends!(
    each_tenant_has_a_chain_of_its_own_and_rows_from_before_keep_theirs,
    logins_and_failed_logins_are_logged_and_the_chain_verifies,
    tampering_with_one_row_is_detected_at_that_row,
    purge_respects_retention_and_the_chain_still_verifies,
);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const NOW: i64 = 1_764_000_000_000;

/// Two tenants' chains, named so that `OTHER` sorts first.
const T: &str = "1b1b1b1b-0000-4000-8000-000000000002";
const OTHER: &str = "0a0a0a0a-0000-4000-8000-000000000001";

static TENANT: LazyLock<TenantId> = LazyLock::new(|| T.parse().expect("an id"));
static OTHER_TENANT: LazyLock<TenantId> = LazyLock::new(|| OTHER.parse().expect("an id"));
static USER: LazyLock<UserId> = LazyLock::new(UserId::new_random);
static DEVICE: LazyLock<DeviceId> = LazyLock::new(DeviceId::new_random);

fn record(at: i64, action: &'static str, detail: Option<&'static str>) -> AuditRecord<'static> {
    AuditRecord {
        at,
        tenant_id: Some(&TENANT),
        user_id: Some(&USER),
        device_id: Some(&DEVICE),
        action,
        case_id: Some("c"),
        purpose: Some("sync"),
        detail,
    }
}

async fn intact_rows(store: &Store) -> u64 {
    match audit::verify(store).await.expect("reads the log") {
        Verification::Intact { rows } => rows,
        Verification::Broken(broken) => panic!("the chain is broken: {broken}"),
    }
}

async fn logins_and_failed_logins_are_logged_and_the_chain_verifies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.token_for("hoeje-taastrup", "lea").await;
    let refused = app.login("hoeje-taastrup", "anna", "wrong password").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let store = &app.state().store;
    assert_eq!(intact_rows(store).await, 2);
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let filter = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &filter).await.expect("store");
    let actions: Vec<&str> = rows.iter().map(|row| row.action.as_str()).collect();
    assert_eq!(actions, ["login_failed", "login"], "newest first");
    assert!(rows[0].user_id.is_some() && rows[0].device_id.is_none());
    assert_eq!(
        rows[0].prev_hash, rows[1].hash,
        "each row names the previous row's hash"
    );
}

async fn tampering_with_one_row_is_detected_at_that_row(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    let records: Vec<_> = (0..5).map(|i| record(NOW + i, "read", None)).collect();
    store.append_audit(&records).await.expect("appends");
    assert_eq!(intact_rows(store).await, 5);
    assert_eq!(
        audit_verify(app.database_url()).await,
        (true, "chain intact (5 rows)".to_owned())
    );

    // Tampering as someone with the database's password would, past the store.
    app.execute_raw("UPDATE audit_log SET purpose = 'nothing to see' WHERE id = 3")
        .await;
    match audit::verify(store).await.expect("reads the log") {
        Verification::Broken(broken) => assert_eq!(broken.row(), 3, "{broken}"),
        Verification::Intact { rows } => panic!("tampering went unnoticed ({rows} rows)"),
    }
    let (ok, printed) = audit_verify(app.database_url()).await;
    assert!(!ok && printed.starts_with("chain broken at row 3"), "{printed}");
}

/// Runs `tovholder audit verify` on a database: whether it succeeded, and the first line it printed.
async fn audit_verify(database_url: &str) -> (bool, String) {
    let url = database_url.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_tovholder"))
            .args(["audit", "verify", "--database-url", &url])
            .env("RUST_LOG", "warn")
            .output()
    })
    .await
    .expect("joins")
    .expect("runs tovholder");
    let stdout = String::from_utf8_lossy(&output.stdout);
    (
        output.status.success(),
        stdout.lines().next().unwrap_or_default().to_owned(),
    )
}

async fn purge_respects_retention_and_the_chain_still_verifies(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    let old: Vec<_> = (0..3)
        .map(|i| record(NOW - 200 * DAY_MS + i, "read", None))
        .collect();
    let recent: Vec<_> = (0..2)
        .map(|i| record(NOW - DAY_MS + i, "change", Some("abc")))
        .collect();
    store.append_audit(&old).await.expect("appends");
    store.append_audit(&recent).await.expect("appends");

    let purged = retention::purge_once(store, retention::DEFAULT_RETENTION, NOW)
        .await
        .expect("purges");
    assert_eq!(purged, 3, "only rows past the retention period go");
    assert_eq!(intact_rows(store).await, 2, "the rest verifies from the anchor");
    let chains = store.audit_chains().await.expect("chains");
    let chain = chains.iter().find(|c| c.chain == T).expect("the tenant's chain");
    assert_eq!((chain.anchor_seq, chain.last_seq), (3, 5));

    // Nothing more to purge, and the chain grows on from where it was.
    let again = retention::purge_once(store, retention::DEFAULT_RETENTION, NOW)
        .await
        .expect("purges");
    assert_eq!(again, 0);
    store
        .append_audit(&[record(NOW, "export", None)])
        .await
        .expect("appends");
    assert_eq!(intact_rows(store).await, 3);
}

/// Appends of two tenants go to two chains, each numbered from 1 and verified on its own; rows written before the
/// chains were split (one chain for all, by global id) still verify where they are; and tampering is reported in
/// the chain where it happened.
async fn each_tenant_has_a_chain_of_its_own_and_rows_from_before_keep_theirs(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    // Two rows as the single chain of old wrote them.
    let mut prev = GENESIS.to_owned();
    for id in 1..=2_i64 {
        let fields = Fields {
            position: Position::Legacy { id },
            at: NOW - 10 + id,
            tenant_id: Some(TENANT.as_str()),
            user_id: Some(USER.as_str()),
            device_id: Some(DEVICE.as_str()),
            action: "read",
            case_id: Some("c"),
            purpose: Some("sync"),
            detail: None,
        };
        let hash = row_hash(&prev, &fields);
        let insert = format!(
            "INSERT INTO audit_log (id, at, tenant_id, user_id, device_id, action, case_id, purpose, detail, \
             prev_hash, hash) VALUES ({id}, {}, '{T}', '{}', '{}', 'read', 'c', 'sync', NULL, '{prev}', '{hash}')",
            NOW - 10 + id,
            *USER,
            *DEVICE,
        );
        app.execute_raw(Box::leak(insert.into_boxed_str())).await;
        let head = format!("UPDATE audit_head SET last_id = {id}, last_hash = '{hash}' WHERE id = 1");
        app.execute_raw(Box::leak(head.into_boxed_str())).await;
        prev = hash;
    }
    if matches!(backend, Backend::Postgres) {
        // The migration starts the id sequence past the rows there were; these came after it.
        app.execute_raw("SELECT setval('audit_log_ids', 3, false)").await;
    }
    assert_eq!(intact_rows(store).await, 2);

    let other = |at| AuditRecord {
        tenant_id: Some(&OTHER_TENANT),
        ..record(at, "read", None)
    };
    store
        .append_audit(&[
            record(NOW, "read", None),
            other(NOW),
            record(NOW + 1, "change", Some("abc")),
        ])
        .await
        .expect("appends");
    store.append_audit(&[other(NOW + 2)]).await.expect("appends");
    assert_eq!(intact_rows(store).await, 6);
    let chains = store.audit_chains().await.expect("chains");
    let heads: Vec<(&str, i64)> = chains.iter().map(|c| (c.chain.as_str(), c.last_seq)).collect();
    assert_eq!(heads, [(OTHER, 2), (T, 2)], "each chain numbers its own rows");
    let rows = store.audit_chain_rows_after(OTHER, 0, 10).await.expect("rows");
    assert_eq!(rows[1].prev_hash, rows[0].hash, "a chain links its own rows");

    // A row of tenant "other" changed: found there, the rest intact.
    let changed = format!(
        "UPDATE audit_log SET purpose = 'nothing to see' WHERE id = {}",
        rows[1].id
    );
    app.execute_raw(Box::leak(changed.into_boxed_str())).await;
    match audit::verify(store).await.expect("reads the log") {
        Verification::Broken(broken) => {
            assert_eq!(broken.row(), rows[1].id, "{broken}");
            assert!(
                broken.to_string().contains(&format!("chain \"{OTHER}\"")),
                "{broken}"
            );
        }
        Verification::Intact { rows } => panic!("tampering went unnoticed ({rows} rows)"),
    }
    // A legacy row changed: found in the legacy chain.
    let repaired = format!("UPDATE audit_log SET purpose = 'sync' WHERE chain = '{OTHER}'");
    app.execute_raw(Box::leak(repaired.into_boxed_str())).await;
    app.execute_raw("UPDATE audit_log SET detail = 'x' WHERE id = 2")
        .await;
    match audit::verify(store).await.expect("reads the log") {
        Verification::Broken(broken) => {
            assert_eq!(broken.row(), 2, "{broken}");
            assert!(broken.to_string().contains("legacy chain"), "{broken}");
        }
        Verification::Intact { rows } => panic!("tampering went unnoticed ({rows} rows)"),
    }
}
