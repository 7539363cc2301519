//! The fault runs of issue 13's point 8, shared by the `faults` benchmark (large) and the end-to-end tests (small):
//!
//! - [`random_sessions`]: devices of one team edit the same cases offline and sync through a [`FaultProxy`] that
//!   drops, duplicates, delays, reorders and cuts messages, session after session; then the network is good
//!   again, everyone syncs, and the run checks that every change the server acknowledged is stored, every device
//!   holds what the server holds, and no visit was lost or doubled.
//! - [`kill_loop`]: phones upload while the server is killed with SIGKILL, again and again; after each restart,
//!   every change acknowledged before the kill must be in the store.
//!
//! Both return a report on success and a description of what was lost otherwise; the caller also reads the
//! server's log for panics ([`panics_in`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash, ReadDoc};
use sync_core::DocumentId;
use sync_core::case::read_case;
use sync_core::protocol::ClientEffect;

use crate::cases::{add_visit, contact_count, new_cases, team_of};
use crate::database::commits_so_far;
use crate::device::Device;
use crate::faults::{Dice, FaultProxy, Faults};
use crate::http::{login, team_devices};
use crate::process::ServerProcess;
use crate::{DEMO_PASSWORD, cases::TENANT};

/// A run of sessions through the fault proxy.
#[derive(Debug, Clone)]
pub struct SessionRun {
    /// Devices, alternately anna's and bo's (one team: they share every case of the run).
    pub devices: usize,
    /// Sessions in all, spread evenly over the devices (each device's run one after the other).
    pub sessions: usize,
    /// Or: sessions until this much time has passed (the soak), whichever ends first.
    pub duration: Option<Duration>,
    /// A session ends when it has settled or after this long.
    pub session_timeout: Duration,
    pub faults: Faults,
    pub seed: u64,
}

/// What the sessions did; the soak reads it while they run.
#[derive(Debug, Default)]
pub struct Progress {
    pub sessions: AtomicU64,
    /// Sessions that caught up and had every change acknowledged.
    pub settled: AtomicU64,
    /// Sessions the network (or the server) ended before they settled, or that could not connect.
    pub broken: AtomicU64,
    pub visits: AtomicU64,
    pub new_cases: AtomicU64,
    /// Set when the sessions are over and the clean sync and the checks begin.
    pub sessions_over: AtomicBool,
}

impl Progress {
    pub fn summary(&self) -> String {
        let n = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        format!(
            "{} sessions ({} settled, {} broken or timed out), {} visits and {} new cases recorded",
            n(&self.sessions),
            n(&self.settled),
            n(&self.broken),
            n(&self.visits),
            n(&self.new_cases)
        )
    }
}

/// What a finished run checked.
#[derive(Debug)]
pub struct Verified {
    /// Distinct acknowledged heads found in the store.
    pub acknowledged_heads: usize,
    /// Cases whose contacts were counted against what the devices recorded.
    pub cases: usize,
    /// Contacts in those cases.
    pub contacts: usize,
}

/// The cases a run created and the visits recorded in each, across devices.
#[derive(Default)]
struct Ledger {
    cases: Vec<DocumentId>,
    contacts: HashMap<DocumentId, usize>,
}

/// How long a device of a run uses one access token before it refreshes it (the server's tokens last 15 minutes).
const TOKEN_REFRESH: Duration = Duration::from_secs(600);

/// Runs `run` against the server on `port`, then verifies; `progress` is updated as sessions end.
pub async fn random_sessions(
    port: u16,
    run: &SessionRun,
    progress: Arc<Progress>,
) -> Result<Verified, String> {
    let proxy = FaultProxy::start(port, run.faults, run.seed).await;
    let devices = team_devices(port, run.devices).await?;
    let team = team_of(&devices[0].docs);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let deadline = run.duration.map(|duration| Instant::now() + duration);
    let per_device = run.sessions.div_ceil(run.devices.max(1));
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(n, mut device)| {
            let ledger = ledger.clone();
            let progress = progress.clone();
            let team = team.clone();
            let run = run.clone();
            let proxy_port = proxy.port;
            tokio::spawn(async move {
                let mut dice = Dice::new(run.seed ^ (n as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
                let mut token_at = Instant::now();
                for _ in 0..per_device {
                    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        break;
                    }
                    // A new access token well before the old one's 15 minutes are up (past the proxy: a refresh is
                    // not what this run breaks), as the real clients do.
                    if token_at.elapsed() >= TOKEN_REFRESH {
                        match crate::http::refresh(port, &mut device).await {
                            Ok(()) => token_at = Instant::now(),
                            Err(error) => eprintln!("a device could not refresh its token: {error}"),
                        }
                    }
                    record_offline(&mut device, &team, &ledger, &progress, &mut dice);
                    progress.sessions.fetch_add(1, Ordering::Relaxed);
                    let outcome = match device.try_connect(proxy_port).await {
                        Ok(mut connection) => {
                            let outcome = device
                                .try_run_until(&mut connection, run.session_timeout, Device::settled)
                                .await;
                            drop(connection);
                            outcome
                        }
                        Err(error) => Err(error),
                    };
                    let counter = if outcome.is_ok() {
                        &progress.settled
                    } else {
                        &progress.broken
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                device
            })
        })
        .collect();
    let mut devices = Vec::new();
    for task in tasks {
        devices.push(
            task.await
                .map_err(|error| format!("a device's task failed: {error}"))?,
        );
    }
    drop(proxy);
    progress.sessions_over.store(true, Ordering::Relaxed);

    // The network is good again: everyone uploads what is left, then everyone downloads what the others sent.
    for _ in 0..2 {
        for device in &mut devices {
            device.try_sync(port, Duration::from_secs(120)).await?;
        }
    }
    let (cases, contacts) = {
        let ledger = ledger.lock().expect("ledger");
        (ledger.cases.clone(), ledger.contacts.clone())
    };
    verify(port, &devices, &cases, &contacts).await
}

/// One to three edits made offline before a session: a visit to a case of the run the device holds, or a new
/// case (always while the device holds none).
fn record_offline(
    device: &mut Device,
    team: &str,
    ledger: &Mutex<Ledger>,
    progress: &Progress,
    dice: &mut Dice,
) {
    for _ in 0..1 + dice.draw() % 3 {
        let mut ledger = ledger.lock().expect("ledger");
        let held: Vec<DocumentId> = ledger
            .cases
            .iter()
            // A case only half downloaded before the network broke is not one to edit yet.
            .filter(|id| device.docs.get(id).is_some_and(|doc| read_case(doc).is_ok()))
            .copied()
            .collect();
        if held.is_empty() || dice.roll(0.1) {
            let (id, doc) = new_cases(team, 1, 1, "Fault run").remove(0);
            device.docs.insert(id, doc);
            ledger.cases.push(id);
            ledger.contacts.insert(id, 1);
            progress.new_cases.fetch_add(1, Ordering::Relaxed);
        } else {
            let id = held[(dice.draw() % held.len() as u64) as usize];
            add_visit(device.docs.get_mut(&id).expect("held"), "Fault run visit");
            *ledger.contacts.entry(id).or_default() += 1;
            progress.visits.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Every head any device was ever acknowledged is stored; every device holds what the store holds of `cases`;
/// each case has exactly the contacts recorded in it.
async fn verify(
    port: u16,
    devices: &[Device],
    cases: &[DocumentId],
    contacts: &HashMap<DocumentId, usize>,
) -> Result<Verified, String> {
    let mut verifier = login(port, TENANT, "anna", DEMO_PASSWORD).await;
    verifier.try_sync(port, Duration::from_secs(120)).await?;
    let acknowledged_heads = check_acknowledged(devices, &verifier.docs)?;
    let mut counted = 0;
    for id in cases {
        let stored = verifier
            .docs
            .get(id)
            .ok_or_else(|| format!("case {id} of the run is not in the store"))?;
        let expected = contacts.get(id).copied().unwrap_or(0);
        if contact_count(stored) != expected {
            return Err(format!(
                "case {id}: {} contacts stored, {expected} recorded",
                contact_count(stored)
            ));
        }
        counted += expected;
        for device in devices {
            let held = device
                .docs
                .get(id)
                .ok_or_else(|| format!("device {} lacks case {id} after syncing", device.device_id))?;
            if held.get_heads() != stored.get_heads() {
                return Err(format!(
                    "device {} and the store differ on {id}",
                    device.device_id
                ));
            }
        }
    }
    Ok(Verified {
        acknowledged_heads,
        cases: cases.len(),
        contacts: counted,
    })
}

/// Every head in every `Acknowledged` effect the devices saw is a change in `stored`; the number of distinct
/// heads checked.
fn check_acknowledged(devices: &[Device], stored: &BTreeMap<DocumentId, Automerge>) -> Result<usize, String> {
    let mut checked = std::collections::HashSet::<(DocumentId, ChangeHash)>::new();
    for device in devices {
        for effect in &device.effects {
            let ClientEffect::Acknowledged { doc, heads } = effect else {
                continue;
            };
            for head in heads {
                if !checked.insert((*doc, *head)) {
                    continue;
                }
                let present = stored
                    .get(doc)
                    .is_some_and(|stored| stored.get_change_by_hash(head).is_some());
                if !present {
                    return Err(format!(
                        "acknowledged change {head} of {doc} (device {}) is not in the store",
                        device.device_id
                    ));
                }
            }
        }
    }
    Ok(checked.len())
}

/// A SIGKILL loop.
#[derive(Debug, Clone)]
pub struct KillRun {
    pub phones: usize,
    pub kills: usize,
    /// New cases each phone records before each round, besides one visit to an older one.
    pub cases_per_round: usize,
    /// The visits each new case is recorded with.
    pub visits_per_new_case: usize,
    pub seed: u64,
}

/// What a kill loop saw.
#[derive(Debug, Default)]
pub struct KillReport {
    /// Per kill: commits stored in that round before the kill, and the round's commits in all.
    pub rounds: Vec<(i64, i64)>,
    /// Distinct acknowledged heads checked against the store after the restarts.
    pub acknowledged_heads: usize,
    /// Changes in the store at the end.
    pub stored_commits: i64,
    pub verified: Option<Verified>,
    /// Panics found in the killed and restarted servers' logs.
    pub panics: usize,
}

/// Starts the server on `url` and `port`, and kills it `run.kills` times in the middle of the phones' uploads.
pub async fn kill_loop(url: &str, port: u16, run: &KillRun) -> Result<KillReport, String> {
    let mut server = ServerProcess::start(url, port).await;
    let mut phones = team_devices(port, run.phones).await?;
    let team = team_of(&phones[0].docs);
    let mut verifier = login(port, TENANT, "anna", DEMO_PASSWORD).await;
    let mut dice = Dice::new(run.seed);
    let mut report = KillReport::default();
    let mut cases: Vec<DocumentId> = Vec::new();
    let mut contacts: HashMap<DocumentId, usize> = HashMap::new();
    let mut mine: Vec<Vec<DocumentId>> = vec![Vec::new(); run.phones];
    for round in 0..run.kills {
        let mut commits = 0i64;
        for (n, phone) in phones.iter_mut().enumerate() {
            if let Some(&id) = mine[n].get((dice.draw() % mine[n].len().max(1) as u64) as usize) {
                add_visit(phone.docs.get_mut(&id).expect("its own case"), "Kill loop visit");
                *contacts.entry(id).or_default() += 1;
                commits += 1;
            }
            for (id, doc) in new_cases(&team, run.cases_per_round, run.visits_per_new_case, "Kill loop") {
                phone.docs.insert(id, doc);
                mine[n].push(id);
                cases.push(id);
                contacts.insert(id, run.visits_per_new_case);
                // The case goes up whole, with its visits: one commit.
                commits += 1;
            }
        }
        let baseline = commits_so_far(url).await;
        let storm: Vec<_> = phones
            .into_iter()
            .map(|mut phone| {
                tokio::spawn(async move {
                    let _ = phone.try_sync(port, Duration::from_secs(60)).await;
                    phone
                })
            })
            .collect();
        // Killed once a random share (10–90 %) of the round's commits is in, or after 10 s.
        let share = 10 + dice.draw() % 81;
        let target = commits * share as i64 / 100;
        let started = Instant::now();
        let mut committed = 0;
        while started.elapsed() < Duration::from_secs(10) {
            committed = commits_so_far(url).await - baseline;
            if committed >= target {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.kill9();
        report.panics += panics_in(&server.log_text());
        report.rounds.push((committed, commits));
        phones = Vec::new();
        for task in storm {
            phones.push(
                task.await
                    .map_err(|error| format!("a phone's task failed: {error}"))?,
            );
        }
        server = ServerProcess::start(url, port).await;
        // Before any phone syncs again (and could upload a lost change anew), the store must hold every change
        // acknowledged so far.
        verifier.try_sync(port, Duration::from_secs(120)).await?;
        report.acknowledged_heads = check_acknowledged(&phones, &verifier.docs)
            .map_err(|error| format!("after kill {}: {error}", round + 1))?;
        eprintln!(
            // The phones also send what an earlier kill left unacknowledged, so more than the round's own
            // commits may be stored before it.
            "kill {:>2}: {committed:>5} commits before it ({commits} new this round); {} acknowledged heads all stored",
            round + 1,
            report.acknowledged_heads
        );
    }
    for _ in 0..2 {
        for phone in &mut phones {
            phone.try_sync(port, Duration::from_secs(120)).await?;
        }
    }
    report.verified = Some(verify(port, &phones, &cases, &contacts).await?);
    report.stored_commits = commits_so_far(url).await;
    server.stop();
    report.panics += panics_in(&server.log_text());
    Ok(report)
}

/// How many panics a server's log reports (`telemetry.rs` logs each with its location).
pub fn panics_in(log: &str) -> usize {
    log.matches("panic.location").count()
}
