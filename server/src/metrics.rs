//! This process's figures in the Prometheus text format, for an operator's scraper (served at `GET /metrics` by
//! `api/metrics.rs`).
//!
//! What is counted where it happens (the sync connections and their commits) lives in [`Metrics`], one per
//! process, held by the sync service; what is a state of the moment (documents held in memory, hub subscribers,
//! the database pool) is read when the scraper asks. Figures never carry a case, user or device: labels are fixed
//! words, so nothing about a citizen can reach a dashboard.
//!
//! The route is off unless the operator sets a scrape token (`--metrics-token`, `TOVHOLDER_METRICS_TOKEN`); a
//! request without that token as `Authorization: Bearer` gets the same 404 as a route that does not exist, so the
//! figures (how many connections, how busy) tell an outsider nothing, not even that they exist. The route is
//! throttled per address like the other routes open without an access token.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, header};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::store::PoolUse;

/// The shortest scrape token `serve` accepts: a scrape token is a password a machine types.
pub const MIN_TOKEN_CHARS: usize = 24;

/// A label set of one fixed word, e.g. `direction="in"`.
type Label = [(&'static str, &'static str); 1];

/// A database pool's connections in one state, e.g. `pool="general",state="busy"`.
type PoolStateLabel = [(&'static str, &'static str); 2];

/// The figures of one process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    connections: Family<Label, Gauge>,
    frames: Family<Label, Counter>,
    frame_bytes: Family<Label, Counter>,
    commits: Counter,
    commit_seconds: Histogram,
    commit_batch_documents: Histogram,
    documents_held: Gauge,
    hub_subscribers: Gauge,
    pool_connections: Family<PoolStateLabel, Gauge>,
    pool_max: Family<Label, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tovholder");
        let connections = Family::<Label, Gauge>::default();
        registry.register(
            "sync_connections",
            "Open sync connections: state \"hello\" until the Welcome, then \"ready\"",
            connections.clone(),
        );
        let frames = Family::<Label, Counter>::default();
        registry.register("sync_frames", "Sync frames, by direction", frames.clone());
        let frame_bytes = Family::<Label, Counter>::default();
        registry.register(
            "sync_frame_bytes",
            "Bytes of sync frames on the WebSocket, by direction",
            frame_bytes.clone(),
        );
        let commits = Counter::default();
        registry.register("commits", "Device changes committed durably", commits.clone());
        // 1 ms to about 16 s: a commit is a few milliseconds on an idle machine and seconds under a storm.
        let commit_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "commit_seconds",
            "From a device's Sync frame arriving to its changes being durable and the Ack sent",
            commit_seconds.clone(),
        );
        let commit_batch_documents = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "commit_batch_documents",
            "Documents committed in one database transaction",
            commit_batch_documents.clone(),
        );
        let documents_held = Gauge::default();
        registry.register(
            "documents_held",
            "Case documents this process holds in memory",
            documents_held.clone(),
        );
        let hub_subscribers = Gauge::default();
        registry.register(
            "hub_subscribers",
            "Connections subscribed to this process's document events",
            hub_subscribers.clone(),
        );
        let pool_connections = Family::<PoolStateLabel, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections, by pool (general, sync_writers) and state (busy, idle)",
            pool_connections.clone(),
        );
        let pool_max = Family::<Label, Gauge>::default();
        registry.register(
            "db_pool_max_connections",
            "Each database pool's size limit",
            pool_max.clone(),
        );
        Metrics {
            registry,
            connections,
            frames,
            frame_bytes,
            commits,
            commit_seconds,
            commit_batch_documents,
            documents_held,
            hub_subscribers,
            pool_connections,
            pool_max,
        }
    }
}

impl Metrics {
    /// A connection opened: it counts as "hello" until [`Self::connection_ready`], and no longer once the returned
    /// guard is dropped, however the connection ends.
    pub fn connection_opened(self: &Arc<Self>) -> ConnectionGauge {
        self.connections.get_or_create(&HELLO).inc();
        ConnectionGauge {
            metrics: self.clone(),
            state: &HELLO,
        }
    }

    /// A frame of `bytes` came in from a device.
    pub fn frame_in(&self, bytes: usize) {
        self.frames.get_or_create(&IN).inc();
        self.frame_bytes.get_or_create(&IN).inc_by(bytes as u64);
    }

    /// A frame of `bytes` went out to a device.
    pub fn frame_out(&self, bytes: usize) {
        self.frames.get_or_create(&OUT).inc();
        self.frame_bytes.get_or_create(&OUT).inc_by(bytes as u64);
    }

    /// A device's changes are durable, `since_received` after their frame arrived.
    pub fn committed(&self, since_received: Duration) {
        self.commits.inc();
        self.commit_seconds.observe(since_received.as_secs_f64());
    }

    /// One database transaction committed `documents` documents.
    pub fn commit_batch(&self, documents: usize) {
        self.commit_batch_documents.observe(documents as f64);
    }

    /// The text a scrape gets, with the states of the moment: documents held in memory, hub subscribers and the
    /// database pool's use.
    pub fn render(
        &self,
        documents_held: usize,
        hub_subscribers: usize,
        pools: &[(&'static str, PoolUse)],
    ) -> String {
        self.documents_held.set(gauge_value(documents_held));
        self.hub_subscribers.set(gauge_value(hub_subscribers));
        for &(name, pool) in pools {
            self.pool_connections
                .get_or_create(&[("pool", name), ("state", "busy")])
                .set(gauge_value(pool.size.saturating_sub(pool.idle)));
            self.pool_connections
                .get_or_create(&[("pool", name), ("state", "idle")])
                .set(gauge_value(pool.idle));
            self.pool_max
                .get_or_create(&[("pool", name)])
                .set(gauge_value(pool.max));
        }
        let mut text = String::new();
        // Writing to a String cannot fail; the encoder's error is fmt's.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

const HELLO: Label = [("state", "hello")];
const READY: Label = [("state", "ready")];
const IN: Label = [("direction", "in")];
const OUT: Label = [("direction", "out")];

fn gauge_value(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// One open connection in the `sync_connections` gauge, under its current state.
pub struct ConnectionGauge {
    metrics: Arc<Metrics>,
    state: &'static Label,
}

impl ConnectionGauge {
    /// The connection got its Welcome and is syncing.
    pub fn ready(&mut self) {
        if self.state != &READY {
            self.metrics.connections.get_or_create(self.state).dec();
            self.metrics.connections.get_or_create(&READY).inc();
            self.state = &READY;
        }
    }
}

impl Drop for ConnectionGauge {
    fn drop(&mut self) {
        self.metrics.connections.get_or_create(self.state).dec();
    }
}

/// The operator's scrape token, kept as its SHA-256 so that comparing it takes the same time however much of a
/// guess matches.
#[derive(Clone)]
pub struct ScrapeToken {
    digest: [u8; 32],
}

impl ScrapeToken {
    pub fn new(token: &SecretString) -> ScrapeToken {
        ScrapeToken {
            digest: Sha256::digest(token.expose_secret().as_bytes()).into(),
        }
    }

    /// Whether the request shows this token as `Authorization: Bearer`.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
        else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        digest == self.digest
    }
}

impl std::fmt::Debug for ScrapeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScrapeToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value"),
        );
        headers
    }

    #[test]
    fn the_token_admits_only_itself() {
        let token = ScrapeToken::new(&SecretString::from("scrape-token-of-the-operator-0001"));
        assert!(token.admits(&bearer("scrape-token-of-the-operator-0001")));
        assert!(!token.admits(&bearer("scrape-token-of-the-operator-0002")));
        assert!(!token.admits(&bearer("")));
        assert!(!token.admits(&HeaderMap::new()));
        assert_eq!(format!("{token:?}"), "ScrapeToken(..)");
    }

    #[test]
    fn a_connection_counts_under_one_state_until_it_ends() {
        let metrics = Arc::new(Metrics::default());
        let count = |label: &Label| metrics.connections.get_or_create(label).get();
        {
            let mut gauge = metrics.connection_opened();
            assert_eq!((count(&HELLO), count(&READY)), (1, 0));
            gauge.ready();
            gauge.ready();
            assert_eq!((count(&HELLO), count(&READY)), (0, 1));
        }
        assert_eq!((count(&HELLO), count(&READY)), (0, 0));
    }
}
