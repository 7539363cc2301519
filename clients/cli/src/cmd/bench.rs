//! `tov bench`: plays N phones against a running server and prints throughput and latency percentiles.
//!
//! Each phone is a real `tov` device (its own profile directory and SQLite store under a temporary directory),
//! driven in-process by the same code as `tov sync`: it logs in, downloads its caseload, records new cases with
//! contacts offline, and uploads them until every one is acknowledged. The phones run concurrently; the figures
//! are per phone (time for its whole sync) and overall (documents per second).

use std::time::{Duration, Instant};

use anyhow::Context;
use cli::edits::{ContactInput, CourseChoice, NewCase, add_contact, create_case};
use cli::login::{LoginInput, login};
use cli::sync::{SyncOptions, run_once};
use cli::time::now_ms;
use cli::tls::Trust;
use cli::{Device, Profile};
use secrecy::SecretString;
use sync_core::fit::RaterKind;

use crate::args::BenchArgs;

pub async fn run(args: BenchArgs, password: SecretString, trust: Trust) -> anyhow::Result<()> {
    let root = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("tov-bench-{}", uuid::Uuid::new_v4().simple())),
    };
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    eprintln!(
        "tov bench: {} phones, {} new cases of {} contacts each, against {}",
        args.devices, args.cases, args.contacts, args.server
    );

    let mut profiles = Vec::new();
    for n in 0..args.devices {
        let input = LoginInput {
            server: args.server.clone(),
            tenant: args.tenant.clone(),
            username: args.user.clone(),
            password: password.clone(),
            device_name: format!("bench phone {n}"),
            trust: trust.clone(),
        };
        profiles.push(
            // A phone of its own: no previous password to ask for.
            login(&root.join(format!("phone-{n}")), input, now_ms(), |_| None)
                .await
                .context("login")?,
        );
    }

    let download = phase(&profiles, &trust, "first sync (download the caseload)").await?;
    for profile in &profiles {
        record_offline(profile, args.cases, args.contacts).await?;
    }
    let upload = phase(&profiles, &trust, "upload").await?;
    let documents = args.devices * args.cases;
    println!();
    println!("| phase | phones | wall time | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|---|---|");
    for (name, result) in [("download caseload", &download), ("upload new cases", &upload)] {
        println!(
            "| {name} | {} | {:.2} s | {} | {} | {} | {} |",
            args.devices,
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
        documents * (1 + args.contacts),
        upload.wall.as_secs_f64(),
        documents as f64 / upload.wall.as_secs_f64()
    );
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    Ok(())
}

struct Phase {
    wall: Duration,
    each: Vec<Duration>,
}

/// Syncs every phone at once; each phone's time from connecting to done.
async fn phase(profiles: &[Profile], trust: &Trust, name: &str) -> anyhow::Result<Phase> {
    eprintln!("tov bench: {name}…");
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
            Ok::<_, anyhow::Error>(begun.elapsed())
        }
    });
    let mut each = futures_util::future::try_join_all(runs).await?;
    each.sort();
    Ok(Phase {
        wall: started.elapsed(),
        each,
    })
}

/// New cases with contacts, recorded offline as a worker would.
async fn record_offline(profile: &Profile, cases: usize, contacts: usize) -> anyhow::Result<()> {
    let device = Device::open(profile.clone()).await?;
    for n in 0..cases {
        let new = NewCase {
            name: format!("Bench citizen {n}"),
            reference: format!("bench-{}", uuid::Uuid::new_v4().simple()),
            birth_year: Some(1980),
        };
        let case = create_case(&device, new, now_ms()).await?;
        for _ in 0..contacts {
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
    device.close().await;
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
