//! Test harness: a real `tovholder` server in-process (SQLite in a temp dir, the demo municipality loaded), and
//! devices that log in to it, either through the library or through the real `tov` binary.
#![allow(dead_code)]

pub mod tls;

use std::path::Path;
use std::process::Output;

use cli::Profile;
use cli::login::{LoginInput, login};
use cli::sync::{SyncOptions, SyncReport, run_once};
use cli::time::now_ms;
use cli::tls::Trust;
use secrecy::SecretString;
use server::app::Application;
use server::config::ServeConfig;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password of every demo user in these tests.
pub const PASSWORD: &str = "test-password-for-demo";
pub const TENANT: &str = "hoeje-taastrup";
/// The demo gives anna 22 cases, bo 20 and both 6; the team shares its cases, so each sees all 48.
pub const TEAM_CASES: usize = 48;

/// A running server; stops when dropped.
pub struct TestServer {
    pub url: String,
    /// The server's store, to check what it holds (its projections, say).
    pub store: server::store::Store,
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    dir: TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_in(tempfile::tempdir().expect("temp dir"), 0).await
    }

    /// Stops the server but keeps its database and port, to start it again later (a server outage, or a phone
    /// that lost its signal).
    pub async fn pause(mut self) -> PausedServer {
        self.halt().await;
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        PausedServer { dir, port: self.port }
    }

    async fn start_in(dir: TempDir, port: u16) -> TestServer {
        let url = format!("sqlite:{}", dir.path().join("server.db").display());
        let mut config = ServeConfig::with_database(&url);
        config.listen = format!("127.0.0.1:{port}").parse().expect("address");
        config.demo = true;
        config.demo_password = Some(SecretString::from(PASSWORD));
        let app = Application::build(config).await.expect("server starts");
        let port = app.port();
        let store = app.state().store.clone();
        let url = format!("http://127.0.0.1:{port}");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestServer {
            url,
            store,
            port,
            stop: Some(stop),
            task: Some(task),
            dir,
        }
    }

    /// Stops the server and waits until it has closed its connections and database.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A stopped server's database and port.
pub struct PausedServer {
    dir: TempDir,
    port: u16,
}

impl PausedServer {
    /// Starts the server again on the same port and database.
    pub async fn resume(self) -> TestServer {
        TestServer::start_in(self.dir, self.port).await
    }
}

/// Logs `user` in with the profile in `dir`, through the library.
pub async fn login_as(server: &TestServer, user: &str, dir: &Path) -> Profile {
    login_in(server, TENANT, user, dir).await
}

/// Logs `user` of `tenant` in with the profile in `dir`, through the library.
pub async fn login_in(server: &TestServer, tenant: &str, user: &str, dir: &Path) -> Profile {
    let input = LoginInput {
        server: server.url.clone(),
        tenant: tenant.to_owned(),
        username: user.to_owned(),
        password: SecretString::from(PASSWORD),
        device_name: format!("{user}'s test phone"),
        trust: Trust::public(),
    };
    login(dir, input, now_ms(), |_| None).await.expect("logs in")
}

/// One sync through the library, with a timeout generous enough for a loaded CI machine.
pub async fn sync(profile: &Profile) -> SyncReport {
    let options = SyncOptions {
        timeout: std::time::Duration::from_secs(60),
        ..SyncOptions::default()
    };
    run_once(profile, &options).await.expect("syncs")
}

/// Runs the real `tov` binary with the profile in `dir` (off the async workers, so the server keeps serving).
pub async fn tov(dir: &Path, args: &[&str]) -> Output {
    tov_with(dir, args, &[]).await
}

/// Runs the real `tov` binary with the profile in `dir` and these environment variables besides TOV_PASSWORD.
pub async fn tov_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_tov(dir, args, env, Some(PASSWORD)).await
}

/// Runs the real `tov` binary with no password at hand (no TOV_PASSWORD, no terminal): a locked store stays locked.
pub async fn tov_without_password(dir: &Path, args: &[&str]) -> Output {
    run_tov(dir, args, &[], None).await
}

async fn run_tov(dir: &Path, args: &[&str], env: &[(&str, &str)], password: Option<&str>) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tov"));
    command.arg("--profile").arg(dir).args(args);
    match password {
        Some(password) => command.env("TOV_PASSWORD", password),
        None => command.env_remove("TOV_PASSWORD"),
    };
    command
        .env_remove("TOV_PROFILE")
        .env_remove("TOV_CA_CERT")
        .env_remove("TOV_PREVIOUS_PASSWORD")
        .envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().expect("tov runs"))
        .await
        .expect("joins")
}

/// stdout and stderr of a run, for assertion messages.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
