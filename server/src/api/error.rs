//! [`ApiError`]: every error a client can see, mapped in one place to `{"error":{"code":"…","message":"…"}}`.
//!
//! Codes are stable and part of the API; messages are for people and may change. Internal errors are logged
//! here, once, with their cause, and the client gets only `internal`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::TokenError;
use crate::auth::password::PasswordError;
use crate::store::StoreError;

/// The one message for every failed login, whatever was wrong, so it tells an attacker nothing.
pub const LOGIN_FAILED: &str = "unknown tenant or username, wrong password, or the user is blocked";

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, part of the API: `bad_request`, `unauthorized`, `device_revoked`, `forbidden`, `not_found`,
    /// `checkin_used`, `checkin_expired`, `conflict`, `method_not_allowed`, `payload_too_large`, `rate_limited`,
    /// `internal`.
    code: &'static str,
    /// For people; may change.
    message: String,
}

/// The refusals of the API as OpenAPI responses: every route may answer these, always in [`ErrorBody`]'s shape.
/// A case or user the caller may not see answers 404, exactly like one that does not exist.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// The request is malformed; the message says what to fix.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No valid access token (or a failed login), or the device was revoked (`device_revoked`).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The caller's role may not do this.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such resource, or one the caller may not see.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The request conflicts with the resource's state (a grant decided already, a stale conflict choice).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// A check-in link used up or expired.
    #[response(status = 410)]
    Gone(ErrorBody),
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    #[response(status = 429)]
    RateLimited(ErrorBody),
}

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the message says what to fix and echoes nothing but the client's own input.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A login was refused (see [`LOGIN_FAILED`]).
    #[error("login failed")]
    LoginFailed,
    /// No valid access token, or its user or device may no longer act.
    #[error("unauthorized")]
    Unauthorized,
    /// The caller proved it holds this device's token, and the device was revoked: the client wipes its store
    /// (a lost phone). Told only to the token's holder, so it reveals nothing to anyone else.
    #[error("device revoked")]
    DeviceRevoked,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The resource existed but is used up or expired (a check-in link); the code says which.
    #[error("gone: {0}")]
    Gone(&'static str),
    /// The request conflicts with the resource's state (a grant decided already); the message says how.
    #[error("conflict: {0}")]
    StateConflict(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("rate limited")]
    RateLimited,
    /// Anything the client cannot fix. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// Wraps any error as [`ApiError::Internal`].
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(error))
    }

    /// HTTP status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::LoginFailed | ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::DeviceRevoked => (StatusCode::UNAUTHORIZED, "device_revoked"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Gone(code) => (StatusCode::GONE, code),
            ApiError::StateConflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::BadRequest(message) => message.clone(),
            ApiError::LoginFailed => LOGIN_FAILED.to_owned(),
            ApiError::Unauthorized => "missing, invalid or expired access token".to_owned(),
            ApiError::DeviceRevoked => "this device was revoked: delete what it holds".to_owned(),
            ApiError::Forbidden => "not allowed".to_owned(),
            ApiError::NotFound => "no such resource".to_owned(),
            ApiError::Gone("checkin_used") => "this link has been used already".to_owned(),
            ApiError::Gone("checkin_expired") => "this link has expired".to_owned(),
            ApiError::Gone(_) => "no longer available".to_owned(),
            ApiError::StateConflict(message) => message.clone(),
            ApiError::MethodNotAllowed => "method not allowed on this resource".to_owned(),
            ApiError::PayloadTooLarge => "request body too large".to_owned(),
            ApiError::RateLimited => "too many requests; try again later".to_owned(),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            // The request span around this event carries the route; the cause may name tables, never values.
            tracing::error!(error = %cause, "internal error");
        }
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.message(),
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        ApiError::internal(error)
    }
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        ApiError::internal(error)
    }
}

/// Bad JSON, wrong types, a missing content type or an oversized body are the client's errors (4xx), never 500.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else if status.is_client_error() {
            ApiError::BadRequest(rejection.body_text())
        } else {
            ApiError::internal(rejection)
        }
    }
}
