//! Devices: the list for admins and leads, and revocation, which refuses the device's token and closes its live
//! sync connections (on every process sharing a PostgreSQL database) within a second. Another tenant's device
//! answers exactly like a missing one.

use std::time::Duration;

use axum::http::StatusCode;
use server::store::AuditFilter;
use sync_core::protocol::{ClientEffect, ErrorCode};
use tests::device::Device;

use crate::helpers::{Backend, Served, find_tenant};

both_backends!(
    revoking_a_device_closes_its_live_sync_connection_and_refuses_its_token,
    a_lead_revokes_only_their_teams_devices_and_a_worker_none,
    another_tenants_device_answers_like_a_missing_one,
    the_device_list_shows_the_tenant_to_admins_and_the_team_to_leads,
);

#[tokio::test]
async fn a_revocation_closes_connections_on_another_process() {
    if crate::helpers::skip_postgres() {
        return;
    }
    let first = Served::start(Backend::Postgres).await;
    let second = first
        .second_process()
        .await
        .expect("PostgreSQL serves two processes");
    let mut anna = second.device("hoeje-taastrup", "anna").await;
    let mut connection = anna.connect(second.port).await;
    anna.run_until(&mut connection, Duration::from_secs(20), Device::in_sync)
        .await;
    let admin = first.device("hoeje-taastrup", "admin").await;
    let path = format!("/v1/devices/{}/revoke", anna.device_id);
    assert_eq!(
        first.call("POST", &path, &admin.token, None).await.status,
        StatusCode::OK
    );
    anna.run_until(&mut connection, Duration::from_secs(1), revoked)
        .await;
    second.stop().await;
    first.stop().await;
}

fn revoked(device: &Device) -> bool {
    device.effects.iter().any(|effect| {
        matches!(
            effect,
            ClientEffect::ServerError {
                code: ErrorCode::Revoked,
                ..
            }
        )
    })
}

async fn revoking_a_device_closes_its_live_sync_connection_and_refuses_its_token(backend: Backend) {
    let served = Served::start(backend).await;
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    let mut bo = served.device("hoeje-taastrup", "bo").await;
    let mut connection = anna.connect(served.port).await;
    anna.run_until(&mut connection, Duration::from_secs(20), Device::in_sync)
        .await;
    let mut bo_connection = bo.connect(served.port).await;
    bo.run_until(&mut bo_connection, Duration::from_secs(20), Device::in_sync)
        .await;
    assert_eq!(
        served.call("GET", "/v1/me", &anna.token, None).await.status,
        StatusCode::OK
    );

    let admin = served.device("hoeje-taastrup", "admin").await;
    let path = format!("/v1/devices/{}/revoke", anna.device_id);
    let response = served.call("POST", &path, &admin.token, None).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["device_id"], anna.device_id.as_str());

    anna.run_until(&mut connection, Duration::from_secs(1), revoked)
        .await;
    assert!(!revoked(&bo), "only the revoked device's connections close");
    let me = served.call("GET", "/v1/me", &anna.token, None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    // The sync endpoint tells the revoked phone so in the protocol's own terms, and it wipes its store.
    let mut again = anna
        .try_connect(served.port)
        .await
        .expect("the handshake of the token's holder goes through");
    anna.run_until(&mut again, Duration::from_secs(5), |d| {
        d.error_on_this_connection() == Some(ErrorCode::Revoked)
    })
    .await;
    // Without the device's token, nothing is told: a forged token gets the plain 401.
    let mut stranger = served.device("hoeje-taastrup", "bo").await;
    stranger.token = format!("{}x", anna.token);
    assert!(stranger.try_connect(served.port).await.is_err());

    // Revoking again is harmless and logs nothing new.
    assert_eq!(
        served.call("POST", &path, &admin.token, None).await.status,
        StatusCode::OK
    );
    let store = &served.state.store;
    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let filter = AuditFilter {
        action: Some("revoke".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let rows = store.audit_search(&tenant.id, &filter).await.expect("store");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].detail.as_deref(),
        Some(format!("device={}", anna.device_id).as_str())
    );
    served.stop().await;
}

async fn a_lead_revokes_only_their_teams_devices_and_a_worker_none(backend: Backend) {
    let served = Served::start(backend).await;
    let anna = served.device("hoeje-taastrup", "anna").await;
    let admin = served.device("hoeje-taastrup", "admin").await;
    let bo = served.device("hoeje-taastrup", "bo").await;
    let lea = served.device("hoeje-taastrup", "lea").await;

    let worker = served
        .call(
            "POST",
            &format!("/v1/devices/{}/revoke", anna.device_id),
            &bo.token,
            None,
        )
        .await;
    assert_eq!(worker.status, StatusCode::FORBIDDEN);
    assert_eq!(worker.body["error"]["code"], "forbidden");
    // The admin has no team: a lead of the team Nord cannot revoke the admin's device.
    let outside = served
        .call(
            "POST",
            &format!("/v1/devices/{}/revoke", admin.device_id),
            &lea.token,
            None,
        )
        .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    let own_team = served
        .call(
            "POST",
            &format!("/v1/devices/{}/revoke", anna.device_id),
            &lea.token,
            None,
        )
        .await;
    assert_eq!(own_team.status, StatusCode::OK, "{:?}", own_team.body);
    assert_eq!(
        served.call("GET", "/v1/me", &anna.token, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    served.stop().await;
}

async fn another_tenants_device_answers_like_a_missing_one(backend: Backend) {
    let served = Served::start(backend).await;
    let mads = served.device("holstebro", "mads").await;
    let admin = served.device("hoeje-taastrup", "admin").await;
    let other = served
        .call(
            "POST",
            &format!("/v1/devices/{}/revoke", mads.device_id),
            &admin.token,
            None,
        )
        .await;
    let missing = served
        .call(
            "POST",
            "/v1/devices/00000000-0000-0000-0000-000000000000/revoke",
            &admin.token,
            None,
        )
        .await;
    let quote = served
        .call("POST", "/v1/devices/x'%20OR%20'1'='1/revoke", &admin.token, None)
        .await;
    for response in [&other, &missing, &quote] {
        assert_eq!(response.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        other.body, missing.body,
        "indistinguishable from a missing device"
    );
    assert_eq!(
        served.call("GET", "/v1/me", &mads.token, None).await.status,
        StatusCode::OK
    );
    served.stop().await;
}

async fn the_device_list_shows_the_tenant_to_admins_and_the_team_to_leads(backend: Backend) {
    let served = Served::start(backend).await;
    let anna = served.device("hoeje-taastrup", "anna").await;
    let admin = served.device("hoeje-taastrup", "admin").await;
    let lea = served.device("hoeje-taastrup", "lea").await;
    let mads = served.device("holstebro", "mads").await;
    let ids = |response: &crate::helpers::TestResponse| -> Vec<String> {
        response.body["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .map(|d| d["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };

    let all = served.call("GET", "/v1/devices", &admin.token, None).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let seen = ids(&all);
    for device in [&anna, &admin, &lea] {
        assert!(seen.contains(&device.device_id));
    }
    assert!(
        !seen.contains(&mads.device_id),
        "another tenant's devices stay hidden"
    );
    let listed = &all.body["devices"][0];
    for field in [
        "name",
        "user_id",
        "username",
        "created_at",
        "last_seen_at",
        "revoked_at",
    ] {
        assert!(listed.get(field).is_some(), "{field}");
    }

    let team = ids(&served.call("GET", "/v1/devices", &lea.token, None).await);
    assert!(team.contains(&anna.device_id) && team.contains(&lea.device_id));
    assert!(!team.contains(&admin.device_id), "a lead sees their team only");
    let worker = served.call("GET", "/v1/devices", &anna.token, None).await;
    assert_eq!(worker.status, StatusCode::FORBIDDEN);
    served.stop().await;
}
