//! [`Served`]: a [`TestApp`] serving over TCP (for WebSocket devices) while the test also calls its HTTP API
//! in-process with the same state.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use server::state::AppState;
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::helpers::{DEMO_PASSWORD, TestApp, TestDatabase, TestResponse};
use tests::device::Device;

/// A running server; stop it with [`Served::stop`].
pub struct Served {
    pub port: u16,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _database: Option<TestDatabase>,
}

impl Served {
    pub fn start(test_app: TestApp) -> Served {
        let TestApp { app, database, .. } = test_app;
        let (stop, stopped) = oneshot::channel::<()>();
        let state = app.state().clone();
        let port = app.port();
        let task = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Served {
            port,
            state,
            stop: Some(stop),
            task: Some(task),
            _database: database,
        }
    }

    /// Logs a demo user in on a new device, over TCP.
    pub async fn device(&self, tenant: &str, username: &str) -> Device {
        tests::http::login(self.port, tenant, username, DEMO_PASSWORD).await
    }

    /// Sends a request in-process, with `token` as bearer and `body` as JSON when given.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
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
        let response = server::app::router(self.state.clone())
            .oneshot(request.body(body).expect("a valid request"))
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("a body").to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        TestResponse { status, body }
    }

    pub async fn stop(mut self) {
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
