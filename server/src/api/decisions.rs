//! A lead's decisions from the review screens, written into the case document as ordinary automerge changes
//! (through [`SyncService::edit_case`](crate::sync::SyncService::edit_case): validated, committed with the
//! projection, pushed to every phone holding the case):
//!
//! - `POST /v1/review/cases/{id}/courses/{course}/approval` `{"approve": bool}`: a grant awaiting approval;
//! - `POST /v1/review/cases/{id}/conflicts/resolve` `{"field": "plan.goals.<id>.status", "value": "paused"}`: one
//!   of a conflicted field's values, as the review page listed it, supersedes the others (409 if the field's
//!   values are no longer what the page showed);
//! - `POST /v1/review/refusals/{id}/dismiss`: a refused change has been handled (the store only; the document
//!   never held it).
//!
//! Only a lead of the case's own team decides (grants.rs holds the same rule for decisions that come by sync);
//! an admin may dismiss refusals too. A case the caller may not review answers like a missing one. Each
//! decision is in the access log as a change with purpose `review_decision`.

use automerge::ActorId;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use sync_core::DocumentId;
use sync_core::case::{CaseError, conflicts, read_valid_case};
use sync_core::validation::{Problem, ValidationError};

use super::AuthUser;
use super::{ApiError, ApiJson, caller};
use crate::audit::Action;
use crate::authz::Act;
use crate::clock;
use crate::ids::parse_case_id;
use crate::state::AppState;
use crate::store::Viewer;
use crate::sync::EditError;

const PURPOSE: &str = "review_decision";
const MAX_ID_CHARS: usize = 128;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    approve: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictChoice {
    /// The conflicted field's dotted path.
    field: String,
    /// The value chosen, exactly as the review page listed it.
    value: serde_json::Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Decided {
    case_id: String,
    /// The commit's sequence number; `None` for a decision outside the document (a dismissed refusal).
    seq: Option<i64>,
}

/// Approve or reject a grant awaiting approval (the case's team lead), as a change under the lead's actor.
#[utoipa::path(post, path = "/v1/review/cases/{id}/courses/{course}/approval", tag = "decisions", params(("id" = String, Path, description = "case id"), ("course" = String, Path, description = "course id")), request_body = ApprovalDecision, security(("bearer" = [])), responses((status = 200, body = Decided), super::Refusals))]
pub async fn approval(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((case_id, course_id)): Path<(String, String)>,
    ApiJson(decision): ApiJson<ApprovalDecision>,
) -> Result<Json<Decided>, ApiError> {
    let (viewer, doc_id) = team_lead_of(&state, &caller, &case_id, Act::DecideGrant).await?;
    let by = viewer.user_id.clone();
    let course = course_id.clone();
    let detail = format!(
        "grant {} course={course_id}",
        if decision.approve { "approved" } else { "rejected" }
    );
    let logged = caller::event(
        &viewer,
        &caller,
        Action::Change,
        Some(&case_id),
        PURPOSE,
        Some(&detail),
    );
    let seq = state
        .sync
        .edit_case(doc_id, fresh_actor(), &viewer.user_id, logged, move |doc| {
            let case = doc.read()?;
            let awaiting = case
                .courses
                .get(&course)
                .ok_or_else(|| CaseError::NotFound {
                    what: "course",
                    id: course.clone(),
                })?
                .approval
                .state
                == "awaiting";
            if !awaiting {
                // Decided already (perhaps by another lead a moment ago): a decision is not overwritten here.
                return Err(CaseError::Invalid(ValidationError::new(
                    format!("courses.{course}.approval"),
                    Problem::Immutable,
                    "the grant is not awaiting a decision",
                )));
            }
            doc.decide_approval(&course, decision.approve, by.as_str(), clock::now_ms())?;
            Ok(())
        })
        .await
        .map_err(|error| match error {
            // The course is named in the path: a course the case does not hold is a resource that does not exist.
            EditError::Case(CaseError::NotFound { .. }) => ApiError::NotFound,
            other => edit_error(other),
        })?;
    Ok(Json(Decided {
        case_id,
        seq: Some(seq),
    }))
}

/// Pick one value of a conflicted field (the case's team lead); 409 if the field changed since it was read.
#[utoipa::path(post, path = "/v1/review/cases/{id}/conflicts/resolve", tag = "decisions", params(("id" = String, Path, description = "case id")), request_body = ConflictChoice, security(("bearer" = [])), responses((status = 200, body = Decided), super::Refusals))]
pub async fn resolve_conflict(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(case_id): Path<String>,
    ApiJson(choice): ApiJson<ConflictChoice>,
) -> Result<Json<Decided>, ApiError> {
    let (viewer, doc_id) = team_lead_of(&state, &caller, &case_id, Act::ResolveConflict).await?;
    let field = choice.field.clone();
    let detail = format!("conflict resolved field={}", choice.field);
    let logged = caller::event(
        &viewer,
        &caller,
        Action::Change,
        Some(&case_id),
        PURPOSE,
        Some(&detail),
    );
    let seq = state
        .sync
        .edit_case(doc_id, fresh_actor(), &viewer.user_id, logged, move |doc| {
            let found = conflicts::list(doc.automerge());
            let conflict = found
                .iter()
                .find(|c| c.field() == field)
                .ok_or_else(|| CaseError::NotFound {
                    what: "conflicted field",
                    id: field.clone(),
                })?;
            // The value the lead saw and chose must still be one of the field's values: if the values changed since
            // the page was loaded, nothing is written.
            let value = conflict
                .values
                .iter()
                .map(|v| &v.value)
                .find(|v| **v == choice.value)
                .cloned()
                .ok_or_else(|| {
                    ValidationError::new(
                        &field,
                        Problem::Immutable,
                        "the chosen value is not one of the field's values now: load the case again",
                    )
                })?;
            conflicts::resolve(doc.automerge_mut(), &conflict.path, &value, clock::now_ms())?;
            // `resolve` writes JSON past the typed model: the result must still be a valid case.
            read_valid_case(doc.automerge())?;
            Ok(())
        })
        .await
        .map_err(edit_error)?;
    Ok(Json(Decided {
        case_id,
        seq: Some(seq),
    }))
}

/// A refused change has been handled (the case's team lead; admin).
#[utoipa::path(post, path = "/v1/review/refusals/{id}/dismiss", tag = "decisions", params(("id" = String, Path, description = "refused change id")), security(("bearer" = [])), responses((status = 200, body = Decided), super::Refusals))]
pub async fn dismiss_refusal(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(refusal_id): Path<String>,
) -> Result<Json<Decided>, ApiError> {
    let viewer = caller::viewer(&state.store, &caller).await?;
    if refusal_id.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::NotFound);
    }
    let entry = state
        .store
        .quarantined(&refusal_id)
        .await?
        .filter(|entry| entry.tenant_id == viewer.tenant_id)
        .ok_or(ApiError::NotFound)?;
    // A refusal names a case the device may not have been allowed to see, or none that exists: then only an
    // admin handles it. A lead of another team learns nothing about the refusal.
    // A refusal names the case its device named, stored in the form the store keeps.
    let doc_id = parse_case_id(&entry.doc_id).ok_or(ApiError::NotFound)?;
    caller::may_on_case(&state.store, &viewer, Act::DismissRefusal, &doc_id).await?;
    if !state
        .store
        .dismiss_quarantined(&refusal_id, clock::now_ms())
        .await?
    {
        return Err(ApiError::StateConflict(
            "this refused change was dismissed already".into(),
        ));
    }
    caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Change,
        Some(&entry.doc_id),
        PURPOSE,
        Some(&format!("refusal dismissed id={refusal_id}")),
    )
    .await?;
    Ok(Json(Decided {
        case_id: entry.doc_id,
        seq: None,
    }))
}

/// The caller, if they lead the team of the case `case_id`, and the case's id. A case out of the caller's
/// review scope is not found; one they review but do not lead (an admin, an assignment elsewhere) is forbidden.
async fn team_lead_of(
    state: &AppState,
    caller: &AuthUser,
    case_id: &str,
    act: Act,
) -> Result<(Viewer, DocumentId), ApiError> {
    let viewer = caller::viewer(&state.store, caller).await?;
    if case_id.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::NotFound);
    }
    let doc_id = parse_case_id(case_id).ok_or(ApiError::NotFound)?;
    caller::may_on_case(&state.store, &viewer, act, &doc_id).await?;
    Ok((viewer, doc_id))
}

/// A new actor for each server-made change: changes made under the document's lock never run concurrently, and
/// the change's author (the lead) is recorded in the document (`approval.by`) and in the access log.
fn fresh_actor() -> ActorId {
    ActorId::from(uuid::Uuid::new_v4().as_bytes().as_slice())
}

fn edit_error(error: EditError) -> ApiError {
    match error {
        EditError::NotFound => ApiError::NotFound,
        EditError::Case(CaseError::NotFound { what, id }) => {
            ApiError::BadRequest(format!("no {what} {id} in this case"))
        }
        EditError::Case(CaseError::Invalid(invalid)) if invalid.problem == Problem::Immutable => {
            ApiError::StateConflict(invalid.to_string())
        }
        EditError::Case(CaseError::Invalid(invalid)) => ApiError::BadRequest(invalid.to_string()),
        other => ApiError::internal(other),
    }
}
