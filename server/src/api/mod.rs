//! The HTTP API: routes, the JSON error shape and the JSON body extractor.
//!
//! The routes are listed once, in [`routes`]; each handler's doc comment and `#[utoipa::path]` describe it, and
//! the server serves the whole description as OpenAPI 3.1 at `GET /v1/openapi.json` ([`openapi`]).
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
mod extract;
mod fit_rules;
mod health;
mod json;
mod metrics;
mod oidc;
mod opens;
mod refresh;
mod reports;
mod review;
mod session;
mod stats;
mod sync_socket;
mod users;

pub use extract::AuthUser;

use std::sync::LazyLock;

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, LOGIN_FAILED, Refusals};
pub use json::ApiJson;
pub use metrics::scrape as scrape_metrics;

use crate::state::AppState;

/// The API's routes with their OpenAPI descriptions, without middleware (see [`crate::app::router`]). `routes!`
/// takes a handler's `#[utoipa::path]` together with the handler, so no route is served undescribed.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(sync_socket::upgrade))
        .routes(routes!(openapi_json))
        .routes(routes!(session::login))
        .routes(routes!(refresh::refresh))
        .routes(routes!(oidc::login))
        .routes(routes!(session::me))
        .routes(routes!(audit::list))
        .routes(routes!(audit::sample))
        .routes(routes!(devices::list))
        .routes(routes!(users::list))
        .routes(routes!(users::team))
        .routes(routes!(users::unblock))
        .routes(routes!(devices::revoke))
        .routes(routes!(break_glass::open))
        .routes(routes!(break_glass::recent))
        .routes(routes!(export::export))
        .routes(routes!(checkin::create))
        .routes(routes!(opens::log_opens))
        .routes(routes!(assignments::assign, assignments::unassign))
        .routes(routes!(checkin::page, checkin::submit))
        .routes(routes!(review::dashboard))
        .routes(routes!(review::cases))
        .routes(routes!(review::case))
        .routes(routes!(stats::fit))
        .routes(routes!(stats::outcomes))
        .routes(routes!(reports::contacts_csv))
        .routes(routes!(reports::fhir_bundle))
        .routes(routes!(decisions::approval))
        .routes(routes!(decisions::resolve_conflict))
        .routes(routes!(decisions::dismiss_refusal))
        .routes(routes!(review::settings, review::change_settings))
        .routes(routes!(fit_rules::current, fit_rules::load))
}

/// The document's frame: title, the bearer scheme the routes name, and the tags that group them.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tovholder",
        description = "The HTTP API of the Tovholder sync backend. Sync itself runs over the WebSocket at \
            `/v1/sync` (docs/PROTOCOL.md). Every error answers `{\"error\":{\"code\",\"message\"}}`; a case, user or \
            device the caller may not see answers exactly like one that does not exist."
    ),
    modifiers(&BearerScheme),
    // The error shape, named by the Refusals of every route.
    components(schemas(error::ErrorBody)),
    tags(
        (name = "sessions", description = "Logins, refresh and the caller"),
        (name = "sync", description = "The WebSocket sync endpoint"),
        (name = "cases", description = "Assignments, break-the-glass and the GDPR art. 15 export"),
        (name = "check-in", description = "The citizen's own check-in link"),
        (name = "review", description = "The back office: dashboard, case lists, a case for review, settings"),
        (name = "decisions", description = "A lead's decisions, written into the case document"),
        (name = "statistics", description = "FIT and outcome figures, small numbers suppressed"),
        (name = "exports", description = "Reports in CSV and FHIR R4"),
        (name = "devices and users", description = "Devices, revocation, users and lockouts"),
        (name = "access log", description = "The tenant's access log (admin)"),
        (name = "operations", description = "Health and this document"),
    )
)]
struct ApiDoc;

/// Adds the `bearer` security scheme: the access token of `POST /v1/auth/login`, as `Authorization: Bearer`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "The access token of a login or refresh (15 minutes by default).",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The whole server's OpenAPI document, built once from the routes.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| routes().split_for_parts().1);
    &DOCUMENT
}

/// This document: every route of the server, its parameters, bodies and answers (OpenAPI 3.1).
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations", responses((status = 200, description = "the OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// Answers requests for routes that do not exist, in the API's error shape.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Answers a known route called with the wrong method, in the API's error shape.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{audit, break_glass, checkin, oidc, openapi, opens, reports, review, session};

    fn document() -> Value {
        serde_json::to_value(openapi()).expect("the document serialises")
    }

    fn operations(document: &Value) -> Vec<(String, String, &Value)> {
        let mut found = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                found.push((path.clone(), method.clone(), operation));
            }
        }
        found
    }

    /// Every route the server answers is in the document, the sync WebSocket and the document itself included, and
    /// nothing else is.
    #[test]
    fn the_document_describes_every_route_as_openapi_3_1() {
        let document = document();
        assert_eq!(document["openapi"], "3.1.0");
        let mut described: Vec<String> = operations(&document)
            .into_iter()
            .map(|(path, method, _)| format!("{} {path}", method.to_uppercase()))
            .collect();
        described.sort();
        assert_eq!(described.len(), 37, "{described:#?}");
        for route in [
            format!("GET {}", sync_core::protocol::WEBSOCKET_PATH),
            "GET /v1/openapi.json".to_owned(),
            "GET /healthz".to_owned(),
            "PUT /v1/cases/{id}/assignees/{user}".to_owned(),
            "DELETE /v1/cases/{id}/assignees/{user}".to_owned(),
            "GET /v1/fit-rules".to_owned(),
            "PUT /v1/fit-rules".to_owned(),
            "GET /v1/team".to_owned(),
        ] {
            assert!(described.contains(&route), "{route} is not described");
        }
    }

    /// Only the logins, the citizen's check-in link, health and the document itself are open without a token.
    #[test]
    fn every_other_operation_requires_the_bearer_token_and_documents_its_refusals() {
        let public = [
            "/healthz",
            "/v1/openapi.json",
            "/v1/auth/login",
            "/v1/auth/refresh",
            "/v1/auth/oidc",
            "/v1/checkin/{token}",
        ];
        let document = document();
        assert!(document["components"]["securitySchemes"]["bearer"].is_object());
        for (path, method, operation) in operations(&document) {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|requirements| requirements.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(secured, !public.contains(&path.as_str()), "{method} {path}");
            if !["/healthz", "/v1/openapi.json"].contains(&path.as_str()) {
                assert_eq!(
                    operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path}"
                );
            }
        }
    }

    /// The limits the document states (written as literals: utoipa takes no constants) are the ones the
    /// handlers enforce.
    #[test]
    fn the_documented_limits_are_the_enforced_ones() {
        let document = document();
        let parameter = |path: &str, name: &str| -> Value {
            document["paths"][path]["get"]["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{path} has no parameter {name}"))["schema"]
                .clone()
        };
        let maximum = |schema: &Value| schema["maximum"].as_u64().expect("a maximum");
        assert_eq!(
            maximum(&parameter("/v1/review/cases", "limit")),
            crate::review::MAX_PAGE as u64
        );
        assert_eq!(
            maximum(&parameter("/v1/export/fhir", "limit")),
            reports::FHIR_PAGE as u64
        );
        assert_eq!(maximum(&parameter("/v1/audit", "limit")), audit::MAX_LIMIT as u64);
        let schemas = &document["components"]["schemas"];
        let field = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();
        assert_eq!(
            field("LoginRequest", "username")["maxLength"].as_u64(),
            Some(session::MAX_NAME_CHARS as u64)
        );
        assert_eq!(
            field("LoginRequest", "password")["maxLength"].as_u64(),
            Some(session::MAX_PASSWORD_BYTES as u64)
        );
        let reason = field("BreakGlassRequest", "reason");
        assert_eq!(
            reason["minLength"].as_u64(),
            Some(break_glass::MIN_REASON_CHARS as u64)
        );
        assert_eq!(
            reason["maxLength"].as_u64(),
            Some(break_glass::MAX_REASON_CHARS as u64)
        );
        assert_eq!(
            field("SettingsChange", "recommended_caseload")["maximum"].as_i64(),
            Some(review::MAX_RECOMMENDED_CASELOAD)
        );
        assert_eq!(
            field("SettingsChange", "device_retention_days")["maximum"].as_i64(),
            Some(review::MAX_DEVICE_RETENTION_DAYS)
        );
        assert_eq!(
            field("CreateRequest", "minutes_valid")["maximum"].as_i64(),
            Some(checkin::MAX_MINUTES)
        );
        assert_eq!(
            field("OidcLogin", "id_token")["maxLength"].as_u64(),
            Some(oidc::MAX_TOKEN_BYTES as u64)
        );
        assert_eq!(
            field("Opens", "opens")["maxItems"].as_u64(),
            Some(opens::MAX_OPENS as u64)
        );
        assert_eq!(
            field("Opened", "case_id")["maxLength"].as_u64(),
            Some(opens::MAX_ID_CHARS as u64)
        );
        let purposes: Vec<&str> = sync_core::case::codes::OPEN_PURPOSES
            .iter()
            .map(|c| c.code)
            .collect();
        assert_eq!(
            field("Opened", "purpose")["pattern"].as_str(),
            Some(format!("^({})$", purposes.join("|")).as_str())
        );
    }
}
