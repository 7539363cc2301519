//! `GET /healthz`: whether this process can serve, which here means whether the database answers.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::store::Store;

/// A load balancer waits about this long; a database slower than this counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The health answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    status: &'static str,
}

/// 200 `{"status":"ok"}` when the database answers in time, 503 `{"status":"unavailable"}` otherwise.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the database answers", body = Health), (status = 503, description = "the database does not answer in time", body = Health)))]
pub async fn healthz(State(store): State<Store>) -> (StatusCode, Json<Health>) {
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(Health { status: "ok" })),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database error");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                }),
            )
        }
        Err(_) => {
            tracing::warn!("health check: database timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                }),
            )
        }
    }
}
