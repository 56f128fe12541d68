//! A fresh server per test: its own temp data dir (or its own PostgreSQL database), a
//! manual clock, cheap password hashes.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use desk_core::wire::{Change, PullResponse, PushResponse, SCHEMA_VERSION};
use desk_core::{Agent, Mutation, MutationResult, Role};
use desk_server::auth::{self, AddAgent};
use desk_server::{AppState, Config, ManualClock, PasswordCost, SqliteStorage, Storage};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

/// A login or refresh answer as a test client reads it: the wire's `TokenResponse`, with
/// the tokens as plain strings (the product keeps them in `Sensitive`, which never
/// prints; a test needs to pass them around and compare them).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub access_expires_in: u64,
    pub refresh_token: String,
    pub device_id: String,
    pub agent: Agent,
}

/// 2025-06-17T00:00:00Z, an arbitrary fixed start.
pub const T0: i64 = 1_750_118_400_000;
pub const PASSWORD: &str = "correct horse 电池 staple";

pub struct TestApp {
    /// The SQLite data directory (empty and unused when the app runs on PostgreSQL).
    pub dir: TempDir,
    pub storage: Arc<dyn Storage>,
    pub clock: ManualClock,
    pub state: AppState,
    pub router: Router,
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_config(Config::for_tests())
    }

    pub fn with_config(config: Config) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = SqliteStorage::open_in_dir(dir.path()).expect("open storage");
        Self::with_storage_in(dir, Arc::new(storage), config)
    }

    /// An app over `storage`, e.g. a PostgreSQL database.
    pub fn with_storage(storage: Arc<dyn Storage>) -> Self {
        Self::with_storage_and_config(storage, Config::for_tests())
    }

    pub fn with_storage_and_config(storage: Arc<dyn Storage>, config: Config) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::with_storage_in(dir, storage, config)
    }

    fn with_storage_in(dir: TempDir, storage: Arc<dyn Storage>, config: Config) -> Self {
        let clock = ManualClock::new(T0);
        let state = AppState::with_clock(storage.clone(), config, Arc::new(clock.clone()));
        let router = desk_server::app(state.clone());
        Self {
            dir,
            storage,
            clock,
            state,
            router,
        }
    }

    pub async fn add_agent(&self, email: &str, role: Role) -> Agent {
        self.add_agent_in_groups(email, role, &[]).await
    }

    /// [`Self::add_agent`] working in `groups` (a ticket's group).
    pub async fn add_agent_in_groups(&self, email: &str, role: Role, groups: &[&str]) -> Agent {
        auth::add_agent(
            self.storage.as_ref(),
            PasswordCost::InsecureFastForTests,
            self.clock.now(),
            AddAgent {
                email: email.into(),
                name: format!("Agent {email}"),
                role,
                languages: vec!["zh-CN".into(), "en".into()],
                groups: groups.iter().map(|g| (*g).to_owned()).collect(),
                skills: vec![],
                capacity: None,
                password: Some(PASSWORD.into()),
                by: desk_server::audit::Actor::Operator("test".into()),
            },
        )
        .await
        .expect("add agent")
        .agent
    }

    /// Sends a request through the router; returns status and JSON body (`Null` if empty).
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        if bytes.is_empty() {
            return (status, Value::Null);
        }
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "response must be JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, value)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send_json(Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send_json(Method::PATCH, path, token, body).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(Method::DELETE).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(Method::GET).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "email": email, "password": password, "device_name": "test laptop" }),
        )
        .await
    }

    /// Exchanges a refresh token; returns the status and the JSON answer.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    pub async fn login(&self, email: &str) -> Tokens {
        let (status, body) = self.login_raw(email, PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "login with the right password must succeed: {body}"
        );
        serde_json::from_value(body).expect("token response")
    }

    pub async fn pull(&self, token: &str, cursor: &str, limit: u32) -> PullResponse {
        let (status, body) = self
            .get(
                &format!("/api/v1/sync/pull?cursor={cursor}&limit={limit}"),
                Some(token),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "pull with a valid token must succeed: {body}"
        );
        serde_json::from_value(body).expect("pull response")
    }

    /// Pushes `mutations`; returns the status and the JSON answer.
    pub async fn push_raw(&self, token: &str, mutations: &[Mutation]) -> (StatusCode, Value) {
        self.post(
            "/api/v1/push",
            Some(token),
            json!({ "schema_version": SCHEMA_VERSION, "mutations": mutations }),
        )
        .await
    }

    /// Pushes `mutations`, which must be answered; returns the results in request order.
    pub async fn push(&self, token: &str, mutations: &[Mutation]) -> Vec<MutationResult> {
        let (status, body) = self.push_raw(token, mutations).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a well-formed push is answered: {body}"
        );
        let response: PushResponse = serde_json::from_value(body).expect("push response");
        assert_eq!(
            response
                .results
                .iter()
                .map(|a| a.mutation_id.as_str())
                .collect::<Vec<_>>(),
            mutations.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            "one answer per mutation, in request order"
        );
        response.results.into_iter().map(|a| a.result).collect()
    }

    /// Pulls from `cursor` until `has_more` is false; returns the changes and the final cursor.
    pub async fn pull_all(&self, token: &str, cursor: &str, limit: u32) -> (Vec<Change>, String) {
        let mut cursor = cursor.to_owned();
        let mut changes = Vec::new();
        loop {
            let page = self.pull(token, &cursor, limit).await;
            assert!(
                page.changes.len() <= limit as usize,
                "a page never exceeds the limit"
            );
            changes.extend(page.changes);
            cursor = page.next_cursor;
            if !page.has_more {
                return (changes, cursor);
            }
        }
    }
}

pub trait ClockExt {
    fn now(&self) -> i64;
}

impl ClockExt for ManualClock {
    fn now(&self) -> i64 {
        desk_server::Clock::now_ms(self)
    }
}

/// The wire code of an error body.
pub fn code(body: &Value) -> &str {
    body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("error bodies carry a code: {body}"))
}

/// Parses a cursor we handed out, to compare positions.
pub fn position(cursor: &str) -> (i64, i64) {
    let (v, o) = cursor.split_once('.').expect("cursor is version.ord");
    (v.parse().unwrap(), o.parse().unwrap())
}

pub fn storage(app: &TestApp) -> &dyn Storage {
    app.storage.as_ref()
}
