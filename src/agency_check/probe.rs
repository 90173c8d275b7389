//! The kit's own requests, beside the engine's client: the unsigned and wrongly signed calls the
//! engine never makes, `GET /health`, and `GET /acts/{key}` read raw so its exact shape can be
//! checked. A request meant to be the engine's is signed by the engine's own `sign`.

use std::time::{Duration, Instant, SystemTime};

use lienthong_activities::{AgencyCredential, sign};
use serde_json::Value;

/// How long `/health` may take (contract §11).
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// How long any other request may take before it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A secret no agency holds, for the wrongly signed call.
const WRONG_SECRET: &str = "lienthong-agency-check-wrong-secret";

/// What a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// The engine's credential, as the engine puts it on.
    Engine,
    /// No credential at all.
    Unsigned,
    /// A credential of the right kind with the wrong secret or token.
    Wrong,
}

/// An answer: its status, its body read as JSON if it is JSON, and how long it took.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub json: Option<Value>,
    pub elapsed: Duration,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoReply {
    #[error("no answer within {} s", .0.as_secs())]
    TimedOut(Duration),
    #[error("cannot connect")]
    Connect,
    #[error("the connection broke before an answer")]
    Broken,
    #[error("the request could not be signed: {0}")]
    Sign(lienthong_activities::SignError),
}

/// Requests to one agency system.
pub struct Probe {
    http: reqwest::Client,
    base: String,
    credential: Option<AgencyCredential>,
}

impl Probe {
    pub fn new(base: &str, credential: Option<AgencyCredential>) -> Result<Self, reqwest::Error> {
        // HTTPS uses ring, as the engine's client does; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            base: base.to_owned(),
            credential,
        })
    }

    /// `GET /health`, unsigned, as the engine's health check asks it.
    pub async fn health(&self) -> Result<Reply, NoReply> {
        let request = self
            .http
            .get(format!("{}/health", self.base))
            .timeout(HEALTH_TIMEOUT);
        self.send(request, Signing::Unsigned, HEALTH_TIMEOUT).await
    }

    /// `POST /operations/{operation}` with `body` under `key`.
    pub async fn post(
        &self,
        operation: &str,
        key: &str,
        body: &Value,
        signing: Signing,
    ) -> Result<Reply, NoReply> {
        let request = self
            .http
            .post(format!("{}/operations/{operation}", self.base))
            .header("Idempotency-Key", key)
            .json(body);
        self.send(request, signing, REQUEST_TIMEOUT).await
    }

    /// `GET /acts/{key}`, the key written as the engine writes it.
    pub async fn act(&self, key: &str, signing: Signing) -> Result<Reply, NoReply> {
        let request = self.http.get(format!(
            "{}/acts/{}",
            self.base,
            lienthong_activities::act_path_segment(key)
        ));
        self.send(request, signing, REQUEST_TIMEOUT).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        signing: Signing,
        timeout: Duration,
    ) -> Result<Reply, NoReply> {
        let mut request = request.build().map_err(|_| NoReply::Broken)?;
        let credential = match (signing, &self.credential) {
            (Signing::Unsigned, _) | (_, None) => None,
            (Signing::Engine, Some(credential)) => Some(credential.clone()),
            (Signing::Wrong, Some(AgencyCredential::Hmac(_))) => {
                Some(AgencyCredential::Hmac(WRONG_SECRET.into()))
            }
            (Signing::Wrong, Some(AgencyCredential::Bearer(_))) => {
                Some(AgencyCredential::Bearer(WRONG_SECRET.into()))
            }
        };
        if let Some(credential) = &credential {
            sign(&mut request, credential, SystemTime::now()).map_err(NoReply::Sign)?;
        }
        let started = Instant::now();
        let response = self.http.execute(request).await.map_err(|e| {
            if e.is_timeout() {
                NoReply::TimedOut(timeout)
            } else if e.is_connect() {
                NoReply::Connect
            } else {
                NoReply::Broken
            }
        })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|_| NoReply::Broken)?;
        Ok(Reply {
            status,
            json: serde_json::from_slice(&body).ok(),
            elapsed: started.elapsed(),
        })
    }
}
