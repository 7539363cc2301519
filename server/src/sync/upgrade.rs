//! The WebSocket upgrade at `/v1/sync`: no connection without a valid token.
//!
//! Browsers cannot set headers on a WebSocket, so the token may come as a subprotocol entry
//! (`Sec-WebSocket-Protocol: tovholder.v1, bearer.<jwt>`); other clients may use `Authorization: Bearer`. The
//! server answers with the client's `tovholder.vN` entry even when it speaks another version, so an old client
//! gets the protocol's own clear error frame instead of a failed handshake.

use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL};
use axum::response::Response;
use sync_core::protocol::{BEARER_SUBPROTOCOL_PREFIX, WEBSOCKET_SUBPROTOCOL};

use super::SyncService;
use super::connection::{self, Peer};
use crate::api::ApiError;
use crate::app::AppState;
use crate::auth::authenticate;

pub async fn upgrade(
    ws: WebSocketUpgrade,
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
    let user = authenticate(&state.tokens, &state.store, &token).await?;
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
        .on_upgrade(move |socket| {
            let tracker = service.connections.clone();
            tracker.track_future(connection::serve(socket, service, peer))
        }))
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
