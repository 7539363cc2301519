//! Sync with the server over the WebSocket protocol (docs/PROTOCOL.md), driving `sync-core`'s [`ClientSession`].
//!
//! - [`run_once`]: connect, send the Hello, sync until the device holds everything the server had at the Welcome
//!   and every uploaded change is acknowledged (or refused), then disconnect. What `tov sync` does.
//! - [`watch`]: stay connected, persist live changes as they arrive, upload local edits other tov commands store
//!   meanwhile, and reconnect with backoff when the connection drops. What `tov sync --watch` does.
//! - `opens`: the case openings `tov case --purpose` recorded, sent to the access log at each connection;
//!   `rules`: the municipality's FIT rule set, fetched at each connection.
//! - `link`: the session and the documents in play, and how each effect is persisted; `socket`: the connection.
//!
//! [`ClientSession`]: sync_core::protocol::ClientSession

mod link;
mod opens;
mod report;
mod rules;
mod socket;
mod watch;

use std::io::IsTerminal;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_tungstenite::tungstenite::Message;

pub use opens::OpeningsSent;
pub use report::{SyncError, SyncEvent, SyncReport};
pub use watch::{WatchEvent, watch};

use crate::api::Endpoint;
use crate::device::Device;
use crate::profile::Profile;
use crate::tls::Trust;
use link::{Link, UPLOAD_BATCH};
use socket::Socket;

/// Show a progress bar when a sync involves more documents than this.
const PROGRESS_THRESHOLD: u64 = 5;

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Delete a document the server purges even when it has unacknowledged changes (they are lost).
    pub force: bool,
    /// Give up when the server sends nothing for this long (also the connect timeout).
    pub timeout: Duration,
    /// Draw a progress bar on stderr (only on a terminal, and only for more than a few documents).
    pub progress: bool,
    /// The certificates to trust for `https://` and `wss://` (`--ca-cert`).
    pub trust: Trust,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            force: false,
            timeout: Duration::from_secs(30),
            progress: false,
            trust: Trust::public(),
        }
    }
}

/// Syncs the profile's store once. See the module documentation.
pub async fn run_once(profile: &Profile, options: &SyncOptions) -> Result<SyncReport, SyncError> {
    let device = Device::open(profile.clone()).await?;
    let result = sync_device(&device, options).await;
    device.close().await;
    result
}

/// The profile's server with the trust of `options`.
fn endpoint(device: &Device, options: &SyncOptions) -> Result<Endpoint, SyncError> {
    let settings = device.settings()?;
    Endpoint::new(&settings.server, options.trust.clone()).map_err(SyncError::BadServer)
}

/// The access token for a connection, refreshed when it is about to expire (see [`crate::login::fresh_token`]).
async fn fresh_token(device: &Device, server: &Endpoint) -> Result<secrecy::SecretString, SyncError> {
    use crate::api::ApiError;
    use crate::login::LoginError;
    crate::login::fresh_token(
        device.profile().dir(),
        server,
        device.key()?,
        crate::time::now_ms(),
    )
    .await
    .map_err(|error| match error {
        LoginError::Api(error) if error.is_bad_input() => SyncError::BadServer(error),
        LoginError::Api(ApiError::Untrusted(message)) => SyncError::Network(message),
        // The device was revoked (a lost phone): the caller wipes the store.
        LoginError::Api(ApiError::Refused { code, message, .. }) if code == "device_revoked" => {
            SyncError::Revoked(message)
        }
        // Expired or reused: only a password login helps.
        LoginError::Api(ApiError::Refused { message, .. }) => SyncError::Unauthorized(message),
        LoginError::Api(ApiError::Unreachable(message)) => SyncError::Network(message),
        other => SyncError::Unauthorized(other.to_string()),
    })
}

/// Syncs an open device once.
pub async fn sync_device(device: &Device, options: &SyncOptions) -> Result<SyncReport, SyncError> {
    let settings = device.settings()?.clone();
    let server = endpoint(device, options)?;
    let token = fresh_token(device, &server).await?;
    let mut socket = socket::connect(&server, &settings.tenant_slug, &token, options.timeout).await?;
    let (mut link, hello) = Link::open(device, &settings.device_id, options.force, false).await?;
    send_all(&mut socket, hello).await?;
    let mut bar: Option<ProgressBar> = None;
    if let Err(error) = exchange(&mut link, &mut socket, options, &mut bar).await {
        // What arrived before the connection failed need not be fetched again; the error is what matters.
        let _ = link.write_pending().await;
        return Err(error);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // A polite close; the server's answer to it is not worth waiting long for.
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    let mut report = link.finish().await?;
    report.openings = opens::send(device.store(), &server, &token).await;
    report.fit_rules = Some(rules::refresh(device.profile(), &server, &token).await);
    // The team list is a convenience for `tov assign`: a failure keeps the one fetched before.
    let _ = rules::refresh_team(device.profile(), &server, &token).await;
    Ok(report)
}

/// Exchanges frames until the link is complete: the server's frames as they come, and in the pauses between them
/// what they brought written to the store and the manifest's documents loaded and offered.
async fn exchange(
    link: &mut Link<'_>,
    socket: &mut Socket,
    options: &SyncOptions,
    bar: &mut Option<ProgressBar>,
) -> Result<(), SyncError> {
    while !link.is_complete() {
        let message = tokio::select! {
            // A frame that is waiting goes first: the server's answers keep it working on the upload.
            biased;
            message = tokio::time::timeout(options.timeout, socket.next()) => match message {
                Err(_) => return Err(SyncError::Timeout(options.timeout)),
                Ok(None) => return Err(SyncError::Closed),
                Ok(Some(Err(error))) => return Err(SyncError::Network(error.to_string())),
                Ok(Some(Ok(message))) => message,
            },
            // No frame waiting: write what the burst that just ended received, then offer more documents.
            () = std::future::ready(()), if link.has_unwritten() => {
                let held = link.write_pending().await?;
                send_all(socket, held).await?;
                continue;
            }
            () = std::future::ready(()), if link.has_unloaded() => {
                let offers = link.upload_next(UPLOAD_BATCH).await?;
                send_all(socket, offers).await?;
                continue;
            }
        };
        match message {
            Message::Binary(bytes) => {
                let replies = link.receive(&bytes).await?;
                send_all(socket, replies).await?;
            }
            Message::Close(_) => return Err(SyncError::Closed),
            // Pings are answered by tungstenite itself; text frames are not part of the protocol.
            _ => {}
        }
        update_progress(bar, options, link.progress());
    }
    Ok(())
}

async fn send_all(socket: &mut Socket, frames: Vec<Vec<u8>>) -> Result<(), SyncError> {
    for frame in frames {
        socket
            .feed(Message::Binary(frame.into()))
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
    }
    socket
        .flush()
        .await
        .map_err(|e| SyncError::Network(e.to_string()))
}

fn update_progress(bar: &mut Option<ProgressBar>, options: &SyncOptions, (done, total): (u64, u64)) {
    if bar.is_none() && options.progress && total > PROGRESS_THRESHOLD && std::io::stderr().is_terminal() {
        let new = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} syncing {pos}/{len} documents {wide_bar} {elapsed}")
        {
            new.set_style(style);
        }
        *bar = Some(new);
    }
    if let Some(bar) = bar {
        bar.set_length(total);
        bar.set_position(done.min(total));
    }
}

#[cfg(test)]
mod tests;
