//! The server's HTTP API as the device uses it: password login (which registers this device), refreshing the
//! tokens, and `/v1/me`; and [`Endpoint`], the server's checked URL with the TLS trust to reach it, which the sync
//! connection uses too.
//!
//! `https://` to any server (TLS through [`crate::tls`]); plain `http://` only to this machine (localhost,
//! 127.0.0.0/8, ::1), where nothing crosses a network: the password, the tokens and the case documents must never
//! travel unencrypted. Errors carry the server's own message from its one error shape,
//! `{"error":{"code","message"}}`, which is safe to show.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::tls::{TlsError, Trust, certificate_problem};

/// How long a request may take before the device gives up (a phone on a weak signal).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error: wrong password, blocked user, revoked device, …
    #[error("the server refused: {message} ({code})")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
    /// The server's certificate was refused: the message says why and what to do.
    #[error("{0}")]
    Untrusted(String),
    #[error("{url:?} is not a server URL: {reason}")]
    BadUrl { url: String, reason: String },
    /// Plain HTTP to another machine: the password, tokens and case data would cross the network in clear.
    #[error(
        "refusing plain http:// to {0}: the password, tokens and case data would cross the network \
         unencrypted. Use https:// (plain http:// only to this machine: localhost, 127.0.0.1, ::1)"
    )]
    Insecure(String),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl ApiError {
    /// Whether the user's input (the server URL, the `--ca-cert` file) was at fault: nothing was sent.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::BadUrl { .. } | Self::Insecure(_) => true,
            Self::Tls(error) => error.is_bad_input(),
            _ => false,
        }
    }
}

/// A user as the server shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: String,
    /// The tenant id.
    pub tenant: String,
    pub tenant_slug: String,
    pub team_id: Option<String>,
}

/// The answer to a login. The token stays a secret: its `Debug` output is redacted.
#[derive(Debug, Deserialize)]
pub struct LoginAnswer {
    pub access_token: SecretString,
    pub expires_in: u64,
    /// Exchanged once for new tokens (`POST /v1/auth/refresh`); valid for the maximum offline period.
    pub refresh_token: SecretString,
    /// Seconds the refresh token lasts: the maximum offline period (absent from servers that do not say).
    #[serde(default)]
    pub refresh_expires_in: Option<u64>,
    pub device_id: String,
    pub user: UserView,
}

/// The answer to a refresh: new tokens for the same device; the refresh token presented is used up.
#[derive(Debug, Deserialize)]
pub struct RefreshAnswer {
    pub access_token: SecretString,
    pub expires_in: u64,
    pub refresh_token: SecretString,
    #[serde(default)]
    pub refresh_expires_in: Option<u64>,
}

/// The answer of `/v1/me`.
#[derive(Debug, Clone, Deserialize)]
pub struct MeAnswer {
    pub user: UserView,
    pub device_id: String,
}

/// The answer of `POST /v1/access/opens`: openings logged, and those naming no case the user may see now.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct OpensAnswer {
    pub logged: usize,
    pub skipped: usize,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// A server to talk to: its base URL, checked by [`base_url`], and the certificates to trust on the way.
#[derive(Debug, Clone)]
pub struct Endpoint {
    base: String,
    tls: bool,
    trust: Trust,
}

impl Endpoint {
    pub fn new(server: &str, trust: Trust) -> Result<Endpoint, ApiError> {
        let base = base_url(server)?;
        Ok(Endpoint {
            tls: base.starts_with("https://"),
            base,
            trust,
        })
    }

    /// The base URL without a trailing slash, as the profile records it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether the connection is TLS (`https://`, `wss://`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// The sync WebSocket's URL for a device of `tenant_slug`: `http(s)://host:port` →
    /// `ws(s)://host:port/v1/sync?tenant=<slug>` (the hint a load balancer routes on).
    pub fn sync_url(&self, tenant_slug: &str) -> String {
        let rest = self.base.trim_start_matches("https").trim_start_matches("http");
        format!(
            "ws{}{rest}{}",
            if self.tls { "s" } else { "" },
            sync_core::protocol::sync_path(tenant_slug)
        )
    }

    /// One request: `body` as JSON, `token` as the bearer token; the status and the whole answer, within
    /// [`REQUEST_TIMEOUT`]. Redirects are not followed (one could lead from https:// to plain http:// elsewhere,
    /// and the server has no reason to send one).
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&SecretString>,
        body: Option<serde_json::Value>,
    ) -> Result<(StatusCode, Bytes), ApiError> {
        let builder = HttpsConnectorBuilder::new().with_tls_config(self.trust.client_config()?);
        // An https:// endpoint refuses to speak plain HTTP, whatever URL it is handed.
        let builder = if self.tls {
            builder.https_only()
        } else {
            builder.https_or_http()
        };
        let client = Client::builder(TokioExecutor::new()).build(builder.enable_http1().build());
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(USER_AGENT, crate::CLIENT_NAME);
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| ApiError::Unexpected("the stored token is damaged".to_owned()))?;
            // Kept out of any Debug output of the request.
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let body = match body {
            Some(json) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(json.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request
            .body(body)
            .map_err(|e| ApiError::Unexpected(e.to_string()))?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| unreachable(&e))?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| unreachable(&e))?
                .to_bytes();
            Ok((status, bytes))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| ApiError::Unreachable(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())))?
    }
}

/// `server` normalised (lower-case scheme and host, no trailing slash), checked to be `https://`, or `http://` to
/// a loopback address.
pub fn base_url(server: &str) -> Result<String, ApiError> {
    let text = server.trim();
    let bad = |reason: &str| ApiError::BadUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad(
            "give only scheme, host, port and path (no user, query or fragment)",
        ));
    }
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => return Err(ApiError::Insecure(host.to_owned())),
        _ => return Err(bad("use https://server (or http:// to this machine)")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether `host` (as the parsed URL writes it: IPv6 in brackets) is this machine: `localhost`, 127.0.0.0/8, ::1
/// (also written as an IPv4-mapped address). Any other name is not, even one that resolves to a loopback address
/// today: what it resolves to can change.
fn is_loopback(host: &str) -> bool {
    let address = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().as_ref().is_some_and(Ipv4Addr::is_loopback)
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// A transport error with its causes: the outermost message says little ("client error (Connect)"), the causes say
/// why ("connection refused"). A refused certificate gets its own message, which says what to do about it.
fn unreachable(error: &(dyn std::error::Error + 'static)) -> ApiError {
    if let Some(problem) = certificate_problem(error) {
        return ApiError::Untrusted(problem);
    }
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    ApiError::Unreachable(text)
}

fn answer<T: for<'de> Deserialize<'de>>((status, bytes): (StatusCode, Bytes)) -> Result<T, ApiError> {
    if !status.is_success() {
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|body| body.error)
            .unwrap_or(ErrorDetail {
                code: "unknown".to_owned(),
                message: format!("HTTP {status}"),
            });
        return Err(ApiError::Refused {
            status: status.as_u16(),
            code: detail.code,
            message: detail.message,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `POST /v1/auth/login`: registers a device named `device` (or continues `device_id`, this profile's device from
/// an earlier login, if the server still allows it) and returns its tokens.
pub async fn login(
    server: &Endpoint,
    tenant: &str,
    username: &str,
    password: &SecretString,
    device: &str,
    device_id: Option<&str>,
) -> Result<LoginAnswer, ApiError> {
    let body = serde_json::json!({
        "tenant": tenant,
        "username": username,
        "password": password.expose_secret(),
        "device": device,
        "device_id": device_id,
    });
    answer(
        server
            .send(Method::POST, "/v1/auth/login", None, Some(body))
            .await?,
    )
}

/// `POST /v1/auth/refresh`: exchanges the refresh token (once) for a new access token and refresh token.
pub async fn refresh(server: &Endpoint, refresh_token: &SecretString) -> Result<RefreshAnswer, ApiError> {
    let body = serde_json::json!({ "refresh_token": refresh_token.expose_secret() });
    answer(
        server
            .send(Method::POST, "/v1/auth/refresh", None, Some(body))
            .await?,
    )
}

/// `GET /v1/me`: who the token belongs to, as the database knows them now.
pub async fn me(server: &Endpoint, token: &SecretString) -> Result<MeAnswer, ApiError> {
    answer(server.send(Method::GET, "/v1/me", Some(token), None).await?)
}

/// `POST /v1/access/opens`: why the worker opened these cases (case id, purpose code, device time in ms); at most
/// [`MAX_OPENS`] at once.
pub async fn log_opens(
    server: &Endpoint,
    token: &SecretString,
    opens: &[(String, String, i64)],
) -> Result<OpensAnswer, ApiError> {
    let opens: Vec<_> = opens
        .iter()
        .map(|(case_id, purpose, at_ms)| {
            serde_json::json!({ "case_id": case_id, "purpose": purpose, "at_ms": at_ms })
        })
        .collect();
    let body = serde_json::json!({ "opens": opens });
    answer(
        server
            .send(Method::POST, "/v1/access/opens", Some(token), Some(body))
            .await?,
    )
}

/// The answer of `GET /v1/fit-rules`: the municipality's FIT rule set, whole.
#[derive(Debug, Clone, Deserialize)]
pub struct FitRulesAnswer {
    pub version: String,
    pub rules: serde_json::Value,
}

/// `GET /v1/fit-rules`: the FIT rule set the municipality assesses with now.
pub async fn fit_rules(server: &Endpoint, token: &SecretString) -> Result<FitRulesAnswer, ApiError> {
    answer(
        server
            .send(Method::GET, "/v1/fit-rules", Some(token), None)
            .await?,
    )
}

/// A colleague of the user's team, as `GET /v1/team` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct TeamMember {
    pub id: String,
    pub username: String,
    pub role: String,
}

/// The answer of `GET /v1/team`.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamAnswer {
    pub members: Vec<TeamMember>,
}

/// `GET /v1/team`: the user's own team, who may be put on its cases.
pub async fn team(server: &Endpoint, token: &SecretString) -> Result<TeamAnswer, ApiError> {
    answer(server.send(Method::GET, "/v1/team", Some(token), None).await?)
}

/// The most openings `POST /v1/access/opens` takes at once.
pub const MAX_OPENS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn insecure(url: &str) -> bool {
        matches!(base_url(url), Err(ApiError::Insecure(_)))
    }

    #[test]
    fn plain_http_is_allowed_only_to_loopback_addresses() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://127.10.0.2:8080",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:8080",
        ] {
            assert!(base_url(url).is_ok(), "{url}");
        }
        for url in [
            "http://10.0.0.1:8080",
            "http://192.168.1.10",
            "http://tovholder.kommune.dk",
            "http://localhost.kommune.dk",
            "http://127.0.0.1.nip.io",
            "http://[::2]:8080",
            "http://0.0.0.0:8080",
        ] {
            assert!(insecure(url), "{url}");
        }
    }

    #[test]
    fn https_is_allowed_anywhere_and_other_urls_are_bad_input() {
        assert_eq!(
            base_url(" HTTPS://Tovholder.Kommune.dk/ ").ok().as_deref(),
            Some("https://tovholder.kommune.dk")
        );
        for url in [
            "ws://127.0.0.1:8080",
            "tovholder.kommune.dk",
            "https://anna:pw@server",
            "",
        ] {
            let error = base_url(url).expect_err(url);
            assert!(error.is_bad_input(), "{url}: {error}");
        }
        assert!(ApiError::Insecure("example.org".into()).is_bad_input());
    }

    #[test]
    fn the_sync_url_follows_the_server_url() {
        let plain = Endpoint::new("http://127.0.0.1:8080/", Trust::public()).expect("loopback");
        assert_eq!(
            plain.sync_url("holstebro"),
            "ws://127.0.0.1:8080/v1/sync?tenant=holstebro"
        );
        let tls = Endpoint::new("https://tovholder.kommune.dk/base/", Trust::public()).expect("https");
        assert_eq!(
            tls.sync_url("hoeje-taastrup"),
            "wss://tovholder.kommune.dk/base/v1/sync?tenant=hoeje-taastrup"
        );
    }
}
