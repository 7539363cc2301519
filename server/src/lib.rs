//! The `tovholder` server: an offline-first sync backend for outreach social work.
//!
//! - [`audit`]: the hash-chained access log, its verification and retention.
//! - [`config`]: the one configuration struct (flags and `TOVHOLDER_*` environment variables).
//! - [`app`]: [`app::Application`] (bind, serve, shut down) and the router.
//! - [`state`]: [`state::AppState`], what every handler can reach.
//! - [`api`]: HTTP handlers and the one error shape.
//! - [`auth`]: argon2id passwords, HS256 access tokens, OIDC ID tokens, refresh tokens.
//! - [`authz`]: who may do what: the one authorisation decision every handler and the sync write rules ask.
//! - [`ids`]: the tenant, team, user and device ids, each its own type, parsed once at the edge.
//! - [`store`]: every SQL statement, over SQLite or PostgreSQL.
//! - [`sync`]: the WebSocket sync endpoint, the shared in-memory documents and the change fan-out.
//! - [`metrics`]: `GET /metrics`, the process's figures in the Prometheus text format for an operator's scraper.
//! - [`throttle`]: per-address throttling of the routes open without a token.
//! - [`web`]: the built web app (the worker's PWA and the citizen's check-in page), served at `/`.
//! - [`projection`]: the relational rows (contacts, FIT scores, goals, courses, alerts, conflicts) of a case.
//! - [`compaction`]: the background task that folds committed changes into snapshots.
//! - [`demo`]: the synthetic demo municipalities, their users and case documents.
//! - [`thread_caches`]: when the runtime's workers hand the allocator's per-thread caches back.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod backfill;
pub mod clock;
pub mod compaction;
pub mod config;
pub mod demo;
pub mod fhir;
pub mod fit_rules;
pub mod ids;
pub mod metrics;
pub mod operations;
pub mod projection;
pub mod review;
pub mod state;
pub mod stats;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod thread_caches;
pub mod throttle;
pub mod web;
