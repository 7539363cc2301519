//! Integration tests of the `tovholder` HTTP API and store, each run against SQLite and against PostgreSQL.
//!
//! One test binary (faster to link than one per file). Each behaviour is an `async fn(Backend)`; the
//! [`both_backends!`] macro turns a list of them into `sqlite::name` and `postgres::name` tests.

/// Declares a `#[tokio::test]` per backend for each named `async fn(Backend)` of the calling module.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::helpers::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if crate::helpers::skip_postgres() {
                        return;
                    }
                    super::$name(crate::helpers::Backend::Postgres).await;
                }
            )+
        }
    };
}

mod access;
mod audit;
mod audit_api;
mod break_glass;
mod checkin;
mod compaction;
mod database;
mod demo;
mod devices;
mod documents;
mod export;
mod fixtures;
mod helpers;
mod hostile;
mod hostile_devices;
mod lead_scope;
mod login;
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
mod served;
mod stats;
mod store;
mod sync;
mod throttle;
mod tokens;
mod web;
