//! Agencies' decisions arrive here: `POST /v1/agencies/{agency}/callbacks`, signed per agency.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use hmac::{Hmac, Mac};
use lienthong_workflows::{AgencyDecision, CaseWorkflow, DecisionOutcome, case_code_of};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use temporalio_client::WorkflowSignalOptions;

use crate::{ApiError, ApiState};

/// How far a callback's timestamp may be from now, and how long a signature is remembered so
/// the same callback cannot be played twice.
const WINDOW: Duration = Duration::from_secs(300);

/// Per-agency HMAC secrets and the signatures seen within the window.
#[derive(Debug, Default)]
pub struct CallbackAuth {
    secrets: BTreeMap<String, String>,
    seen: Mutex<HashMap<String, SystemTime>>,
}

impl CallbackAuth {
    pub fn new(secrets: BTreeMap<String, String>) -> Self {
        Self {
            secrets,
            seen: Mutex::default(),
        }
    }

    /// Checks `X-Lienthong-Timestamp` and `X-Lienthong-Signature: sha256=<hex>` over
    /// `"<timestamp>.<body>"`, then remembers the signature.
    fn verify(
        &self,
        agency: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<String, ApiError> {
        let unauthorized =
            |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
        let secret = self.secrets.get(agency).ok_or_else(|| {
            unauthorized(
                "UNKNOWN_AGENCY",
                "no callback secret is configured for this agency",
            )
        })?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let timestamp = header("x-lienthong-timestamp");
        let signature = header("x-lienthong-signature");
        let sent = timestamp.parse::<u64>().map_err(|_| {
            unauthorized(
                "SIGNATURE_MISSING",
                "send X-Lienthong-Timestamp (unix seconds) and X-Lienthong-Signature",
            )
        })?;
        let sent = UNIX_EPOCH + Duration::from_secs(sent);
        let skew = now.duration_since(sent).unwrap_or_else(|e| e.duration());
        if skew > WINDOW {
            return Err(unauthorized(
                "SIGNATURE_EXPIRED",
                "the timestamp is more than 5 minutes from now",
            ));
        }
        let digest = signature
            .strip_prefix("sha256=")
            .and_then(hex)
            .ok_or_else(|| {
                unauthorized("SIGNATURE_INVALID", "the signature is not sha256=<hex>")
            })?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map_err(|_| unauthorized("SIGNATURE_INVALID", "bad secret"))?;
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&digest).map_err(|_| {
            unauthorized(
                "SIGNATURE_INVALID",
                "the signature does not match this agency's secret",
            )
        })?;
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.contains_key(&signature) {
            return Err(unauthorized(
                "CALLBACK_REPLAYED",
                "this callback was already received",
            ));
        }
        Ok(signature)
    }

    /// Remembers a signature once its decision reached the case, so an agency whose delivery
    /// failed on our side can send it again, but a delivered one cannot be played twice.
    fn remember(&self, signature: String, now: SystemTime) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.retain(|_, at| now.duration_since(*at).unwrap_or_default() <= WINDOW * 2);
        seen.insert(signature, now);
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(Debug, Deserialize)]
struct Callback {
    idempotency_key: String,
    outcome: String,
    #[serde(default)]
    output: Value,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

pub(crate) async fn receive(
    State(state): State<ApiState>,
    Path(agency): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let received = SystemTime::now();
    let signature = state.callbacks.verify(&agency, &headers, &body, received)?;
    let callback: Callback = serde_json::from_slice(&body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "the callback body must be {idempotency_key, outcome, output | code, message}",
        )
    })?;
    let outcome = match callback.outcome.as_str() {
        "done" => DecisionOutcome::Done {
            output: callback.output,
        },
        "rejected" => DecisionOutcome::Rejected {
            code: callback.code.unwrap_or_else(|| "REJECTED".into()),
            message: callback
                .message
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect(),
        },
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "outcome must be \"done\" or \"rejected\"",
            ));
        }
    };
    let code = case_code_of(&callback.idempotency_key).to_owned();
    let handle = crate::routes::running_case(&state, &code).await?;
    let decision = AgencyDecision {
        agency: agency.clone(),
        idempotency_key: callback.idempotency_key,
        outcome,
    };
    handle
        .signal(
            CaseWorkflow::agency_decision,
            decision,
            WorkflowSignalOptions::default(),
        )
        .await
        .map_err(crate::routes::interaction_error)?;
    state.callbacks.remember(signature, received);
    tracing::info!(case = %code, %agency, "agency decision received");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "status": "received"})),
    ))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn signed(secret: &str, timestamp: u64, body: &[u8]) -> HeaderMap {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-lienthong-timestamp",
            HeaderValue::from_str(&timestamp.to_string()).expect("ascii"),
        );
        headers.insert(
            "x-lienthong-signature",
            HeaderValue::from_str(&format!("sha256={hex}")).expect("ascii"),
        );
        headers
    }

    #[test]
    fn valid_wrong_key_expired_and_replayed_callbacks() {
        let auth = CallbackAuth::new(BTreeMap::from([(
            "residence".to_owned(),
            "s3cret".to_owned(),
        )]));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = br#"{"idempotency_key":"KS-AAAAA-BBBBB/residence","outcome":"done"}"#;
        let code = |r: Result<String, ApiError>| r.err().map(|e| e.code);

        let good = signed("s3cret", 1_800_000_000, body);
        let signature = auth.verify("residence", &good, body, now).expect("valid");
        assert_eq!(
            code(auth.verify("residence", &good, body, now)),
            None,
            "not delivered yet: may be sent again"
        );
        auth.remember(signature, now);
        assert_eq!(
            code(auth.verify("residence", &good, body, now)),
            Some("CALLBACK_REPLAYED")
        );
        assert_eq!(
            code(auth.verify(
                "residence",
                &signed("other", 1_800_000_001, body),
                body,
                now
            )),
            Some("SIGNATURE_INVALID")
        );
        assert_eq!(
            code(auth.verify(
                "residence",
                &signed("s3cret", 1_799_999_000, body),
                body,
                now
            )),
            Some("SIGNATURE_EXPIRED")
        );
        assert_eq!(
            code(auth.verify(
                "residence",
                &signed("s3cret", 1_800_000_002, body),
                b"tampered",
                now
            )),
            Some("SIGNATURE_INVALID")
        );
        assert_eq!(
            code(auth.verify(
                "civil-status",
                &signed("s3cret", 1_800_000_003, body),
                body,
                now
            )),
            Some("UNKNOWN_AGENCY")
        );
        assert_eq!(
            code(auth.verify("residence", &HeaderMap::new(), body, now)),
            Some("SIGNATURE_MISSING")
        );
    }
}
