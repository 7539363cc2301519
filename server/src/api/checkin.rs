//! The citizen's check-in: a one-time link to rate ORS/SRS on their own phone during a video or phone contact.
//!
//! - `POST /v1/cases/{id}/checkins` (the worker, who may see the case): creates a link for one contact of kind
//!   video or phone, valid for a limited time (default 2 hours).
//! - `GET /v1/checkin/{token}` (no login: the link is the credential): what the citizen's page shows, the
//!   municipality's name and the scales with their short labels, and nothing about the case.
//! - `POST /v1/checkin/{token}`: the citizen's scores, in millimetres; they land in the contact as the citizen's own
//!   rating, as a server change to the case document, and reach the worker's phone at its next sync.
//!
//! A used or expired link is answered 410 with the codes `checkin_used` / `checkin_expired`; an unknown one 404.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sync_core::DocumentId;
use sync_core::case::{CaseError, RatingSlot, read_case};
use sync_core::fit::{Family, Instrument, RaterKind, Rating};

use super::AuthUser;
use super::{ApiError, ApiJson, caller};
use crate::audit::Action;
use crate::authz::{self, Act, On};
use crate::clock;
use crate::ids::parse_case_id;
use crate::state::AppState;
use crate::store::{AuditRecord, Checkin, NewCheckin};

const MINUTE_MS: i64 = 60 * 1000;
const DEFAULT_MINUTES: i64 = 120;
pub(super) const MAX_MINUTES: i64 = 24 * 60;
/// Longer than any token or document id: a longer path segment names nothing.
const MAX_SEGMENT_CHARS: usize = 128;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateRequest {
    contact_id: String,
    /// `"ors"`, `"srs"` or both.
    #[schema(min_items = 1, max_items = 2)]
    scales: Vec<String>,
    /// How long the link works (default 120).
    #[schema(minimum = 1, maximum = 1440)]
    minutes_valid: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    token: String,
    /// The citizen's page; the token travels in the fragment, so it never reaches a server log.
    path: String,
    expires_at: i64,
}

/// A one-time check-in link for a video or phone contact (worker, lead).
#[utoipa::path(post, path = "/v1/cases/{id}/checkins", tag = "check-in", params(("id" = String, Path, description = "case id")), request_body = CreateRequest, security(("bearer" = [])), responses((status = 200, body = Created), super::Refusals))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<Json<Created>, ApiError> {
    let viewer = state
        .store
        .viewer(&caller.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let doc_id = parse_case(&case_id)?;
    // The citizen's scores will change the case: break-the-glass, which opens a case to read, is not enough.
    let access = state.store.access(&viewer, &caller.device_id, &doc_id).await?;
    let home = state.store.case_home(&doc_id).await?;
    let team = home.as_ref().and_then(|(_, team)| team.as_ref());
    caller::require(authz::check(&viewer, Act::ChangeCase, On::Case { team, access }))?;
    let scales = parse_scales(&request.scales)?;
    let minutes = request.minutes_valid.unwrap_or(DEFAULT_MINUTES);
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(ApiError::BadRequest(format!(
            "minutes_valid must be 1 to {MAX_MINUTES}"
        )));
    }
    let guard = state
        .sync
        .documents
        .open(doc_id)
        .await
        .map_err(ApiError::internal)?;
    let loaded = guard.as_ref().ok_or(ApiError::NotFound)?;
    let case = read_case(&loaded.doc).map_err(ApiError::internal)?;
    let contact = case
        .contacts
        .get(&request.contact_id)
        .ok_or_else(|| ApiError::BadRequest("the case has no such contact".into()))?;
    if !matches!(contact.kind.as_str(), "video" | "phone") {
        return Err(ApiError::BadRequest(
            "check-ins are for video and phone contacts".into(),
        ));
    }
    drop(guard);

    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let now = clock::now_ms();
    let expires_at = now + minutes * MINUTE_MS;
    state
        .store
        .create_checkin(&NewCheckin {
            token_hash: &hash(&token),
            tenant_id: &viewer.tenant_id,
            case_id: &doc_id,
            contact_id: &request.contact_id,
            scales: &scales.join(","),
            created_by: &viewer.user_id,
            now_ms: now,
            expires_at,
        })
        .await?;
    tracing::info!(case.id = %case_id, user.id = %viewer.user_id, "check-in link created");
    let detail = format!(
        "contact={} scales={} minutes={minutes}",
        request.contact_id,
        scales.join(",")
    );
    super::caller::log(
        &state.store,
        &viewer,
        &caller,
        Action::Create,
        Some(&case_id),
        "checkin_link",
        Some(&detail),
    )
    .await?;
    Ok(Json(Created {
        path: format!("/checkin#{token}"),
        token,
        expires_at,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Page {
    municipality: String,
    scales: Vec<Scale>,
    expires_at: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Scale {
    instrument: Instrument,
    items: Vec<Item>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Item {
    key: &'static str,
    da: &'static str,
    en: &'static str,
}

/// The citizen's check-in page: municipality and scales. No login: the link is the credential.
#[utoipa::path(get, path = "/v1/checkin/{token}", tag = "check-in", params(("token" = String, Path, description = "the link's token")), responses((status = 200, body = Page), super::Refusals))]
pub async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<Page>, ApiError> {
    let checkin = usable(&state, &token).await?;
    let tenant = state
        .store
        .tenant_by_id(&checkin.tenant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let scales = instruments(&state, &checkin)
        .await?
        .into_iter()
        .map(|instrument| Scale {
            instrument,
            items: instrument
                .items()
                .iter()
                .map(|i| Item {
                    key: i.key,
                    da: i.da,
                    en: i.en,
                })
                .collect(),
        })
        .collect();
    Ok(Json(Page {
        municipality: tenant.name,
        scales,
        expires_at: checkin.expires_at,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Submission {
    /// Four item scores in millimetres (0–100), for each scale of the link.
    ors: Option<Vec<i64>>,
    srs: Option<Vec<i64>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Saved {
    status: &'static str,
}

/// The citizen's scores; they land in the contact and the link is used up.
#[utoipa::path(post, path = "/v1/checkin/{token}", tag = "check-in", params(("token" = String, Path, description = "the link's token")), request_body = Submission, responses((status = 200, body = Saved), super::Refusals))]
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(submission): ApiJson<Submission>,
) -> Result<Json<Saved>, ApiError> {
    let checkin = usable(&state, &token).await?;
    let mut ratings = Vec::new();
    for instrument in instruments(&state, &checkin).await? {
        let (slot, items) = match instrument.family() {
            Family::Outcome => (RatingSlot::Outcome, &submission.ors),
            Family::Session => (RatingSlot::Session, &submission.srs),
        };
        let items = items
            .as_ref()
            .ok_or_else(|| ApiError::BadRequest(format!("{instrument} scores are missing")))?;
        let rating = Rating {
            instrument,
            entry: sync_core::fit::Entry::Items { items: items.clone() },
            rater: RaterKind::Citizen,
        };
        rating
            .validate()
            .map_err(|e| ApiError::BadRequest(e.within(slot_name(slot)).to_string()))?;
        ratings.push((slot, rating));
    }
    let token_hash = hash(&token);
    if !state.store.claim_checkin(&token_hash, clock::now_ms()).await? {
        return Err(ApiError::Gone("checkin_used"));
    }
    let doc_id = parse_case(&checkin.case_id)?;
    let actor = automerge::ActorId::from(uuid::Uuid::new_v4().as_bytes().as_slice());
    // The access log records the change, made by the citizen through the link, not by a logged-in user.
    let logged = AuditRecord {
        at: clock::now_ms(),
        tenant_id: Some(&checkin.tenant_id),
        user_id: None,
        device_id: None,
        action: Action::Change.as_str(),
        case_id: Some(&checkin.case_id),
        purpose: Some("citizen check-in"),
        detail: None,
    };
    let written = state
        .sync
        .edit_case(doc_id, actor, &checkin.created_by, logged, |doc| {
            for (slot, rating) in &ratings {
                doc.set_rating(&checkin.contact_id, *slot, Some(rating.clone()), clock::now_ms())?;
            }
            Ok::<(), CaseError>(())
        })
        .await;
    if let Err(error) = written {
        // The link stays usable: the citizen's scores were not stored.
        state.store.release_checkin(&token_hash).await?;
        return Err(ApiError::internal(error));
    }
    tracing::info!(case.id = %checkin.case_id, "check-in scores stored");
    Ok(Json(Saved { status: "saved" }))
}

/// The check-in of `token` if it can still be used; the errors say plainly why not.
async fn usable(state: &AppState, token: &str) -> Result<Checkin, ApiError> {
    if token.len() > MAX_SEGMENT_CHARS {
        return Err(ApiError::NotFound);
    }
    let checkin = state
        .store
        .checkin(&hash(token))
        .await?
        .ok_or(ApiError::NotFound)?;
    if checkin.used_at.is_some() {
        return Err(ApiError::Gone("checkin_used"));
    }
    if checkin.expires_at <= clock::now_ms() {
        return Err(ApiError::Gone("checkin_expired"));
    }
    Ok(checkin)
}

/// The instruments of the link's scales: the forms sync-core's `fit::forms` chooses for a contact today (the
/// children's forms for citizens aged 12 or under).
async fn instruments(state: &AppState, checkin: &Checkin) -> Result<Vec<Instrument>, ApiError> {
    let doc_id = parse_case(&checkin.case_id)?;
    let guard = state
        .sync
        .documents
        .open(doc_id)
        .await
        .map_err(ApiError::internal)?;
    let loaded = guard.as_ref().ok_or(ApiError::NotFound)?;
    let case = read_case(&loaded.doc).map_err(ApiError::internal)?;
    let year = sync_core::case::date::Date::from_unix_ms(clock::now_ms()).year();
    // A check-in is a video or phone contact of one citizen: never a group session.
    let forms = sync_core::fit::forms(case.citizen.birth_year, "video", year);
    Ok(checkin
        .scales
        .split(',')
        .map(|scale| match scale {
            "ors" => forms.outcome,
            _ => forms.session,
        })
        .collect())
}

fn parse_scales(scales: &[String]) -> Result<Vec<&'static str>, ApiError> {
    let mut chosen = Vec::new();
    for scale in scales {
        match scale.as_str() {
            "ors" if !chosen.contains(&"ors") => chosen.push("ors"),
            "srs" if !chosen.contains(&"srs") => chosen.push("srs"),
            _ => {
                return Err(ApiError::BadRequest(
                    "scales are \"ors\" and/or \"srs\", each once".into(),
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err(ApiError::BadRequest("choose at least one scale".into()));
    }
    Ok(chosen)
}

fn parse_case(case_id: &str) -> Result<DocumentId, ApiError> {
    if case_id.len() > MAX_SEGMENT_CHARS {
        return Err(ApiError::NotFound);
    }
    parse_case_id(case_id).ok_or(ApiError::NotFound)
}

fn slot_name(slot: RatingSlot) -> &'static str {
    match slot {
        RatingSlot::Outcome => "ors",
        RatingSlot::Session => "srs",
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
