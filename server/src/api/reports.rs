//! Exports for a municipality's own reporting (lead, admin; each logged as an export with its period):
//! `GET /v1/export/fhir?from=&to=` the FIT ratings as an R4 Bundle, and
//! `GET /v1/export/contacts.csv?from=&to=`: one row per contact of the caller's review scope (a lead: the team; an
//! admin: the tenant) in the period, for the municipality's own reporting: the FFB service of the course, the
//! contact's kind and duration, ORS and SRS totals with who rated, and the alerts raised at it. No notes, no
//! names: case and contact ids only. The export is in the access log with its period.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sync_core::case::date::Date;

use super::AuthUser;
use super::audit::bad_query;
use super::{ApiError, caller};
use crate::audit::Action;
use crate::authz::Act;
use crate::clock;
use crate::state::AppState;
use crate::stats::Period;
use crate::store::{ExportContact, Viewer};

const PURPOSE: &str = "report_export";
const DAY_MS: i64 = 86_400_000;
const HEADER: &str = "case_id,contact_id,date,kind,duration_minutes,course_id,ffb_service_code,ors_instrument,\
ors_total,ors_rater,srs_instrument,srs_total,srs_rater,alert_kinds,entered_in_error";

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    from: String,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    to: String,
}

/// The FHIR export's period and page: at most [`FHIR_PAGE`] ratings a response, the next page linked from the
/// Bundle (`link` with relation `next`), as FHIR pages a large result.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FhirQuery {
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    from: String,
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    to: String,
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<usize>,
    /// Rows to skip.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    offset: Option<u32>,
}

/// Ratings per FHIR page (each a QuestionnaireResponse and usually an Observation): about 7 MB of JSON.
pub(super) const FHIR_PAGE: usize = 10_000;

/// `GET /v1/export/contacts.csv?from=&to=`: one row per contact of the caller's review scope in the period (lead,
/// admin), logged as an export.
#[utoipa::path(get, path = "/v1/export/contacts.csv", tag = "exports", params(PeriodQuery), security(("bearer" = [])), responses((status = 200, description = "one row per contact: service, kind, duration, ORS/SRS, alerts; never notes", content_type = "text/csv", body = String), super::Refusals))]
pub async fn contacts_csv(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let (viewer, Period { from, to }, from_ms, to_ms) =
        exporter(&state, &caller, &query.from, &query.to).await?;
    let criterion = format!("contacts.csv from={from} to={to}");
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Export,
        None,
        PURPOSE,
        Some(&criterion),
    )
    .await?;
    let (contacts, alerts) = state
        .store
        .export_contacts(&viewer.user_id, from_ms, to_ms)
        .await?;
    let mut kinds: std::collections::HashMap<(&str, &str), Vec<&str>> = std::collections::HashMap::new();
    for (doc, contact, kind) in &alerts {
        kinds
            .entry((doc.as_str(), contact.as_str()))
            .or_default()
            .push(kind.as_str());
    }
    let mut body = String::with_capacity(64 + contacts.len() * 160);
    body.push_str(HEADER);
    body.push_str("\r\n");
    for contact in &contacts {
        let alert_kinds = kinds
            .get(&(contact.doc_id.as_str(), contact.contact_id.as_str()))
            .map(|kinds| kinds.join(";"))
            .unwrap_or_default();
        body.push_str(&row(contact, &alert_kinds));
        body.push_str("\r\n");
    }
    tracing::info!(rows = contacts.len(), "contacts exported");
    let filename = format!("attachment; filename=\"contacts-{from}-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response())
}

/// `GET /v1/export/fhir?from=&to=`: the FIT ratings of the caller's review scope in the period as an R4 Bundle
/// ([`crate::fhir`]); lead and admin, logged as an export.
#[utoipa::path(get, path = "/v1/export/fhir", tag = "exports", params(FhirQuery), security(("bearer" = [])), responses((status = 200, description = "a FHIR R4 Bundle of QuestionnaireResponse and Observation resources", content_type = "application/fhir+json", body = Object), super::Refusals))]
pub async fn fhir_bundle(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<FhirQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let (viewer, Period { from, to }, from_ms, to_ms) =
        exporter(&state, &caller, &query.from, &query.to).await?;
    let limit = query.limit.unwrap_or(FHIR_PAGE);
    if !(1..=FHIR_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {FHIR_PAGE}"
        )));
    }
    let offset = query.offset.map_or(0, |n| n as usize);
    let criterion = format!("fhir from={from} to={to} limit={limit} offset={offset}");
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Export,
        None,
        PURPOSE,
        Some(&criterion),
    )
    .await?;
    // One more than the page holds tells whether there is a next page.
    let mut ratings = state
        .store
        .export_ratings(
            &viewer.user_id,
            from_ms,
            to_ms,
            i64::try_from(limit + 1).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX),
        )
        .await?;
    let more = ratings.len() > limit;
    ratings.truncate(limit);
    tracing::info!(ratings = ratings.len(), "ratings exported as FHIR");
    let mut bundle = crate::fhir::bundle(&ratings, clock::now_ms());
    if more {
        let next = format!(
            "/v1/export/fhir?from={from}&to={to}&limit={limit}&offset={}",
            offset + limit
        );
        bundle["link"] = serde_json::json!([{ "relation": "next", "url": next }]);
    }
    Ok((
        [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")],
        bundle.to_string(),
    )
        .into_response())
}

/// The caller, if they may export (a lead or an admin), and the export's period (both dates required, as
/// `api::stats::period` checks them) in milliseconds: `[from, day after to)`.
async fn exporter(
    state: &AppState,
    caller: &AuthUser,
    from: &str,
    to: &str,
) -> Result<(Viewer, Period, i64, i64), ApiError> {
    let viewer = caller::viewer(&state.store, caller).await?;
    caller::may(&viewer, Act::ExportReports)?;
    let period = super::stats::period(Some(from), Some(to))?;
    let from_ms = period.from.days_since_epoch() * DAY_MS;
    let to_ms = (period.to.days_since_epoch() + 1) * DAY_MS;
    Ok((viewer, period, from_ms, to_ms))
}

/// One CSV line (RFC 4180). Totals in points with one decimal.
fn row(c: &ExportContact, alert_kinds: &str) -> String {
    let points = |mm: Option<i64>| {
        mm.map(|mm| format!("{:.1}", mm as f64 / 10.0))
            .unwrap_or_default()
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        c.doc_id.clone(),
        c.contact_id.clone(),
        Date::from_unix_ms(c.started_at).to_string(),
        c.kind.clone(),
        c.duration_minutes.to_string(),
        text(&c.course_id),
        text(&c.service_code),
        text(&c.ors_instrument),
        points(c.ors_total_mm),
        text(&c.ors_rater),
        text(&c.srs_instrument),
        points(c.srs_total_mm),
        text(&c.srs_rater),
        alert_kinds.to_owned(),
        c.in_error.to_string(),
    ]
    .iter()
    .map(|field| csv_field(field))
    .collect::<Vec<_>>()
    .join(",")
}

/// Quotes a field that needs it. Every field here is an id, a code, a date or a number, but a device writes the
/// codes: a stray comma or quote must not shift the columns, and a leading `=`, `+`, `-` or `@` must not become
/// a spreadsheet formula.
fn csv_field(field: &str) -> String {
    let formula = field.starts_with(['=', '+', '-', '@']);
    let field = if formula {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_cannot_shift_columns_or_become_formulas() {
        assert_eq!(csv_field("home_visit"), "home_visit");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
