//! How civil-status reaches the National Population Database: over real HTTP, like the real
//! systems do through the data exchange platform.

use std::time::Duration;

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::benefit::BenefitStatus;
use crate::population;

/// Longer than any latency a test injects into population, shorter than an engine's patience.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub(crate) struct PopulationClient {
    http: reqwest::Client,
    base_url: String,
}

/// The child's data population needs to assign an ID.
#[derive(Debug, Serialize)]
pub(crate) struct AssignPersonalId<'a> {
    pub full_name: &'a str,
    pub date_of_birth: &'a str,
    pub sex: &'a str,
    pub place_of_birth: &'a str,
    pub mother_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub father_id: Option<&'a str>,
}

/// The death population records.
#[derive(Debug, Serialize)]
pub(crate) struct RecordDeath<'a> {
    pub personal_id: &'a str,
    pub date_of_death: &'a str,
}

#[derive(Debug, Deserialize)]
struct Assigned {
    personal_id: String,
}

#[derive(Debug, Deserialize)]
struct Recorded {
    benefit_status: String,
}

#[derive(Debug, Deserialize)]
struct Refusal {
    code: String,
    message: String,
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "POPULATION_UNAVAILABLE",
        "the National Population Database could not be reached; retry later",
    )
}

fn bad_response() -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "POPULATION_BAD_RESPONSE",
        "the National Population Database did not accept the request",
    )
}

impl PopulationClient {
    pub fn new(base_url: &str) -> Result<Self, reqwest::Error> {
        // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // Agency systems talk directly, never through whatever proxy the host has set.
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(PopulationClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Asks population for the child's personal ID. `idempotency_key` is derived from the
    /// birth's own key, so a retried birth gets back the same ID instead of a second one.
    pub async fn assign_personal_id(
        &self,
        idempotency_key: &str,
        child: &AssignPersonalId<'_>,
    ) -> Result<String, ApiError> {
        let assigned: Assigned = self
            .act(population::ASSIGN_PERSONAL_ID, idempotency_key, child)
            .await?;
        Ok(assigned.personal_id)
    }

    /// Asks population to record a death, and returns the deceased's benefit status.
    /// `idempotency_key` is derived from the death registration's own key, so a retried
    /// registration is not refused as a second death.
    pub async fn record_death(
        &self,
        idempotency_key: &str,
        death: &RecordDeath<'_>,
    ) -> Result<BenefitStatus, ApiError> {
        let recorded: Recorded = self
            .act(population::RECORD_DEATH, idempotency_key, death)
            .await?;
        recorded.benefit_status.parse().map_err(|_| {
            tracing::warn!(
                idempotency_key,
                "population answered an unknown benefit status"
            );
            bad_response()
        })
    }

    /// Performs one act at population. Its refusals (unknown mother, person already
    /// deceased, ...) and its verdict that the request is invalid become the caller's own.
    async fn act<T: DeserializeOwned>(
        &self,
        operation: &str,
        idempotency_key: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        let response = self
            .http
            .post(format!("{}/operations/{operation}", self.base_url))
            .header("Idempotency-Key", idempotency_key)
            .json(body)
            .send()
            .await
            .map_err(|error| {
                tracing::warn!(
                    idempotency_key,
                    timeout = error.is_timeout(),
                    connect = error.is_connect(),
                    "population call failed"
                );
                unavailable()
            })?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|_| unavailable());
        }
        tracing::warn!(
            idempotency_key,
            status = status.as_u16(),
            "population refused"
        );
        if status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST {
            let refusal: Refusal = response.json().await.map_err(|_| unavailable())?;
            // A 400 about the idempotency key is this client's fault, not the caller's.
            if status == StatusCode::UNPROCESSABLE_ENTITY || refusal.code == "INVALID_REQUEST" {
                return Err(ApiError::new(status, refusal.code, refusal.message));
            }
            return Err(bad_response());
        }
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(unavailable());
        }
        Err(bad_response())
    }
}
