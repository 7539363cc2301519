//! The application: shared state, the router with its middleware, and [`Application`], which binds, serves and
//! shuts down.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::serve::ListenerExt;
use rand::RngExt;
use rand::distr::Alphanumeric;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::api;
use crate::audit;
use crate::auth::{TokenError, TokenKeys, password};
use crate::backfill;
use crate::clock;
use crate::compaction;
use crate::config::ServeConfig;
use crate::demo::{self, DemoLogin};
use crate::metrics;
pub use crate::state::AppState;
use crate::store::{JWT_SECRET, Store, StoreError};
use crate::sync::SyncService;
use crate::throttle::{self, Throttle};
use crate::web;

/// The largest request body accepted (login and future JSON endpoints). Sync traffic goes over WebSocket frames,
/// which have their own limits.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The whole HTTP service: routes, error-shaped fallbacks, body limit and request spans.
pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            // The matched route ("/v1/me"), never the URI: a URI can carry a token or an id in its query.
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            tracing::info_span!(
                "request",
                method = %request.method(),
                route,
                user.id = tracing::field::Empty,
                device.id = tracing::field::Empty,
            )
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let (routes, _) = api::routes().split_for_parts();
    let routes = routes.route("/metrics", axum::routing::get(api::scrape_metrics));
    let routes = match state.web_dir.as_deref() {
        Some(dir) => routes.merge(web::routes(dir)),
        None => routes.fallback(api::not_found),
    };
    routes
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        .layer(axum::middleware::from_fn_with_state(
            state.throttle.clone(),
            throttle_public_routes,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(trace)
        .with_state(state)
}

/// A path or query holding an encoded NUL (`%00`) is refused before any handler: PostgreSQL cannot store or compare
/// text holding NUL (SQLite can), and both stores must answer a request alike. Bodies are checked by
/// [`api::ApiJson`].
async fn refuse_nul_in_uri(request: Request, next: axum::middleware::Next) -> axum::response::Response {
    let uri = request.uri();
    let encoded_nul = |text: &str| text.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"));
    if encoded_nul(uri.path()) || uri.query().is_some_and(encoded_nul) {
        return axum::response::IntoResponse::into_response(api::ApiError::BadRequest(
            "text may not contain NUL characters".to_owned(),
        ));
    }
    next.run(request).await
}

/// The routes open without a token take so many requests a minute per address ([`throttle`]); beyond it, 429 with
/// `Retry-After`. Nothing about the caller is logged but the route.
async fn throttle_public_routes(
    axum::extract::State(throttle): axum::extract::State<Arc<Throttle>>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !throttle::is_public_route(request.uri().path()) {
        return next.run(request).await;
    }
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    match throttle.check(address) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!("a public route throttled for an address");
            let mut response = axum::response::IntoResponse::into_response(api::ApiError::RateLimited);
            // Whole seconds, rounded up: a client that waits this long is admitted.
            let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
                .max(1)
                .to_string();
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("demo: {0}")]
    Demo(#[from] demo::DemoError),
    #[error("access tokens: {0}")]
    Token(#[from] TokenError),
    #[error("password hashing: {0}")]
    Password(#[from] password::PasswordError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A server that has connected to its database, migrated it and bound its port, ready to serve.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    demo: Option<(Vec<DemoLogin>, SecretString)>,
    audit_retention: std::time::Duration,
}

impl Application {
    /// Connects and migrates the database, sets up token keys, loads the demo if asked, and binds the listener.
    pub async fn build(config: ServeConfig) -> Result<Application, StartupError> {
        use secrecy::ExposeSecret;
        let store = Store::connect(config.database_url.expose_secret()).await?;
        store.migrate().await?;
        backfill::old_projections(&store, &crate::fit_rules::FitRules::new(store.clone())).await?;
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                store
                    .server_secret_get_or_create(JWT_SECRET, random_secret(), clock::now_ms())
                    .await?
            }
        };
        let metrics_token = match &config.metrics_token {
            Some(token) if token.expose_secret().chars().count() < metrics::MIN_TOKEN_CHARS => {
                return Err(StartupError::Config(format!(
                    "the metrics token must be at least {} characters",
                    metrics::MIN_TOKEN_CHARS
                )));
            }
            Some(token) => Some(metrics::ScrapeToken::new(token)),
            None => None,
        };
        password::prepare().await?;
        let tokens = TokenKeys::new(
            &secret,
            &config.token_issuer,
            &config.token_audience,
            config.access_token_ttl,
        )?;
        let demo = if config.demo {
            let password = config.demo_password.clone().unwrap_or_else(random_password);
            Some((demo::load(&store, &password, config.demo_scale).await?, password))
        } else {
            None
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
        tracing::info!(database = ?store.kind(), %local_addr, "ready");
        let sync = SyncService::start(
            store.clone(),
            crate::sync::Settings {
                grant_limit_minutes: config.grant_limit_minutes,
                grace: config.max_offline,
                documents_held: config.documents_held,
            },
        );
        tokio::spawn(backfill::unfinished_reassessments(
            store.clone(),
            sync.rules.clone(),
        ));
        Ok(Application {
            listener,
            local_addr,
            state: AppState {
                sync,
                store,
                tokens,
                max_offline: config.max_offline,
                web_dir: web_dir(&config),
                oidc: oidc(&config)?,
                throttle: Arc::new(Throttle::per_minute(config.public_requests_per_minute)),
                metrics_token,
            },
            demo,
            audit_retention: config.audit_retention,
        })
    }

    /// The bound port (useful when configured with port 0).
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The demo logins and their password, when started with `--demo`.
    pub fn demo(&self) -> Option<(&[DemoLogin], &SecretString)> {
        self.demo
            .as_ref()
            .map(|(logins, password)| (logins.as_slice(), password))
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish and closes the database pool.
    pub async fn run_until_stopped<F>(self, shutdown: F) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let store = self.state.store.clone();
        let sync = self.state.sync.clone();
        let stop_sync = sync.shutdown.clone();
        // Background compaction stops with the sync service, before the pool closes.
        let compactor = compaction::spawn_compactor(
            store.clone(),
            compaction::INTERVAL,
            stop_sync.clone().cancelled_owned(),
        );
        // The access log's retention purge stops the same way.
        let purger = audit::retention::spawn_purger(
            store.clone(),
            self.audit_retention,
            audit::retention::INTERVAL,
            stop_sync.clone().cancelled_owned(),
        );
        // With each connection's peer address, for the throttle of the public routes.
        let service = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        // Frames are small and a device waits on each answer. With Nagle's algorithm a second small write (an
        // Ack after a sync reply, a second push to an idle phone) waits for the first to be acknowledged, which a
        // peer with nothing to send delays by up to 40 ms; every connection sends its frames at once instead.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
            }
        });
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Sync connections are upgraded out of the HTTP server's sight: tell them separately.
                stop_sync.cancel();
            })
            .await;
        // Every sync connection finishes the commit in hand and closes before the pool goes.
        sync.shut_down().await;
        if let Err(error) = compactor.await {
            tracing::warn!(%error, "the compactor did not stop cleanly");
        }
        if let Err(error) = purger.await {
            tracing::warn!(%error, "the access log purger did not stop cleanly");
        }
        // Closing the pool lets SQLite checkpoint its WAL into the database file.
        store.close().await;
        tracing::info!("stopped");
        served
    }
}

/// 32 random bytes, hex encoded: a 256-bit HS256 key.
fn random_secret() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    SecretString::from(bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>())
}

/// A demo password that is easy to type: 16 letters and digits (about 95 bits).
fn random_password() -> SecretString {
    let password: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    SecretString::from(password)
}

/// The web app's directory if it holds a build; says where it looked otherwise.
fn web_dir(config: &ServeConfig) -> Option<Arc<std::path::PathBuf>> {
    if web::is_built(&config.web_dir) {
        tracing::info!(dir = %config.web_dir.display(), "serving the web app");
        Some(Arc::new(config.web_dir.clone()))
    } else {
        tracing::info!(
            dir = %config.web_dir.display(),
            "no built web app there (npm run build in clients/web); serving the API and sync only"
        );
        None
    }
}

/// The identity provider of the configuration: all four of issuer, audience, JWKS URL and tenant, or none.
fn oidc(config: &ServeConfig) -> Result<Option<Arc<crate::auth::oidc::Oidc>>, StartupError> {
    match (
        &config.oidc_issuer,
        &config.oidc_audience,
        &config.oidc_jwks_url,
        &config.oidc_tenant,
    ) {
        (Some(issuer), Some(audience), Some(jwks_url), Some(tenant)) => {
            tracing::info!(%issuer, %tenant, "logins through the identity provider are on");
            let provider = crate::auth::oidc::Oidc::new(
                issuer.clone(),
                audience.clone(),
                jwks_url.clone(),
                tenant.clone(),
                config.oidc_username_claim.clone(),
            )
            .map_err(|error| StartupError::Config(error.to_string()))?;
            Ok(Some(Arc::new(provider)))
        }
        (None, None, None, None) => Ok(None),
        _ => Err(StartupError::Config(
            "--oidc-issuer, --oidc-audience, --oidc-jwks-url and --oidc-tenant go together".into(),
        )),
    }
}
