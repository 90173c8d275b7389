//! Agencies' decisions arrive here: `POST /v1/agencies/{agency}/callbacks`, signed per agency.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use lienthong_definitions::{AgencyId, case::answer::Decision, catalogue::Auth};
use lienthong_identity::signature::{
    SIGNATURE_HEADER, SIGNATURE_WINDOW, Signature, TIMESTAMP_HEADER, callback_message,
};
use lienthong_workflows::{AgencyDecision, CaseWorkflow, DecisionOutcome, case_code_of};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::WorkflowSignalOptions;

use crate::params::ApiPath;
use crate::{ApiError, ApiState};

/// Per-agency HMAC secrets.
#[derive(Debug, Default)]
pub struct CallbackAuth {
    secrets: BTreeMap<String, String>,
    /// Where the secret of an agency not in `secrets` is found, as the workers find it: its own
    /// variable (`LIENTHONG_SECRET_<AGENCY>`) in the environment or as a file in this folder,
    /// read at each callback, so an agency that joins calls back without an API restart.
    secrets_dir: Option<PathBuf>,
}

impl CallbackAuth {
    pub fn new(secrets: BTreeMap<String, String>) -> Self {
        Self {
            secrets,
            secrets_dir: None,
        }
    }

    pub fn with_secrets_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.secrets_dir = dir;
        self
    }

    /// The agency's callback secret: configured, else its own variable.
    fn secret(&self, agency: &str) -> Option<String> {
        if let Some(secret) = self.secrets.get(agency) {
            return Some(secret.clone());
        }
        // The id comes from the URL: only an id of the catalogue's form names a variable, so no
        // path can reach outside the folder.
        let is_id = !agency.is_empty()
            && agency
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !is_id {
            return None;
        }
        lienthong_identity::read_secret(
            &Auth::own_secret_variable(agency),
            self.secrets_dir.as_deref(),
        )
    }

    /// Checks `X-Lienthong-Timestamp` and `X-Lienthong-Signature: sha256=<hex>` over
    /// `"<timestamp>.<body>"`; returns the signature, which the caller claims in the engine
    /// database (by its header value, one text per signature) before delivering. Signatures
    /// taken are remembered beyond the signature window, so the same callback cannot be played
    /// twice to any replica.
    fn verify(
        &self,
        agency: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Signature, ApiError> {
        let unauthorized =
            |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
        let secret = self.secret(agency).ok_or_else(|| {
            unauthorized(
                "UNKNOWN_AGENCY",
                "no callback secret is configured for this agency",
            )
        })?;
        let secret = &secret;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let timestamp = header(TIMESTAMP_HEADER);
        let signature = header(SIGNATURE_HEADER);
        let sent = timestamp.parse::<u64>().map_err(|_| {
            unauthorized(
                "SIGNATURE_MISSING",
                "send X-Lienthong-Timestamp (unix seconds) and X-Lienthong-Signature",
            )
        })?;
        let sent = UNIX_EPOCH + Duration::from_secs(sent);
        let skew = now.duration_since(sent).unwrap_or_else(|e| e.duration());
        if skew > SIGNATURE_WINDOW {
            return Err(unauthorized(
                "SIGNATURE_EXPIRED",
                "the timestamp is more than 5 minutes from now",
            ));
        }
        let digest = Signature::parse(&signature).ok_or_else(|| {
            unauthorized(
                "SIGNATURE_INVALID",
                "the signature is not sha256=<64 hex digits>",
            )
        })?;
        if !digest.matches(secret, &callback_message(&timestamp, body)) {
            return Err(unauthorized(
                "SIGNATURE_INVALID",
                "the signature does not match this agency's secret",
            ));
        }
        Ok(digest)
    }
}

/// An agency's decision on a call it answered `pending`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = AgencyCallback)]
struct Callback {
    /// The `Idempotency-Key` of the call decided.
    idempotency_key: String,
    /// `done` or `rejected`.
    outcome: String,
    /// For `done`: the answer, as the operation's response contract describes it.
    #[serde(default)]
    output: Value,
    /// For `rejected`: the agency's reason code.
    #[serde(default)]
    code: Option<String>,
    /// For `rejected`: its message.
    #[serde(default)]
    message: Option<String>,
}

/// An agency's decision taken later, signed with the agency's secret (no bearer token).
#[utoipa::path(post, path = "/v1/agencies/{agency}/callbacks", operation_id = "receive_agency_callback", tag = "agencies",
    params(
        ("agency" = String, Path, description = "The agency id, e.g. `social-insurance`."),
        ("X-Lienthong-Timestamp" = String, Header, description = "Unix seconds; at most 5 minutes from the API's clock.", pattern = "^[0-9]+$"),
        ("X-Lienthong-Signature" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` with the agency's callback secret.", pattern = "^sha256=[0-9a-fA-F]{64}$"),
    ),
    request_body = Callback,
    responses(
        (status = 202, description = "Passed to the case.", body = crate::openapi::CallbackAnswer),
        (status = 400, description = "`INVALID_REQUEST`.", body = crate::error::ErrorBody),
        (status = 401, description = "`SIGNATURE_MISSING`, `SIGNATURE_INVALID`, `SIGNATURE_EXPIRED`, `UNKNOWN_AGENCY` or `CALLBACK_REPLAYED`.", body = crate::error::ErrorBody),
        (status = 404, description = "`CASE_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`CASE_CLOSED`.", body = crate::error::ErrorBody),
        (status = 429, description = "`RATE_LIMITED`: too many callbacks from this agency; `Retry-After` says when to send again.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn receive(
    State(state): State<ApiState>,
    ApiPath(agency): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let received = SystemTime::now();
    let replay_key = state
        .callbacks
        .verify(&agency, &headers, &body, received)?
        .header_value();
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
        "rejected" => match Decision::rejected(callback.code, callback.message.as_deref()) {
            Decision::Rejected { code, message } => DecisionOutcome::Rejected { code, message },
            Decision::Done { output } => DecisionOutcome::Done { output },
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
    // Claimed before delivery, in the database every replica shares: the same callback sent to
    // two replicas at once reaches the case once.
    let now_unix = received
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if !state
        .store
        .claim_callback(&replay_key, &agency, now_unix)
        .await
        .map_err(ApiError::database)?
    {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "CALLBACK_REPLAYED",
            "this callback was already received",
        ));
    }
    // Counted once the signature holds and the callback is new: neither a forged nor a
    // replayed callback uses up the agency's own allowance. One over the rate is given back, so
    // the agency can send it again after `Retry-After`.
    if let Err(limited) = state.limits.callbacks.check(&agency) {
        state
            .store
            .unclaim_callback(&replay_key)
            .await
            .map_err(ApiError::database)?;
        return Err(limited);
    }
    let decision = AgencyDecision {
        agency: AgencyId(agency.clone()),
        idempotency_key: callback.idempotency_key,
        outcome,
    };
    if let Err(error) = deliver(&state, &code, decision).await {
        // Not delivered: the agency may send the same callback again.
        state
            .store
            .unclaim_callback(&replay_key)
            .await
            .map_err(ApiError::database)?;
        return Err(error);
    }
    tracing::info!(case = %code, %agency, "agency decision received");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "status": "received"})),
    ))
}

async fn deliver(state: &ApiState, code: &str, decision: AgencyDecision) -> Result<(), ApiError> {
    let handle = crate::engine::running_case(state, code).await?;
    handle
        .signal(
            CaseWorkflow::agency_decision,
            decision,
            WorkflowSignalOptions::default(),
        )
        .await
        .map_err(crate::engine::interaction_error)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    /// Signed as an agency signs: with its own HMAC, not the engine's module.
    fn signed(secret: &str, timestamp: u64, body: &[u8]) -> HeaderMap {
        use hmac::{Hmac, Mac};
        use sha2::Sha256;
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
    fn valid_wrong_key_and_expired_callbacks() {
        let auth = CallbackAuth::new(BTreeMap::from([(
            "residence".to_owned(),
            "s3cret".to_owned(),
        )]));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = br#"{"idempotency_key":"KS-AAAAA-BBBBB/residence","outcome":"done"}"#;
        let code = |r: Result<Signature, ApiError>| r.err().map(|e| e.code);

        let good = signed("s3cret", 1_800_000_000, body);
        auth.verify("residence", &good, body, now).expect("valid");
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

    #[test]
    fn an_agency_that_joined_later_is_checked_with_its_own_secret_file() {
        let dir = tempfile::tempdir().expect("a folder");
        let auth = CallbackAuth::new(BTreeMap::new()).with_secrets_dir(Some(dir.path().into()));
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = br#"{"idempotency_key":"KS-AAAAA-BBBBB/tax","outcome":"done"}"#;
        let good = signed("tax-secret", 1_800_000_000, body);
        let code = |r: Result<Signature, ApiError>| r.err().map(|e| e.code);
        assert_eq!(
            code(auth.verify("tax-office-test-only", &good, body, now)),
            Some("UNKNOWN_AGENCY"),
            "no secret yet"
        );
        std::fs::write(
            dir.path().join("LIENTHONG_SECRET_TAX_OFFICE_TEST_ONLY"),
            "tax-secret\n",
        )
        .expect("written");
        auth.verify("tax-office-test-only", &good, body, now)
            .expect("checked with the file's secret");
        std::fs::write(dir.path().join("LIENTHONG_SECRET_"), "tax-secret").expect("written");
        assert_eq!(
            code(auth.verify("../x", &good, body, now)),
            Some("UNKNOWN_AGENCY"),
            "a path is not an agency"
        );
    }
}
