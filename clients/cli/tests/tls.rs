//! tov over TLS: login and sync through a TLS-terminating proxy whose CA is the test's own (`--ca-cert`,
//! `TOV_CA_CERT`); a certificate no trusted CA signed is refused with a message that says what to do; and plain
//! http:// to another machine is refused as bad input before anything is sent.

mod common;

use std::time::{Duration, Instant};

use common::tls::TlsProxy;
use common::{TEAM_CASES, TENANT, login_as, shown, start_server, tov, tov_with};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_sync_run_over_https_and_wss_trusting_an_extra_ca() {
    let server = start_server().await;
    let proxy = TlsProxy::start(&server).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = proxy.ca_pem.to_str().expect("a UTF-8 path");

    let login = tov(
        dir.path(),
        &[
            "--ca-cert",
            ca,
            "login",
            "--server",
            &proxy.url,
            "--tenant",
            TENANT,
            "--user",
            "anna",
        ],
    )
    .await;
    assert!(login.status.success(), "{}", shown(&login));
    assert!(
        String::from_utf8_lossy(&login.stdout).contains(&format!("on {}", proxy.url)),
        "{}",
        shown(&login)
    );

    // The sync's WebSocket goes through the proxy too (wss://), trusting the CA named in the environment.
    let synced = tov_with(dir.path(), &["sync"], &[("TOV_CA_CERT", ca)]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    assert!(
        String::from_utf8_lossy(&synced.stdout)
            .contains(&format!("{TEAM_CASES} document(s) received ({TEAM_CASES} new)")),
        "{}",
        shown(&synced)
    );

    // Without the CA the same sync is refused at the TLS handshake, saying why and what to do.
    let refused = tov(dir.path(), &["sync"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", shown(&refused));
    assert!(
        stderr(&refused).contains("certificate is not trusted") && stderr(&refused).contains("--ca-cert"),
        "{}",
        shown(&refused)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_no_trusted_ca_signed_is_refused_with_a_clear_message() {
    let server = start_server().await;
    let proxy = TlsProxy::start(&server).await;
    let stranger = TlsProxy::start(&server).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let login = [
        "login", "--server", &proxy.url, "--tenant", TENANT, "--user", "anna",
    ];

    let public_roots_only = tov(dir.path(), &login).await;
    assert_eq!(
        public_roots_only.status.code(),
        Some(1),
        "{}",
        shown(&public_roots_only)
    );
    assert!(
        stderr(&public_roots_only).contains(
            "the server's TLS certificate is not trusted: it is not signed by a CA tov trusts. If your \
             municipality uses its own CA, give its certificate with --ca-cert PATH"
        ),
        "{}",
        shown(&public_roots_only)
    );

    // Another CA, even one of the same name, does not stand in for the one that signed the certificate.
    let other_ca = stranger.ca_pem.to_str().expect("a UTF-8 path");
    let wrong_ca = tov_with(dir.path(), &login, &[("TOV_CA_CERT", other_ca)]).await;
    assert_eq!(wrong_ca.status.code(), Some(1), "{}", shown(&wrong_ca));
    assert!(
        stderr(&wrong_ca).contains("certificate is not trusted: its signature does not verify"),
        "{}",
        shown(&wrong_ca)
    );

    assert!(
        !dir.path().join("profile.json").exists() && !dir.path().join("token").exists(),
        "a refused login records nothing"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_is_refused_with_exit_code_2_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 192.0.2.1 is TEST-NET-1: nothing answers there, so a connection attempt would hang until its timeout.
    for server in ["http://192.0.2.1:8080", "http://tovholder.kommune.dk"] {
        let started = Instant::now();
        let refused = tov(
            dir.path(),
            &["login", "--server", server, "--tenant", TENANT, "--user", "anna"],
        )
        .await;
        assert_eq!(refused.status.code(), Some(2), "{}", shown(&refused));
        assert!(
            stderr(&refused).contains("refusing plain http://") && stderr(&refused).contains("Use https://"),
            "{}",
            shown(&refused)
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "refused without connecting"
        );
    }
    assert!(!dir.path().join("profile.json").exists(), "nothing recorded");

    // A profile that names such a server (an older tov spoke plain HTTP anywhere) is refused at the sync too.
    let server = start_server().await;
    login_as(&server, "anna", dir.path()).await;
    let settings = dir.path().join("profile.json");
    let json = std::fs::read_to_string(&settings).expect("settings");
    std::fs::write(&settings, json.replace(&server.url(), "http://192.0.2.1:8080")).expect("writes");
    let refused = tov(dir.path(), &["sync"]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", shown(&refused));
    assert!(
        stderr(&refused).contains("refusing plain http:// to 192.0.2.1"),
        "{}",
        shown(&refused)
    );

    // So is a --ca-cert that cannot be read.
    let missing = dir.path().join("missing-ca.pem");
    let unreadable = tov(
        dir.path(),
        &["--ca-cert", missing.to_str().expect("UTF-8"), "sync"],
    )
    .await;
    assert_eq!(unreadable.status.code(), Some(2), "{}", shown(&unreadable));
    assert!(
        stderr(&unreadable).contains("cannot read the CA certificate"),
        "{}",
        shown(&unreadable)
    );
    server.stop().await;
}
