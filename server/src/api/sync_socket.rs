//! The WebSocket upgrade at `/v1/sync`: no connection without a valid token.
//!
//! The URL names the device's municipality (`?tenant=<slug>`, sync-core's `sync_path`) for a load balancer to
//! route on; the server only checks that it is the token's. Without it the connection is taken as before.
//!
//! Browsers cannot set headers on a WebSocket, so the token may come as a subprotocol entry
//! (`Sec-WebSocket-Protocol: tovholder.v1, bearer.<jwt>`); other clients may use `Authorization: Bearer`. The
//! server answers with the client's `tovholder.vN` entry even when it speaks another version, so an old client
//! gets the protocol's own clear error frame instead of a failed handshake.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL};
use axum::response::Response;
use serde::Deserialize;
use sync_core::protocol::{BEARER_SUBPROTOCOL_PREFIX, ErrorCode, Frame, WEBSOCKET_SUBPROTOCOL, encode};

use super::ApiError;
use super::extract::{authenticate, is_revoked_device};
use crate::state::AppState;
use crate::sync::{Peer, SyncService, serve_connection};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The municipality's slug, for a load balancer to keep its devices on one server process; it must be the
    /// token's municipality. Optional.
    tenant: Option<String>,
}

/// The sync WebSocket (docs/PROTOCOL.md): binary frames of sync-core's protocol after the upgrade. The access
/// token comes as `Authorization: Bearer` or, from a browser, as the subprotocol entry `bearer.<jwt>` beside
/// `tovholder.v1`. A request that is not a WebSocket upgrade, or whose `tenant` is not the token's, is answered
/// 400.
#[utoipa::path(
    get,
    path = "/v1/sync",
    tag = "sync",
    params(SyncQuery),
    security(("bearer" = [])),
    responses(
        (status = 101, description = "switched to the sync protocol"),
        crate::api::Refusals,
    )
)]
pub async fn upgrade(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    query: Result<Query<SyncQuery>, QueryRejection>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let offered = offered_protocols(&headers);
    let token = offered
        .iter()
        .find_map(|p| p.strip_prefix(BEARER_SUBPROTOCOL_PREFIX))
        .map(str::to_owned)
        .or_else(|| authorization_bearer(&headers))
        .ok_or(ApiError::Unauthorized)?;
    // Only a caller with a token learns that the request was not a WebSocket upgrade.
    let ws = ws.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let user = match authenticate(&state.tokens, &state.store, &token).await {
        Ok(user) => user,
        // A revoked phone that still holds a valid token is told so in the protocol's own terms, so it wipes its
        // store (PROTOCOL.md §2); anyone else gets the plain 401.
        Err(error) if is_revoked_device(&state.tokens, &state.store, &token).await? => {
            tracing::info!("sync by a revoked device; it is told to wipe");
            drop(error);
            return Ok(ws.protocols([WEBSOCKET_SUBPROTOCOL]).on_upgrade(revoked));
        }
        Err(error) => return Err(error),
    };
    let viewer = state
        .store
        .viewer(&user.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let tenant = state
        .store
        .tenant_by_id(&user.tenant_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    // Checked once the caller is known, so only they learn it: a wrong hint is a client's bug, and would send a
    // municipality's devices to different processes.
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    if query.tenant.is_some_and(|hint| hint != tenant.slug) {
        return Err(ApiError::BadRequest(
            "the tenant in the sync URL is not the token's".into(),
        ));
    }
    let protocol = offered
        .iter()
        .find(|p| p.starts_with("tovholder.v"))
        .cloned()
        .unwrap_or_else(|| WEBSOCKET_SUBPROTOCOL.to_owned());
    let service: Arc<SyncService> = state.sync.clone();
    let max_message = service.limits.max_frame_bytes;
    let peer = Peer {
        device_id: user.device_id,
        viewer,
        tenant_slug: tenant.slug,
    };
    Ok(ws
        .protocols([protocol])
        // Messages somewhat over the frame limit still arrive, so the session can answer with its clear
        // FrameTooLarge error; the WebSocket layer cuts off anything beyond twice the limit.
        .max_message_size(max_message.saturating_mul(2))
        .max_frame_size(max_message.saturating_mul(2))
        // A whole municipality's phones stay connected, mostly idle: tungstenite's default buffers (128 KiB each
        // way, the read buffer allocated up front) would cost 128 KiB per idle connection. Small ones cost a few
        // more reads during an upload and keep an idle connection in a few KiB (BENCHMARKS.md, `idle`).
        .read_buffer_size(WEBSOCKET_BUFFER_BYTES)
        .write_buffer_size(WEBSOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            let tracker = service.connections.clone();
            tracker.track_future(serve_connection(socket, service, peer))
        }))
}

/// The WebSocket read buffer and the write buffer's flush threshold of a sync connection.
const WEBSOCKET_BUFFER_BYTES: usize = 8 * 1024;

/// Sends `Error Revoked` and closes.
async fn revoked(mut socket: WebSocket) {
    let frame = Frame::Error {
        code: ErrorCode::Revoked,
        message: "this device was revoked".into(),
    };
    let _ = socket.send(Message::Binary(encode(&frame).into())).await;
    let _ = socket.send(Message::Close(None)).await;
}

fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn authorization_bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}
