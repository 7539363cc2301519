//! Login through the municipality's identity provider (OpenID Connect, e.g. Entra ID): an ID token signed with
//! RS256 or ES256 by the configured issuer, checked against the issuer's published keys (JWKS), names a user of
//! the configured tenant; `POST /v1/auth/oidc` then starts a session as a password login would.
//!
//! Only RS256 and ES256 are accepted, and the key must be of the algorithm's family, so a token cannot pass as
//! HMAC-signed with a public key (algorithm confusion). `iss`, `aud` and `exp` are required and checked. The keys
//! are cached; an unknown key id fetches them again, at most every [`REFETCH_AFTER`].

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

/// How long fetched keys are trusted before they are fetched again.
const KEYS_FRESH_FOR: Duration = Duration::from_secs(10 * 60);
/// The least time between two fetches, so tokens with made-up key ids cannot make us hammer the provider.
const REFETCH_AFTER: Duration = Duration::from_secs(30);

/// The configured identity provider.
pub struct Oidc {
    issuer: String,
    audience: String,
    jwks_url: String,
    /// The tenant (slug) whose users this provider logs in.
    pub tenant: String,
    /// The claim holding the username, e.g. `preferred_username`.
    claim: String,
    http: reqwest::Client,
    keys: tokio::sync::Mutex<Option<(Instant, JwkSet)>>,
}

/// The client that fetches the provider's keys: HTTPS with rustls on the ring provider and Mozilla's root CAs
/// compiled in, so a machine without a CA bundle verifies the provider too (plain `http://` works, for a provider
/// on the same host).
fn https_client() -> Result<reqwest::Client, OidcError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| OidcError::Keys(format!("TLS setup: {error}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|error| OidcError::Keys(format!("HTTP client setup: {error}")))
}

/// Why an ID token was refused. Logged; the client only ever learns that the login failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("only RS256 and ES256 tokens with a key of that kind are accepted")]
    Algorithm,
    #[error("the token names no key the provider publishes")]
    UnknownKey,
    #[error("fetching the provider's keys failed: {0}")]
    Keys(String),
    #[error("the token is invalid: {0}")]
    Token(#[from] jsonwebtoken::errors::Error),
    #[error("the token has no username claim")]
    MissingClaim,
}

impl Oidc {
    pub fn new(
        issuer: String,
        audience: String,
        jwks_url: String,
        tenant: String,
        claim: String,
    ) -> Result<Oidc, OidcError> {
        Ok(Oidc {
            issuer,
            audience,
            jwks_url,
            tenant,
            claim,
            http: https_client()?,
            keys: tokio::sync::Mutex::new(None),
        })
    }

    /// Checks an ID token and returns the username it names.
    pub async fn verify(&self, token: &str) -> Result<String, OidcError> {
        let header = decode_header(token)?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(OidcError::Algorithm);
        }
        let kid = header.kid.ok_or(OidcError::UnknownKey)?;
        let jwk = self.key(&kid).await?;
        let family_matches = matches!(
            (&jwk.algorithm, header.alg),
            (AlgorithmParameters::RSA(_), Algorithm::RS256)
                | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
        );
        if !family_matches {
            return Err(OidcError::Algorithm);
        }
        let key = DecodingKey::from_jwk(&jwk)?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = decode::<serde_json::Value>(token, &key, &validation)?;
        data.claims
            .get(&self.claim)
            .and_then(serde_json::Value::as_str)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .ok_or(OidcError::MissingClaim)
    }

    /// The provider's key `kid`, from the cache or fetched.
    async fn key(&self, kid: &str) -> Result<Jwk, OidcError> {
        let mut cache = self.keys.lock().await;
        if let Some((at, keys)) = cache.as_ref() {
            let known = keys.find(kid).cloned();
            let fresh = at.elapsed() < KEYS_FRESH_FOR;
            match known {
                Some(jwk) if fresh => return Ok(jwk),
                None if at.elapsed() < REFETCH_AFTER => return Err(OidcError::UnknownKey),
                _ => {}
            }
        }
        let keys: JwkSet = self
            .http
            .get(&self.jwks_url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| OidcError::Keys(e.to_string()))?
            .json()
            .await
            .map_err(|e| OidcError::Keys(e.to_string()))?;
        let found = keys.find(kid).cloned();
        *cache = Some((Instant::now(), keys));
        found.ok_or(OidcError::UnknownKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// reqwest's "rustls-no-provider" makes a client built without a TLS configuration panic: the one client here
    /// is built with the server's own.
    #[test]
    fn the_key_fetching_client_builds_with_its_own_tls_configuration() {
        assert!(https_client().is_ok());
        let provider = Oidc::new(
            "https://idp.example".into(),
            "tovholder".into(),
            "https://idp.example/jwks".into(),
            "holstebro".into(),
            "preferred_username".into(),
        );
        assert!(provider.is_ok());
    }
}
