//! The client side of OpenID Connect's authorization-code flow with PKCE, for the pages people
//! sign in to (the console, the citizen page): where to send the browser, and the exchange of the
//! code it brings back for an ID token, verified with the issuer's keys.
//!
//! Each attempt has its own `state` (the answer belongs to this browser's attempt), `nonce` (the
//! ID token was made for this attempt) and PKCE verifier (a code seen by someone else cannot be
//! exchanged without it), all random.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::{AuthError, Principal, Verifier};

/// One sign-in attempt's secrets, kept by the browser's session-less cookie until the issuer
/// sends it back.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl std::fmt::Debug for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attempt(..)")
    }
}

fn random_text() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Attempt {
    pub fn new() -> Self {
        Self {
            state: random_text(),
            nonce: random_text(),
            verifier: random_text(),
        }
    }

    /// The PKCE challenge (`S256`) the issuer keeps until the code is exchanged.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

impl Default for Attempt {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    authorization_endpoint: String,
    token_endpoint: String,
    /// RP-initiated logout, where the issuer offers it.
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

/// lienthong as a client of the installation's issuer.
pub struct SignIn {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    http: reqwest::Client,
    endpoints: OnceCell<Endpoints>,
    /// ID tokens are made for this client: their audience is the client id.
    verifier: Verifier,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignIn({}, client {})", self.issuer, self.client_id)
    }
}

impl SignIn {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
    ) -> Result<Self, AuthError> {
        let verifier = Verifier::oidc(issuer, client_id)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // The token endpoint answers; it never sends us elsewhere with the code.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AuthError::Config(e.to_string()))?;
        Ok(Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: client_secret.filter(|s| !s.is_empty()),
            http,
            endpoints: OnceCell::new(),
            verifier,
        })
    }

    async fn endpoints(&self) -> Result<&Endpoints, AuthError> {
        self.endpoints
            .get_or_try_init(|| async {
                let url = format!("{}/.well-known/openid-configuration", self.issuer);
                let answer = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| {
                        tracing::warn!(issuer = %self.issuer, error = %e, "cannot read the OIDC issuer's discovery document");
                        AuthError::IssuerUnavailable
                    })?;
                answer.json::<Endpoints>().await.map_err(|e| {
                    tracing::warn!(issuer = %self.issuer, error = %e, "the OIDC issuer's discovery document names no endpoints");
                    AuthError::IssuerUnavailable
                })
            })
            .await
    }

    /// Where to send the browser to sign in, coming back to `redirect_uri`.
    pub async fn authorize_url(
        &self,
        attempt: &Attempt,
        redirect_uri: &str,
    ) -> Result<String, AuthError> {
        let endpoint = &self.endpoints().await?.authorization_endpoint;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid profile email")
            .append_pair("state", &attempt.state)
            .append_pair("nonce", &attempt.nonce)
            .append_pair("code_challenge", &attempt.challenge())
            .append_pair("code_challenge_method", "S256")
            .finish();
        let join = if endpoint.contains('?') { '&' } else { '?' };
        Ok(format!("{endpoint}{join}{query}"))
    }

    /// Where to send a browser that signed out of lienthong so its session at the issuer ends
    /// too (OpenID Connect RP-initiated logout), coming back to `after`; `None` when the issuer
    /// offers no such endpoint or cannot be reached (signing out of lienthong still holds).
    pub async fn end_session_url(&self, after: &str) -> Option<String> {
        let endpoint = self.endpoints().await.ok()?.end_session_endpoint.clone()?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("post_logout_redirect_uri", after)
            .finish();
        let join = if endpoint.contains('?') { '&' } else { '?' };
        Some(format!("{endpoint}{join}{query}"))
    }

    /// Exchanges the `code` the issuer sent back for the attempt's ID token and turns it into
    /// the person it names. The token must verify with the issuer's keys, be meant for this
    /// client and carry the attempt's nonce.
    pub async fn finish(
        &self,
        attempt: &Attempt,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Principal, AuthError> {
        let endpoint = &self.endpoints().await?.token_endpoint;
        let body = self.exchange_body(attempt, code, redirect_uri);
        let answer = self
            .http
            .post(endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(issuer = %self.issuer, error = %e, "cannot reach the OIDC issuer's token endpoint");
                AuthError::IssuerUnavailable
            })?;
        if !answer.status().is_success() {
            // The issuer refused the code: used already, expired, or not this attempt's.
            tracing::info!(issuer = %self.issuer, status = %answer.status(), "the OIDC issuer refused a sign-in code");
            return Err(AuthError::Invalid("the issuer refused the sign-in code"));
        }
        let token = answer
            .json::<TokenAnswer>()
            .await
            .ok()
            .and_then(|t| t.id_token)
            .ok_or(AuthError::Invalid("the issuer's answer holds no ID token"))?;
        let principal = self.verifier.verify(&token).await?;
        if nonce_of(&token).as_deref() != Some(attempt.nonce.as_str()) {
            return Err(AuthError::Invalid(
                "the ID token was not made for this sign-in",
            ));
        }
        Ok(principal)
    }
}

impl SignIn {
    fn exchange_body(&self, attempt: &Attempt, code: &str, redirect_uri: &str) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("client_id", &self.client_id)
            .append_pair("code_verifier", &attempt.verifier);
        if let Some(secret) = &self.client_secret {
            form.append_pair("client_secret", secret);
        }
        form.finish()
    }
}

/// The `nonce` claim of a token whose signature was verified already.
fn nonce_of(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Nonce {
        nonce: Option<String>,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Nonce>(&bytes).ok()?.nonce
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_verifiers_sha256_in_base64url_as_rfc_7636_shows() {
        // RFC 7636, appendix B.
        let attempt = Attempt {
            state: String::new(),
            nonce: String::new(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
        };
        assert_eq!(
            attempt.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn every_attempt_draws_its_own_secrets() {
        let (a, b) = (Attempt::new(), Attempt::new());
        assert_ne!(a.state, b.state);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.verifier, b.verifier);
        assert_eq!(a.verifier.len(), 43);
        assert!(!format!("{a:?}").contains(&a.verifier));
    }

    #[test]
    fn the_nonce_is_read_from_the_tokens_claims() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x","nonce":"n-1"}"#);
        assert_eq!(nonce_of(&format!("h.{payload}.s")).as_deref(), Some("n-1"));
        assert_eq!(nonce_of("not a token"), None);
    }
}
