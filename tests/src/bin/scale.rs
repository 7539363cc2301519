//! `scale`: issue 13's point 6. Several release `tovholder` processes on one PostgreSQL database, behind HAProxy
//! (Debian's `haproxy`, started by this run with round-robin balancing and WebSocket tunnels), for 1, 2 and 4
//! processes in turn, each on a fresh database:
//!
//! - **upload**: `--devices` phones (anna's and bo's, one team), each with `--cases` new cases of two visits,
//!   sync at once through the balancer until every case is durably acknowledged: wall time, cases a second,
//!   the ratio against one process, and the processes' CPU time;
//! - **live propagation**: anna and bo connected through the balancer (consecutive connections, so on different
//!   processes when there are several); anna records a visit on a shared case `--pushes` times, one after the
//!   other, and each time the run measures until bo's connection holds it (PostgreSQL's LISTEN/NOTIFY carries it
//!   between processes): p50, p99, max.
//!
//! ```sh
//! apt-get install haproxy      # once
//! cargo build --release -p server --bin tovholder -p tests --bin scale
//! ./target/release/scale [--processes 1,2,4] [--devices 20] [--cases 50] [--pushes 200]
//! ```

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tests::cases::{add_visit, new_cases, team_of};
use tests::database::{Backend, TestDatabase};
use tests::device::Device;
use tests::http::login;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

const TENANT: &str = "hoeje-taastrup";

struct Settings {
    processes: Vec<usize>,
    devices: usize,
    cases: usize,
    pushes: usize,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("usage: scale [--processes 1,2,4] [--devices 20] [--cases 50] [--pushes 200]");
        return;
    }
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let number = |flag: &str, default: usize| {
        value(flag).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag} takes a number, not {v:?}"))
        })
    };
    let settings = Settings {
        processes: value("--processes").map_or(vec![1, 2, 4], |list| {
            list.split(',')
                .map(|n| n.parse().expect("--processes takes numbers like 1,2,4"))
                .collect()
        }),
        devices: number("--devices", 20),
        cases: number("--cases", 50),
        pushes: number("--pushes", 200),
    };
    if Command::new("haproxy").arg("-v").output().is_err() {
        eprintln!("scale: haproxy is not installed (Debian: apt-get install haproxy)");
        std::process::exit(1);
    }
    println!(
        "scale: {} phones × {} new cases through HAProxy, then {} live pushes; PostgreSQL",
        settings.devices, settings.cases, settings.pushes
    );
    println!(
        "| processes | upload | cases/s | vs 1 process | server CPU | live push p50 | p99 | max |\n|---|---|---|---|---|---|---|---|"
    );
    let mut base: Option<f64> = None;
    for &processes in &settings.processes {
        let figures = run(processes, &settings).await;
        let rate = (settings.devices * settings.cases) as f64 / figures.upload.as_secs_f64();
        let ratio = rate / *base.get_or_insert(rate);
        println!(
            "| {processes} | {:.2} s | {rate:.0} | {ratio:.2}× | {:.2} s | {:.1} ms | {:.1} ms | {:.1} ms |",
            figures.upload.as_secs_f64(),
            figures.cpu,
            figures.push_ms[0],
            figures.push_ms[1],
            figures.push_ms[2],
        );
    }
}

struct Figures {
    upload: Duration,
    cpu: f64,
    /// p50, p99, max.
    push_ms: [f64; 3],
}

async fn run(processes: usize, settings: &Settings) -> Figures {
    let database = TestDatabase::create(Backend::Postgres).await;
    let mut servers = Vec::new();
    for _ in 0..processes {
        servers.push(ServerProcess::start(&database.url, free_port()).await);
    }
    let ports: Vec<u16> = servers.iter().map(|server| server.port).collect();
    let directory = tempfile::tempdir().expect("a temporary directory");
    let balancer = Balancer::start(directory.path(), &ports).await;
    let port = balancer.port;

    // The phones log in and download their caseload (not timed), then record their cases offline.
    let mut phones = Vec::new();
    for n in 0..settings.devices {
        let user = if n % 2 == 0 { "anna" } else { "bo" };
        let mut phone = login(port, TENANT, user, DEMO_PASSWORD).await;
        phone.sync(port).await;
        phones.push(phone);
    }
    let team = team_of(&phones[0].docs);
    for phone in &mut phones {
        phone.docs.extend(new_cases(&team, settings.cases, 2, "Scale"));
    }
    let cpu_before: f64 = servers.iter().map(ServerProcess::cpu_seconds).sum();
    let started = Instant::now();
    let uploads = phones.into_iter().map(|mut phone| async move {
        phone.sync(port).await;
        phone
    });
    let phones = join_all(uploads.map(tokio::spawn)).await;
    let upload = started.elapsed();
    let cpu = servers.iter().map(ServerProcess::cpu_seconds).sum::<f64>() - cpu_before;
    drop(phones);

    let push_ms = live_pushes(port, &team, settings.pushes).await;
    drop(balancer);
    for server in &mut servers {
        server.stop();
    }
    Figures { upload, cpu, push_ms }
}

/// anna's visits reaching bo's open connection, one after the other: p50, p99 and max in milliseconds.
async fn live_pushes(port: u16, team: &str, pushes: usize) -> [f64; 3] {
    let mut anna = login(port, TENANT, "anna", DEMO_PASSWORD).await;
    let (id, doc) = new_cases(team, 1, 1, "Scale live").remove(0);
    anna.docs.insert(id, doc);
    anna.sync(port).await;
    let mut bo = login(port, TENANT, "bo", DEMO_PASSWORD).await;
    bo.sync(port).await;
    let wait = Duration::from_secs(30);
    let mut anna_live = anna.connect(port).await;
    anna.run_until(&mut anna_live, wait, Device::in_sync).await;
    let mut bo_live = bo.connect(port).await;
    bo.run_until(&mut bo_live, wait, Device::in_sync).await;
    let mut times = Vec::with_capacity(pushes);
    for n in 0..pushes {
        add_visit(anna.docs.get_mut(&id).expect("the case"), &format!("Live {n}"));
        let heads = anna.docs[&id].get_heads();
        let started = Instant::now();
        anna.edited(&mut anna_live, id).await;
        let acked = anna.run_until(&mut anna_live, wait, |d| d.is_acked(&id, &d.docs[&id]));
        let arrived = async {
            bo.run_until(&mut bo_live, wait, |d| {
                d.docs.get(&id).is_some_and(|doc| doc.get_heads() == heads)
            })
            .await;
            started.elapsed()
        };
        let ((), took) = tokio::join!(acked, arrived);
        times.push(took.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    [at(0.5), at(0.99), at(1.0)]
}

/// HAProxy in front of the processes, in its own process; stopped when dropped.
struct Balancer {
    child: Child,
    port: u16,
}

impl Balancer {
    async fn start(directory: &Path, ports: &[u16]) -> Balancer {
        let port = free_port();
        let servers: String = ports
            .iter()
            .enumerate()
            .map(|(n, p)| format!("    server tovholder{n} 127.0.0.1:{p}\n"))
            .collect();
        // `timeout tunnel` keeps idle sync WebSockets open; `http-reuse never` keeps each device's connection its
        // own, as a phone's is.
        let config = format!(
            "global\n    maxconn 4000\n\
             defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n    \
             timeout tunnel 1h\n    http-reuse never\n\
             frontend devices\n    bind 127.0.0.1:{port}\n    default_backend tovholder\n\
             backend tovholder\n    balance roundrobin\n{servers}"
        );
        let path = directory.join("haproxy.cfg");
        std::fs::write(&path, config).expect("write the HAProxy configuration");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(directory.join("haproxy.log")).expect("a log file"))
            .spawn()
            .expect("start haproxy");
        // Owned at once, so the process is stopped and waited for on every path (`Drop`).
        let balancer = Balancer { child, port };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return balancer;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(balancer);
        let log = std::fs::read_to_string(directory.join("haproxy.log")).unwrap_or_default();
        panic!("haproxy did not listen on {port}:\n{log}");
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
