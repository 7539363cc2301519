//! Retention of the access log: rows older than the configured period (default 6 months) are purged
//! automatically by a background task, and with them the failed logins past their use (store/login.rs).
//!
//! Purging deletes the oldest rows and records the hash of the newest deleted row as the chain's anchor (see
//! [`Store::purge_audit`]), so `tovholder audit verify` still checks everything that remains.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::clock;
use crate::store::{Store, StoreError};

/// The default retention period: six months (Datatilsynet's usual minimum for access logs).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(183 * 24 * 60 * 60);
/// How often the purger runs.
pub const INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Purges the rows older than `retention` before `now` (ms). Returns how many went.
pub async fn purge_once(store: &Store, retention: Duration, now: i64) -> Result<u64, StoreError> {
    store.purge_audit(now.saturating_sub(millis(retention))).await
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Runs [`purge_once`] every `interval` until `shutdown` completes; errors are logged and retried next round.
pub fn spawn_purger<F>(store: Store, retention: Duration, interval: Duration, shutdown: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticks.tick() => {
                    let now = clock::now_ms();
                    match purge_once(&store, retention, now).await {
                        Ok(0) => {}
                        Ok(purged) => tracing::info!(purged, "purged access log rows past retention"),
                        Err(error) => tracing::warn!(%error, "access log purge failed"),
                    }
                    // Failed logins go with it: the lockout needs a day of them, the tallies as long as the log.
                    match store.purge_failed_logins(now, now.saturating_sub(millis(retention))).await {
                        Ok(0) => {}
                        Ok(purged) => tracing::info!(purged, "purged failed logins past their use"),
                        Err(error) => tracing::warn!(%error, "failed login purge failed"),
                    }
                }
            }
        }
    })
}
