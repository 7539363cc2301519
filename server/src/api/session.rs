//! `POST /v1/auth/login` (password login that registers a device) and `GET /v1/me` (who a token belongs to).

use axum::Json;
use axum::extract::State;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::AuthUser;
use super::{ApiError, ApiJson};
use crate::audit::{self, Action, Actor};
use crate::auth::Subject;
use crate::auth::login::{self, LoginOutcome};
use crate::clock;
use crate::ids::{DeviceId, TeamId, TenantId, UserId};
use crate::state::AppState;
use crate::store::{AuditRecord, RefreshOwner, Role, Tenant, User};

/// Upper bounds on login fields: generous for real input, small enough that nobody hashes a megabyte.
pub(super) const MAX_NAME_CHARS: usize = 128;
pub(super) const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Tenant slug, e.g. `hoeje-taastrup`.
    #[schema(max_length = 128)]
    tenant: String,
    #[schema(max_length = 128)]
    username: String,
    #[schema(value_type = String, format = Password, max_length = 1024)]
    password: SecretString,
    /// A name for this device chosen by the client ("Annas telefon"); not only blanks.
    #[schema(max_length = 128, pattern = r"\S")]
    device: String,
    /// The device this client logged in as before. If it is the same user's and not revoked, the login continues
    /// it (its holdings, so purges, carry over) instead of registering a new device.
    #[serde(default)]
    device_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    /// Opaque; exchanged at `POST /v1/auth/refresh` for new tokens, once.
    refresh_token: String,
    /// Seconds until the refresh token expires (the maximum offline period).
    refresh_expires_in: u64,
    #[schema(value_type = String)]
    device_id: DeviceId,
    user: UserView,
}

/// A user as the API shows it. `tenant` is the tenant id, as in the token; `tenant_slug` is what users type.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(value_type = String)]
    id: UserId,
    username: String,
    role: Role,
    #[schema(value_type = String)]
    tenant: TenantId,
    tenant_slug: String,
    #[schema(value_type = Option<String>)]
    team_id: Option<TeamId>,
}

impl UserView {
    fn new(user: User, tenant: Tenant) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            role: user.role,
            tenant: tenant.id,
            tenant_slug: tenant.slug,
            team_id: user.team_id,
        }
    }
}

/// Password login: registers (or continues) a device and returns an access and a refresh token.
#[utoipa::path(post, path = "/v1/auth/login", tag = "sessions", request_body = LoginRequest, responses((status = 200, body = LoginResponse), super::Refusals))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    check_length("tenant", &request.tenant)?;
    check_length("username", &request.username)?;
    check_length("device", &request.device)?;
    if request.device.trim().is_empty() {
        return Err(ApiError::BadRequest("device must name the device".to_owned()));
    }
    if request.password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "password is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }

    let now = clock::now_ms();
    let outcome = login::verify(
        &state.store,
        &request.tenant,
        &request.username,
        &request.password,
        now,
    )
    .await
    .map_err(|error| match error {
        login::LoginError::Store(error) => ApiError::from(error),
        other => ApiError::internal(other),
    })?;
    let (user, tenant) = match outcome {
        LoginOutcome::Success { user, tenant } => (user, tenant),
        LoginOutcome::Refused {
            reason,
            user_id,
            tenant_id,
        } => {
            tracing::warn!(
                ?reason,
                user.id = user_id.as_ref().map(UserId::as_str),
                "login refused"
            );
            // A name that is no user's was only counted (store/login.rs): it accessed nothing of the tenant's, and
            // a row per guess would let a stranger grow the access log without bound.
            let (Some(user_id), Some(tenant_id)) = (user_id, tenant_id) else {
                return Err(ApiError::LoginFailed);
            };
            // The access log names the tenant and user; never the attempted username.
            let detail = format!("{reason:?}");
            let failed = AuditRecord {
                at: now,
                tenant_id: Some(&tenant_id),
                user_id: Some(&user_id),
                device_id: None,
                action: Action::LoginFailed.as_str(),
                case_id: None,
                purpose: None,
                detail: Some(&detail),
            };
            audit::record(&state.store, failed).await?;
            return Err(ApiError::LoginFailed);
        }
    };
    if let Some(id) = &request.device_id {
        check_length("device_id", id)?;
    }
    let device = DeviceChoice {
        name: request.device.trim(),
        // An id that is none of ours continues nothing, as an unknown one: the login registers a new device.
        resume: request.device_id.as_deref().and_then(|id| id.parse().ok()),
    };
    start_session(&state, user, tenant, device, now).await.map(Json)
}

/// Which device a login is for: a new one by this name, or the one the client names, if it may go on.
pub(super) struct DeviceChoice<'a> {
    pub name: &'a str,
    pub resume: Option<DeviceId>,
}

/// After a user proved who they are (password, or an external identity provider): registers the device (or
/// continues the one the client names, when it is this user's and not revoked), issues the access and refresh
/// tokens, and logs the login.
pub(super) async fn start_session(
    state: &AppState,
    user: User,
    tenant: Tenant,
    choice: DeviceChoice<'_>,
    now: i64,
) -> Result<LoginResponse, ApiError> {
    let resumed = match choice.resume {
        Some(id) => state
            .store
            .device_by_id(&id)
            .await?
            .filter(|d| d.user_id == user.id && d.tenant_id == tenant.id && d.revoked_at.is_none()),
        None => None,
    };
    let device = match resumed {
        Some(device) => device,
        None => {
            state
                .store
                .register_device(&user.id, &tenant.id, choice.name, now)
                .await?
        }
    };
    let subject = Subject {
        user_id: &user.id,
        tenant_id: &tenant.id,
        role: user.role,
        device_id: &device.id,
    };
    let issued = state.tokens.issue(subject, clock::unix_seconds(now))?;
    tracing::info!(user.id = %user.id, tenant.id = %tenant.id, device.id = %device.id, "login succeeded");
    let actor = Actor {
        tenant_id: &tenant.id,
        user_id: &user.id,
        device_id: &device.id,
    };
    audit::record(&state.store, audit::event(actor, Action::Login, None, None, None)).await?;
    let owner = RefreshOwner {
        tenant_id: tenant.id.clone(),
        user_id: user.id.clone(),
        device_id: device.id.clone(),
        role: user.role,
    };
    let refresh = super::refresh::issue(state, &owner, now).await?;
    Ok(LoginResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        refresh_token: refresh.token,
        refresh_expires_in: refresh.expires_in,
        device_id: device.id,
        user: UserView::new(user, tenant),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    user: UserView,
    #[schema(value_type = String)]
    device_id: DeviceId,
}

/// The caller, as the database knows them now (a role change shows here before the token is renewed).
#[utoipa::path(get, path = "/v1/me", tag = "sessions", security(("bearer" = [])), responses((status = 200, body = MeResponse), super::Refusals))]
pub async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Json<MeResponse>, ApiError> {
    let user = state
        .store
        .user_by_id(&caller.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let tenant = state
        .store
        .tenant_by_id(&user.tenant_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(Json(MeResponse {
        user: UserView::new(user, tenant),
        device_id: caller.device_id,
    }))
}

fn check_length(field: &str, value: &str) -> Result<(), ApiError> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::BadRequest(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(())
}
