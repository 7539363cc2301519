//! The web app's files are served at `/` beside the API, and unknown paths still answer in the API's error shape.

use axum::http::StatusCode;

use crate::helpers::{Backend, TestApp};

both_backends!(the_web_app_is_served_beside_the_api);

async fn the_web_app_is_served_beside_the_api(backend: Backend) {
    let dir = tempfile::tempdir().expect("a dir");
    std::fs::write(dir.path().join("index.html"), "<title>Tovholder</title>").expect("write");
    std::fs::write(dir.path().join("checkin.html"), "<title>Check-in</title>").expect("write");
    std::fs::create_dir(dir.path().join("assets")).expect("mkdir");
    std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").expect("write");
    let app = TestApp::builder(backend)
        .without_demo()
        .web_dir(dir.path())
        .build()
        .await;

    let index = app.get("/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(
        index.body.as_str().is_some_and(|b| b.contains("Tovholder")),
        "{:?}",
        index.body
    );
    let checkin = app.get("/checkin", None).await;
    assert!(
        checkin.body.as_str().is_some_and(|b| b.contains("Check-in")),
        "{:?}",
        checkin.body
    );
    assert_eq!(app.get("/assets/app.js", None).await.status, StatusCode::OK);

    // The API and its error shape are untouched.
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let unknown_api = app.get("/v1/no-such-thing", None).await;
    assert_eq!(
        (unknown_api.status, unknown_api.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let unknown_file = app.get("/no-such-file.js", None).await;
    assert_eq!(
        (unknown_file.status, unknown_file.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}
