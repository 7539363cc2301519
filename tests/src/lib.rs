//! The one test harness every crate's tests share (issue 14): the server in-process ([`app`]: `TestApp`, and
//! `Served` over TCP) or as a real process ([`process`]), throwaway databases on either store ([`database`]), test
//! devices that speak the sync protocol over a real WebSocket ([`device`]), a tiny HTTP client for the few JSON
//! calls tests make over TCP ([`http`]), the server's own figures from `GET /metrics` ([`metrics`]), the real `tov`
//! binary as a phone ([`tov`]), a proxy that drops connections at random points ([`proxy`]), one that breaks
//! WebSocket messages ([`faults`]), the fault runs built on them ([`fault_runs`]) and the benchmarks' synthetic
//! cases ([`cases`]).

pub mod app;
pub mod cases;
pub mod database;
pub mod device;
pub mod fault_runs;
pub mod faults;
pub mod http;
pub mod metrics;
pub mod process;
pub mod proxy;
pub mod tov;

/// The password of every demo user in tests, whichever way the server runs.
pub const DEMO_PASSWORD: &str = "demo-password-for-tests";

/// Declares a `#[tokio::test]` per store for each named `async fn(Backend)` of the calling module:
/// `sqlite::name` and `postgres::name` (which reports itself skipped when `TOVHOLDER_TEST_SKIP_PG=1`).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::database::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if $crate::database::skip_postgres() {
                        return;
                    }
                    super::$name($crate::database::Backend::Postgres).await;
                }
            )+
        }
    };
}
