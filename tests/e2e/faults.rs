//! Issue 13's point 8, small enough for every run (the `faults` benchmark runs the same code large): sessions
//! through a proxy that drops, duplicates, delays, reorders and cuts messages, and SIGKILLs in the middle of
//! uploads. Nothing acknowledged is lost, every device converges, and the server never panics.

use std::sync::Arc;
use std::time::Duration;

use tests::database::{Backend, TestDatabase, skip_postgres};
use tests::fault_runs::{KillRun, Progress, SessionRun, kill_loop, panics_in, random_sessions};
use tests::faults::Faults;
use tests::process::{ServerProcess, free_port};

#[tokio::test]
async fn sqlite_sessions_through_broken_messages_converge() {
    sessions_through_broken_messages(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_sessions_through_broken_messages_converge() {
    if skip_postgres() {
        return;
    }
    sessions_through_broken_messages(Backend::Postgres).await;
}

async fn sessions_through_broken_messages(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    // Harsher than the benchmark's bad day, so a short run still meets every fault many times.
    let faults = Faults {
        drop: 0.06,
        duplicate: 0.06,
        delay: 0.06,
        max_delay: Duration::from_millis(100),
        reorder: 0.06,
        cut: 0.04,
    };
    let run = SessionRun {
        devices: 4,
        sessions: 60,
        duration: None,
        session_timeout: Duration::from_secs(2),
        faults,
        seed: 5,
    };
    let progress = Arc::new(Progress::default());
    let verified = random_sessions(port, &run, progress.clone())
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", progress.summary()));
    eprintln!("{}; {verified:?}", progress.summary());
    assert!(verified.acknowledged_heads > 0, "the sessions were acknowledged");
    assert!(
        verified.cases > 0 && verified.contacts > verified.cases,
        "visits were recorded"
    );
    assert!(
        progress.broken.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "the faults broke some sessions"
    );
    server.stop();
    assert_eq!(panics_in(&server.log_text()), 0, "{}", server.log_text());
}

#[tokio::test]
async fn sqlite_kill_loop_loses_no_acknowledged_change() {
    kill_loop_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_kill_loop_loses_no_acknowledged_change() {
    if skip_postgres() {
        return;
    }
    kill_loop_loses_nothing(Backend::Postgres).await;
}

async fn kill_loop_loses_nothing(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    // New cases with several visits each: a kill between a case's changes must leave no visit lost or doubled.
    let run = KillRun {
        phones: 8,
        kills: 3,
        cases_per_round: 2,
        visits_per_new_case: 3,
        seed: 3,
    };
    let report = kill_loop(&database.url, free_port(), &run)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    eprintln!("{report:?}");
    assert_eq!(report.rounds.len(), 3);
    assert!(
        report.acknowledged_heads > 0,
        "some uploads were acknowledged before a kill"
    );
    assert_eq!(report.panics, 0);
}
