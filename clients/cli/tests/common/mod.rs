//! Devices for `tov`'s tests: the server comes from the one test harness (`tests/src`, SQLite, the demo loaded);
//! devices log in to it either through the library or through the real `tov` binary.
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
use tests::app::Served;
use tests::database::Backend;

/// The password of every demo user in these tests.
pub use tests::DEMO_PASSWORD as PASSWORD;
pub const TENANT: &str = "hoeje-taastrup";
/// The demo gives anna 22 cases, bo 20 and both 6; the team shares its cases, so each sees all 48.
pub const TEAM_CASES: usize = 48;

/// The real application in-process on a fresh SQLite database with the demo loaded, serving over TCP: the one
/// test harness's [`Served`] (see `tests/src`).
pub async fn start_server() -> Served {
    Served::start(Backend::Sqlite).await
}

/// Logs `user` in with the profile in `dir`, through the library.
pub async fn login_as(server: &Served, user: &str, dir: &Path) -> Profile {
    login_in(server, TENANT, user, dir).await
}

/// Logs `user` of `tenant` in with the profile in `dir`, through the library.
pub async fn login_in(server: &Served, tenant: &str, user: &str, dir: &Path) -> Profile {
    let input = LoginInput {
        server: server.url(),
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

/// Creates a case for a synthetic citizen with the real `tov` and returns its id as `tov` printed it.
pub async fn new_case(dir: &Path, reference: &str, birth_year: Option<i32>) -> String {
    let year = birth_year.map(|year| year.to_string());
    let mut args = vec![
        "case",
        "new",
        "--name",
        "Synthetic Citizen",
        "--reference",
        reference,
    ];
    if let Some(year) = &year {
        args.extend(["--birth-year", year.as_str()]);
    }
    let created = tov(dir, &args).await;
    assert!(created.status.success(), "{}", shown(&created));
    // "Created case ID ..."
    stdout(&created)
        .split_whitespace()
        .nth(2)
        .expect("Created case ID")
        .to_owned()
}

/// The id a `tov` command printed after `word` ("course 1a2b3c4d"), as its short form.
pub fn printed_id(output: &Output, word: &str) -> String {
    let text = stdout(output);
    let rest = text
        .split(word)
        .nth(1)
        .unwrap_or_else(|| panic!("no {word:?} in {text}"));
    rest.split_whitespace().next().unwrap_or_default().to_owned()
}

/// What a run printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
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
