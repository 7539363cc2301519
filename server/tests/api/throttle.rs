//! The routes open without a token are throttled per address (issue 11, point 3): over real TCP, so the peer
//! address is the one the server sees in production.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};

both_backends!(the_public_routes_take_a_minutes_allowance_per_address_then_429_with_retry_after);

/// Sends `request` raw and returns the whole response, head and body.
async fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    response
}

fn login_request(username: &str) -> String {
    let body = serde_json::json!({
        "tenant": "hoeje-taastrup", "username": username, "password": "wrong", "device": "d"
    })
    .to_string();
    format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

async fn the_public_routes_take_a_minutes_allowance_per_address_then_429_with_retry_after(backend: Backend) {
    let served = TestApp::builder(backend).throttled(3).build().await.serve();
    for attempt in 0..3 {
        let response = raw(served.port, &login_request(&format!("nobody-{attempt}"))).await;
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    }
    // The fourth public request within the minute, whichever public route: refused before any work is done.
    let response = raw(served.port, &login_request("nobody-3")).await;
    assert!(response.starts_with("HTTP/1.1 429"), "{response}");
    assert!(response.contains(r#""code":"rate_limited""#), "{response}");
    let retry_after: u64 = response
        .lines()
        .find_map(|line| line.strip_prefix("retry-after: "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("a Retry-After header: {response}"));
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let checkin = "GET /v1/checkin/some-token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert!(raw(served.port, checkin).await.starts_with("HTTP/1.1 429"));

    // The rest of the API is not throttled: health, and a route that needs a token, answer as ever.
    let health = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert!(raw(served.port, health).await.starts_with("HTTP/1.1 200"));
    let me = "GET /v1/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert!(raw(served.port, me).await.starts_with("HTTP/1.1 401"));
    served.stop().await;
}
