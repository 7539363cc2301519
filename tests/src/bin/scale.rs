//! `scale`: issue 13's point 6. Several release `tovholder` processes on one PostgreSQL database, behind HAProxy
//! (Debian's `haproxy`, started by this run with WebSocket tunnels), for 1, 2 and 4 processes in turn, each on a
//! fresh database. HAProxy balances the sync connections by their municipality (`balance url_param tenant` with
//! consistent hashing, on the sync URL's `?tenant=` hint), so one municipality's devices meet on one process; or,
//! with `--balance roundrobin`, spreads every connection over the processes.
//!
//! - **upload**: `--devices` phones spread over `--tenants` municipalities (made for the run, one team of two
//!   workers sharing their cases in each), each phone with `--cases` new cases of two visits, sync at once through
//!   the balancer until every case is durably acknowledged: wall time, cases a second, the ratio against one
//!   process, and the processes' CPU time (in all and per process, which shows where the balancer put them);
//! - **live propagation**: anna and bo (the demo's Høje-Taastrup) connected through the balancer: on one process
//!   when it balances by municipality, on different processes (consecutive connections) with `roundrobin`, where
//!   PostgreSQL's LISTEN/NOTIFY carries each change between them; anna records a visit on a shared case
//!   `--pushes` times, one after the other, and each time the run measures until bo's connection holds it: p50,
//!   p99, max.
//!
//! ```sh
//! apt-get install haproxy      # once
//! cargo build --release -p server --bin tovholder -p tests --bin scale
//! ./target/release/scale [--processes 1,2,4] [--devices 20] [--tenants 4] [--cases 50] [--pushes 200]
//!                        [--balance tenant|roundrobin]
//! ```

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tests::cases::{add_visit, new_cases, team_of};
use tests::database::{Backend, TestDatabase, add_municipality};
use tests::device::Device;
use tests::http::login;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

const TENANT: &str = "hoeje-taastrup";

struct Settings {
    processes: Vec<usize>,
    devices: usize,
    tenants: usize,
    cases: usize,
    pushes: usize,
    balance: Balance,
}

/// How HAProxy spreads the sync connections over the processes.
#[derive(Clone, Copy, PartialEq)]
enum Balance {
    /// By the sync URL's municipality hint, consistently hashed: a municipality's devices on one process.
    Tenant,
    /// Each new connection to the next process.
    RoundRobin,
}

impl Balance {
    fn name(self) -> &'static str {
        match self {
            Balance::Tenant => "by municipality",
            Balance::RoundRobin => "round robin",
        }
    }

    /// The backend's lines of the HAProxy configuration.
    fn haproxy(self) -> &'static str {
        match self {
            Balance::Tenant => "balance url_param tenant\n    hash-type consistent",
            Balance::RoundRobin => "balance roundrobin",
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("usage: scale [--processes 1,2,4] [--devices 20] [--tenants 4] [--cases 50] [--pushes 200]");
        println!("             [--balance tenant|roundrobin]");
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
        tenants: number("--tenants", 4).max(1),
        cases: number("--cases", 50),
        pushes: number("--pushes", 200),
        balance: match value("--balance").map(String::as_str) {
            None | Some("tenant") => Balance::Tenant,
            Some("roundrobin") => Balance::RoundRobin,
            Some(other) => panic!("--balance is tenant or roundrobin, not {other:?}"),
        },
    };
    if Command::new("haproxy").arg("-v").output().is_err() {
        eprintln!("scale: haproxy is not installed (Debian: apt-get install haproxy)");
        std::process::exit(1);
    }
    println!(
        "scale: {} phones in {} municipalities × {} new cases through HAProxy ({}), then {} live pushes; PostgreSQL",
        settings.devices,
        settings.tenants,
        settings.cases,
        settings.balance.name(),
        settings.pushes
    );
    println!(
        "| processes | upload | cases/s | vs 1 process | server CPU | per process | live push p50 | p99 | max |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    let mut base: Option<f64> = None;
    for &processes in &settings.processes {
        let figures = run(processes, &settings).await;
        let rate = (settings.devices * settings.cases) as f64 / figures.upload.as_secs_f64();
        let ratio = rate / *base.get_or_insert(rate);
        let per_process: Vec<String> = figures.cpu.iter().map(|cpu| format!("{cpu:.2}")).collect();
        println!(
            "| {processes} | {:.2} s | {rate:.0} | {ratio:.2}× | {:.2} s | {} s | {:.1} ms | {:.1} ms | {:.1} ms |",
            figures.upload.as_secs_f64(),
            figures.cpu.iter().sum::<f64>(),
            per_process.join(" / "),
            figures.push_ms[0],
            figures.push_ms[1],
            figures.push_ms[2],
        );
    }
}

struct Figures {
    upload: Duration,
    /// CPU seconds of each process during the upload.
    cpu: Vec<f64>,
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
    let balancer = Balancer::start(directory.path(), &ports, settings.balance).await;
    let port = balancer.port;

    // The municipalities, each with one team of two workers who share their cases.
    let mut municipalities = Vec::new();
    for k in 0..settings.tenants {
        let slug = format!("scale-{k}");
        let usernames = ["worker-a".to_owned(), "worker-b".to_owned()];
        let (team, _) = add_municipality(&database.url, &slug, &usernames).await;
        municipalities.push((slug, usernames, team));
    }
    // The phones log in (not timed), then record their cases offline.
    let mut phones = Vec::new();
    for n in 0..settings.devices {
        let (slug, usernames, team) = &municipalities[n % municipalities.len()];
        let user = &usernames[(n / municipalities.len()) % usernames.len()];
        let mut phone = login(port, slug, user, DEMO_PASSWORD).await;
        phone.docs.extend(new_cases(team, settings.cases, 2, "Scale"));
        phones.push(phone);
    }
    let cpu_before: Vec<f64> = servers.iter().map(ServerProcess::cpu_seconds).collect();
    let started = Instant::now();
    let uploads = phones.into_iter().map(|mut phone| async move {
        phone.sync(port).await;
        phone
    });
    let phones = join_all(uploads.map(tokio::spawn)).await;
    let upload = started.elapsed();
    let cpu = servers
        .iter()
        .zip(cpu_before)
        .map(|(server, before)| server.cpu_seconds() - before)
        .collect();
    drop(phones);

    let push_ms = live_pushes(port, settings.pushes).await;
    drop(balancer);
    for server in &mut servers {
        server.stop();
    }
    Figures { upload, cpu, push_ms }
}

/// anna's visits reaching bo's open connection, one after the other: p50, p99 and max in milliseconds.
async fn live_pushes(port: u16, pushes: usize) -> [f64; 3] {
    let mut anna = login(port, TENANT, "anna", DEMO_PASSWORD).await;
    anna.sync(port).await;
    let team = team_of(&anna.docs);
    let (id, doc) = new_cases(&team, 1, 1, "Scale live").remove(0);
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
    async fn start(directory: &Path, ports: &[u16], balance: Balance) -> Balancer {
        let port = free_port();
        let servers: String = ports
            .iter()
            .enumerate()
            .map(|(n, p)| format!("    server tovholder{n} 127.0.0.1:{p}\n"))
            .collect();
        // `timeout tunnel` keeps idle sync WebSockets open; `http-reuse never` keeps each device's connection its
        // own, as a phone's is. A request without the hint (a login) is balanced round robin.
        let config = format!(
            "global\n    maxconn 4000\n\
             defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n    \
             timeout tunnel 1h\n    http-reuse never\n\
             frontend devices\n    bind 127.0.0.1:{port}\n    default_backend tovholder\n\
             backend tovholder\n    {}\n{servers}",
            balance.haproxy()
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
