//! SIGKILL in the middle of an upload storm: every change the server acknowledged is still there after a
//! restart, and every device converges without duplicates or loss.

use std::time::Duration;

use automerge::ReadDoc;
use sync_core::DocumentId;
use tests::database::{Backend, TestDatabase, committed_changes, skip_postgres};
use tests::http::login;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

use crate::cases::{contact_count, new_case, team_of};

const DEVICES: usize = 12;
const CASES_PER_DEVICE: usize = 4;
const CONTACTS_PER_CASE: usize = 3;

#[tokio::test]
async fn sqlite_server_killed_mid_upload_loses_no_acknowledged_change() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    killed_mid_upload(&database.url).await;
    drop(database);
}

#[tokio::test]
async fn postgres_server_killed_mid_upload_loses_no_acknowledged_change() {
    if skip_postgres() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    killed_mid_upload(&database.url).await;
    drop(database);
}

async fn killed_mid_upload(url: &str) {
    let port = free_port();
    let mut server = ServerProcess::start(url, port).await;

    // Phones of anna and bo (one team, shared cases) download their caseload, then record new cases offline.
    let mut devices = Vec::new();
    for n in 0..DEVICES {
        let user = if n % 2 == 0 { "anna" } else { "bo" };
        let mut device = login(port, "hoeje-taastrup", user, DEMO_PASSWORD).await;
        device.sync(port).await;
        devices.push(device);
    }
    let team = team_of(&devices[0].docs);
    let mut created: Vec<Vec<DocumentId>> = Vec::new();
    for device in &mut devices {
        let mut mine = Vec::new();
        for _ in 0..CASES_PER_DEVICE {
            let (id, doc) = new_case(&team, CONTACTS_PER_CASE);
            device.docs.insert(id, doc);
            mine.push(id);
        }
        created.push(mine);
    }
    let baseline = committed_changes(url).await;

    // Every phone uploads at once; the server is killed once some, not all, commits are in.
    let storm: Vec<_> = devices
        .into_iter()
        .map(|mut device| {
            tokio::spawn(async move {
                let _ = device.try_sync(port, Duration::from_secs(30)).await;
                device
            })
        })
        .collect();
    let total = (DEVICES * CASES_PER_DEVICE * (CONTACTS_PER_CASE + 1)) as i64;
    let mut committed_at_kill = 0;
    for _ in 0..3000 {
        committed_at_kill = committed_changes(url).await - baseline;
        if committed_at_kill >= total / 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill9();
    let mut devices = Vec::new();
    for task in storm {
        devices.push(task.await.expect("device task"));
    }
    let acked_before: Vec<_> = devices.iter().map(|d| d.acked.clone()).collect();
    let acked_docs: usize = devices
        .iter()
        .zip(&created)
        .map(|(d, mine)| mine.iter().filter(|id| d.is_acked(id, &d.docs[id])).count())
        .sum();
    eprintln!(
        "killed after {committed_at_kill} of {total} changes committed; {acked_docs} of {} new cases acknowledged",
        DEVICES * CASES_PER_DEVICE
    );

    // Restart on the same database and port: every phone resumes and settles.
    let mut server = ServerProcess::start(url, port).await;
    for device in &mut devices {
        device.sync(port).await;
    }
    let mut verifier = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    verifier.sync(port).await;

    for (device, before) in devices.iter().zip(&acked_before) {
        for (id, heads) in before {
            let doc = verifier.docs.get(id).expect("an acknowledged case survived");
            for head in heads {
                assert!(
                    doc.get_change_by_hash(head).is_some(),
                    "acknowledged change {head} of {id} survived"
                );
            }
        }
        for (id, doc) in &device.docs {
            assert_eq!(
                verifier.docs[id].get_heads(),
                doc.get_heads(),
                "device and server agree on {id}"
            );
        }
    }
    for mine in &created {
        for id in mine {
            assert_eq!(
                contact_count(&verifier.docs[id]),
                CONTACTS_PER_CASE,
                "no contact lost or doubled in {id}"
            );
        }
    }
    server.stop();
}
