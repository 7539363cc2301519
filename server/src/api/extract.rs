//! [`AuthUser`]: the caller of a protected route, from `Authorization: Bearer <token>`.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::ApiError;
use crate::auth::TokenKeys;
use crate::ids::{DeviceId, TenantId, UserId};
use crate::store::{Role, Store};

/// An authenticated caller: a valid token of a user of the tenant, whose device is not revoked.
///
/// A lockout (3 failed password logins, DOMAIN.md) stops password logins only: anyone can type a wrong
/// password for a user, and that must not cut off her phone in the middle of a shift. A lost phone is revoked.
///
/// Handlers take it as an argument; a request without a valid token never reaches them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub role: Role,
    pub device_id: DeviceId,
    /// The token's `jti`, for the access log.
    pub token_id: String,
}

/// Whether `token` is a valid access token of a device that was revoked: then its holder may be told so (the
/// sync endpoint sends `Error Revoked`, and the client wipes its store), since it proves it holds the device's
/// token.
pub async fn is_revoked_device(keys: &TokenKeys, store: &Store, token: &str) -> Result<bool, ApiError> {
    let Ok(claims) = keys.verify(token) else {
        return Ok(false);
    };
    Ok(store.device_by_id(&claims.device).await?.is_some_and(|device| {
        device.user_id == claims.sub && device.tenant_id == claims.tenant && device.revoked_at.is_some()
    }))
}

/// Checks a bearer token and the session behind it.
///
/// Shared by the [`AuthUser`] extractor and by endpoints that receive the token some other way (a WebSocket
/// opened from a browser cannot set headers). Every refusal is the same `unauthorized` error; the reason goes to
/// the debug log only.
pub async fn authenticate(keys: &TokenKeys, store: &Store, token: &str) -> Result<AuthUser, ApiError> {
    let claims = keys.verify(token).map_err(|error| {
        tracing::debug!(%error, "access token refused");
        ApiError::Unauthorized
    })?;
    // The signature proves we issued the token; the database says whether its device may still act, so revoking a
    // lost phone does not wait for the token to expire.
    if !store
        .session_is_active(&claims.tenant, &claims.sub, &claims.device)
        .await?
    {
        tracing::info!(user.id = %claims.sub, device.id = %claims.device, "token of a revoked device or a user no longer in the tenant");
        return Err(ApiError::Unauthorized);
    }
    let span = tracing::Span::current();
    span.record("user.id", claims.sub.as_str());
    span.record("device.id", claims.device.as_str());
    Ok(AuthUser {
        user_id: claims.sub,
        tenant_id: claims.tenant,
        role: claims.role,
        device_id: claims.device,
        token_id: claims.jti,
    })
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    TokenKeys: FromRef<S>,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        authenticate(&TokenKeys::from_ref(state), &Store::from_ref(state), token).await
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme name is case-insensitive, RFC 9110).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
