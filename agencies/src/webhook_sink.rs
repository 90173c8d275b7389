//! A webhook sink: an HTTP receiver standing in for the portal's back end and the SMS gateway.
//! It checks each `POST`'s signature (`X-Lienthong-Signature`, as agencies check the engine's
//! calls), records the request as one JSON line in a file, and answers `200`, unless told to
//! answer another status or to hold requests for a while (tests of retries, of a receiver that
//! is down, of a worker killed mid-send).
//!
//! - `POST /{any path}`: a notice (`/webhook`, `/sms`, …); the recorded line is
//!   `{"at", "path", "idempotency_key", "signature", "status", "duplicate", "body"}`, where
//!   `signature` is `valid`, `unchecked` (no secret set) or the refusal's code
//!   (`SIGNATURE_MISSING`, `SIGNATURE_INVALID`, `SIGNATURE_EXPIRED`: answered `401`), and
//!   `duplicate` says this key was already answered `2xx` (answered `200` again, as a receiver
//!   that dedupes does)
//! - `POST|GET|DELETE /admin/faults`: queue, list, clear what the next requests get:
//!   `{"mode": "status", "status": 503, "retry_after_secs"?, "count"?}` or
//!   `{"mode": "hold", "hold_ms"?, "count"?}` (held until `hold_ms` passes or
//!   `POST /admin/release`); `count` defaults to 1
//! - `GET /admin/received`: every recorded line, as a JSON array
//! - `GET /health`

use std::{
    collections::{BTreeSet, VecDeque},
    io::{self, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header::RETRY_AFTER},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};

use crate::signed_calls;

/// What one sink is started with.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// The JSON-lines file requests are recorded in (its folder is created).
    pub file: PathBuf,
    /// The HMAC secret requests must be signed with; `None` records them unchecked.
    pub secret: Option<String>,
    pub listen: SocketAddr,
}

/// What the next matching requests get instead of `200`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SinkFault {
    /// Answer `status` (with `Retry-After` when given).
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
        #[serde(default = "one")]
        count: u32,
    },
    /// Keep the request unanswered until released or `hold_ms` has passed, then answer as
    /// usual.
    Hold {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hold_ms: Option<u64>,
        #[serde(default = "one")]
        count: u32,
    },
}

fn one() -> u32 {
    1
}

impl SinkFault {
    fn count(&mut self) -> &mut u32 {
        match self {
            Self::Status { count, .. } | Self::Hold { count, .. } => count,
        }
    }
}

#[derive(Debug)]
struct SinkState {
    file: PathBuf,
    secret: Option<String>,
    faults: Mutex<VecDeque<SinkFault>>,
    /// Keys answered `2xx` so far.
    delivered: Mutex<BTreeSet<String>>,
    /// One line at a time into the file.
    writing: Mutex<()>,
    release: Notify,
}

/// A running sink. Dropping it stops it.
#[derive(Debug)]
pub struct WebhookSink {
    address: SocketAddr,
    state: Arc<SinkState>,
    task: JoinHandle<()>,
}

impl WebhookSink {
    pub async fn start(config: SinkConfig) -> io::Result<Self> {
        if let Some(dir) = config.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.file)?;
        let listener = TcpListener::bind(config.listen).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(SinkState {
            file: config.file,
            secret: config.secret,
            faults: Mutex::default(),
            delivered: Mutex::default(),
            writing: Mutex::default(),
            release: Notify::new(),
        });
        let app = Router::new()
            .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
            .route(
                "/admin/faults",
                post(add_fault).get(list_faults).delete(clear_faults),
            )
            .route("/admin/release", post(release))
            .route("/admin/received", get(received))
            .fallback(receive)
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "webhook sink stopped");
            }
        });
        Ok(Self {
            address,
            state,
            task,
        })
    }

    /// `http://host:port`; a notice goes to any path under it (`/webhook`, `/sms`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The JSON-lines file of what was received.
    pub fn file(&self) -> &Path {
        &self.state.file
    }

    /// Every request recorded so far, oldest first.
    pub fn received(&self) -> io::Result<Vec<Value>> {
        read_received(&self.state.file)
    }

    /// Queues what the next requests get (as `POST /admin/faults`).
    pub fn push_fault(&self, fault: SinkFault) {
        if let Ok(mut faults) = self.state.faults.lock() {
            faults.push_back(fault);
        }
    }

    /// Answers every held request (as `POST /admin/release`).
    pub fn release(&self) {
        self.state.release.notify_waiters();
    }

    pub fn shutdown(self) {
        self.task.abort();
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.state.release.notify_waiters();
        self.task.abort();
    }
}

/// The lines of a sink's file, each a JSON value; a line that is not JSON (cut off by a crash) is
/// skipped.
pub fn read_received(file: &Path) -> io::Result<Vec<Value>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

async fn add_fault(State(state): State<Arc<SinkState>>, Json(fault): Json<SinkFault>) -> Response {
    if let Ok(mut faults) = state.faults.lock() {
        faults.push_back(fault);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn list_faults(State(state): State<Arc<SinkState>>) -> Json<Value> {
    let faults: Vec<SinkFault> = state
        .faults
        .lock()
        .map(|faults| faults.iter().cloned().collect())
        .unwrap_or_default();
    Json(json!({ "faults": faults }))
}

async fn clear_faults(State(state): State<Arc<SinkState>>) -> StatusCode {
    if let Ok(mut faults) = state.faults.lock() {
        faults.clear();
    }
    state.release.notify_waiters();
    StatusCode::NO_CONTENT
}

async fn release(State(state): State<Arc<SinkState>>) -> StatusCode {
    state.release.notify_waiters();
    StatusCode::NO_CONTENT
}

async fn received(State(state): State<Arc<SinkState>>) -> Response {
    match read_received(&state.file) {
        Ok(lines) => Json(lines).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The next fault, used once.
fn take_fault(state: &SinkState) -> Option<SinkFault> {
    let mut faults = state.faults.lock().ok()?;
    let front = faults.front_mut()?;
    let used = front.clone();
    *front.count() = front.count().saturating_sub(1);
    if *front.count() == 0 {
        faults.pop_front();
    }
    Some(used)
}

async fn receive(
    State(state): State<Arc<SinkState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            Json(json!({"code": "METHOD_NOT_ALLOWED", "message": "notices are POSTed"})),
        )
            .into_response();
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let signature = match &state.secret {
        None => "unchecked".to_owned(),
        Some(secret) => {
            match signed_calls::verify(secret, &method, &uri, &headers, &body, SystemTime::now()) {
                Ok(()) => "valid".to_owned(),
                Err(refusal) => refusal.code.into_owned(),
            }
        }
    };
    let mut held_ms = None;
    let mut answer = (StatusCode::OK, None);
    if signature == "valid" || signature == "unchecked" {
        match take_fault(&state) {
            Some(SinkFault::Status {
                status,
                retry_after_secs,
                ..
            }) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                answer = (status, retry_after_secs);
            }
            Some(SinkFault::Hold { hold_ms, .. }) => {
                let started = std::time::Instant::now();
                let released = state.release.notified();
                match hold_ms {
                    Some(ms) => {
                        let _ = tokio::time::timeout(Duration::from_millis(ms), released).await;
                    }
                    None => released.await,
                }
                held_ms = Some(started.elapsed().as_millis());
            }
            None => {}
        }
    } else {
        answer = (StatusCode::UNAUTHORIZED, None);
    }
    let (status, retry_after) = answer;
    let duplicate = match (&key, status.is_success()) {
        (Some(key), true) => state
            .delivered
            .lock()
            .map(|mut delivered| !delivered.insert(key.clone()))
            .unwrap_or(false),
        _ => false,
    };
    let at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut line = json!({
        "at": at,
        "path": uri.path(),
        "idempotency_key": key,
        "signature": signature,
        "status": status.as_u16(),
        "duplicate": duplicate,
        "body": serde_json::from_slice::<Value>(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned())),
    });
    if let Some(held_ms) = held_ms {
        line["held_ms"] = json!(held_ms);
    }
    if let Err(error) = record(&state, &line) {
        tracing::warn!(%error, "webhook sink could not record a request");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = if status.is_success() {
        (
            status,
            Json(json!({"received": true, "duplicate": duplicate})),
        )
            .into_response()
    } else if status == StatusCode::UNAUTHORIZED {
        (
            status,
            Json(json!({"code": signature, "message": "the signature does not verify"})),
        )
            .into_response()
    } else {
        (
            status,
            Json(json!({"code": "SINK_FAULT", "message": "answered as the sink was told to"})),
        )
            .into_response()
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn record(state: &SinkState, line: &Value) -> io::Result<()> {
    let _one_at_a_time = state
        .writing
        .lock()
        .map_err(|_| io::Error::other("the sink's writer was poisoned"))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&state.file)?;
    let mut text = serde_json::to_vec(line)?;
    text.push(b'\n');
    file.write_all(&text)?;
    file.flush()
}
