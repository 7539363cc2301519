//! Serves the web app (the outreach worker's PWA and the citizen's check-in page) from its built files, so one
//! origin carries the app, the API and the sync WebSocket: no CORS, and the service worker can cache the app.
//!
//! The files come from `clients/web/dist` (built with `npm run build`); without them the server runs the API and
//! sync alone. Responses say `Cache-Control: no-cache`: the browser revalidates (a 304 when unchanged), so a new
//! build and its service worker reach phones at their next load online.

use std::path::Path;

use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api;
use crate::state::AppState;

/// The app's files under `dir`, as a fallback for every path no API route matched. Unknown paths still get the
/// API's JSON 404.
pub fn routes(dir: &Path) -> Router<AppState> {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .not_found_service(api::not_found.into_service());
    Router::new()
        .route_service("/checkin", ServeFile::new(dir.join("checkin.html")))
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// Whether `dir` holds a built app.
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}
