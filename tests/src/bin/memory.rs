//! `memory`: whether the server's memory comes back. Against a real release `tovholder`, it reads the server's
//! resident memory (VmRSS, and the peak VmHWM, from /proc) at these points:
//!
//! 1. started, with the demo data, at rest;
//! 2. after one device uploaded 1,000 new cases (each durably acknowledged), while it is still connected (at once and
//!    3 s later), and 3 s after it left;
//! 3. at rest after the server let go of every document (its `documents_held` gauge at 0) and its pools closed the
//!    database connections they opened for the upload (`tovholder_db_pool_connections` no more than at 1), 30 s
//!    after that and at least 90 s after the upload;
//! 4. after devices uploaded `--touch` more new cases (100,000 by default), in batches of 2,000 per device;
//! 5. at rest after those were evicted too.
//!
//! Issue 13's targets: ≤ 40 MB at 2; 3 within 10 % of 1; 5 under 200 MB.
//!
//! ```sh
//! cargo build --release -p server --bin tovholder -p tests --bin memory
//! ./target/release/memory [--postgres] [--touch N]
//! ```
//!
//! `TOVHOLDER_BIN` runs another server binary (to compare builds). Eviction takes the server's idle time (60 s)
//! plus a sweep, so a run takes a few minutes.

use std::time::{Duration, Instant};

use tests::cases::new_cases;
use tests::database::{Backend, TestDatabase};
use tests::device::{Connection, Device};
use tests::http::login;
use tests::metrics::{scrape, until_at_most, until_no_document_held};
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

const FIRST: usize = 1_000;
const BATCH: usize = 2_000;
const MIB: f64 = 1024.0;
/// The database connections the server's pools hold, busy or idle.
const POOLED: &str = "tovholder_db_pool_connections";
/// How long after an uploading device left the second reading is taken: its connection has closed, and the
/// allocator has had its decay time (about a second) to hand back what the connection used.
const LEFT: Duration = Duration::from_secs(3);
/// How long after the last upload the reading "idle again" is taken at the earliest: the idle minute after which
/// the server lets go of what it no longer uses (documents, pooled database connections), and the allocator's
/// settling after it.
const REST: Duration = Duration::from_secs(90);
/// How long the server is left alone before a reading "at rest": the allocator returns freed pages after a few
/// seconds (jemalloc's decay is 10 s for dirty pages, then 10 s for muzzy ones).
const SETTLE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: memory [--postgres] [--touch N]   (N new cases after the first 1,000; default 100000)"
        );
        return;
    }
    let backend = if args.iter().any(|a| a == "--postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let touch = args
        .iter()
        .position(|a| a == "--touch")
        .map(|i| {
            args.get(i + 1)
                .and_then(|n| n.parse::<usize>().ok())
                .expect("--touch takes a number of cases")
        })
        .unwrap_or(100_000);

    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    // At rest after start: the demo's set-up (hashing its users' passwords takes 19 MiB each) is over.
    tokio::time::sleep(SETTLE).await;
    let started = server.rss_kib();
    let started_parts = server.rss_parts_kib();
    let pooled_at_start = scrape(port)
        .await
        .expect("the server's /metrics")
        .sum(POOLED)
        .expect("the pools' connections");
    eprintln!("started: {:.1} MiB", started as f64 / MIB);

    let mut anna = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    anna.sync(port).await;
    let team = anna
        .docs
        .values()
        .find_map(|d| sync_core::case::read_case(d).ok())
        .map(|c| c.team)
        .expect("a demo case");

    // Read while the device is still connected, as a phone stays after its upload: at once, which is what the
    // upload allocated (what it freed comes back only after the allocator's decay, about a second, and the upload
    // takes about as long), and after that decay.
    let still_connected = upload(port, &team, FIRST).await;
    let uploaded = Instant::now();
    let at_once = server.rss_kib();
    tokio::time::sleep(LEFT).await;
    let after_first = server.rss_kib();
    let held = scrape(port)
        .await
        .expect("the server's /metrics")
        .value("tovholder_documents_held")
        .unwrap_or(f64::NAN);
    eprintln!(
        "after {FIRST} cases, the device still connected: {:.1} MiB at once, {:.1} MiB {} s later, with {held} \
         documents held",
        at_once as f64 / MIB,
        after_first as f64 / MIB,
        LEFT.as_secs()
    );
    drop(still_connected);
    // The device has left: the cases nobody else watches leave memory with its connection.
    tokio::time::sleep(LEFT).await;
    let left_first = server.rss_kib();
    eprintln!(
        "{} s after the device left: {:.1} MiB",
        LEFT.as_secs(),
        left_first as f64 / MIB
    );
    let evicted_first = evicted(port, &server, uploaded, pooled_at_start).await;
    let evicted_parts = server.rss_parts_kib();
    eprintln!("idle again: {:.1} MiB", evicted_first as f64 / MIB);

    let clock = Instant::now();
    let mut done = 0;
    while done < touch {
        let n = BATCH.min(touch - done);
        drop(upload(port, &team, n).await);
        done += n;
        eprintln!(
            "touched {done} / {touch} cases in {:.0} s: {:.1} MiB",
            clock.elapsed().as_secs_f64(),
            server.rss_kib() as f64 / MIB
        );
    }
    let after_touch = server.rss_kib();
    let peak = server.peak_rss_kib();
    let evicted_touch = if touch > 0 {
        evicted(port, &server, Instant::now(), pooled_at_start).await
    } else {
        evicted_first
    };
    server.stop();

    let mib = |kib: u64| kib as f64 / MIB;
    println!(
        "\n| database | started | after {FIRST} cases, {} s on, connected (≤ 40 MB) | {} s after the device left | idle again (≤ +10 %) | after {touch} more | idle again (< 200 MB) | peak |",
        LEFT.as_secs(),
        LEFT.as_secs()
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB ({:+.0} %) | {:.1} MiB | {:.1} MiB | {:.1} MiB |",
        match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        mib(started),
        mib(after_first),
        mib(left_first),
        mib(evicted_first),
        (evicted_first as f64 / started as f64 - 1.0) * 100.0,
        mib(after_touch),
        mib(evicted_touch),
        mib(peak),
    );
    println!(
        "\nOf the resident memory, anonymous (heap, stacks) and file-backed (the binary's code paged in as it first \
         runs): started {:.1} and {:.1} MiB, idle again after {FIRST} cases {:.1} ({:+.0} %) and {:.1} MiB.",
        mib(started_parts.0),
        mib(started_parts.1),
        mib(evicted_parts.0),
        (evicted_parts.0 as f64 / started_parts.0.max(1) as f64 - 1.0) * 100.0,
        mib(evicted_parts.1),
    );
}

/// A new device of anna's uploads `n` new cases and waits for every Ack; its connection stays open until the
/// returned one is dropped. It starts at the end of the change feed, so it does not download the caseload first:
/// the figures are the uploads'.
async fn upload(port: u16, team: &str, n: usize) -> Connection {
    let mut device = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    device.cursor = Some(u64::MAX);
    device.docs.extend(new_cases(team, n, 2, "Memory bench"));
    let mut connection = device.connect(port).await;
    device
        .try_run_until(&mut connection, Duration::from_secs(600), Device::settled)
        .await
        .expect("the upload");
    connection
}

/// Waits until the server is at rest again: it holds no document in memory (its `documents_held` gauge) and its
/// database pools hold no more connections than `pooled_at_start` (each closes a connection idle for a minute, and
/// with it what the connection keeps: statements, buffers, SQLite's page cache); then [`SETTLE`], and at least
/// [`REST`] after `since` (the end of the last upload). The resident memory then.
async fn evicted(port: u16, server: &ServerProcess, since: Instant, pooled_at_start: f64) -> u64 {
    let timeout = Duration::from_secs(300);
    until_no_document_held(port, timeout).await;
    until_at_most(port, POOLED, pooled_at_start, timeout).await;
    tokio::time::sleep(SETTLE.max(REST.saturating_sub(since.elapsed()))).await;
    server.rss_kib()
}
