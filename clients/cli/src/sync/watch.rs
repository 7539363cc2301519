//! `tov sync --watch`: stay connected, persist live changes as they arrive, and reconnect when the line drops.
//!
//! Edits made by other tov commands while the watch runs are stored by those commands; the watch finds them in
//! the store every [`LOCAL_POLL`] and uploads them on the open connection. A lost connection is retried with
//! exponential backoff (1 s doubling to [`MAX_BACKOFF`]), reset once a connection has caught up again. A refused
//! login or a revoked device ends the watch: retrying cannot help until a person acts.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::link::{Link, UPLOAD_BATCH};
use super::{SyncError, SyncEvent, SyncOptions, send_all, socket};
use crate::device::Device;

/// How often the store is checked for local edits to upload.
const LOCAL_POLL: Duration = Duration::from_secs(2);
/// How often an idle connection is pinged, so a dead one is noticed.
const PING_EVERY: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the watch reports as it goes.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    Connected,
    /// The device holds everything the server had when the connection opened.
    InSync,
    Sync(SyncEvent),
    /// The connection failed or dropped; the next attempt comes after `retry_in`.
    Lost {
        error: String,
        retry_in: Duration,
    },
}

/// Watches until `stop` completes (Ok) or the server refuses the device (the error).
pub async fn watch(
    device: &Device,
    options: &SyncOptions,
    mut on_event: impl FnMut(WatchEvent),
    stop: impl Future<Output = ()>,
) -> Result<(), SyncError> {
    let mut stop = std::pin::pin!(stop);
    let mut backoff = FIRST_BACKOFF;
    loop {
        match connection(device, options, &mut on_event, stop.as_mut()).await {
            Ok(Finished::Stopped) => return Ok(()),
            Ok(Finished::Dropped { caught_up }) | Err((caught_up, SyncError::Closed)) => {
                if caught_up {
                    backoff = FIRST_BACKOFF;
                }
                on_event(WatchEvent::Lost {
                    error: "the connection closed".to_owned(),
                    retry_in: backoff,
                });
            }
            Err((_, error)) if error.is_fatal() => return Err(error),
            Err((caught_up, error)) => {
                if caught_up {
                    backoff = FIRST_BACKOFF;
                }
                on_event(WatchEvent::Lost {
                    error: error.to_string(),
                    retry_in: backoff,
                });
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stop.as_mut() => return Ok(()),
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Finished {
    Stopped,
    Dropped { caught_up: bool },
}

/// One connection, until it drops or `stop` completes. An error carries whether the connection had caught up.
async fn connection(
    device: &Device,
    options: &SyncOptions,
    on_event: &mut impl FnMut(WatchEvent),
    mut stop: Pin<&mut impl Future<Output = ()>>,
) -> Result<Finished, (bool, SyncError)> {
    let settings = device.settings().map_err(|e| (false, e.into()))?.clone();
    let server = super::endpoint(device, options).map_err(|e| (false, e))?;
    let token = super::fresh_token(device, &server)
        .await
        .map_err(|e| (false, e))?;
    let mut socket = socket::connect(&server, &settings.tenant_slug, &token, options.timeout)
        .await
        .map_err(|e| (false, e))?;
    let (mut link, hello) = Link::open(device, &settings.device_id, options.force, true)
        .await
        .map_err(|e| (false, e))?;
    send_all(&mut socket, hello).await.map_err(|e| (false, e))?;
    on_event(WatchEvent::Connected);
    super::opens::send(device.store(), &server, &token).await;
    // A failure keeps the set fetched before; the next connection tries again.
    let _ = super::rules::refresh(device.profile(), &server, &token).await;
    let _ = super::rules::refresh_team(device.profile(), &server, &token).await;
    let mut poll = tokio::time::interval(LOCAL_POLL);
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut announced = false;
    let outcome: Result<Finished, (bool, SyncError)> = async {
        loop {
            let caught_up = link.is_in_sync();
            let frames = tokio::select! {
                // Anything else that is ready goes before writing what arrived and loading more of the manifest
                // (the last branches): a frame from the server keeps it working on the upload (as in
                // `sync_device`).
                biased;
                message = socket.next() => match message {
                    None | Some(Ok(Message::Close(_))) => return Ok(Finished::Dropped { caught_up }),
                    Some(Err(error)) => return Err((caught_up, SyncError::Network(error.to_string()))),
                    Some(Ok(Message::Binary(bytes))) => link.receive(&bytes).await.map_err(|e| (caught_up, e))?,
                    Some(Ok(_)) => Vec::new(),
                },
                _ = poll.tick(), if caught_up => {
                    // Openings another tov command recorded meanwhile; what fails waits for the next connection.
                    super::opens::send(device.store(), &server, &token).await;
                    link.upload_local().await.map_err(|e| (caught_up, e))?
                }
                _ = ping.tick() => {
                    socket.send(Message::Ping(Vec::new().into())).await
                        .map_err(|e| (caught_up, SyncError::Network(e.to_string())))?;
                    Vec::new()
                }
                () = stop.as_mut() => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                    return Ok(Finished::Stopped);
                }
                () = std::future::ready(()), if link.has_unwritten() => {
                    link.write_pending().await.map_err(|e| (caught_up, e))?
                }
                () = std::future::ready(()), if link.has_unloaded() => {
                    link.upload_next(UPLOAD_BATCH).await.map_err(|e| (caught_up, e))?
                }
            };
            send_all(&mut socket, frames).await.map_err(|e| (caught_up, e))?;
            for event in link.events.drain(..) {
                on_event(WatchEvent::Sync(event));
            }
            if link.is_in_sync() && !announced {
                announced = true;
                on_event(WatchEvent::InSync);
            }
        }
    }
    .await;
    // However the connection ended, what arrived on it need not be fetched again.
    let _ = link.write_pending().await;
    outcome
}
