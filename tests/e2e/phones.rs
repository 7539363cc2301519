//! Real `tov` phones against a real `tovholder`: offline work that arrives exactly once through a network that
//! drops connections, and fifty phones that converge after the server is killed in the middle of their sync.

use std::time::Duration;

use sync_core::case::read_case;
use tests::database::{Backend, TestDatabase, commits_so_far};
use tests::http::login;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};
use tests::proxy::FlakyProxy;
use tests::tov::Phone;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_offline_contacts_arrive_exactly_once_through_a_dropping_network() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let mut server = ServerProcess::start(&database.url, free_port()).await;
    let proxy = FlakyProxy::start(server.port, 7, 2_500).await;
    let dir = std::env::temp_dir().join(format!("tov-e2e-{}", uuid::Uuid::new_v4().simple()));
    let phone = Phone::login(&dir, "anna", proxy.port, "hoeje-taastrup", "anna");
    phone.ok(&["sync"]);

    // Offline: a new case and twenty visits, each recorded by a fresh tov process (the app restarting).
    let case = phone.new_case("Synthetic Dropping", "e2e-drop");
    for n in 0..20 {
        let note = format!("visit {n:02}");
        phone.ok(&[
            "contact",
            "add",
            &case,
            "--kind",
            "home-visit",
            "--ors",
            "5.0,5.0,5.0,5.0",
            "--note",
            &note,
        ]);
    }

    // The network cuts the next connections at random points; the phone simply syncs again.
    proxy.arm(4);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let output = phone.run(&["sync", "--timeout", "10"]);
        if output.status.success() {
            break;
        }
        assert!(
            attempts < 30,
            "sync never succeeded: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let status = phone.ok(&["status"]);
    assert!(
        status.contains("(0 with changes not yet acknowledged)"),
        "{status}"
    );
    eprintln!(
        "synced after {attempts} attempts, {} connections cut",
        proxy.cuts.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(
        proxy.cuts.load(std::sync::atomic::Ordering::Relaxed) >= 2,
        "the network did cut connections"
    );

    // The server holds every visit exactly once.
    let mut verifier = login(server.port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    verifier.sync(server.port).await;
    let doc = verifier
        .docs
        .get(&case.parse().expect("a document id"))
        .expect("the case reached the server");
    let stored = read_case(doc).expect("a valid case");
    let mut notes: Vec<String> = stored
        .contacts
        .values()
        .map(|c| c.notes.as_str().to_owned())
        .collect();
    notes.sort();
    let expected: Vec<String> = (0..20).map(|n| format!("visit {n:02}")).collect();
    assert_eq!(notes, expected, "every visit once; tov status said:\n{status}");
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    drop(database);
}

const PHONES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_phones_converge_after_the_server_is_killed_mid_sync() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let port = free_port();
    let mut server = ServerProcess::start(&database.url, port).await;
    let dir = std::env::temp_dir().join(format!("tov-e2e-{}", uuid::Uuid::new_v4().simple()));

    // Fifty phones of anna and bo, each with a new case and two visits recorded offline.
    let mut phones = Vec::new();
    let mut cases = Vec::new();
    for n in 0..PHONES {
        let user = if n % 2 == 0 { "anna" } else { "bo" };
        let phone = Phone::login(&dir, &format!("phone-{n}"), port, "hoeje-taastrup", user);
        let case = phone.new_case(&format!("Synthetic Phone {n}"), &format!("e2e-phone-{n}"));
        for visit in 0..2 {
            let note = format!("phone {n} visit {visit}");
            phone.ok(&[
                "contact",
                "add",
                &case,
                "--kind",
                "phone",
                "--srs",
                "9.0,9.0,9.0,9.0",
                "--note",
                &note,
            ]);
        }
        phones.push(phone);
        cases.push(case);
    }

    // All fifty sync at once; the server is killed once some, not all, of their commits are in.
    let baseline = commits_so_far(&database.url).await;
    let profiles: Vec<_> = phones.iter().map(|p| p.profile.clone()).collect();
    let storm = std::thread::spawn(move || {
        let children: Vec<_> = profiles
            .iter()
            .map(|profile| {
                std::process::Command::new(tests::tov::tov_bin())
                    .args(["sync", "--timeout", "20"])
                    .env("TOV_PROFILE", profile)
                    // The store's key without the session copy in a RAM-backed directory, which not every machine
                    // has.
                    .env("TOV_PASSWORD", tests::process::DEMO_PASSWORD)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("tov starts")
            })
            .collect();
        children
            .into_iter()
            .map(|mut c| c.wait().map(|s| s.success()).unwrap_or(false))
            .collect::<Vec<_>>()
    });
    // Each phone's new case goes up whole, with its visits: one commit.
    let total = PHONES as i64;
    let mut committed_at_kill = 0;
    for _ in 0..3000 {
        committed_at_kill = commits_so_far(&database.url).await - baseline;
        if committed_at_kill >= total / 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill9();
    let finished = storm.join().expect("the storm ends");
    eprintln!(
        "killed after {committed_at_kill} of {total} commits stored; {} of {PHONES} phones had finished",
        finished.iter().filter(|ok| **ok).count()
    );

    // Restart; every phone syncs again until it has nothing pending.
    let mut server = ServerProcess::start(&database.url, port).await;
    for phone in &phones {
        phone.ok(&["sync", "--timeout", "30"]);
        let status = phone.ok(&["status"]);
        assert!(
            status.contains("(0 with changes not yet acknowledged)"),
            "{status}"
        );
    }

    // The server has every phone's case with exactly its two visits, and the phones agree with it.
    let mut verifier = login(port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    verifier.sync(port).await;
    for (n, case) in cases.iter().enumerate() {
        let doc = verifier
            .docs
            .get(&case.parse().expect("an id"))
            .expect("every phone's case arrived");
        let stored = read_case(doc).expect("valid");
        let mut notes: Vec<String> = stored
            .contacts
            .values()
            .map(|c| c.notes.as_str().to_owned())
            .collect();
        notes.sort();
        assert_eq!(
            notes,
            vec![format!("phone {n} visit 0"), format!("phone {n} visit 1")]
        );
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    drop(database);
}

/// What `tov status` says on a line starting with `label`.
fn status_line(phone: &Phone, label: &str) -> String {
    let status = phone.ok(&["status"]);
    status
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_obeys_unassignment_and_revocation() {
    use tests::http::request;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let mut server = ServerProcess::start(&database.url, free_port()).await;
    let dir = std::env::temp_dir().join(format!("tov-e2e-{}", uuid::Uuid::new_v4().simple()));
    let phone = Phone::login(&dir, "mads", server.port, "holstebro", "mads");
    phone.ok(&["sync"]);
    let before = status_line(&phone, "Documents:");

    // The lead takes one of mads's cases away: his phone purges it at its next sync.
    let lene = login(server.port, "holstebro", "lene", DEMO_PASSWORD).await;
    let mads = login(server.port, "holstebro", "mads", DEMO_PASSWORD).await;
    let mut probe = mads;
    probe.sync(server.port).await;
    let case = *probe.docs.keys().next().expect("mads holds cases");
    let (_, me) = request(server.port, "GET", "/v1/me", Some(&probe.token), None)
        .await
        .expect("me");
    let mads_id = me["user"]["id"].as_str().expect("an id").to_owned();
    let path = format!("/v1/cases/{case}/assignees/{mads_id}");
    let (status, _) = request(server.port, "DELETE", &path, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 204);
    phone.ok(&["sync"]);
    phone.ok(&["sync"]);
    let after = status_line(&phone, "Documents:");
    assert_ne!(before, after, "the case left the phone: {before} → {after}");
    let shown = phone.run(&["case", &case.to_string(), "--purpose", "visit"]);
    assert!(!shown.status.success(), "the purged case is gone from the phone");

    // The lead revokes the phone: its next sync is refused with exit code 3.
    let device = status_line(&phone, "Device:");
    let device_id = device
        .rsplit('(')
        .next()
        .and_then(|s| s.strip_suffix(')'))
        .expect("a device id")
        .to_owned();
    let revoke = format!("/v1/devices/{device_id}/revoke");
    let (status, body) = request(server.port, "POST", &revoke, Some(&lene.token), None)
        .await
        .expect("answers");
    assert_eq!(status, 200, "{body}");
    let refused = phone.run(&["sync"]);
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // A revoked phone (lost, stolen) deletes the citizens' cases it held, and its login.
    assert!(!dir.join("store.db").exists(), "the store is wiped");
    assert!(
        !dir.join("token").exists() && !dir.join("refresh").exists(),
        "the tokens are gone"
    );
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    drop(database);
}
