//! The application over real TCP: serving, graceful shutdown, and a generated signing secret shared through the
//! database (a restart, or a second process on the same database, accepts earlier tokens).

use axum::http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};

both_backends!(
    serves_over_tcp_and_stops_gracefully,
    a_generated_secret_is_shared_through_the_database
);

async fn serves_over_tcp_and_stops_gracefully(backend: Backend) {
    let served = TestApp::builder(backend).without_demo().build().await.serve();
    let port = served.port;
    assert_ne!(port, 0, "port 0 was replaced by the bound port");

    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
    let request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");

    // Waits (bounded) for the graceful end and fails if serving ended in an error.
    served.stop().await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "the port is closed"
    );
}

async fn a_generated_secret_is_shared_through_the_database(backend: Backend) {
    let first = TestApp::builder(backend).generated_secret().build().await;
    let token = first.token_for("hoeje-taastrup", "anna").await;

    // A second application on the same database: a restart, or another process behind the load balancer.
    let second = TestApp::builder(backend)
        .generated_secret()
        .on_database(first.database_url())
        .build()
        .await;
    assert!(second.state().tokens.verify(&token).is_ok());
    assert_eq!(second.get("/v1/me", Some(&token)).await.status, StatusCode::OK);
}
