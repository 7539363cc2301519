//! A minimal HTTP/1.1 JSON client over TCP: tests make a handful of JSON calls and need no HTTP client crate.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::device::Device;

/// POSTs `body` as JSON to `127.0.0.1:port` and returns the status and the parsed JSON answer.
pub async fn post_json(
    port: u16,
    path: &str,
    body: &serde_json::Value,
) -> Result<(u16, serde_json::Value), String> {
    request(port, "POST", path, None, Some(body)).await
}

/// Sends `method path` with an optional bearer token and JSON body; returns the status and the JSON answer
/// (`null` for an empty body).
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    let (status, text) = request_text(port, method, path, token, body).await?;
    let value = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).map_err(|_| format!("not JSON: {text}"))?
    };
    Ok((status, value))
}

/// Like [`request`], with the answer's body as text (e.g. `GET /metrics`).
pub async fn request_text(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<(u16, String), String> {
    let body = body.map(ToString::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    let (head, text) = response.split_once("\r\n\r\n").ok_or("no body")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, text.to_owned()))
}

/// Logs a user in on a new device and returns it, ready to sync.
pub async fn login(port: u16, tenant: &str, username: &str, password: &str) -> Device {
    let body = serde_json::json!({
        "tenant": tenant, "username": username, "password": password, "device": "test phone"
    });
    let (status, answer) = post_json(port, "/v1/auth/login", &body)
        .await
        .expect("login answers");
    assert_eq!(status, 200, "login of {username}: {answer}");
    let mut device = Device::new(
        tenant,
        answer["device_id"].as_str().expect("a device id"),
        answer["access_token"].as_str().expect("an access token"),
    );
    device.refresh_token = answer["refresh_token"].as_str().map(str::to_owned);
    device
}

/// Exchanges the device's refresh token for a new access token (and a new refresh token), as a phone does before
/// its access token expires.
pub async fn refresh(port: u16, device: &mut Device) -> Result<(), String> {
    let refresh_token = device
        .refresh_token
        .clone()
        .ok_or("the device has no refresh token")?;
    let body = serde_json::json!({ "refresh_token": refresh_token });
    let (status, answer) = post_json(port, "/v1/auth/refresh", &body).await?;
    if status != 200 {
        return Err(format!("refresh answered {status}: {answer}"));
    }
    let field = |name: &str| {
        answer[name]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("no {name}"))
    };
    device.token = field("access_token")?;
    device.refresh_token = Some(field("refresh_token")?);
    Ok(())
}

/// `count` new devices of the demo tenant's team, logged in alternately as anna and bo (who share their cases),
/// each synced once: the phones of the fault runs.
pub async fn team_devices(port: u16, count: usize) -> Result<Vec<Device>, String> {
    let mut devices = Vec::with_capacity(count);
    for n in 0..count {
        let user = if n % 2 == 0 { "anna" } else { "bo" };
        let mut device = login(port, crate::cases::TENANT, user, crate::DEMO_PASSWORD).await;
        device.try_sync(port, std::time::Duration::from_secs(60)).await?;
        devices.push(device);
    }
    Ok(devices)
}
