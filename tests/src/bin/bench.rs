//! `bench`: the sync server's figures, measured against real `tovholder` processes on SQLite and PostgreSQL.
//!
//! - upload: one device uploads 1,000 new case documents until every one is durably acknowledged;
//! - reconnect: a device holding 2,000 documents reconnects after 5 were changed elsewhere (round trips before
//!   syncing starts, bytes, time, documents synced);
//! - durable merge throughput, and its ratio to plain INSERTs of the same change bytes, one transaction per
//!   document, on the same kind of database with the same durability settings (the limit).
//!
//! Run with `cargo run --release -p tests --bin bench` (builds `tovholder` in release first:
//! `cargo build --release --bin tovholder`). Prints a table; the figures go into BENCHMARKS.md by hand.

use std::time::{Duration, Instant};

use automerge::Automerge;
use sqlx::Connection;
use sync_core::DocumentId;
use sync_core::case::read_case;
use sync_core::protocol::Frame;
use tests::cases::{add_visit, new_cases};
use tests::database::{Backend, TestDatabase};
use tests::http::login;
use tests::metrics::scrape;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

const UPLOAD: usize = 1_000;
const HELD: usize = 2_000;
const CHANGED: usize = 5;
const CONTACTS: usize = 3;

#[tokio::main]
async fn main() {
    let postgres = !std::env::args().any(|a| a == "--sqlite-only");
    let mut rows = vec![run("SQLite", TestDatabase::create(Backend::Sqlite).await).await];
    if postgres {
        rows.push(run("PostgreSQL", TestDatabase::create(Backend::Postgres).await).await);
    }
    println!(
        "\n| database | upload {UPLOAD} docs | docs/s | reconnect round trips before sync | reconnect bytes (sent/received) | bytes per unchanged doc | docs synced | reconnect time | server merge MB/s | plain INSERT MB/s | ratio | server commit mean / p99 ≤ | docs per transaction |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {:.2} s | {:.0} | {} | {} / {} | {:.2} | {} | {:.0} ms | {:.2} | {:.2} | {:.2} | {:.1} / {:.0} ms | {:.1} |",
            r.database,
            r.upload.as_secs_f64(),
            UPLOAD as f64 / r.upload.as_secs_f64(),
            r.round_trips,
            r.reconnect_sent,
            r.reconnect_received,
            r.bytes_per_unchanged,
            r.docs_synced,
            r.reconnect.as_secs_f64() * 1000.0,
            r.change_bytes as f64 / r.upload.as_secs_f64() / 1e6,
            r.change_bytes as f64 / r.plain.as_secs_f64() / 1e6,
            r.upload.as_secs_f64() / r.plain.as_secs_f64(),
            r.commit_mean * 1000.0,
            r.commit_p99 * 1000.0,
            r.group_mean,
        );
    }
}

struct Row {
    database: &'static str,
    upload: Duration,
    round_trips: usize,
    reconnect_sent: u64,
    reconnect_received: u64,
    bytes_per_unchanged: f64,
    docs_synced: usize,
    reconnect: Duration,
    change_bytes: usize,
    plain: Duration,
    /// From `GET /metrics`: a commit's mean and p99 (a bucket's bound) from the device's frame to the durable Ack.
    commit_mean: f64,
    commit_p99: f64,
    /// From `GET /metrics`: documents per commit transaction (group commit), mean.
    group_mean: f64,
}

async fn run(name: &'static str, database: TestDatabase) -> Row {
    eprintln!("== {name}");
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    let mut anna = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    anna.sync(port).await;
    let team = anna
        .docs
        .values()
        .find_map(|d| read_case(d).ok())
        .map(|c| c.team)
        .expect("a demo case");

    // Upload: 1,000 new cases, all acknowledged.
    let batch = new_cases(&team, UPLOAD, CONTACTS, "Bench");
    let change_bytes: Vec<Vec<Vec<u8>>> = batch.iter().map(|(_, doc)| raw_changes(doc)).collect();
    anna.docs.extend(batch);
    let started = Instant::now();
    anna.try_sync(port, Duration::from_secs(600))
        .await
        .expect("upload");
    let upload = started.elapsed();
    eprintln!("upload of {UPLOAD}: {upload:?}");
    // The server's own account of the upload (the caseload download before it committed nothing).
    let figures = scrape(port).await.expect("the server's /metrics");
    let commit_mean = figures.mean("tovholder_commit_seconds").unwrap_or(f64::NAN);
    let commit_p99 = figures
        .quantile("tovholder_commit_seconds", 0.99)
        .unwrap_or(f64::NAN);
    let group_mean = figures
        .mean("tovholder_commit_batch_documents")
        .unwrap_or(f64::NAN);

    // Fill the device to 2,000 documents and settle its cursor.
    let fill = HELD.saturating_sub(anna.docs.len());
    anna.docs.extend(new_cases(&team, fill, CONTACTS, "Bench"));
    anna.try_sync(port, Duration::from_secs(600)).await.expect("fill");
    anna.sync(port).await;
    eprintln!("device holds {} documents", anna.docs.len());

    // Another device changes 5 of them.
    let mut bo = login(port, "hoeje-taastrup", "bo", DEMO_PASSWORD).await;
    let chosen: Vec<DocumentId> = anna.docs.keys().copied().take(CHANGED).collect();
    for id in &chosen {
        bo.docs.insert(*id, anna.docs[id].fork());
    }
    bo.cursor = Some(u64::MAX); // only these documents: bo does not download the caseload
    for id in &chosen {
        add_visit(bo.docs.get_mut(id).expect("doc"), "Benchmark note");
    }
    bo.try_sync(port, Duration::from_secs(60)).await.expect("bo");

    // Reconnect.
    let (sent, received, frames) = (anna.bytes_sent, anna.bytes_received, anna.received.len());
    let started = Instant::now();
    anna.sync(port).await;
    let reconnect = started.elapsed();
    let new_frames = &anna.received[frames..];
    // Frames before the first Sync: the Welcome (and any Acks) answer the Hello in one round trip.
    let round_trips = usize::from(new_frames.iter().any(|f| matches!(f, Frame::Welcome { .. })));
    let welcome_listed = new_frames
        .iter()
        .find_map(|f| match f {
            Frame::Welcome { changed, .. } => Some(changed.len()),
            _ => None,
        })
        .unwrap_or(0);
    let docs_synced = new_frames
        .iter()
        .filter_map(|f| match f {
            Frame::Sync { doc, .. } => Some(*doc),
            _ => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let unchanged = anna.docs.len() - CHANGED;
    // Unchanged documents appear in no frame at all: the Welcome lists only what changed.
    let bytes_per_unchanged = (welcome_listed.saturating_sub(CHANGED)) as f64 * 48.0 / unchanged as f64;
    server.stop();

    let plain = plain_inserts(&database.url, &change_bytes).await;
    drop(database);
    Row {
        database: name,
        upload,
        round_trips,
        reconnect_sent: anna.bytes_sent - sent,
        reconnect_received: anna.bytes_received - received,
        bytes_per_unchanged,
        docs_synced,
        reconnect,
        change_bytes: change_bytes.iter().flatten().map(Vec::len).sum(),
        plain,
        commit_mean,
        commit_p99,
        group_mean,
    }
}

fn raw_changes(doc: &Automerge) -> Vec<Vec<u8>> {
    doc.get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}

/// The limit: the same change bytes as plain INSERTs, one durable transaction per document, into a fresh
/// database of the same kind with the server's durability settings.
async fn plain_inserts(server_url: &str, docs: &[Vec<Vec<u8>>]) -> Duration {
    // The same statements on either driver's connection type.
    macro_rules! insert_all {
        ($db:expr) => {{
            let insert = "INSERT INTO bench_plain (doc, idx, bytes) VALUES ($1, $2, $3)";
            let started = Instant::now();
            for (d, changes) in docs.iter().enumerate() {
                let mut tx = $db.begin().await.expect("begin");
                for (i, bytes) in changes.iter().enumerate() {
                    sqlx::query(insert)
                        .bind(d as i64)
                        .bind(i as i64)
                        .bind(bytes)
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                }
                tx.commit().await.expect("commit");
            }
            started.elapsed()
        }};
    }
    if server_url.starts_with("sqlite:") {
        let scratch = TestDatabase::create(Backend::Sqlite).await;
        let url = format!("{}?mode=rwc", scratch.url);
        let mut db = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"] {
            sqlx::query(pragma).execute(&mut db).await.expect("pragma");
        }
        let create =
            "CREATE TABLE bench_plain (doc BIGINT NOT NULL, idx BIGINT NOT NULL, bytes BLOB NOT NULL)";
        sqlx::query(create).execute(&mut db).await.expect("table");
        let took = insert_all!(db);
        drop(db);
        drop(scratch);
        took
    } else {
        let scratch = TestDatabase::create(Backend::Postgres).await;
        let mut db = sqlx::PgConnection::connect(&scratch.url).await.expect("postgres");
        let create =
            "CREATE TABLE bench_plain (doc BIGINT NOT NULL, idx BIGINT NOT NULL, bytes BYTEA NOT NULL)";
        sqlx::query(create).execute(&mut db).await.expect("table");
        let took = insert_all!(db);
        drop(db);
        drop(scratch);
        took
    }
}
