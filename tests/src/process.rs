//! Real `tovholder` processes: started from the built binary, waited for until healthy, stopped with SIGTERM
//! or killed with SIGKILL, each logging to its own file (printed when a test fails to start one).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use crate::DEMO_PASSWORD;
/// One signing secret for every process of a test, as in a real deployment behind a load balancer.
pub const JWT_SECRET: &str = "e2e-signing-secret-that-is-at-least-32-bytes-long";

/// A running `tovholder serve`.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

/// The `tovholder` binary next to the test executable (`target/<profile>/tovholder`). `scripts/test` builds it
/// before the tests run; `TOVHOLDER_BIN` overrides the path.
pub fn tovholder_bin() -> PathBuf {
    if let Ok(path) = std::env::var("TOVHOLDER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the executable's path");
    // A test runs from target/<profile>/deps/, a binary (the bench) from target/<profile>/.
    let beside = exe.parent().map(|dir| dir.join("tovholder"));
    let above = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("tovholder"));
    let bin = match (beside, above) {
        (Some(beside), _) if beside.exists() => beside,
        (_, Some(above)) => above,
        (beside, None) => beside.expect("a target directory"),
    };
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin tovholder` first (scripts/test does)",
        bin.display()
    );
    bin
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("address").port()
}

impl ServerProcess {
    /// Starts `tovholder serve --demo` on `database_url` and waits until `/healthz` answers.
    pub async fn start(database_url: &str, port: u16) -> ServerProcess {
        let log = std::env::temp_dir().join(format!(
            "tovholder-e2e-{port}-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let log_file = std::fs::File::create(&log).expect("a log file");
        let child = Command::new(tovholder_bin())
            .args(["serve", "--demo", "--database-url", database_url, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("TOVHOLDER_DEMO_PASSWORD", DEMO_PASSWORD)
            .env("TOVHOLDER_JWT_SECRET", JWT_SECRET)
            .env("TOVHOLDER_METRICS_TOKEN", crate::metrics::METRICS_TOKEN)
            // TOVHOLDER_TEST_LOG (a RUST_LOG filter) makes a bench's or test's server log more, to see where a run
            // spends its time.
            .env(
                "RUST_LOG",
                std::env::var("TOVHOLDER_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            // Every device of these tests and benches logs in from 127.0.0.1, hundreds at once in the load runs.
            .env("TOVHOLDER_PUBLIC_REQUESTS_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .expect("start tovholder");
        let mut process = ServerProcess { child, port, log };
        process.wait_healthy().await;
        process
    }

    async fn wait_healthy(&mut self) {
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tovholder exited with {status}:\n{}", self.log_text());
            }
            if healthz(self.port).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("tovholder did not become healthy in 60 s:\n{}", self.log_text());
    }

    /// SIGKILL: no shutdown, no flushing; what was acknowledged must survive anyway.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a graceful exit.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// The process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's resident memory now, in KiB (from /proc; 0 once it is gone).
    pub fn rss_kib(&self) -> u64 {
        self.proc_status_kib("VmRSS:")
    }

    /// The process's resident memory in two parts, in KiB: anonymous (its heap and stacks) and file-backed (mostly
    /// the binary's code, paged in as paths run for the first time; shared and clean, the kernel drops it at need).
    pub fn rss_parts_kib(&self) -> (u64, u64) {
        (self.proc_status_kib("RssAnon:"), self.proc_status_kib("RssFile:"))
    }

    /// The process's peak resident memory so far, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        self.proc_status_kib("VmHWM:")
    }

    fn proc_status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// CPU time the process used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(self.pid())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// CPU time process `pid` used so far (user + system, from /proc/PID/stat), in seconds; the benchmarks read their
/// own with `std::process::id()`.
pub fn cpu_seconds_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th
    // and 13th of them, in clock ticks of 1/100 s on Linux.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |n: usize| fields.get(n).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn healthz(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut response = String::new();
    stream.read_to_string(&mut response).await.is_ok() && response.starts_with("HTTP/1.1 200")
}
