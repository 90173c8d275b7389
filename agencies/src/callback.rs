//! Telling the engine about a decision taken later: a signed `POST` to
//! `{callback_url}/v1/agencies/{agency}/callbacks`, retried while the engine is down.
//!
//! The signature is `X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>`
//! with `X-Lienthong-Timestamp: <ts>` (unix seconds): the timestamp is signed with the body so
//! an engine can refuse a replayed old callback, and the hex is over the exact bytes sent.

use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use time::OffsetDateTime;

use crate::Agency;

pub(crate) const TIMESTAMP_HEADER: &str = "x-lienthong-timestamp";
pub(crate) const SIGNATURE_HEADER: &str = "x-lienthong-signature";

/// An engine that is restarting gets roughly half a minute to come back before a callback is
/// given up; `GET /acts/{key}` still tells the decision afterwards.
const MAX_ATTEMPTS: u32 = 10;
/// At least a second, so every attempt carries a new timestamp and so a new signature: an
/// engine that remembers signatures to refuse replays would otherwise refuse a retry sent
/// within the same second as a failed attempt it had already seen.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(3);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how one simulator calls the engine back.
pub(crate) struct Callbacks {
    /// The engine's base URL; tests point a running simulator elsewhere with
    /// `POST /admin/callback`.
    url: RwLock<Option<String>>,
    secret: String,
    http: reqwest::Client,
    /// Callbacks in flight at once: an agency deciding thousands of dossiers together (a
    /// release of held decisions) must queue them rather than open a connection each.
    in_flight: tokio::sync::Semaphore,
}

const MAX_CALLBACKS_IN_FLIGHT: usize = 32;

// The secret stays out of debug output and logs.
impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// `sha256=<lowercase hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub(crate) fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Whether `url` can be called back: an absolute http(s) URL.
pub(crate) fn valid_url(url: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}

enum Attempt {
    Delivered,
    Refused(u16),
    Retry(String),
}

impl Callbacks {
    pub fn new(url: Option<String>, secret: String) -> Result<Self, reqwest::Error> {
        // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // The engine is reached directly, never through whatever proxy the host has set.
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(ATTEMPT_TIMEOUT)
            .build()?;
        Ok(Callbacks {
            url: RwLock::new(url),
            secret,
            http,
            in_flight: tokio::sync::Semaphore::new(MAX_CALLBACKS_IN_FLIGHT),
        })
    }

    pub fn url(&self) -> Option<String> {
        self.url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_url(&self, url: Option<String>) {
        *self.url.write().unwrap_or_else(PoisonError::into_inner) = url;
    }

    /// Posts `payload` until the engine answers 2xx (received) or 4xx (it will never accept
    /// it, so retrying is pointless), backing off while it answers 5xx or cannot be reached.
    pub async fn deliver(&self, agency: Agency, key: &str, payload: &Value) {
        let body = payload.to_string().into_bytes();
        let mut delay = FIRST_RETRY;
        for attempt in 1..=MAX_ATTEMPTS {
            // Read on every attempt, so a URL set while retrying is used.
            let Some(base) = self.url() else {
                tracing::warn!(
                    agency = agency.as_str(),
                    idempotency_key = key,
                    "no callback URL configured; the decision is only readable at /acts"
                );
                return;
            };
            let url = format!(
                "{}/v1/agencies/{}/callbacks",
                base.trim_end_matches('/'),
                agency.as_str()
            );
            match self.attempt(&url, &body, key).await {
                Attempt::Delivered => {
                    tracing::info!(
                        agency = agency.as_str(),
                        idempotency_key = key,
                        attempt,
                        "decision called back"
                    );
                    return;
                }
                Attempt::Refused(status) => {
                    tracing::warn!(
                        agency = agency.as_str(),
                        idempotency_key = key,
                        status,
                        "engine refused the callback; not retrying"
                    );
                    return;
                }
                Attempt::Retry(why) => {
                    tracing::warn!(
                        agency = agency.as_str(),
                        idempotency_key = key,
                        attempt,
                        why = why.as_str(),
                        "callback failed; retrying"
                    );
                }
            }
            if attempt < MAX_ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY);
            }
        }
        tracing::error!(
            agency = agency.as_str(),
            idempotency_key = key,
            "callback given up; the decision is only readable at /acts"
        );
    }

    async fn attempt(&self, url: &str, body: &[u8], key: &str) -> Attempt {
        // Never closed, so acquiring only waits.
        let _permit = self.in_flight.acquire().await;
        // Signed afresh each time: a retry hours later must not look like a stale replay.
        let timestamp = OffsetDateTime::now_utc().unix_timestamp().to_string();
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature(&self.secret, &timestamp, body))
            // The decision joins its case's trace: keys start with the case code.
            .header("traceparent", decision_traceparent(key))
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Attempt::Delivered,
            Ok(response) if response.status().is_client_error() => {
                Attempt::Refused(response.status().as_u16())
            }
            Ok(response) => Attempt::Retry(format!("status {}", response.status().as_u16())),
            Err(error) if error.is_timeout() => Attempt::Retry("timeout".into()),
            Err(error) if error.is_connect() => Attempt::Retry("unreachable".into()),
            Err(_) => Attempt::Retry("request failed".into()),
        }
    }
}

/// A `traceparent` under the case the idempotency key `{case}/{step}...` belongs to.
fn decision_traceparent(key: &str) -> String {
    let case_code = key.split('/').next().unwrap_or(key);
    let span = lienthong_telemetry::case_span("decision callback", case_code);
    lienthong_telemetry::traceparent_for_case(&span, case_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Expected value from Python: hmac.new(key, b"<ts>.<body>", hashlib.sha256).hexdigest()
        assert_eq!(
            signature(
                "dev-secret-residence",
                "1700000000",
                br#"{"outcome":"done"}"#
            ),
            "sha256=5743fd3c1b112e5a4725ec75e631ed481f7fce954d84be644548569c930ded24"
        );
    }

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(valid_url("http://127.0.0.1:8080"));
        assert!(valid_url("https://engine.example"));
        assert!(!valid_url("http://"));
        assert!(!valid_url("ftp://engine"));
        assert!(!valid_url("engine:8080"));
    }
}
