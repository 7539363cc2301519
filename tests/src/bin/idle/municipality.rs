//! `idle municipality`: a whole municipality online at 8 o'clock (issue 13, point 3). One tenant with 100
//! workers in 10 teams that do not share cases, each worker with their own caseload of 25 to 50 cases, every fifth
//! shared with a teammate (named as an assigned worker); 10,000 connections (100 per worker), caught up and idle.
//! Then 200 phones (two per worker, logged in as their own devices and connected) record at once: half a visit on
//! a case they share with a teammate, half a new case shared with a teammate. Measured: the server's memory per
//! idle connection, read with no document held before and with the connections (documents are a cache shared by
//! every connection watching a case and let go after an idle minute: memory they hold is no connection's; the
//! reading right after the connections caught up is printed beside it), each phone's time from sending its change
//! to the durable Ack, and the time until each teammate connection holding the case receives the change (the live
//! push; the listening connections do not answer it), from the phone's send and from the phone's Ack (the fan-out
//! alone, after the commit), and the CPU time the server and this harness each used during the burst (they share
//! the machine's cores).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use automerge::Automerge;
use futures_util::StreamExt;
use futures_util::future::join_all;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, Citizen};
use sync_core::protocol::{Frame, decode};
use tests::cases::{NOW, TENANT, add_visit, new_cases, visit};
use tests::database::{Backend, TestDatabase};
use tests::device::Device;
use tests::http::login;
use tests::metrics::{scrape, until_no_document_held};
use tests::process::{DEMO_PASSWORD, ServerProcess, cpu_seconds_of, free_port};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

const TEAMS: usize = 10;
const PER_TEAM: usize = 10;
/// Connections opened at once while the idle ones connect.
const CONNECTING: usize = 100;
/// The longest wait for the server to let go of every document (the idle eviction comes after a minute).
const EVICTION: Duration = Duration::from_secs(180);
/// Time for the allocator to give freed pages back (jemalloc's decay is about a second) before memory is read.
const SETTLE: Duration = Duration::from_secs(3);
/// How long the idle connections listen for pushes after the phones send.
const LISTEN: Duration = Duration::from_secs(30);

struct Worker {
    username: String,
    user_id: String,
    team_id: String,
    /// The worker's first device: its caseload and cursor (the idle connections copy it).
    phone: Device,
    /// Cases shared with the next teammate.
    shared: Vec<DocumentId>,
}

pub async fn run(connections: usize, active: usize, backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let port = free_port();
    let server = ServerProcess::start(&database.url, port).await;
    let mut workers = staff(&database.url, port).await;
    let clock = Instant::now();
    caseloads(port, &mut workers).await;
    let cases: usize = workers.iter().map(|w| w.phone.docs.len()).sum();
    eprintln!(
        "{} workers with {cases} cases (held, shared counted twice) in {:.0} s",
        workers.len(),
        clock.elapsed().as_secs_f64()
    );

    // The phones that will record: their own devices, caught up and connected.
    let mut phones = Vec::new();
    for n in 0..active {
        let worker = &workers[n % workers.len()];
        let mut device = login(port, TENANT, &worker.username, DEMO_PASSWORD).await;
        device.sync(port).await;
        let mut connection = device.connect(port).await;
        device
            .run_until(&mut connection, Duration::from_secs(60), |d| d.in_sync())
            .await;
        phones.push((n % workers.len(), device, connection));
    }

    until_no_document_held(port, EVICTION).await;
    tokio::time::sleep(SETTLE).await;
    let rss_before = server.rss_kib();
    let per_worker = connections / workers.len();
    let mut idle = Vec::new();
    let clock = Instant::now();
    for chunk in (0..workers.len() * per_worker)
        .collect::<Vec<_>>()
        .chunks(CONNECTING)
    {
        let connecting = chunk.iter().map(|n| {
            let owner = n % workers.len();
            let phone = &workers[owner].phone;
            let mut device = phone.twin();
            device.cursor = phone.cursor;
            async move {
                let mut connection = device.connect(port).await;
                device
                    .run_until(&mut connection, Duration::from_secs(120), |d| d.in_sync())
                    .await;
                (owner, device, connection)
            }
        });
        idle.extend(join_all(connecting).await);
    }
    tokio::time::sleep(SETTLE).await;
    let rss_loaded = server.rss_kib();
    eprintln!(
        "{} idle connections in {:.0} s; waiting for the idle eviction",
        idle.len(),
        clock.elapsed().as_secs_f64()
    );
    until_no_document_held(port, EVICTION).await;
    tokio::time::sleep(SETTLE).await;
    let rss_idle = server.rss_kib();

    // Everyone listens; then the phones record at once. The CPU both processes use until the listening ends is
    // the burst's (both are idle otherwise): how the two cores were shared between the server and this harness.
    let cpu_before = (server.cpu_seconds(), cpu_seconds_of(std::process::id()));
    let until = tokio::time::Instant::now() + LISTEN;
    // The listeners only note when each push arrives and do not answer it: 10,000 phones applying and answering
    // pushes in this one process, on the server's two cores, would make the harness the bottleneck it measures.
    let listening: Vec<_> = idle
        .into_iter()
        .map(|(owner, _device, mut connection)| {
            tokio::spawn(async move {
                let mut arrivals = Vec::new();
                while let Ok(Some(Ok(message))) =
                    tokio::time::timeout_at(until, connection.socket.next()).await
                {
                    if let Message::Binary(bytes) = message
                        && let Ok(Frame::Sync { doc, .. }) = decode(&bytes, &Default::default())
                    {
                        arrivals.push((doc, Instant::now()));
                    }
                }
                (owner, arrivals, connection)
            })
        })
        .collect();
    let recording: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(n, (owner, mut device, mut connection))| {
            let worker = &workers[owner];
            let teammate = &workers[teammate_of(owner)];
            let doc = if n % 2 == 0 {
                let doc = worker.shared[(n / workers.len()) % worker.shared.len()];
                add_visit(device.docs.get_mut(&doc).expect("a shared case"), "Morning visit");
                doc
            } else {
                let (doc, case) = shared_case(worker, teammate, n);
                device.docs.insert(doc, case);
                doc
            };
            tokio::spawn(async move {
                let sent = Instant::now();
                device.edited(&mut connection, doc).await;
                let acked = device
                    .try_run_until(&mut connection, Duration::from_secs(60), |d| {
                        d.is_acked(&doc, &d.docs[&doc])
                    })
                    .await
                    .map(|()| Instant::now());
                (owner, doc, sent, acked, connection)
            })
        })
        .collect();

    let mut acks = Vec::new();
    // Each case's writer, when the phone sent it, and when its Ack came.
    let mut sent_at: BTreeMap<DocumentId, (usize, Instant, Option<Instant>)> = BTreeMap::new();
    let mut failed = 0;
    let mut phone_connections = Vec::new();
    for run in recording {
        let (owner, doc, sent, acked, connection) = run.await.expect("a phone");
        sent_at.insert(doc, (owner, sent, acked.as_ref().ok().copied()));
        match acked {
            Ok(at) => acks.push(at.saturating_duration_since(sent)),
            Err(error) => {
                failed += 1;
                eprintln!("a phone got no Ack: {error}");
            }
        }
        phone_connections.push(connection);
    }
    let mut pushes = Vec::new();
    let mut pushes_after_ack = Vec::new();
    let mut expected = 0;
    for listener in listening {
        let (owner, arrivals, _connection) = listener.await.expect("a listener");
        for (doc, (writer, sent, acked)) in &sent_at {
            // A teammate's connection holding the case: the writer's shared cases go to the next teammate.
            if owner == *writer || teammate_of(*writer) != owner {
                continue;
            }
            expected += 1;
            if let Some((_, at)) = arrivals.iter().find(|(d, _)| d == doc) {
                pushes.push(at.saturating_duration_since(*sent));
                // A push may go out a moment before the writer reads its Ack: zero then.
                if let Some(acked) = acked {
                    pushes_after_ack.push(at.saturating_duration_since(*acked));
                }
            }
        }
    }

    let server_cpu = server.cpu_seconds() - cpu_before.0;
    let harness_cpu = cpu_seconds_of(std::process::id()) - cpu_before.1;
    let figures = scrape(port).await.expect("the server's /metrics");
    let server_p99 = figures
        .quantile("tovholder_commit_seconds", 0.99)
        .unwrap_or(f64::NAN);
    let idle_count = workers.len() * per_worker;
    let per_connection = |rss: u64| rss.saturating_sub(rss_before) as f64 / idle_count.max(1) as f64;
    acks.sort();
    pushes.sort();
    pushes_after_ack.sort();
    println!(
        "\n| idle connections | server RSS before / with them (documents loaded) / with them at rest | per idle connection at rest (documents loaded) | recording phones | Ack p50 / p99 / max | server commit p99 ≤ | teammate pushes received | push p50 / p99 / max | push after the writer's Ack p50 / p99 / max | CPU during the burst, server / harness |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {idle_count} ({} workers, {cases} held cases) | {} / ({}) / {} MiB | {:.1} KiB ({:.1}) | {active} ({failed} without Ack) | {} / {} / {} ms | {:.0} ms | {} of {expected} | {} / {} / {} ms | {} / {} / {} ms | {server_cpu:.2} / {harness_cpu:.2} s |",
        workers.len(),
        rss_before / 1024,
        rss_loaded / 1024,
        rss_idle / 1024,
        per_connection(rss_idle),
        per_connection(rss_loaded),
        millis(&acks, 50),
        millis(&acks, 99),
        millis(&acks, 100),
        server_p99 * 1000.0,
        pushes.len(),
        millis(&pushes, 50),
        millis(&pushes, 99),
        millis(&pushes, 100),
        millis(&pushes_after_ack, 50),
        millis(&pushes_after_ack, 99),
        millis(&pushes_after_ack, 100),
    );
    drop(phone_connections);
    drop(server);
    drop(database);
}

/// The `p`th percentile of sorted durations, in milliseconds ("-" without any).
fn millis(sorted: &[Duration], p: usize) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    let at = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len()) - 1;
    sorted[at].as_millis().to_string()
}

/// The next worker of the same team (workers are numbered team by team).
fn teammate_of(worker: usize) -> usize {
    let team = worker / PER_TEAM;
    team * PER_TEAM + (worker % PER_TEAM + 1) % PER_TEAM
}

/// 10 teams of 10 workers in Høje-Taastrup, straight in the database, each logged in on a phone.
async fn staff(url: &str, port: u16) -> Vec<Worker> {
    let mut workers = Vec::new();
    for t in 0..TEAMS {
        let usernames: Vec<String> = (0..PER_TEAM).map(|w| format!("bench-{t}-{w}")).collect();
        let (team_id, user_ids) =
            tests::database::add_team(url, TENANT, &format!("Bench team {t}"), false, &usernames).await;
        for (username, user_id) in usernames.into_iter().zip(user_ids) {
            let phone = login(port, TENANT, &username, DEMO_PASSWORD).await;
            workers.push(Worker {
                username,
                user_id,
                team_id: team_id.clone(),
                phone,
                shared: Vec::new(),
            });
        }
    }
    workers
}

/// Every worker uploads a caseload of 25 to 50 cases, every fifth shared with the next teammate; then every phone
/// syncs again to receive what its teammate shared.
async fn caseloads(port: u16, workers: &mut [Worker]) {
    for n in 0..workers.len() {
        let size = 25 + (n * 7) % 26;
        let teammate = &workers[teammate_of(n)];
        let mut cases = new_cases(&workers[n].team_id, size - size / 5, 1, "Municipality");
        let shared: Vec<(DocumentId, Automerge)> = (0..size / 5)
            .map(|k| shared_case(&workers[n], teammate, k))
            .collect();
        let shared_ids = shared.iter().map(|(id, _)| *id).collect();
        cases.extend(shared);
        let worker = &mut workers[n];
        worker.shared = shared_ids;
        worker.phone.docs.extend(cases);
        worker
            .phone
            .try_sync(port, Duration::from_secs(120))
            .await
            .expect("a caseload uploads");
    }
    for worker in workers.iter_mut() {
        worker.phone.sync(port).await;
    }
}

/// A new case of `worker`'s team with one visit, naming `teammate` as an assigned worker.
fn shared_case(worker: &Worker, teammate: &Worker, n: usize) -> (DocumentId, Automerge) {
    let citizen = Citizen {
        display_name: format!("Shared {n}"),
        reference: format!("shared-{}", Uuid::new_v4().simple()),
        birth_year: Some(1975),
    };
    let mut case = Case::new(TENANT, &worker.team_id, citizen);
    case.workers
        .insert(teammate.user_id.clone(), teammate.username.clone());
    let mut doc = CaseDocument::create(automerge::ActorId::random(), &case, NOW).expect("a valid case");
    doc.add_contact(Uuid::new_v4(), visit("First visit"), NOW)
        .expect("a valid visit");
    (DocumentId::from_uuid(Uuid::new_v4()), doc.into_automerge())
}
