//! The WebSocket connection to `/v1/sync`, authenticated with the access token in the subprotocol list.
//!
//! The token travels as `Sec-WebSocket-Protocol: tovholder.v1, bearer.<jwt>` (PROTOCOL.md section 2). The header
//! value is marked sensitive so that no `Debug` output of the request shows it, and no error message here
//! includes the request.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sync_core::protocol::{BEARER_SUBPROTOCOL_PREFIX, WEBSOCKET_PATH, WEBSOCKET_SUBPROTOCOL};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::{self, Error};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::SyncError;
use crate::api;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `http://host:port` → `ws://host:port/v1/sync`.
fn sync_url(server: &str) -> Result<String, SyncError> {
    let base = api::base_url(server).map_err(|e| SyncError::Network(e.to_string()))?;
    Ok(format!("ws{}{WEBSOCKET_PATH}", base.trim_start_matches("http")))
}

/// Opens the connection; a refused token is [`SyncError::Unauthorized`].
pub(crate) async fn connect(
    server: &str,
    token: &SecretString,
    timeout: Duration,
) -> Result<Socket, SyncError> {
    let mut request = sync_url(server)?
        .into_client_request()
        .map_err(|e| SyncError::Network(e.to_string()))?;
    let protocols = format!(
        "{WEBSOCKET_SUBPROTOCOL}, {BEARER_SUBPROTOCOL_PREFIX}{}",
        token.expose_secret()
    );
    let mut value = HeaderValue::from_str(&protocols)
        .map_err(|_| SyncError::Unauthorized("the stored token is damaged".to_owned()))?;
    value.set_sensitive(true);
    request
        .headers_mut()
        .insert(header::SEC_WEBSOCKET_PROTOCOL, value);
    match tokio::time::timeout(timeout, connect_async(request)).await {
        Err(_) => Err(SyncError::Timeout(timeout)),
        Ok(Ok((socket, _response))) => Ok(socket),
        Ok(Err(Error::Http(response))) if response.status() == StatusCode::UNAUTHORIZED => Err(
            SyncError::Unauthorized("token expired, revoked or unknown".to_owned()),
        ),
        Ok(Err(Error::Http(response))) => Err(SyncError::Network(format!("HTTP {}", response.status()))),
        Ok(Err(error)) => Err(SyncError::Network(describe(&error))),
    }
}

/// A connection error for the user; never the request (it holds the token).
fn describe(error: &tungstenite::Error) -> String {
    match error {
        Error::Io(io) => format!("cannot connect: {io}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_url_follows_the_server_url() {
        assert_eq!(
            sync_url("http://127.0.0.1:8080/").ok().as_deref(),
            Some("ws://127.0.0.1:8080/v1/sync")
        );
    }
}
