//! How civil-status reaches the National Population Database: over real HTTP, like the real
//! systems do through the data exchange platform.

use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;

/// Longer than any latency a test injects into population, shorter than an engine's patience.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub(crate) struct PopulationClient {
    http: reqwest::Client,
    assign_url: String,
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

#[derive(Debug, Deserialize)]
struct Assigned {
    personal_id: String,
}

#[derive(Debug, Deserialize)]
struct Refusal {
    code: String,
    message: String,
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
            assign_url: format!(
                "{}/operations/assign-personal-id",
                base_url.trim_end_matches('/')
            ),
        })
    }

    /// Asks population for the child's personal ID. `idempotency_key` is derived from the
    /// birth's own key, so a retried birth gets back the same ID instead of a second one.
    pub async fn assign_personal_id(
        &self,
        idempotency_key: &str,
        child: &AssignPersonalId<'_>,
    ) -> Result<String, ApiError> {
        let unavailable = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "POPULATION_UNAVAILABLE",
                "the National Population Database could not be reached; retry later",
            )
        };
        let response = self
            .http
            .post(&self.assign_url)
            .header("Idempotency-Key", idempotency_key)
            .json(child)
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
            let assigned: Assigned = response.json().await.map_err(|_| unavailable())?;
            return Ok(assigned.personal_id);
        }
        tracing::warn!(
            idempotency_key,
            status = status.as_u16(),
            "population refused"
        );
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            // Population's refusals (unknown mother, ...) are the birth's refusals too.
            let refusal: Refusal = response.json().await.map_err(|_| unavailable())?;
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.code,
                refusal.message,
            ));
        }
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(unavailable());
        }
        Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "POPULATION_BAD_RESPONSE",
            "the National Population Database did not accept the request",
        ))
    }
}
