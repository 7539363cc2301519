//! `GET /v1/devices` (the tenant's devices, or a lead's team's) and `POST /v1/devices/{id}/revoke` (a lost
//! phone: its tokens stop working and its open sync connections close within a second).
//!
//! A device of another tenant, or of another team for a lead, gets the same `not_found` as a missing one.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::AuthUser;
use super::{ApiError, caller};
use crate::audit::{self, Action, Actor};
use crate::authz::{self, Act, On};
use crate::clock;
use crate::ids::DeviceId;
use crate::state::AppState;
use crate::store::DeviceListing;
use crate::sync::HubEvent;

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceList {
    devices: Vec<DeviceListing>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Revoked {
    #[schema(value_type = String)]
    device_id: DeviceId,
    revoked_at: i64,
}

/// The tenant's devices (admin) or the lead's team's (lead).
#[utoipa::path(get, path = "/v1/devices", tag = "devices and users", security(("bearer" = [])), responses((status = 200, body = DeviceList), super::Refusals))]
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<DeviceList>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    let team = caller::listing(&viewer)?;
    let devices = state
        .store
        .devices_of_tenant(&viewer.tenant_id, team.as_ref())
        .await?;
    Ok(Json(DeviceList { devices }))
}

/// Revoke a device: its tokens are refused, its sync connections closed, and it wipes its store (admin; lead: team).
#[utoipa::path(post, path = "/v1/devices/{id}/revoke", tag = "devices and users", params(("id" = String, Path, description = "device id")), security(("bearer" = [])), responses((status = 200, body = Revoked), super::Refusals))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(device_id): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    // One who manages no devices gets the same answer for every id.
    caller::listing(&viewer)?;
    // A path segment that is no device id names nothing.
    let device_id: DeviceId = device_id.parse().map_err(|_| ApiError::NotFound)?;
    let device = state
        .store
        .device_in_tenant(&device_id, &viewer.tenant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    caller::require(authz::check(
        &viewer,
        Act::RevokeDevice,
        On::Team(device.team_id.as_ref()),
    ))?;
    let now = clock::now_ms();
    let revoked_now = state.store.revoke_device(&device.id, now).await?;
    // Close this process's connections at once; on PostgreSQL the store's NOTIFY reaches the other processes.
    state.sync.hub.publish(HubEvent::DeviceRevoked {
        device_id: device.id.clone(),
    });
    if revoked_now {
        let actor = Actor {
            tenant_id: &caller.tenant_id,
            user_id: &caller.user_id,
            device_id: &caller.device_id,
        };
        let detail = format!("device={}", device.id);
        audit::record(
            &state.store,
            audit::event(actor, Action::Revoke, None, None, Some(&detail)),
        )
        .await?;
        tracing::info!(device.id = %device.id, "device revoked");
    }
    Ok(Json(Revoked {
        device_id: device.id,
        revoked_at: device.revoked_at.unwrap_or(now),
    }))
}
