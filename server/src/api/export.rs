//! `GET /v1/cases/{id}/export`: everything about one citizen's case as JSON, for a request of access under GDPR
//! art. 15 (admin of the case's tenant only).
//!
//! The export holds the case document's typed view, the whole document as JSON (every key it holds, whether the
//! typed view knows it or not, and every value of a conflicted field), its projection rows, the changes refused for it (reason and
//! size, not the bytes), and the dates, actions and purposes of every lookup in the access log, but not who
//! looked: the citizen is entitled to know that and why their data was read, not which employee read it. The
//! export itself is logged.

use automerge::Automerge;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use sync_core::case::{Case, Conflict, conflicts, read_case};

use super::ApiError;
use super::AuthUser;
use super::audit::admin;
use crate::audit::{self, Action, Actor};
use crate::authz::Act;
use crate::ids::parse_case_id;
use crate::projection::Projection;
use crate::state::AppState;
use crate::store::CaseLookup;

/// The purpose recorded for an export in the access log.
const PURPOSE: &str = "gdpr_art15_access_request";
const MAX_CASE_ID_CHARS: usize = 128;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseExport {
    case_id: String,
    exported_at: i64,
    case: Case,
    /// Everything the document holds, as JSON.
    document: serde_json::Value,
    /// Fields with concurrent values: every value, not only the one shown.
    conflicts: Vec<Conflict>,
    projections: Projection,
    refused_changes: Vec<RefusedChange>,
    lookups: Vec<CaseLookup>,
}

/// A quarantined change as the export shows it: why and when, not its bytes or its author.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RefusedChange {
    reason: String,
    message: String,
    byte_len: i64,
    created_at: i64,
    resolved_at: Option<i64>,
}

/// Everything about a case for a GDPR art. 15 request, with its lookups but not who made them (admin).
#[utoipa::path(get, path = "/v1/cases/{id}/export", tag = "cases", params(("id" = String, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, body = CaseExport), super::Refusals))]
pub async fn export(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(case_id): Path<String>,
) -> Result<Json<CaseExport>, ApiError> {
    let viewer = admin(&state.store, &caller, Act::ExportCitizen).await?;
    if case_id.chars().count() > MAX_CASE_ID_CHARS {
        return Err(ApiError::NotFound);
    }
    let doc_id = parse_case_id(&case_id).ok_or(ApiError::NotFound)?;
    let stored = state
        .store
        .load_document(&doc_id)
        .await?
        .filter(|stored| stored.tenant_id == viewer.tenant_id)
        .ok_or(ApiError::NotFound)?;
    let bytes = stored.bytes;
    let doc = tokio::task::spawn_blocking(move || Automerge::load(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let case = read_case(&doc).map_err(ApiError::internal)?;
    let document = conflicts::document_json(&doc);
    let conflicts = conflicts::list(&doc);
    let projections = state.store.projection_rows(&doc_id).await?;
    let refused_changes = state
        .store
        .quarantined_for_case(&viewer.tenant_id, &doc_id)
        .await?
        .into_iter()
        .map(|entry| RefusedChange {
            reason: entry.reason,
            message: entry.message,
            byte_len: entry.byte_len,
            created_at: entry.created_at,
            resolved_at: entry.resolved_at,
        })
        .collect();
    // Logged before the lookups are read, so the export lists itself.
    let actor = Actor {
        tenant_id: &viewer.tenant_id,
        user_id: &viewer.user_id,
        device_id: &caller.device_id,
    };
    let event = audit::event(actor, Action::Export, Some(&case_id), Some(PURPOSE), None);
    let exported_at = event.at;
    audit::record(&state.store, event).await?;
    let lookups = state
        .store
        .audit_lookups_of_case(&viewer.tenant_id, &doc_id)
        .await?;
    tracing::info!(case.id = %case_id, "case exported");
    Ok(Json(CaseExport {
        case_id,
        exported_at,
        case,
        document,
        conflicts,
        projections,
        refused_changes,
        lookups,
    }))
}
