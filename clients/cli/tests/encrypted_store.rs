//! The store encrypted at rest, with the real `tov` binary: no citizen text in the profile's files after an edit;
//! a locked store opens only with the password; a password changed on the server keeps the unsent work once the
//! previous password is given; and a plaintext profile of an older tov is encrypted at the next login, its pending
//! case reaching the server.

mod common;

use std::path::{Path, PathBuf};

use cli::edits::{ContactInput, CourseChoice, NewCase, add_contact, create_case};
use cli::store::encode_heads;
use cli::time::now_ms;
use cli::{Device, Profile};
use common::{
    PASSWORD, TEAM_CASES, TENANT, login_as, shown, start_server, stdout, sync, tov, tov_with,
    tov_without_password,
};
use secrecy::SecretString;
use sync_core::DocumentId;
use sync_core::fit::RaterKind;

const NOTE: &str = "Borgeren fortalte om sin søster Mette";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir` whose raw bytes hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(next) = todo.pop() {
        for entry in std::fs::read_dir(&next).expect("lists").flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(path);
            }
        }
    }
    found
}

/// The first case of the store and its citizen's name.
async fn first_case(dir: &Path) -> (DocumentId, String) {
    let device = Device::open(Profile::open(dir).expect("profile"))
        .await
        .expect("unlocked by the login");
    let id = device.store().documents().await.expect("lists")[0].id;
    let name = device
        .read_case(&id)
        .await
        .expect("reads")
        .case
        .citizen
        .display_name;
    device.close().await;
    (id, name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_leaves_no_citizen_text_in_the_profile_and_a_locked_store_needs_the_password() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    sync(&login_as(&server, "anna", dir.path()).await).await;
    let (case, name) = first_case(dir.path()).await;
    let prefix = &case.to_string()[..8];
    let added = tov(
        dir.path(),
        &["contact", "add", prefix, "--kind", "phone", "--note", NOTE],
    )
    .await;
    assert!(added.status.success(), "{}", shown(&added));
    let cases = tov(dir.path(), &["cases"]).await;
    assert!(stdout(&cases).contains(&name), "{}", shown(&cases));

    for text in [NOTE, "søster Mette", name.as_str()] {
        assert_eq!(
            files_holding(dir.path(), text),
            Vec::<PathBuf>::new(),
            "{text:?} is on disk"
        );
    }

    let locked = tov(dir.path(), &["lock"]).await;
    assert!(locked.status.success(), "{}", shown(&locked));
    let refused = tov_without_password(dir.path(), &["cases"]).await;
    assert_eq!(refused.status.code(), Some(4), "{}", shown(&refused));
    assert!(stderr(&refused).contains("`tov unlock`"), "{}", shown(&refused));
    assert!(!stdout(&refused).contains(&name), "{}", shown(&refused));
    // What is counted in the clear is still shown.
    let status = tov_without_password(dir.path(), &["status"]).await;
    assert!(status.status.success(), "{}", shown(&status));
    assert!(
        stdout(&status).contains("Store:     locked")
            && stdout(&status).contains(&format!("Documents: {TEAM_CASES} (1 with changes")),
        "{}",
        shown(&status)
    );

    let wrong = tov_with(dir.path(), &["unlock"], &[("TOV_PASSWORD", "not the password")]).await;
    assert_eq!(wrong.status.code(), Some(3), "{}", shown(&wrong));
    let unlocked = tov(dir.path(), &["unlock"]).await;
    assert!(unlocked.status.success(), "{}", shown(&unlocked));
    assert!(
        stdout(&unlocked).contains("unlocked until"),
        "{}",
        shown(&unlocked)
    );
    let cases = tov_without_password(dir.path(), &["cases"]).await;
    assert!(
        stdout(&cases).contains(&name),
        "the session holds the key: {}",
        shown(&cases)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_changed_on_the_server_keeps_unsent_work_once_the_previous_password_is_given() {
    const NEW: &str = "a-new-password-for-anna";
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let (case, _) = first_case(dir.path()).await;
    let prefix = &case.to_string()[..8];
    let added = tov(
        dir.path(),
        &["contact", "add", prefix, "--kind", "phone", "--note", NOTE],
    )
    .await;
    assert!(added.status.success(), "{}", shown(&added));
    let contact = stdout(&added)
        .split_whitespace()
        .nth(2)
        .expect("Recorded contact ID …")
        .to_owned();

    // An administrator sets a new password; the phone has not synced its contact yet.
    let user_id = profile.logged_in().expect("logged in").user_id.clone();
    let hash = server::auth::password::hash_blocking(SecretString::from(NEW))
        .await
        .expect("hashes");
    server
        .state
        .store
        .set_password_hash(&user_id.parse().expect("a user id"), &hash)
        .await
        .expect("store");
    let login = [
        "login",
        "--server",
        &server.url(),
        "--tenant",
        TENANT,
        "--user",
        "anna",
    ];
    let new_password = ("TOV_PASSWORD", NEW);

    let asked = tov_with(dir.path(), &login, &[new_password]).await;
    assert_eq!(asked.status.code(), Some(4), "{}", shown(&asked));
    assert!(
        stderr(&asked).contains(&format!("holds {TEAM_CASES} case(s), 1 with unsent changes"))
            && stderr(&asked).contains("previous password"),
        "{}",
        shown(&asked)
    );
    let mistaken = tov_with(
        dir.path(),
        &login,
        &[new_password, ("TOV_PREVIOUS_PASSWORD", "not it either")],
    )
    .await;
    assert_eq!(mistaken.status.code(), Some(4), "{}", shown(&mistaken));
    assert!(
        stderr(&mistaken).contains("does not open the store either"),
        "{}",
        shown(&mistaken)
    );

    let kept = tov_with(
        dir.path(),
        &login,
        &[new_password, ("TOV_PREVIOUS_PASSWORD", PASSWORD)],
    )
    .await;
    assert!(kept.status.success(), "{}", shown(&kept));
    let synced = tov_with(dir.path(), &["sync"], &[new_password]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    assert!(
        stdout(&synced).contains("1 upload(s) acknowledged"),
        "{}",
        shown(&synced)
    );
    let rows = server.state.store.projection_rows(&case).await.expect("store");
    assert!(
        rows.contacts
            .iter()
            .any(|c| c.contact_id.starts_with(&contact) && c.has_notes),
        "the unsent contact reached the server"
    );

    // From now on the store opens with the new password only.
    assert!(tov(dir.path(), &["lock"]).await.status.success());
    let old = tov(dir.path(), &["unlock"]).await;
    assert_eq!(old.status.code(), Some(3), "{}", shown(&old));
    let new = tov_with(dir.path(), &["unlock"], &[new_password]).await;
    assert!(new.status.success(), "{}", shown(&new));
    server.stop().await;
}

/// Writes the store of an older tov at `path`: its one migration, a pending document in plaintext.
async fn plaintext_store(path: &Path, id: &DocumentId, bytes: &[u8], heads: &[automerge::ChangeHash]) {
    let migrations = path.with_file_name("migrations-of-an-older-tov");
    std::fs::create_dir(&migrations).expect("creates");
    std::fs::write(
        migrations.join("0001_local_store.sql"),
        include_str!("../migrations/0001_local_store.sql"),
    )
    .expect("writes");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("opens");
    sqlx::migrate::Migrator::new(migrations.as_path())
        .await
        .expect("reads")
        .run(&pool)
        .await
        .expect("migrates");
    sqlx::query("INSERT INTO documents (doc_id, heads, chunks, updated_ms) VALUES (?, ?, 1, 1)")
        .bind(id.to_string())
        .bind(encode_heads(heads))
        .execute(&pool)
        .await
        .expect("inserts");
    sqlx::query("INSERT INTO document_chunks (doc_id, seq, bytes) VALUES (?, 0, ?)")
        .bind(id.to_string())
        .bind(bytes)
        .execute(&pool)
        .await
        .expect("inserts");
    pool.close().await;
    std::fs::remove_dir_all(&migrations).expect("removes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_profile_of_an_older_tov_is_encrypted_at_the_next_login_keeping_its_pending_case() {
    let server = start_server().await;
    // The case an older tov recorded offline, made here through the library on a scratch profile.
    let scratch = tempfile::tempdir().expect("temp dir");
    let scratch_profile = login_as(&server, "anna", scratch.path()).await;
    let device = Device::open(scratch_profile).await.expect("store");
    let new = NewCase {
        name: "Gammel Borger".into(),
        reference: "G-1".into(),
        birth_year: None,
    };
    let case = create_case(&device, new, now_ms()).await.expect("created");
    let contact = ContactInput {
        kind: "home_visit".into(),
        start_ms: now_ms(),
        duration_minutes: 45,
        notes: NOTE.into(),
        ors: Some("5.0,5.5,6.0,5.5".into()),
        srs: Some("9.0,9.2,9.4,9.1".into()),
        rater: RaterKind::Citizen,
        goals: Vec::new(),
        course: CourseChoice::None,
    };
    let contact = add_contact(&device, &case, contact, now_ms())
        .await
        .expect("recorded");
    let bytes = device
        .store()
        .load_bytes(&case)
        .await
        .expect("reads")
        .expect("present");
    let doc = automerge::Automerge::load(&bytes).expect("loads");
    device.close().await;

    // The older tov's profile: its settings, its tokens and its store in the clear, no key.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        scratch.path().join("profile.json"),
        dir.path().join("profile.json"),
    )
    .expect("copies");
    std::fs::write(dir.path().join("token"), "an-old-plaintext-token").expect("writes");
    std::fs::write(dir.path().join("refresh"), "an-old-plaintext-refresh").expect("writes");
    // An older tov kept a new case's save uncompressed, the citizen's name readable in it.
    let uncompressed = doc.save_nocompress();
    plaintext_store(
        &dir.path().join("store.db"),
        &case,
        &uncompressed,
        &doc.get_heads(),
    )
    .await;
    assert!(
        !files_holding(dir.path(), "Gammel Borger").is_empty(),
        "the older store is plaintext"
    );

    let refused = tov(dir.path(), &["cases"]).await;
    assert_eq!(refused.status.code(), Some(4), "{}", shown(&refused));
    assert!(
        stderr(&refused).contains("run `tov login` to encrypt it"),
        "{}",
        shown(&refused)
    );

    let login = tov(
        dir.path(),
        &[
            "login",
            "--server",
            &server.url(),
            "--tenant",
            TENANT,
            "--user",
            "anna",
        ],
    )
    .await;
    assert!(login.status.success(), "{}", shown(&login));
    for text in ["Gammel Borger", "søster Mette", "an-old-plaintext"] {
        assert_eq!(
            files_holding(dir.path(), text),
            Vec::<PathBuf>::new(),
            "{text:?} is on disk"
        );
    }
    let status = tov(dir.path(), &["status"]).await;
    assert!(
        stdout(&status).contains("1 with changes not yet acknowledged"),
        "{}",
        shown(&status)
    );

    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    assert!(
        stdout(&synced).contains("1 upload(s) acknowledged"),
        "{}",
        shown(&synced)
    );
    let rows = server.state.store.projection_rows(&case).await.expect("store");
    assert!(
        rows.contacts.iter().any(|c| c.contact_id == contact),
        "the pending case reached the server with its contact"
    );
    let device = Device::open(Profile::open(dir.path()).expect("profile"))
        .await
        .expect("store");
    assert!(device.store().pending().await.expect("lists").is_empty());
    let stored = device.read_case(&case).await.expect("reads");
    assert_eq!(stored.case.citizen.display_name, "Gammel Borger");
    device.close().await;
    server.stop().await;
}
