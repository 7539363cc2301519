//! `tov bench`: plays N phones against a running server and prints throughput and latency percentiles.
//!
//! Each phone is a real `tov` device (its own profile directory and SQLite store under a temporary directory),
//! driven in-process by the same code as `tov sync`: it logs in, downloads its caseload, records new cases with
//! contacts offline, and uploads them until every one is acknowledged. The phones run concurrently; the figures
//! are per phone (time for its whole sync) and overall (documents per second).
//!
//! Two options serve `bench/side-by-side`, which compares Tovholder with the stock automerge-repo sync server on
//! the same content: `--cases-from` rebuilds the web app's cases from a JSON file through sync-core's edits
//! instead of generating them, and `--pause` stops before and after each phase so the harness can read the
//! server's CPU time and the bytes on the wire exactly at the phase's edges. `--fresh-device` times one more
//! phone's first sync after the upload: the whole caseload, downloaded onto an empty store.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use cli::edits::{ContactInput, CourseChoice, NewCase, add_contact, create_case, record_contact};
use cli::login::{LoginInput, login};
use cli::sync::{SyncOptions, run_once};
use cli::time::now_ms;
use cli::tls::Trust;
use cli::{Device, Profile};
use secrecy::SecretString;
use sync_core::case::{Case, NewContact};
use sync_core::fit::RaterKind;

use crate::args::BenchArgs;

/// What each phone records offline.
enum NewCases {
    /// `count` cases of `contacts` generated visits each.
    Generated { count: usize, contacts: usize },
    /// The cases of a `--cases-from` file.
    Given(Vec<Case>),
}

impl NewCases {
    fn cases(&self) -> usize {
        match self {
            NewCases::Generated { count, .. } => *count,
            NewCases::Given(cases) => cases.len(),
        }
    }

    /// Automerge changes per phone: one to open each case and one per contact.
    fn changes(&self) -> usize {
        match self {
            NewCases::Generated { count, contacts } => count * (1 + contacts),
            NewCases::Given(cases) => cases.iter().map(|case| 1 + case.contacts.len()).sum(),
        }
    }
}

pub async fn run(args: BenchArgs, password: SecretString, trust: Trust) -> anyhow::Result<()> {
    let root = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("tov-bench-{}", uuid::Uuid::new_v4().simple())),
    };
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let new_cases = match &args.cases_from {
        Some(path) => NewCases::Given(read_cases(path)?),
        None => NewCases::Generated {
            count: args.cases,
            contacts: args.contacts,
        },
    };
    eprintln!(
        "tov bench: {} phones, {} new cases ({} changes) each, against {}",
        args.devices,
        new_cases.cases(),
        new_cases.changes(),
        args.server
    );

    let mut profiles = Vec::new();
    for n in 0..args.devices {
        profiles.push(phone(&root, &args, &password, &trust, n).await?);
    }

    let download = phase(&profiles, &trust, "download", args.pause).await?;
    for profile in &profiles {
        record_offline(profile, &new_cases).await?;
    }
    let upload = phase(&profiles, &trust, "upload", args.pause).await?;
    let fresh = match args.fresh_device {
        true => {
            let fresh = phone(&root, &args, &password, &trust, args.devices).await?;
            Some(phase(&[fresh], &trust, "fresh-download", args.pause).await?)
        }
        false => None,
    };
    let documents = args.devices * new_cases.cases();
    println!();
    println!("| phase | phones | documents received | wall time | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut rows = vec![
        ("download caseload", args.devices, &download),
        ("upload new cases", args.devices, &upload),
    ];
    if let Some(fresh) = &fresh {
        rows.push(("fresh phone downloads all", 1, fresh));
    }
    for (name, phones, result) in rows {
        println!(
            "| {name} | {phones} | {} | {:.2} s | {} | {} | {} | {} |",
            result.received,
            result.wall.as_secs_f64(),
            ms(percentile(&result.each, 50)),
            ms(percentile(&result.each, 95)),
            ms(percentile(&result.each, 99)),
            ms(percentile(&result.each, 100)),
        );
    }
    println!();
    println!(
        "upload throughput: {documents} new cases ({} changes) acknowledged in {:.2} s = {:.0} cases/s",
        args.devices * new_cases.changes(),
        upload.wall.as_secs_f64(),
        documents as f64 / upload.wall.as_secs_f64()
    );
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    Ok(())
}

/// Phone `n`: a new device of the bench's user, logged in under `root`.
async fn phone(
    root: &Path,
    args: &BenchArgs,
    password: &SecretString,
    trust: &Trust,
    n: usize,
) -> anyhow::Result<Profile> {
    let input = LoginInput {
        server: args.server.clone(),
        tenant: args.tenant.clone(),
        username: args.user.clone(),
        password: password.clone(),
        device_name: format!("bench phone {n}"),
        trust: trust.clone(),
    };
    // A phone of its own: no previous password to ask for.
    login(&root.join(format!("phone-{n}")), input, now_ms(), |_| None)
        .await
        .context("login")
}

/// The cases of a `--cases-from` file: a JSON array of case documents in the serde form of sync-core's model.
fn read_cases(path: &PathBuf) -> anyhow::Result<Vec<Case>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a JSON array of cases", path.display()))
}

struct Phase {
    wall: Duration,
    each: Vec<Duration>,
    /// Documents that received changes, summed over the phones.
    received: usize,
}

/// Syncs every phone at once; each phone's time from connecting to done. With `pause`, waits for the harness
/// before and after (see the module's docs).
async fn phase(profiles: &[Profile], trust: &Trust, name: &str, pause: bool) -> anyhow::Result<Phase> {
    eprintln!("tov bench: {name}…");
    if pause {
        wait_for_harness(format!("ready {name}")).await?;
    }
    let options = SyncOptions {
        timeout: Duration::from_secs(120),
        trust: trust.clone(),
        ..SyncOptions::default()
    };
    let started = Instant::now();
    let runs = profiles.iter().map(|profile| {
        let options = options.clone();
        async move {
            let begun = Instant::now();
            let report = run_once(profile, &options).await?;
            anyhow::ensure!(
                report.refused.is_empty(),
                "the server refused changes: {:?}",
                report.refused
            );
            Ok::<_, anyhow::Error>((begun.elapsed(), report.received.len()))
        }
    });
    let results = futures_util::future::try_join_all(runs).await?;
    let wall = started.elapsed();
    if pause {
        wait_for_harness(format!("done {name} {:.3}", wall.as_secs_f64())).await?;
    }
    let received = results.iter().map(|(_, received)| received).sum();
    let mut each: Vec<Duration> = results.into_iter().map(|(each, _)| each).collect();
    each.sort();
    Ok(Phase { wall, each, received })
}

/// Tells the harness where the bench is (a line on stdout) and waits for its line on stdin.
async fn wait_for_harness(line: String) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")?;
        stdout.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok::<_, std::io::Error>(())
    })
    .await?
    .context("talking to the harness on stdin and stdout")
}

/// New cases with contacts, recorded offline as a worker would.
async fn record_offline(profile: &Profile, new_cases: &NewCases) -> anyhow::Result<()> {
    let device = Device::open(profile.clone()).await?;
    match new_cases {
        NewCases::Generated { count, contacts } => {
            for n in 0..*count {
                let new = NewCase {
                    name: format!("Bench citizen {n}"),
                    reference: format!("bench-{}", uuid::Uuid::new_v4().simple()),
                    birth_year: Some(1980),
                };
                let case = create_case(&device, new, now_ms()).await?;
                for _ in 0..*contacts {
                    let contact = ContactInput {
                        kind: "home_visit".into(),
                        start_ms: now_ms(),
                        duration_minutes: 45,
                        notes: "Benchmark visit".into(),
                        ors: Some("5.0,5.5,6.0,5.5".into()),
                        srs: Some("9.0,9.2,9.4,9.1".into()),
                        rater: RaterKind::Citizen,
                        goals: Vec::new(),
                        course: CourseChoice::None,
                    };
                    add_contact(&device, &case, contact, now_ms()).await?;
                }
            }
        }
        NewCases::Given(cases) => {
            for case in cases {
                record_given(&device, case).await?;
            }
        }
    }
    device.close().await;
    Ok(())
}

/// One case of a `--cases-from` file, opened and its contacts recorded in time order, one change each, as the
/// worker who wrote it did; by this phone's user, in this phone's team.
async fn record_given(device: &Device, given: &Case) -> anyhow::Result<()> {
    let new = NewCase {
        name: given.citizen.display_name.clone(),
        reference: given.citizen.reference.clone(),
        birth_year: given.citizen.birth_year,
    };
    let case = create_case(device, new, now_ms()).await?;
    let user = device.settings()?.user_id.clone();
    let mut contacts: Vec<_> = given.contacts.values().collect();
    contacts.sort_by_key(|contact| contact.start_ms);
    for contact in contacts {
        let new = NewContact {
            kind: contact.kind.clone(),
            start_ms: contact.start_ms,
            duration_minutes: contact.duration_minutes,
            course: None,
            workers: vec![user.clone()],
            notes: contact.notes.as_str().to_owned(),
            goals: Vec::new(),
            ors: contact.ors.clone(),
            srs: contact.srs.clone(),
            recorded_by: user.clone(),
        };
        record_contact(device, &case, new, now_ms()).await?;
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
