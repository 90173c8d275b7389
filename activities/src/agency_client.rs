use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use lienthong_definitions::{
    AgencyId,
    case::answer::{self, Accepted},
};
use lienthong_telemetry::traceparent_for_case;
use lienthong_workflows::{AgencyAnswer, AgencyCall};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use tracing::{Instrument, field::Empty};

use crate::{AgencyCredential, Classified, SignError, agency_access::SecretSource, classify, sign};

/// Settings for reaching agencies.
#[derive(Debug, Clone)]
pub struct AgencyClientOptions {
    /// Base URL of each agency, by the name definitions use (`civil-status`, ...).
    pub agencies: BTreeMap<String, String>,
    pub connect_timeout: Duration,
    /// Upper bound on one HTTP exchange; the activity's own deadline may cut it shorter.
    pub request_timeout: Duration,
    /// The engine's credentials for each agency, by the same names; an agency without one
    /// (catalogue auth `none`) is called unsigned.
    pub credentials: BTreeMap<String, AgencyCredential>,
    /// Where credentials named by the catalogue entry a case carries are read.
    pub secrets: SecretSource,
}

impl AgencyClientOptions {
    pub fn new(agencies: BTreeMap<String, String>) -> Self {
        Self {
            agencies,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            credentials: BTreeMap::new(),
            secrets: SecretSource::default(),
        }
    }

    pub fn with_credentials(mut self, credentials: BTreeMap<String, AgencyCredential>) -> Self {
        self.credentials = credentials;
        self
    }

    pub fn with_secrets(mut self, secrets: SecretSource) -> Self {
        self.secrets = secrets;
        self
    }
}

/// Why a call produced no answer. Texts carry no personal data and no secret. Every variant but
/// the credential ones is worth retrying ([`CallError::is_retryable`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The agency answered that it cannot serve now (5xx, 408, 429).
    #[error("{agency} answered {status} to {operation}")]
    Unavailable {
        agency: AgencyId,
        operation: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused, reset or timed out. The act may or may not have happened;
    /// the retry's idempotency key makes asking again safe.
    #[error("no answer from {agency} to {operation}: {reason}")]
    NoAnswer {
        agency: AgencyId,
        operation: String,
        reason: String,
    },
    /// This worker has no address for the agency; fixing the configuration lets the retry pass.
    #[error("this worker has no URL for agency `{agency}`")]
    UnknownAgency { agency: AgencyId },
    /// The agency answered success with a body that is not JSON.
    #[error("{agency} answered {operation} with a body that is not JSON")]
    BadBody { agency: AgencyId, operation: String },
    /// The agency answered `GET /acts/{key}` with something other than the act's record (often
    /// the answer's body alone). Retried, since the agency may fix it, but said plainly.
    #[error(
        "{agency} answered GET /acts/{{key}} with something that is not the act's record \
         {{idempotency_key, operation, status_code, response}}; see docs/agency-contract.md, \
         section 5"
    )]
    BadActRecord { agency: AgencyId },
    /// The agency refused the engine's credentials (401 or 403): a configuration mistake on one
    /// side, which no retry fixes. `agency_code` is the agency's own error code, when it sent
    /// an `UPPER_SNAKE` one.
    #[error(
        "AGENCY_AUTH_REJECTED: {agency} refused the engine's credentials ({status}{}) on {operation}; \
         check the secret both sides hold",
        agency_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default()
    )]
    AuthRejected {
        agency: AgencyId,
        operation: String,
        status: u16,
        agency_code: Option<String>,
    },
    /// This worker's credential for the agency cannot be put on a request.
    #[error("AGENCY_CREDENTIALS_INVALID: the credential for {agency} cannot be sent: {reason}")]
    Credentials { agency: AgencyId, reason: SignError },
    /// The agency's catalogue entry asks for a credential this worker does not have. Names the
    /// variable, never a value.
    #[error(
        "AGENCY_CREDENTIALS_MISSING: no credential for {agency}: set {variable} on the workers, \
         or write it to a file of that name in their --agency-secrets-dir"
    )]
    CredentialsMissing { agency: AgencyId, variable: String },
}

impl CallError {
    /// The stable code of a failure that must not be retried; `None` for the retryable ones.
    pub fn permanent_code(&self) -> Option<&'static str> {
        match self {
            Self::AuthRejected { .. } => Some("AGENCY_AUTH_REJECTED"),
            Self::Credentials { .. } => Some("AGENCY_CREDENTIALS_INVALID"),
            Self::CredentialsMissing { .. } => Some("AGENCY_CREDENTIALS_MISSING"),
            _ => None,
        }
    }

    /// Whether Temporal should try again: not when the engine's own credentials are refused.
    pub fn is_retryable(&self) -> bool {
        self.permanent_code().is_none()
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A pooled HTTP client for every agency. Clone freely: clones share the pool.
#[derive(Debug, Clone)]
pub struct AgencyClient {
    http: reqwest::Client,
    options: AgencyClientOptions,
}

impl AgencyClient {
    pub fn new(options: AgencyClientOptions) -> Result<Self, reqwest::Error> {
        // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self { http, options })
    }

    /// The worker's own address for the agency (an installation's deployment), else the one
    /// its catalogue entry gave when the case was filed.
    fn base<'c>(&'c self, call: &'c AgencyCall) -> Result<&'c str, CallError> {
        self.options
            .agencies
            .get(call.agency.as_str())
            .or(call.access.as_ref().map(|a| &a.base_url))
            .map(|b| b.trim_end_matches('/'))
            .ok_or_else(|| CallError::UnknownAgency {
                agency: call.agency.clone(),
            })
    }

    /// One attempt of an agency call. A retry (attempt > 1) first asks the agency whether the
    /// unanswered earlier attempt was done, so an unknown outcome is settled from the agency's
    /// own record before anything is sent again.
    pub async fn call(
        &self,
        call: &AgencyCall,
        attempt: u32,
        timeout: Option<Duration>,
    ) -> Result<AgencyAnswer, CallError> {
        if call.reconcile_only || attempt > 1 {
            match self.lookup(call, timeout).await? {
                Some(answer) => return Ok(answer),
                None if call.reconcile_only => return Ok(AgencyAnswer::NotDone),
                None => {}
            }
        }
        let url = format!("{}/operations/{}", self.base(call)?, call.operation);
        let mut request = self
            .http
            .post(url)
            .header("Idempotency-Key", &call.idempotency_key)
            .json(&call.payload);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout.min(self.options.request_timeout));
        }
        let answer = self
            .exchange(call, request, "POST", &call.operation)
            .await?;
        self.interpret(
            call,
            answer.status,
            answer.retry_after.as_deref(),
            &answer.body,
            attempt,
            false,
        )
    }

    /// Asks `GET /acts/{key}`: `None` when the agency has no record of the act.
    async fn lookup(
        &self,
        call: &AgencyCall,
        timeout: Option<Duration>,
    ) -> Result<Option<AgencyAnswer>, CallError> {
        let key = act_path_segment(&call.idempotency_key);
        let mut request = self.http.get(format!("{}/acts/{key}", self.base(call)?));
        if let Some(timeout) = timeout {
            request = request.timeout(timeout.min(self.options.request_timeout));
        }
        let answer = self.exchange(call, request, "GET", "acts").await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !answer.status.is_success() {
            return self
                .interpret(call, answer.status, None, &answer.body, 0, true)
                .map(Some);
        }
        let not_a_record = || CallError::BadActRecord {
            agency: call.agency.clone(),
        };
        let record: Value = serde_json::from_slice(&answer.body).map_err(|_| not_a_record())?;
        let stored_status = record["status_code"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| StatusCode::from_u16(s).ok());
        let stored = serde_json::to_vec(&record["response"]).map_err(|_| not_a_record())?;
        match stored_status {
            Some(stored_status) => self
                .interpret(call, stored_status, None, &stored, 0, true)
                .map(Some),
            None => Err(not_a_record()),
        }
    }

    /// One HTTP exchange with an agency, in a client span whose id goes out as `traceparent`, so
    /// the agency's own span continues the case's trace under it.
    async fn exchange(
        &self,
        call: &AgencyCall,
        request: RequestBuilder,
        method: &'static str,
        target: &str,
    ) -> Result<Exchange, CallError> {
        let span = tracing::info_span!(
            "agency http exchange",
            otel.name = %format!("{method} {} {target}", call.agency),
            otel.kind = "client",
            otel.status_code = Empty,
            http.request.method = method,
            http.response.status_code = Empty,
            lienthong.agency = %call.agency,
            lienthong.operation = %call.operation,
        );
        let request = request.header("traceparent", traceparent_for_case(&span, &call.case_code));
        let result = async {
            let mut request = request.build().map_err(|e| no_answer(call, &e))?;
            let credential = match &call.access {
                Some(access) => crate::agency_access::credential(
                    &call.agency,
                    access,
                    &self.options.secrets,
                    &self.options.credentials,
                )?,
                None => self.options.credentials.get(call.agency.as_str()).cloned(),
            };
            if let Some(credential) = &credential {
                sign(&mut request, credential, SystemTime::now()).map_err(|reason| {
                    CallError::Credentials {
                        agency: call.agency.clone(),
                        reason,
                    }
                })?;
            }
            let response = self
                .http
                .execute(request)
                .await
                .map_err(|e| no_answer(call, &e))?;
            let status = response.status();
            tracing::Span::current().record("http.response.status_code", status.as_u16());
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await.map_err(|e| no_answer(call, &e))?;
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(auth_rejected(call, status, &body));
            }
            Ok(Exchange {
                status,
                retry_after,
                body: body.to_vec(),
            })
        }
        .instrument(span.clone())
        .await;
        if result.as_ref().map_or(true, |e| e.status.is_server_error()) {
            span.record("otel.status_code", "ERROR");
        }
        result
    }

    fn interpret(
        &self,
        call: &AgencyCall,
        status: StatusCode,
        retry_after: Option<&str>,
        body: &[u8],
        attempt: u32,
        reconciled: bool,
    ) -> Result<AgencyAnswer, CallError> {
        match classify(status, retry_after) {
            Classified::Success => {
                let body: Value = serde_json::from_slice(body).map_err(|_| bad_body(call))?;
                Ok(match answer::read_accepted(body, call.keep.as_deref()) {
                    Accepted::Done { output } => AgencyAnswer::Done {
                        output,
                        attempt,
                        reconciled,
                    },
                    Accepted::DocumentsRequired { documents, message } => {
                        AgencyAnswer::DocumentsRequired { documents, message }
                    }
                    Accepted::Pending { reference } => AgencyAnswer::Pending { reference },
                })
            }
            Classified::Rejection => {
                let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let error = answer::read_refusal(&body, format!("HTTP_{}", status.as_u16()));
                Ok(AgencyAnswer::Rejected {
                    code: error.code,
                    message: error.message,
                    attempt,
                })
            }
            Classified::Transient { retry_after } => Err(CallError::Unavailable {
                agency: call.agency.clone(),
                operation: call.operation.clone(),
                status: status.as_u16(),
                retry_after,
            }),
        }
    }
}

/// What an agency sent back.
struct Exchange {
    status: StatusCode,
    retry_after: Option<String>,
    body: Vec<u8>,
}

fn no_answer(call: &AgencyCall, e: &reqwest::Error) -> CallError {
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "connection broken"
    };
    CallError::NoAnswer {
        agency: call.agency.clone(),
        operation: call.operation.clone(),
        reason: reason.into(),
    }
}

/// The agency's own code is kept only when it looks like one (`SIGNATURE_INVALID`): whatever
/// else its body says stays out of the case.
fn auth_rejected(call: &AgencyCall, status: StatusCode, body: &[u8]) -> CallError {
    let agency_code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b.get("code").and_then(Value::as_str).map(str::to_owned))
        .filter(|code| {
            !code.is_empty()
                && code.len() <= 64
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
    CallError::AuthRejected {
        agency: call.agency.clone(),
        operation: call.operation.clone(),
        status: status.as_u16(),
        agency_code,
    }
}

/// An idempotency key as the one path segment of `GET /acts/{key}`: `%` and `/` encoded, as the
/// agency contract says (section 5).
pub fn act_path_segment(key: &str) -> String {
    key.replace('%', "%25").replace('/', "%2F")
}

fn bad_body(call: &AgencyCall) -> CallError {
    CallError::BadBody {
        agency: call.agency.clone(),
        operation: call.operation.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_path_segment_with_only_percent_and_slash_encoded() {
        assert_eq!(
            act_path_segment("KS-00000-00000/residence/compensate"),
            "KS-00000-00000%2Fresidence%2Fcompensate"
        );
        assert_eq!(act_path_segment("a%2Fb"), "a%252Fb");
    }
}
