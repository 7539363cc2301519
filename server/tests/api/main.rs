//! Integration tests of the `tovholder` HTTP API and store, each run against SQLite and against PostgreSQL.
//!
//! One test binary (faster to link than one per file). Each behaviour is an `async fn(Backend)`; the harness's
//! `both_backends!` macro (`tests` crate) turns a list of them into `sqlite::name` and `postgres::name` tests.

#[macro_use]
extern crate tests;

mod access;
mod audit;
mod audit_api;
mod break_glass;
mod checkin;
mod compaction;
mod demo;
mod devices;
mod documents;
mod export;
mod fit_rules;
mod fixtures;
mod helpers;
mod holders;
mod hostile;
mod hostile_devices;
mod lead_scope;
mod login;
mod metrics;
mod modules;
mod oidc;
mod operations;
mod projections;
mod refresh;
mod requests;
mod retention;
mod review;
mod schema;
mod serve;
mod stats;
mod store;
mod sync;
mod throttle;
mod tokens;
mod web;
