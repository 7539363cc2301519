//! Access tokens: HS256 JWTs naming the user, tenant, role and device.
//!
//! The algorithm is pinned to HS256 on both sides. The header's `alg` is attacker-controlled, so accepting
//! whatever it names is how `alg: none` and RS/HS confusion attacks work; `Validation::algorithms` is exactly
//! `[HS256]`. `exp`, `iss`, `aud` and `sub` are required and checked.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{DeviceId, TenantId, UserId};
use crate::store::Role;

/// The shortest signing secret we accept: HS256 keys shorter than the hash output weaken it.
pub const MIN_SECRET_BYTES: usize = 32;

/// Clock skew tolerated when checking `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// What an access token says. Its ids are parsed as the token is read: a token naming something that is no id of
/// ours is refused like any invalid token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: UserId,
    /// Tenant id.
    pub tenant: TenantId,
    pub role: Role,
    /// Device id (from the login that issued the token).
    pub device: DeviceId,
    pub iss: String,
    pub aud: String,
    /// Expiry, unix seconds.
    pub exp: u64,
    /// Issued at, unix seconds.
    pub iat: u64,
    /// Token id, so a token can be named in the access log without storing it.
    pub jti: String,
}

/// Why a token could not be issued or was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the JWT secret must be at least {MIN_SECRET_BYTES} bytes")]
    SecretTooShort,
    #[error("token refused: {0}")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("token could not be signed: {0}")]
    Sign(#[source] jsonwebtoken::errors::Error),
}

/// A freshly signed token. Deliberately not `Debug`: the token is a credential.
pub struct IssuedToken {
    pub token: String,
    /// Seconds until expiry.
    pub expires_in: u64,
    pub claims: Claims,
}

/// The subject of a token to issue.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub user_id: &'a UserId,
    pub tenant_id: &'a TenantId,
    pub role: Role,
    pub device_id: &'a DeviceId,
}

/// Signs and checks access tokens. Cheap to clone.
#[derive(Clone)]
pub struct TokenKeys {
    inner: Arc<Inner>,
}

struct Inner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(
        secret: &SecretString,
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> Result<Self, TokenError> {
        let secret = secret.expose_secret().as_bytes();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(TokenError::SecretTooShort);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(TokenKeys {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
                ttl,
            }),
        })
    }

    /// Signs a token for `subject`, valid from `now_seconds` (unix) for the configured lifetime.
    pub fn issue(&self, subject: Subject<'_>, now_seconds: u64) -> Result<IssuedToken, TokenError> {
        let expires_in = self.inner.ttl.as_secs();
        let claims = Claims {
            sub: subject.user_id.clone(),
            tenant: subject.tenant_id.clone(),
            role: subject.role,
            device: subject.device_id.clone(),
            iss: self.inner.issuer.clone(),
            aud: self.inner.audience.clone(),
            exp: now_seconds + expires_in,
            iat: now_seconds,
            jti: Uuid::new_v4().to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.inner.encoding)
            .map_err(TokenError::Sign)?;
        Ok(IssuedToken {
            token,
            expires_in,
            claims,
        })
    }

    /// Checks signature, algorithm, expiry, issuer and audience, and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
            .map_err(TokenError::Invalid)?;
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        let secret = SecretString::from("0123456789abcdef0123456789abcdef");
        TokenKeys::new(&secret, "tovholder", "tovholder-sync", Duration::from_secs(900)).expect("valid keys")
    }

    struct Ids(UserId, TenantId, DeviceId);

    fn ids() -> Ids {
        Ids(
            UserId::new_random(),
            TenantId::new_random(),
            DeviceId::new_random(),
        )
    }

    fn subject(ids: &Ids) -> Subject<'_> {
        Subject {
            user_id: &ids.0,
            tenant_id: &ids.1,
            role: Role::Lead,
            device_id: &ids.2,
        }
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let now = jsonwebtoken::get_current_timestamp();
        let issued = keys().issue(subject(&ids()), now).expect("signs");
        let claims = keys().verify(&issued.token).expect("verifies");
        assert_eq!(claims, issued.claims);
        assert_eq!((claims.exp - claims.iat, issued.expires_in), (900, 900));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let long_ago = jsonwebtoken::get_current_timestamp() - 3600;
        let issued = keys().issue(subject(&ids()), long_ago).expect("signs");
        assert!(keys().verify(&issued.token).is_err());
    }

    #[test]
    fn a_short_secret_is_refused() {
        let short = SecretString::from("too short");
        let result = TokenKeys::new(&short, "i", "a", Duration::from_secs(60));
        assert!(matches!(result, Err(TokenError::SecretTooShort)));
    }
}
