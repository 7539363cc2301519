//! The HTTP API: routes, the JSON error shape and the JSON body extractor.
//!
//! | route | what |
//! |---|---|
//! | `GET /healthz` | 200 when the database answers, 503 otherwise |
//! | `POST /v1/auth/login` | password login; registers a device and returns an access token |
//! | `GET /v1/me` | the caller of a valid token |
//!
//! Handlers never write SQL: they call [`crate::store::Store`].

mod error;
mod health;
mod json;
mod session;

use axum::Router;
use axum::routing::{get, post};

pub use error::{ApiError, LOGIN_FAILED};
pub use json::ApiJson;

use crate::app::AppState;

/// The API's routes, without middleware (see [`crate::app::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v1/auth/login", post(session::login))
        .route("/v1/me", get(session::me))
}

/// Answers requests for routes that do not exist, in the API's error shape.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Answers a known route called with the wrong method, in the API's error shape.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
