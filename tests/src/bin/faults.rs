//! `faults`: issue 13's point 8 against a real release `tovholder`, one command each.
//!
//! ```sh
//! cargo build --release -p server --bin tovholder -p tests --bin faults
//! ./target/release/faults sessions [--sessions 1000] [--devices 10] [--postgres] [--seed N]
//! ./target/release/faults kill [--phones 50] [--kills 20] [--postgres] [--seed N]
//! ./target/release/faults soak [--minutes 60] [--devices 10] [--postgres]      # not in CI
//! ```
//!
//! - `sessions`: devices of one team edit the same cases offline and sync through a proxy that drops, duplicates,
//!   delays, reorders and cuts WebSocket messages; then everyone syncs on a good network, and the run checks that
//!   every acknowledged change is stored, every device holds what the store holds, no visit is lost or doubled,
//!   and the server never panicked (`tests::fault_runs::random_sessions`).
//! - `kill`: phones upload while the server is killed with SIGKILL, `--kills` times; after each restart every
//!   change acknowledged so far must be in the store (`tests::fault_runs::kill_loop`).
//! - `soak`: the sessions run with milder faults for `--minutes`, and every 10 s a line with the server's memory, the
//!   documents it holds, its commits and the errors so far; at the end, the trend (memory growth per hour by least
//!   squares).
//!
//! Each exits non-zero if anything acknowledged was lost, the devices did not converge, or the server panicked.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tests::database::{Backend, TestDatabase};
use tests::fault_runs::{KillRun, Progress, SessionRun, kill_loop, panics_in, random_sessions};
use tests::faults::Faults;
use tests::metrics::scrape;
use tests::process::{ServerProcess, free_port};

const USAGE: &str = "usage: faults sessions [--sessions N] [--devices N] [--postgres] [--seed N]
       faults kill [--phones N] [--kills N] [--postgres] [--seed N]
       faults soak [--minutes N] [--devices N] [--postgres]";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    let backend = if args.iter().any(|a| a == "--postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let number = |flag: &str, default: u64| -> u64 {
        match args.iter().position(|a| a == flag) {
            Some(i) => args
                .get(i + 1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| fail(&format!("{flag} takes a number"))),
            None => default,
        }
    };
    let seed = number("--seed", 13);
    let outcome = match args[0].as_str() {
        "sessions" => sessions(backend, number("--sessions", 1000), number("--devices", 10), seed).await,
        "kill" => kill(backend, number("--phones", 50), number("--kills", 20), seed).await,
        "soak" => soak(backend, number("--minutes", 60), number("--devices", 10), seed).await,
        other => fail(&format!("unknown run {other:?}\n{USAGE}")),
    };
    if let Err(error) = outcome {
        fail(&error);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("faults: {message}");
    std::process::exit(1);
}

fn store_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

async fn sessions(backend: Backend, sessions: u64, devices: u64, seed: u64) -> Result<(), String> {
    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    let run = SessionRun {
        devices: devices as usize,
        sessions: sessions as usize,
        duration: None,
        session_timeout: Duration::from_secs(3),
        faults: Faults::bad_day(),
        seed,
    };
    println!(
        "faults sessions: {} sessions of {} devices through {:?}, {}",
        run.sessions,
        run.devices,
        run.faults,
        store_name(backend)
    );
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let verified = random_sessions(port, &run, progress.clone()).await;
    let elapsed = started.elapsed();
    let panics = panics_in(&server.log_text());
    server.stop();
    println!("{}", progress.summary());
    let verified = verified?;
    println!(
        "after a clean sync: {} acknowledged heads all stored; {} cases with {} contacts, none lost or doubled, \
         every device equal to the store; {panics} panics; {:.1} s",
        verified.acknowledged_heads,
        verified.cases,
        verified.contacts,
        elapsed.as_secs_f64()
    );
    if panics > 0 {
        return Err(format!("the server panicked {panics} times"));
    }
    Ok(())
}

async fn kill(backend: Backend, phones: u64, kills: u64, seed: u64) -> Result<(), String> {
    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let run = KillRun {
        phones: phones as usize,
        kills: kills as usize,
        cases_per_round: 2,
        visits_per_new_case: 1,
        seed,
    };
    println!(
        "faults kill: {} phones, {} SIGKILLs during their uploads, {}",
        run.phones,
        run.kills,
        store_name(backend)
    );
    let started = Instant::now();
    let report = kill_loop(&database.url, port, &run).await?;
    let verified = report.verified.as_ref().expect("a finished loop verifies");
    let (committed, commits): (i64, i64) =
        report.rounds.iter().fold((0, 0), |(c, t), (committed, commits)| {
            (c + committed, t + commits)
        });
    println!(
        "{} kills: {committed} of the rounds' {commits} commits were stored before their kill; {} acknowledged \
         heads checked after each restart, none lost; {} commits stored at the end; {} cases with {} contacts, none \
         lost or doubled, every phone equal to the store; {} panics; {:.1} s",
        report.rounds.len(),
        report.acknowledged_heads,
        report.stored_commits,
        verified.cases,
        verified.contacts,
        report.panics,
        started.elapsed().as_secs_f64()
    );
    if report.panics > 0 {
        return Err(format!("the server panicked {} times", report.panics));
    }
    Ok(())
}

async fn soak(backend: Backend, minutes: u64, devices: u64, seed: u64) -> Result<(), String> {
    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    let duration = Duration::from_secs(minutes * 60);
    let run = SessionRun {
        devices: devices as usize,
        sessions: usize::MAX,
        duration: Some(duration),
        session_timeout: Duration::from_secs(3),
        faults: Faults {
            drop: 0.005,
            duplicate: 0.005,
            delay: 0.02,
            max_delay: Duration::from_millis(100),
            reorder: 0.005,
            cut: 0.005,
        },
        seed,
    };
    println!(
        "faults soak: {minutes} min of sessions of {} devices, {}; a sample every 10 s",
        run.devices,
        store_name(backend)
    );
    println!(
        "{:>6}  {:>9}  {:>9}  {:>8}  {:>8}  {:>8}  {:>12}",
        "time", "RSS MiB", "docs held", "sessions", "broken", "commits", "server errors"
    );
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let runner = {
        let progress = progress.clone();
        tokio::spawn(async move { random_sessions(port, &run, progress).await })
    };
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    // Sampled while the sessions run; the clean sync and the checks at the end are not the soak.
    loop {
        tick.tick().await;
        if runner.is_finished() || progress.sessions_over.load(Ordering::Relaxed) {
            break;
        }
        let at = started.elapsed().as_secs_f64();
        let rss = server.rss_kib() as f64 / 1024.0;
        let figures = scrape(port).await.ok();
        let figure = |name: &str| figures.as_ref().and_then(|f| f.value(name)).unwrap_or(0.0);
        let commits = figure("tovholder_commit_seconds_count");
        // Memory follows the documents in use, so the trend is read beside them.
        let held = figure("tovholder_documents_held");
        let errors = server.log_text().matches(" ERROR ").count();
        samples.push((at, rss));
        println!(
            "{:>5.0}s  {rss:>9.1}  {held:>9.0}  {:>8}  {:>8}  {commits:>8.0}  {errors:>12}",
            at,
            progress.sessions.load(Ordering::Relaxed),
            progress.broken.load(Ordering::Relaxed),
        );
    }
    let verified = runner.await.map_err(|error| format!("the run failed: {error}"))?;
    let panics = panics_in(&server.log_text());
    server.stop();
    println!("{}", progress.summary());
    let verified = verified?;
    let first = samples.first().map_or(0.0, |s| s.1);
    let last = samples.last().map_or(0.0, |s| s.1);
    let peak = samples.iter().map(|s| s.1).fold(0.0, f64::max);
    println!(
        "memory: {first:.1} MiB at the first sample, {last:.1} at the last, {peak:.1} at the peak; trend {:+.1} MiB \
         an hour (least squares over the samples)",
        slope(&samples) * 3600.0
    );
    println!(
        "after a clean sync: {} acknowledged heads all stored; {} cases with {} contacts; {panics} panics",
        verified.acknowledged_heads, verified.cases, verified.contacts
    );
    if panics > 0 {
        return Err(format!("the server panicked {panics} times"));
    }
    Ok(())
}

/// The least-squares slope of `points` (y per x).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if variance == 0.0 {
        0.0
    } else {
        covariance / variance
    }
}
