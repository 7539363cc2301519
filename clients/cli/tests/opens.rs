//! Why a case was opened reaches the access log: `tov case ID --purpose P` records the opening on the phone, also
//! offline, and the next sync delivers it as a `read` row with that purpose (issue 11, point 9).

mod common;

use common::{TENANT, login_as, shown, start_server, sync, tov};
use server::store::AuditFilter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_opened_offline_is_logged_with_its_purpose_at_the_next_sync() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = {
        let device = cli::device::Device::open(profile.clone()).await.expect("store");
        let case = device.store().documents().await.expect("lists")[0].id;
        device.close().await;
        case.to_string()
    };

    // No purpose, no case: the worker is told what to give.
    let refused = tov(dir.path(), &["case", &case]).await;
    assert!(!refused.status.success(), "{}", shown(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--purpose"),
        "{}",
        shown(&refused)
    );
    let unknown = tov(dir.path(), &["case", &case, "--purpose", "curiosity"]).await;
    assert!(!unknown.status.success(), "{}", shown(&unknown));

    // Offline: the case opens, and the opening waits on the phone.
    let paused = server.pause().await;
    let opened = tov(dir.path(), &["case", &case, "--purpose", "follow_up"]).await;
    assert!(opened.status.success(), "{}", shown(&opened));
    let failed = tov(dir.path(), &["sync", "--timeout", "3"]).await;
    assert!(!failed.status.success(), "{}", shown(&failed));

    let server = paused.resume().await;
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    assert!(
        String::from_utf8_lossy(&synced.stdout).contains("1 case opening(s) logged"),
        "{}",
        shown(&synced)
    );
    let store = &server.state.store;
    let tenant = store
        .tenant_by_slug(TENANT)
        .await
        .expect("store")
        .expect("tenant");
    let reads = AuditFilter {
        case_id: Some(case.clone()),
        action: Some("read".into()),
        limit: 100,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &reads).await.expect("store");
    let follow_ups: Vec<_> = rows
        .iter()
        .filter(|row| row.purpose.as_deref() == Some("follow_up"))
        .collect();
    assert_eq!(follow_ups.len(), 1, "{rows:?}");

    // Sent once: the next sync sends nothing again.
    let again = tov(dir.path(), &["sync"]).await;
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("opening(s) logged"),
        "{}",
        shown(&again)
    );
    let rows = store.audit_search(&tenant.id, &reads).await.expect("store");
    assert_eq!(
        rows.iter()
            .filter(|row| row.purpose.as_deref() == Some("follow_up"))
            .count(),
        1
    );
}
