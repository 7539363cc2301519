//! `GET /v1/cases/{id}/export` (GDPR art. 15): the case, its projections, refusals and the dates and purposes of
//! lookups without who looked; admins of the case's tenant only; another tenant's case answers like a missing one.

use axum::http::StatusCode;
use server::store::{AuditFilter, Store, Viewer};
use sync_core::DocumentId;

use crate::helpers::{Backend, Served, TestApp, find_user};

both_backends!(
    an_export_holds_the_case_and_its_lookups_without_who_looked,
    only_an_admin_of_the_cases_tenant_may_export,
);

async fn viewer(store: &Store, tenant: &str, username: &str) -> Viewer {
    let user = find_user(store, tenant, username).await;
    store.viewer(&user.id).await.expect("store").expect("viewer")
}

async fn first_case(store: &Store, tenant: &str, username: &str) -> DocumentId {
    let viewer = viewer(store, tenant, username).await;
    let (_, cases) = store.visible_changes(&viewer, None).await.expect("store");
    cases.first().expect("demo cases").doc_id
}

async fn an_export_holds_the_case_and_its_lookups_without_who_looked(backend: Backend) {
    let served = Served::start(backend).await;
    let store = served.state.store.clone();
    let case = first_case(&store, "hoeje-taastrup", "anna").await;
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    anna.sync(served.port).await;
    let admin = served.device("hoeje-taastrup", "admin").await;

    let export = served
        .call("GET", &format!("/v1/cases/{case}/export"), &admin.token, None)
        .await;
    assert_eq!(export.status, StatusCode::OK, "{:?}", export.body);
    let body = &export.body;
    assert_eq!(body["case_id"], case.to_string());
    assert!(
        body["case"]["citizen"].is_object(),
        "the typed case: {}",
        body["case"]
    );
    assert_eq!(body["projections"]["doc_id"], case.to_string());
    assert!(body["refused_changes"].is_array());
    let lookups = body["lookups"].as_array().expect("lookups");
    assert!(
        lookups
            .iter()
            .any(|l| l["action"] == "read" && l["purpose"] == "sync"),
        "{lookups:?}"
    );
    assert!(
        lookups.iter().any(|l| l["action"] == "export"),
        "the export lists itself"
    );
    for lookup in lookups {
        let keys: Vec<&String> = lookup.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["action", "at", "purpose"], "date, action and purpose only");
    }
    let text = body["lookups"].to_string();
    let anna_id = viewer(&store, "hoeje-taastrup", "anna").await.user_id;
    assert!(
        !text.contains(anna_id.as_str()) && !text.contains(&anna.device_id),
        "not who looked"
    );

    let filter = AuditFilter {
        action: Some("export".into()),
        case_id: Some(case.to_string()),
        limit: 10,
        ..AuditFilter::default()
    };
    let tenant = viewer(&store, "hoeje-taastrup", "admin").await.tenant_id;
    assert_eq!(
        store.audit_search(&tenant, &filter).await.expect("store").len(),
        1
    );
    served.stop().await;
}

async fn only_an_admin_of_the_cases_tenant_may_export(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.state().store.clone();
    let own = first_case(&store, "hoeje-taastrup", "anna").await;
    let other = first_case(&store, "holstebro", "lene").await;
    let admin = app.token_for("hoeje-taastrup", "admin").await;
    for username in ["anna", "lea"] {
        let token = app.token_for("hoeje-taastrup", username).await;
        let refused = app.get(&format!("/v1/cases/{own}/export"), Some(&token)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{username}");
    }
    let foreign = app.get(&format!("/v1/cases/{other}/export"), Some(&admin)).await;
    let missing = app
        .get("/v1/cases/2VMKpqDzmfzXdZnJ8Sm4d1bBvEkE/export", Some(&admin))
        .await;
    let quote = app.get("/v1/cases/x'%20OR%20'1'='1/export", Some(&admin)).await;
    let long = app
        .get(&format!("/v1/cases/{}/export", "a".repeat(2000)), Some(&admin))
        .await;
    for response in [&foreign, &missing, &quote, &long] {
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{:?}", response.body);
        assert_eq!(response.error_code(), "not_found");
    }
    assert_eq!(
        foreign.body, missing.body,
        "indistinguishable from a missing case"
    );
    assert_eq!(
        app.get(&format!("/v1/cases/{own}/export"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
