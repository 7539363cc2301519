//! What the API tests share besides the one harness (`tests::app`, `tests::database`, re-exported here): small
//! questions to the store that several tests ask.

use server::ids::{DeviceId, TenantId};
use server::store::{AuditFilter, AuditRow, Store, Viewer};
use sync_core::DocumentId;
use sync_core::protocol::Access;

pub use tests::DEMO_PASSWORD;
pub use tests::app::{JWT_SECRET, OIDC_AUDIENCE, OIDC_ISSUER, Served, TestApp, TestResponse};
pub use tests::database::{Backend, TestDatabase, execute_raw, find_tenant, find_user, skip_postgres};

/// A tenant's id, by its slug.
pub async fn tenant_id(store: &Store, slug: &str) -> TenantId {
    find_tenant(store, slug).await.id
}

/// The access log rows of a tenant (by its slug) that `filter` selects, newest first.
pub async fn audit_rows(store: &Store, slug: &str, filter: AuditFilter) -> Vec<AuditRow> {
    let tenant = tenant_id(store, slug).await;
    store.audit_search(&tenant, &filter).await.expect("store")
}

/// Whether `viewer` may see the case, as the sync session is told (for a device that holds nothing).
pub async fn sees(store: &Store, viewer: &Viewer, doc_id: &DocumentId) -> bool {
    // A device that was never registered, so it holds nothing.
    let no_device = DeviceId::new_random();
    matches!(
        store.access(viewer, &no_device, doc_id).await.expect("store"),
        Access::Read | Access::Write
    )
}
