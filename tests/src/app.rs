//! The server in-process: [`TestApp`], the real application built on a fresh [`TestDatabase`] (port 0), driven
//! through `tower::ServiceExt::oneshot`; and [`Served`], the same application serving over TCP, for devices that
//! speak the sync protocol over a real WebSocket and for the real `tov` binary, while the test still calls the API
//! in-process. The other way to run the server is a real process ([`crate::process::ServerProcess`]).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use server::app::Application;
use server::config::ServeConfig;
use server::state::AppState;
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::DEMO_PASSWORD;
use crate::database::{Backend, TestDatabase, execute_raw};
use crate::device::Device;

/// The signing secret tests configure, so they can forge tokens with it.
pub const JWT_SECRET: &str = "test-signing-secret-that-is-at-least-32-bytes";
/// The identity provider the OIDC tests play.
pub const OIDC_ISSUER: &str = "https://idp.example.test/hoeje-taastrup";
pub const OIDC_AUDIENCE: &str = "tovholder-app";

/// Builds a [`TestApp`]; by default on a fresh database, with the demo loaded and the test signing secret.
#[derive(Clone)]
pub struct TestAppBuilder {
    backend: Backend,
    demo: bool,
    jwt_secret: Option<&'static str>,
    database_url: Option<String>,
    web_dir: Option<std::path::PathBuf>,
    oidc_jwks_url: Option<String>,
    /// Off unless a test asks: requests driven in-process carry no peer address, and a test's devices all come
    /// from 127.0.0.1, so they would all share one allowance.
    public_requests_per_minute: u32,
    metrics_token: Option<&'static str>,
    documents_held: Option<usize>,
    port: u16,
}

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

    /// Serve `GET /metrics` to a scraper showing `token`.
    pub fn metrics_token(mut self, token: &'static str) -> Self {
        self.metrics_token = Some(token);
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

    /// Hold at most `n` documents in memory.
    pub fn documents_held(mut self, n: usize) -> Self {
        self.documents_held = Some(n);
        self
    }

    /// Listen on `port` (0, the default: any free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    pub async fn build(self) -> TestApp {
        let database = match self.database_url {
            Some(_) => None,
            None => Some(TestDatabase::create(self.backend).await),
        };
        self.build_on(database).await
    }

    async fn build_on(self, database: Option<TestDatabase>) -> TestApp {
        let url = self
            .database_url
            .clone()
            .or(database.as_ref().map(|db| db.url.clone()))
            .expect("a database url");
        let mut config = ServeConfig::with_database(&url);
        config.listen = ([127, 0, 0, 1], self.port).into();
        config.demo = self.demo;
        config.demo_password = Some(SecretString::from(DEMO_PASSWORD));
        config.jwt_secret = self.jwt_secret.map(SecretString::from);
        config.public_requests_per_minute = self.public_requests_per_minute;
        config.metrics_token = self.metrics_token.map(SecretString::from);
        if let Some(n) = self.documents_held {
            config.documents_held = n;
        }
        if let Some(dir) = &self.web_dir {
            config.web_dir.clone_from(dir);
        }
        if let Some(jwks_url) = &self.oidc_jwks_url {
            config.oidc_issuer = Some(OIDC_ISSUER.into());
            config.oidc_audience = Some(OIDC_AUDIENCE.into());
            config.oidc_jwks_url = Some(jwks_url.clone());
            config.oidc_tenant = Some("hoeje-taastrup".into());
        }
        let app = Application::build(config).await.expect("the application starts");
        let router = server::app::router(app.state().clone());
        TestApp {
            app,
            router,
            settings: self,
            database,
        }
    }
}

/// A running application on its own database, driven in-process.
pub struct TestApp {
    pub app: Application,
    router: Router,
    /// How it was built, to build it again on the same database ([`Served::pause`]).
    settings: TestAppBuilder,
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
            metrics_token: None,
            documents_held: None,
            port: 0,
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

    /// Runs `sql` on the app's database past the store (see [`execute_raw`]).
    pub async fn execute_raw(&self, sql: &'static str) {
        execute_raw(self.database_url(), sql).await;
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
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

    /// Serves the application over TCP from now on (see [`Served`]).
    pub fn serve(self) -> Served {
        let TestApp {
            app,
            router,
            settings,
            database,
        } = self;
        let (stop, stopped) = oneshot::channel::<()>();
        let state = app.state().clone();
        let port = app.port();
        let task = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Served {
            port,
            state,
            router,
            settings,
            stop: Some(stop),
            task: Some(task),
            database,
        }
    }
}

async fn send(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router
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

/// A [`TestApp`] serving over TCP, while the test also calls its HTTP API in-process with the same state. Stopped
/// when dropped; [`Served::stop`] waits for a graceful end, [`Served::pause`] keeps the database and port to start
/// again (a server outage, or a phone that lost its signal).
pub struct Served {
    pub port: u16,
    pub state: AppState,
    router: Router,
    settings: TestAppBuilder,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Declared last so the database is dropped after the application's pool handles.
    database: Option<TestDatabase>,
}

impl Served {
    /// A fresh database with the demo loaded, served.
    pub async fn start(backend: Backend) -> Served {
        TestApp::spawn(backend).await.serve()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The URL of the database it serves.
    pub fn database_url(&self) -> String {
        self.settings
            .database_url
            .clone()
            .or(self.database.as_ref().map(|db| db.url.clone()))
            .expect("a database url")
    }

    /// A second server process on the same database, as another one behind a load balancer would be: on PostgreSQL
    /// only, `None` on SQLite (an embedded database belongs to one process).
    pub async fn second_process(&self) -> Option<Served> {
        match self.settings.backend {
            Backend::Postgres => Some(
                TestApp::builder(Backend::Postgres)
                    .on_database(&self.database_url())
                    .build()
                    .await
                    .serve(),
            ),
            Backend::Sqlite => None,
        }
    }

    /// Logs a demo user in on a new device, over TCP.
    pub async fn device(&self, tenant: &str, username: &str) -> Device {
        crate::http::login(self.port, tenant, username, DEMO_PASSWORD).await
    }

    /// A demo user, by tenant slug and username.
    pub async fn user(&self, tenant: &str, username: &str) -> server::store::User {
        crate::database::find_user(&self.state.store, tenant, username).await
    }

    /// The id of a demo user's team, as a case document names it.
    pub async fn team_of(&self, tenant: &str, username: &str) -> String {
        self.user(tenant, username)
            .await
            .team_id
            .expect("a demo worker has a team")
            .to_string()
    }

    /// A document as the store holds it now.
    pub async fn stored(&self, doc: sync_core::DocumentId) -> automerge::Automerge {
        let stored = self
            .state
            .store
            .load_document(&doc)
            .await
            .expect("store")
            .expect("stored");
        automerge::Automerge::load(&stored.bytes).expect("loads")
    }

    /// Sends a request in-process, with `token` as bearer and `body` as JSON when given.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        send(&self.router, request.body(body).expect("a valid request")).await
    }

    /// Stops the server and waits until it has closed its connections and database.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    /// Stops the server but keeps its database and port, to start it again with [`Paused::resume`].
    pub async fn pause(mut self) -> Paused {
        self.halt().await;
        Paused {
            settings: self.settings.clone().port(self.port),
            database: self.database.take(),
        }
    }

    async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("stops in time")
                .expect("task")
                .expect("served");
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A stopped server's database and port.
pub struct Paused {
    settings: TestAppBuilder,
    database: Option<TestDatabase>,
}

impl Paused {
    /// Starts the server again on the same port and database.
    pub async fn resume(self) -> Served {
        self.settings.build_on(self.database).await.serve()
    }
}
