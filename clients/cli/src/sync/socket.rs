//! The WebSocket connection to `/v1/sync`, authenticated with the access token in the subprotocol list.
//!
//! The token travels as `Sec-WebSocket-Protocol: tovholder.v1, bearer.<jwt>` (PROTOCOL.md section 2). The header
//! value is marked sensitive so that no `Debug` output of the request shows it, and no error message here
//! includes the request. `wss://` goes through the same rustls configuration as the HTTP calls
//! ([`crate::tls`]); plain `ws://` only where [`Endpoint`] allows plain HTTP (this machine).

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sync_core::protocol::{BEARER_SUBPROTOCOL_PREFIX, WEBSOCKET_SUBPROTOCOL};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::{self, Error};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream, connect_async_tls_with_config};

use super::SyncError;
use crate::api::{ApiError, Endpoint};
use crate::tls::certificate_problem;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the connection of a device of `tenant_slug`; a refused token is [`SyncError::Unauthorized`].
pub(crate) async fn connect(
    server: &Endpoint,
    tenant_slug: &str,
    token: &SecretString,
    timeout: Duration,
) -> Result<Socket, SyncError> {
    let mut request = server
        .sync_url(tenant_slug)
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
    // Always an explicit connector: tungstenite must not fall back to a TLS setup of its own.
    let connector = if server.is_tls() {
        let config = server
            .trust()
            .client_config()
            .map_err(|e| SyncError::BadServer(ApiError::Tls(e)))?;
        Connector::Rustls(Arc::new(config))
    } else {
        Connector::Plain
    };
    // `true`: Nagle's algorithm off, so a frame goes out at once rather than after the server acknowledged the
    // one before (the server does the same).
    let connecting = connect_async_tls_with_config(request, None, true, Some(connector));
    match tokio::time::timeout(timeout, connecting).await {
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
    if let Some(problem) = certificate_problem(error) {
        return problem;
    }
    match error {
        Error::Io(io) => format!("cannot connect: {io}"),
        other => other.to_string(),
    }
}
