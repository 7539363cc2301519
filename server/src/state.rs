//! What every handler can reach: the store, the token keys, the sync service and the settings the routes need. A
//! module of its own, below the API, the sync endpoint and the web app that all take it, and above nothing of
//! theirs, so none of them imports another through it.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::auth::TokenKeys;
use crate::store::Store;
use crate::sync::SyncService;
use crate::throttle::Throttle;

/// What every handler can reach. Cheap to clone: both parts are handles.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub tokens: TokenKeys,
    pub sync: Arc<SyncService>,
    /// How long a refresh token lives: the maximum offline period.
    pub max_offline: std::time::Duration,
    /// The built web app, served at `/` when present.
    pub web_dir: Option<Arc<std::path::PathBuf>>,
    /// The identity provider whose ID tokens log users in, when configured.
    pub oidc: Option<Arc<crate::auth::oidc::Oidc>>,
    /// The per-address limit on the routes open without a token.
    pub throttle: Arc<Throttle>,
    /// The operator's scrape token for `GET /metrics`; without one the route does not exist.
    pub metrics_token: Option<crate::metrics::ScrapeToken>,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

impl FromRef<AppState> for TokenKeys {
    fn from_ref(state: &AppState) -> TokenKeys {
        state.tokens.clone()
    }
}
