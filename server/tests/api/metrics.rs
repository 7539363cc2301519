//! `GET /metrics`: the process's figures for an operator's scraper, and for nobody else.

use axum::http::StatusCode;

use tests::metrics::Scrape;

use crate::helpers::{Backend, TestApp};
use crate::sync::{add_contact, new_case};

both_backends!(
    the_figures_are_read_only_with_the_scrape_token,
    without_a_configured_token_there_are_no_figures
);

const TOKEN: &str = "operator-scrape-token-0123456789";

async fn the_figures_are_read_only_with_the_scrape_token(backend: Backend) {
    let server = TestApp::builder(backend)
        .metrics_token(TOKEN)
        .build()
        .await
        .serve();
    let nowhere = server.call("GET", "/v1/no-such-route", "", None).await;
    for token in ["", "operator-scrape-token-0123456780", "an access token of anna"] {
        let refused = server.call("GET", "/metrics", token, None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(
            refused.body, nowhere.body,
            "looks like a route that does not exist"
        );
    }

    let team = server.team_of("hoeje-taastrup", "anna").await;
    let mut anna = server.device("hoeje-taastrup", "anna").await;
    let (id, doc) = new_case(&team, 1);
    anna.docs.insert(id, doc);
    let mut connection = anna.connect(server.port).await;
    anna.run_until(&mut connection, std::time::Duration::from_secs(20), |device| {
        device.settled()
    })
    .await;
    // Changed again, the case is loaded and held (a device's own new case is not kept once committed).
    add_contact(anna.docs.get_mut(&id).expect("doc"), 2);
    anna.edited(&mut connection, id).await;
    anna.run_until(&mut connection, std::time::Duration::from_secs(20), |device| {
        device.settled()
    })
    .await;

    let scrape = server.call("GET", "/metrics", TOKEN, None).await;
    assert_eq!(scrape.status, StatusCode::OK);
    let text = scrape.body.as_str().expect("text, not JSON");
    let figures = Scrape::parse(text);
    let sample = |name: &str| figures.value(name);
    assert_eq!(sample("tovholder_commits_total"), Some(2.0), "{text}");
    assert_eq!(sample("tovholder_commit_seconds_count"), Some(2.0));
    assert!(sample("tovholder_commit_seconds_sum").is_some_and(|s| s > 0.0));
    assert_eq!(sample("tovholder_commit_batch_documents_count"), Some(2.0));
    assert_eq!(sample(r#"tovholder_sync_connections{state="ready"}"#), Some(1.0));
    assert_eq!(sample(r#"tovholder_sync_connections{state="hello"}"#), Some(0.0));
    assert!(sample(r#"tovholder_sync_frames_total{direction="in"}"#).is_some_and(|n| n >= 2.0));
    assert!(sample(r#"tovholder_sync_frame_bytes_total{direction="out"}"#).is_some_and(|n| n > 0.0));
    assert!(sample("tovholder_documents_held").is_some_and(|n| n >= 1.0));
    assert!(sample("tovholder_hub_subscribers").is_some_and(|n| n >= 1.0));
    for pool in ["general", "sync_writers"] {
        assert!(
            sample(&format!(r#"tovholder_db_pool_max_connections{{pool="{pool}"}}"#))
                .is_some_and(|n| n >= 1.0),
            "{text}"
        );
    }
    assert!(sample(r#"tovholder_db_pool_connections{pool="sync_writers",state="busy"}"#).is_some());
    // Figures, never a case, a user or a device.
    assert!(!text.contains(&id.to_string()) && !text.contains("anna") && !text.contains(&team));
    drop(connection);
    server.stop().await;
}

async fn without_a_configured_token_there_are_no_figures(backend: Backend) {
    let server = TestApp::spawn(backend).await;
    let response = server.get("/metrics", Some(TOKEN)).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.error_code(), "not_found");
}
