//! A stand-in for the engine's callback endpoint: receives decisions, checks their signature
//! with the agency's secret, and records them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::{oneshot, watch};

/// One callback the engine accepted.
#[derive(Debug, Clone)]
pub struct Callback {
    pub agency: String,
    pub timestamp: String,
    pub body: Value,
}

#[derive(Clone)]
struct Shared {
    secrets: BTreeMap<String, String>,
    /// Answer 503 to this many callbacks first, to make the simulator retry.
    failures_left: Arc<AtomicUsize>,
    /// Every request received, accepted or not.
    requests: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<Callback>>>,
    accepted_count: watch::Sender<usize>,
}

pub struct TestEngine {
    pub url: String,
    shared: Shared,
    count: watch::Receiver<usize>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestEngine {
    /// `secrets`: agency name → the secret its callbacks must be signed with.
    pub async fn start(secrets: &[(&str, &str)], failures_first: usize) -> anyhow::Result<Self> {
        let (accepted_count, count) = watch::channel(0);
        let shared = Shared {
            secrets: secrets
                .iter()
                .map(|(a, s)| ((*a).to_owned(), (*s).to_owned()))
                .collect(),
            failures_left: Arc::new(AtomicUsize::new(failures_first)),
            requests: Arc::new(AtomicUsize::new(0)),
            accepted: Arc::new(Mutex::new(Vec::new())),
            accepted_count,
        };
        let app = Router::new()
            .route("/v1/agencies/{agency}/callbacks", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(TestEngine {
            url,
            shared,
            count,
            stop: Some(stop),
        })
    }

    /// Waits until `n` callbacks were accepted, then returns them all.
    pub async fn wait_for(&mut self, n: usize, within: Duration) -> anyhow::Result<Vec<Callback>> {
        tokio::time::timeout(within, self.count.wait_for(|count| *count >= n))
            .await
            .with_context(|| format!("no {n} callbacks within {within:?}"))??;
        Ok(self.accepted())
    }

    pub fn accepted(&self) -> Vec<Callback> {
        self.shared
            .accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256={hex}"))
}

async fn receive(
    State(shared): State<Shared>,
    Path(agency): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = header("X-Lienthong-Timestamp");
    let signature = header("X-Lienthong-Signature");
    let Some(secret) = shared.secrets.get(&agency) else {
        return StatusCode::NOT_FOUND;
    };
    let valid = timestamp.parse::<i64>().is_ok()
        && sign(secret, &timestamp, &body).is_ok_and(|expected| expected == signature);
    if !valid {
        return StatusCode::UNAUTHORIZED;
    }
    let failing = shared
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut accepted = shared
        .accepted
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    accepted.push(Callback {
        agency,
        timestamp,
        body,
    });
    let count = accepted.len();
    drop(accepted);
    shared.accepted_count.send_replace(count);
    StatusCode::NO_CONTENT
}
