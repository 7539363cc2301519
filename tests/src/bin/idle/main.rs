//! `idle`: many devices connected and idle while some sync, against a real release `tovholder` on this machine:
//! the server's memory per idle connection, and the p50/p99 time for the devices that sync meanwhile, each
//! waiting for its durable Ack.
//!
//! ```sh
//! cargo build --release -p server --bin tovholder -p tests --bin idle
//! ./target/release/idle [IDLE] [SYNCING]              # defaults 2000 and 200: visits; idle phones of another tenant
//! ./target/release/idle [IDLE] [SYNCING] same-tenant  # new cases; idle phones of another team of the same tenant
//! ./target/release/idle municipality [CONNECTIONS] [RECORDING] [--postgres]  # defaults 10000 and 200: see `municipality`
//! ```
//!
//! The second is one team's morning: a new case changes who may see it, an event every connection of the tenant
//! hears; those of other teams must rule themselves out without asking the store. The third is a whole
//! municipality's: 100 workers with their own caseloads, teammates receiving each other's changes live.

use std::time::{Duration, Instant};

use tests::cases::{add_visit, new_cases};
use tests::database::{Backend, TestDatabase};
use tests::http::login;
use tests::metrics::scrape;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

mod municipality;

#[tokio::main]
async fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().is_some_and(|a| a == "municipality") {
        let backend = if raw.iter().any(|a| a == "--postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut numbers = raw[1..].iter().filter(|a| *a != "--postgres").map(|a| {
            a.parse::<usize>()
                .expect("a number of connections, then of recording phones")
        });
        let connections = numbers.next().unwrap_or(10_000);
        let recording = numbers.next().unwrap_or(200);
        municipality::run(connections, recording, backend).await;
        return;
    }
    let same_tenant = raw.iter().any(|a| a == "same-tenant");
    let mut args = raw
        .iter()
        .filter(|a| *a != "same-tenant")
        .map(|a| a.parse::<usize>().expect("a number, or same-tenant"));
    let idle_count = args.next().unwrap_or(2000);
    let syncing_count = args.next().unwrap_or(200);
    let database = TestDatabase::create(Backend::Sqlite).await;
    let port = free_port();
    let server = ServerProcess::start(&database.url, port).await;

    // One user's device, caught up once; its token serves every connection (a device may hold several).
    let mut first = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    first.sync(port).await;
    let cases: Vec<_> = first.docs.keys().copied().collect();
    let cursor = first.cursor;
    let rss_before = server.rss_kib();

    // Idle devices: connected, caught up, holding their socket open. They belong to another caseload (mads, in
    // another municipality; or sara, of another team of anna's municipality), as most phones hold other cases
    // than the ones being edited; if they all held the edited cases, every commit would rightly be pushed to
    // every one of them.
    let mut other = if same_tenant {
        tests::database::add_team(
            &database.url,
            "hoeje-taastrup",
            "Team Syd",
            true,
            &["sara".to_owned()],
        )
        .await;
        login(port, "hoeje-taastrup", "sara", DEMO_PASSWORD).await
    } else {
        login(port, "holstebro", "mads", DEMO_PASSWORD).await
    };
    other.sync(port).await;
    let mut idle = Vec::new();
    for _ in 0..idle_count {
        let mut device = other.twin();
        device.cursor = other.cursor;
        let mut connection = device.connect(port).await;
        device
            .run_until(&mut connection, Duration::from_secs(60), |d| d.in_sync())
            .await;
        idle.push((device, connection));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server.rss_kib();
    eprintln!("{idle_count} idle connections");

    // Syncing devices: each records a visit on an existing case (round robin), or creates a new case; the time
    // from connecting to its Ack.
    let team = first
        .docs
        .values()
        .find_map(|doc| sync_core::case::read_case(doc).ok().map(|c| c.team))
        .expect("anna's team");
    let started = Instant::now();
    let runs: Vec<_> = (0..syncing_count)
        .map(|n| {
            let mut device = first.twin();
            device.cursor = cursor;
            if same_tenant {
                device.docs.extend(new_cases(&team, 1, 1, "Idle bench"));
            } else {
                let id = cases[n % cases.len()];
                let mut doc = first.docs[&id].fork();
                add_visit(&mut doc, &format!("Idle bench visit {n}"));
                device.docs.insert(id, doc);
            }
            tokio::spawn(async move {
                let begun = Instant::now();
                device
                    .try_sync(port, Duration::from_secs(120))
                    .await
                    .map(|()| begun.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for run in runs {
        latencies.push(run.await.expect("task").expect("sync"));
    }
    let wall = started.elapsed();
    // The server's side of the same commits: from each device's frame to its durable Ack, queueing included.
    let figures = scrape(port).await.expect("the server's /metrics");
    let server_p99 = figures
        .quantile("tovholder_commit_seconds", 0.99)
        .unwrap_or(f64::NAN);
    // Every frame the server sent, the idle connections' catch-up included: how much the syncing devices' work
    // spread to the others (live pushes, and their Acks).
    let frames_out = figures
        .value("tovholder_sync_frames_total{direction=\"out\"}")
        .unwrap_or(f64::NAN);
    latencies.sort();
    let at = |p: usize| latencies[((p * latencies.len()).div_ceil(100)).clamp(1, latencies.len()) - 1];
    let per_connection = (rss_idle.saturating_sub(rss_before)) as f64 / idle_count.max(1) as f64;
    println!(
        "| idle connections | server RSS before / with them | per idle connection | syncing devices | wall time | p50 | p99 | max | server commit p99 ≤ | frames sent |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let what = if same_tenant {
        "of another team, same tenant"
    } else {
        "of another tenant"
    };
    let doing = if same_tenant { "new cases" } else { "visits" };
    println!(
        "| {idle_count} ({what}) | {} / {} MiB | {:.1} KiB | {syncing_count} ({doing}) | {:.2} s | {} ms | {} ms | {} ms | {:.0} ms | {frames_out:.0} |",
        rss_before / 1024,
        rss_idle / 1024,
        per_connection,
        wall.as_secs_f64(),
        at(50).as_millis(),
        at(99).as_millis(),
        at(100).as_millis(),
        server_p99 * 1000.0,
    );
    drop(idle);
    drop(server);
    drop(database);
}
