//! The HTTP API: routes, the JSON error shape and the JSON body extractor.
//!
//! | route | what |
//! |---|---|
//! | `GET /healthz` | 200 when the database answers, 503 otherwise |
//! | `POST /v1/auth/login` | password login; registers a device and returns an access and a refresh token |
//! | `POST /v1/auth/oidc` | an ID token of the configured identity provider buys a session, as a password login |
//! | `POST /v1/auth/refresh` | a refresh token buys new tokens (rotation); a reused one revokes the device |
//! | `GET /v1/me` | the caller of a valid token |
//! | `GET /v1/audit` | the tenant's access log, filtered by user, case, action, from, to, limit (admin) |
//! | `GET /v1/audit/sample?n=` | a random sample of the tenant's access log, for spot checks (admin) |
//! | `GET /v1/users` | the tenant's users (admin) or the lead's team's (lead), with who is blocked |
//! | `POST /v1/users/{id}/unblock` | clear a lockout after three failed logins (admin) |
//! | `GET /v1/devices` | the tenant's devices (admin) or the lead's team's (lead) |
//! | `POST /v1/devices/{id}/revoke` | revoke a device: tokens refused, sync connections closed (admin, lead) |
//! | `POST /v1/cases/{id}/break-glass` | open a case outside one's caseload for 8 hours, with a reason (worker, lead) |
//! | `GET /v1/cases/{id}/export` | everything about a case for a GDPR art. 15 request, lookups without who (admin) |
//! | `PUT`/`DELETE /v1/cases/{id}/assignees/{user}` | give a worker a case or take it away (lead: team; admin) |
//! | `POST /v1/cases/{id}/checkins` | a one-time check-in link for a video or phone contact (worker, lead) |
//! | `GET /v1/checkin/{token}` | the citizen's check-in page: municipality and scales (no login: the link is it) |
//! | `POST /v1/checkin/{token}` | the citizen's scores; they land in the contact; the link is then used up |
//! | `GET /v1/break-glass` | recent break-the-glass grants of the lead's team (lead; admin: the tenant) |
//! | `GET /v1/review/dashboard?team=` | per team and worker: caseloads and the figures a lead acts on, each with its list |
//! | `GET /v1/review/cases?…` | the cases behind a figure: filters, paging (admin: tenant; lead: team; worker: own) |
//! | `GET /v1/review/cases/{id}` | one case for review: goals, courses, contacts, FIT series, conflicts, refusals |
//! | `GET /v1/export/fhir?from=&to=&limit=&offset=` | the FIT ratings as R4 Bundles of QuestionnaireResponse + Observation, paged (lead, admin) |
//! | `GET /v1/export/contacts.csv?from=&to=` | one row per contact: service, kind, duration, ORS/SRS, alerts; no notes (lead, admin) |
//! | `GET /v1/review/stats/fit?team=&from=&to=` | FIT figures per team and period, small numbers suppressed |
//! | `GET /v1/review/stats/outcomes?team=&from=&to=` | outcome events, how courses ended, length against plan, by month |
//! | `POST /v1/review/cases/{id}/courses/{course}/approval` | approve or reject a grant awaiting approval (the case's team lead) |
//! | `POST /v1/review/cases/{id}/conflicts/resolve` | pick one value of a conflicted field (the case's team lead) |
//! | `POST /v1/review/refusals/{id}/dismiss` | a refused change has been handled (the case's team lead; admin) |
//! | `GET`/`PUT /v1/settings` | the tenant's settings, e.g. the recommended caseload per worker (change: admin) |
//!
//! Handlers never write SQL: they call [`crate::store::Store`].

mod assignments;
mod audit;
mod break_glass;
mod caller;
mod checkin;
mod decisions;
mod devices;
mod error;
mod export;
mod health;
mod json;
mod oidc;
mod refresh;
mod reports;
mod review;
mod session;
mod stats;
mod users;

use axum::Router;
use axum::routing::{get, post, put};

pub use error::{ApiError, LOGIN_FAILED};
pub use json::ApiJson;

use crate::app::AppState;

/// The API's routes, without middleware (see [`crate::app::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v1/auth/login", post(session::login))
        .route("/v1/auth/refresh", post(refresh::refresh))
        .route("/v1/auth/oidc", post(oidc::login))
        .route("/v1/me", get(session::me))
        .route("/v1/audit", get(audit::list))
        .route("/v1/audit/sample", get(audit::sample))
        .route("/v1/devices", get(devices::list))
        .route("/v1/users", get(users::list))
        .route("/v1/users/{id}/unblock", post(users::unblock))
        .route("/v1/devices/{id}/revoke", post(devices::revoke))
        .route("/v1/cases/{id}/break-glass", post(break_glass::open))
        .route("/v1/break-glass", get(break_glass::recent))
        .route("/v1/cases/{id}/export", get(export::export))
        .route("/v1/cases/{id}/checkins", post(checkin::create))
        .route(
            "/v1/cases/{id}/assignees/{user}",
            put(assignments::assign).delete(assignments::unassign),
        )
        .route("/v1/checkin/{token}", get(checkin::page).post(checkin::submit))
        .route("/v1/review/dashboard", get(review::dashboard))
        .route("/v1/review/cases", get(review::cases))
        .route("/v1/review/cases/{id}", get(review::case))
        .route("/v1/review/stats/fit", get(stats::fit))
        .route("/v1/review/stats/outcomes", get(stats::outcomes))
        .route("/v1/export/contacts.csv", get(reports::contacts_csv))
        .route("/v1/export/fhir", get(reports::fhir_bundle))
        .route(
            "/v1/review/cases/{id}/courses/{course}/approval",
            post(decisions::approval),
        )
        .route(
            "/v1/review/cases/{id}/conflicts/resolve",
            post(decisions::resolve_conflict),
        )
        .route(
            "/v1/review/refusals/{id}/dismiss",
            post(decisions::dismiss_refusal),
        )
        .route("/v1/settings", get(review::settings).put(review::change_settings))
}

/// Answers requests for routes that do not exist, in the API's error shape.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Answers a known route called with the wrong method, in the API's error shape.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
