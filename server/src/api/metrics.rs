//! `GET /metrics`: the process's figures ([`crate::metrics`]) for the operator's scraper, and for nobody else.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::prometheus_text;

use super::ApiError;
use crate::state::AppState;

/// The figures for a scraper that shows the operator's token; for anyone else, and whenever no token is configured,
/// the 404 of a route that does not exist. Not in the OpenAPI document: it is no part of the API a client programs
/// against.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let admitted = state
        .metrics_token
        .as_ref()
        .is_some_and(|token| token.admits(&headers));
    if !admitted {
        if state.metrics_token.is_some() {
            tracing::info!("metrics scrape refused: no or wrong token");
        }
        return ApiError::NotFound.into_response();
    }
    let sync = &state.sync;
    let text = sync.metrics.render(
        sync.documents.held_count(),
        sync.hub.subscribers(),
        &sync.store.pool_use(),
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        text,
    )
        .into_response()
}
