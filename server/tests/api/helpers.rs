//! Test harness: [`TestApp`], the application built (port 0) on a fresh [`TestDatabase`] and driven in-process
//! through `tower::ServiceExt::oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use server::app::{AppState, Application};
use server::config::ServeConfig;
use server::store::{AuditFilter, AuditRow, Store, Viewer};
use sync_core::protocol::Access;
use tower::ServiceExt;

pub use crate::database::{Backend, TestDatabase, skip_postgres};

/// The demo users' password in tests.
pub const DEMO_PASSWORD: &str = "demo-password-for-tests";
/// The signing secret tests configure, so they can forge tokens with it.
pub const JWT_SECRET: &str = "test-signing-secret-that-is-at-least-32-bytes";

/// Builds a [`TestApp`]; by default on a fresh database, with the demo loaded and the test signing secret.
pub struct TestAppBuilder {
    backend: Backend,
    demo: bool,
    jwt_secret: Option<&'static str>,
    database_url: Option<String>,
    web_dir: Option<std::path::PathBuf>,
    oidc_jwks_url: Option<String>,
    /// Off unless a test asks: requests driven in-process carry no peer address, so they would all share one
    /// allowance.
    public_requests_per_minute: u32,
}

/// The identity provider the OIDC tests play.
pub const OIDC_ISSUER: &str = "https://idp.example.test/hoeje-taastrup";
pub const OIDC_AUDIENCE: &str = "tovholder-app";

impl TestAppBuilder {
    /// Accept ID tokens of [`OIDC_ISSUER`] for [`OIDC_AUDIENCE`], with keys from `jwks_url`, for hoeje-taastrup.
    pub fn oidc(mut self, jwks_url: &str) -> Self {
        self.oidc_jwks_url = Some(jwks_url.to_owned());
        self
    }

    /// Serve a built web app from `dir`.
    pub fn web_dir(mut self, dir: &std::path::Path) -> Self {
        self.web_dir = Some(dir.to_owned());
        self
    }

    /// Throttle the public routes to `per_minute` requests per address, as `tovholder serve` does by default.
    pub fn throttled(mut self, per_minute: u32) -> Self {
        self.public_requests_per_minute = per_minute;
        self
    }

    pub fn without_demo(mut self) -> Self {
        self.demo = false;
        self
    }

    /// Let the server generate (or find) its signing secret in the database.
    pub fn generated_secret(mut self) -> Self {
        self.jwt_secret = None;
        self
    }

    /// Use an existing database (another test app's), as a second server process would.
    pub fn on_database(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_owned());
        self
    }

    pub async fn build(self) -> TestApp {
        let database = match self.database_url {
            Some(_) => None,
            None => Some(TestDatabase::create(self.backend).await),
        };
        let url = self
            .database_url
            .as_deref()
            .or(database.as_ref().map(|db| db.url.as_str()));
        let mut config = ServeConfig::with_database(url.expect("a database url"));
        config.listen = ([127, 0, 0, 1], 0).into();
        config.demo = self.demo;
        config.demo_password = Some(SecretString::from(DEMO_PASSWORD));
        config.jwt_secret = self.jwt_secret.map(SecretString::from);
        config.public_requests_per_minute = self.public_requests_per_minute;
        if let Some(dir) = self.web_dir {
            config.web_dir = dir;
        }
        if let Some(jwks_url) = self.oidc_jwks_url {
            config.oidc_issuer = Some(OIDC_ISSUER.into());
            config.oidc_audience = Some(OIDC_AUDIENCE.into());
            config.oidc_jwks_url = Some(jwks_url);
            config.oidc_tenant = Some("hoeje-taastrup".into());
        }
        let app = Application::build(config).await.expect("the application starts");
        let router = server::app::router(app.state().clone());
        TestApp {
            app,
            router,
            database,
        }
    }
}

/// A running application on its own database, driven in-process.
pub struct TestApp {
    pub app: Application,
    router: Router,
    // Declared last so the database is dropped after the application's pool handles.
    pub database: Option<TestDatabase>,
}

/// A response with its body read: JSON when it parses, else the text as a JSON string.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub body: Value,
}

impl TestResponse {
    /// The `error.code` of an error response.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<not the error shape>")
    }
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            demo: true,
            jwt_secret: Some(JWT_SECRET),
            database_url: None,
            web_dir: None,
            oidc_jwks_url: None,
            public_requests_per_minute: 0,
        }
    }

    /// A fresh database with the demo loaded.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::builder(backend).build().await
    }

    pub fn state(&self) -> &AppState {
        self.app.state()
    }

    pub fn database_url(&self) -> &str {
        self.database
            .as_ref()
            .map(|db| db.url.as_str())
            .expect("this app created its database")
    }

    /// Runs `sql` on the app's database past the store, as someone with the database's password would (to
    /// tamper, or to recreate what an older schema left).
    pub async fn execute_raw(&self, sql: &'static str) {
        execute_raw(self.database_url(), sql).await;
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        TestResponse { status, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        let mut request = Request::get(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).expect("a valid request"))
            .await
    }

    /// POSTs raw bytes with the given content type (none if `None`).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut request = Request::post(path);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).expect("a valid request"))
            .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.post_raw(path, Some("application/json"), body.to_string())
            .await
    }

    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> TestResponse {
        let body =
            json!({ "tenant": tenant, "username": username, "password": password, "device": "test phone" });
        self.post_json("/v1/auth/login", &body).await
    }

    /// Logs a demo user in and returns the access token.
    pub async fn token_for(&self, tenant: &str, username: &str) -> String {
        let response = self.login(tenant, username, DEMO_PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "login of {username}: {:?}",
            response.body
        );
        response.body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }
}

/// A tenant's id, by its slug.
pub async fn tenant_id(store: &Store, slug: &str) -> String {
    store
        .tenant_by_slug(slug)
        .await
        .expect("store")
        .unwrap_or_else(|| panic!("no tenant {slug}"))
        .id
}

/// The access log rows of a tenant (by its slug) that `filter` selects, newest first.
pub async fn audit_rows(store: &Store, slug: &str, filter: AuditFilter) -> Vec<AuditRow> {
    let tenant = tenant_id(store, slug).await;
    store.audit_search(&tenant, &filter).await.expect("store")
}

/// Whether `viewer` may see the case, as the sync session is told (for a device that holds nothing).
pub async fn sees(store: &Store, viewer: &Viewer, doc_id: &str) -> bool {
    matches!(
        store.access(viewer, "no-device", doc_id).await.expect("store"),
        Access::Read | Access::Write
    )
}

/// Runs `sql` on the database at `url` past the store (see [`TestApp::execute_raw`]).
#[allow(clippy::disallowed_methods, reason = "tests reach past the store on purpose")]
pub async fn execute_raw(url: &str, sql: &'static str) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("connects");
        sqlx::query(sql).execute(&pool).await.expect("runs");
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connects");
        sqlx::query(sql).execute(&pool).await.expect("runs");
        pool.close().await;
    }
}
