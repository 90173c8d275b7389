use std::time::{Duration, Instant};

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode_header,
    jwk::{JwkSet, KeyAlgorithm},
};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::{AuthError, Claims, verifier::decode};

/// How often an unknown key id may make us fetch the issuer's keys again (a flood of forged
/// tokens must not turn into a flood of requests to the issuer).
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(30);

/// An OpenID Connect issuer's signing keys, fetched through its discovery document.
pub struct Oidc {
    issuer: String,
    /// The client id tokens must name in `aud`.
    audience: String,
    http: reqwest::Client,
    keys: RwLock<Option<(JwkSet, Instant)>>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

impl Oidc {
    pub(crate) fn new(issuer: &str, audience: &str) -> Result<Self, AuthError> {
        let issuer = issuer.trim_end_matches('/').to_owned();
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(AuthError::Config(format!(
                "the OIDC issuer `{issuer}` must be an http(s) URL"
            )));
        }
        let audience = audience.trim().to_owned();
        if audience.is_empty() {
            return Err(AuthError::Config(
                "an OIDC issuer needs the audience its tokens for lienthong name (--oidc-audience): \
                 without it a token the issuer made for any other client would be accepted"
                    .into(),
            ));
        }
        // HTTPS to the issuer uses ring, the provider the Temporal client's TLS already brings.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| AuthError::Config(e.to_string()))?;
        Ok(Self {
            issuer,
            audience,
            http,
            keys: RwLock::new(None),
        })
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header =
            decode_header(token).map_err(|_| AuthError::Invalid("its header cannot be read"))?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            // A shared-secret token cannot come from an issuer that publishes public keys.
            return Err(AuthError::Invalid("its algorithm is not accepted"));
        }
        let kid = header
            .kid
            .ok_or(AuthError::Invalid("it names no signing key"))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        decode(token, &key, &validation)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let stale = {
            let cached = self.keys.read().await;
            match cached.as_ref() {
                Some((set, _)) if set.find(kid).is_some() => return from_set(set, kid),
                Some((_, fetched)) => fetched.elapsed() >= REFRESH_AT_MOST_EVERY,
                None => true,
            }
        };
        if !stale {
            return Err(AuthError::Invalid(
                "it is signed with a key the issuer does not publish",
            ));
        }
        let set = self.fetch().await?;
        let key = from_set(&set, kid);
        *self.keys.write().await = Some((set, Instant::now()));
        key
    }

    async fn fetch(&self) -> Result<JwkSet, AuthError> {
        let unavailable = |e: reqwest::Error| {
            tracing::warn!(issuer = %self.issuer, error = %e, "cannot read the OIDC issuer's keys");
            AuthError::IssuerUnavailable
        };
        let discovery: Discovery = self
            .http
            .get(format!("{}/.well-known/openid-configuration", self.issuer))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        self.http
            .get(&discovery.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)
    }
}

fn from_set(set: &JwkSet, kid: &str) -> Result<DecodingKey, AuthError> {
    let jwk = set.find(kid).ok_or(AuthError::Invalid(
        "it is signed with a key the issuer does not publish",
    ))?;
    if matches!(
        jwk.common.key_algorithm,
        Some(KeyAlgorithm::HS256 | KeyAlgorithm::HS384 | KeyAlgorithm::HS512)
    ) {
        return Err(AuthError::Invalid("its algorithm is not accepted"));
    }
    DecodingKey::from_jwk(jwk).map_err(|_| AuthError::Invalid("the issuer's key cannot be used"))
}
