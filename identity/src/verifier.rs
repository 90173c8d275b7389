use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use crate::{AuthError, Claims, Principal, oidc::Oidc};

/// The issuer name of tokens signed with the installation's own key.
pub(crate) const LOCAL_ISSUER: &str = "lienthong";

/// The audience tokens signed with the installation's own key must name: the API.
pub(crate) const LOCAL_AUDIENCE: &str = "lienthong-api";

/// How far a token's `exp` and `nbf` may be off the API's clock (the issuer's clock may differ).
const CLOCK_LEEWAY_SECS: u64 = 60;

/// Checks bearer tokens.
pub enum Verifier {
    /// HS256 with the installation's own key (the development key, or a gateway's).
    Shared(DecodingKey),
    /// Keys published by an OpenID Connect issuer.
    Oidc(Oidc),
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Shared(_) => f.write_str("Verifier::Shared"),
            Self::Oidc(oidc) => write!(f, "Verifier::Oidc({})", oidc.issuer()),
        }
    }
}

impl Verifier {
    /// A verifier for tokens signed with `secret` (at least 32 bytes).
    pub fn shared(secret: &[u8]) -> Result<Self, AuthError> {
        if secret.len() < 32 {
            return Err(AuthError::Config(
                "the token signing key must be at least 32 bytes".into(),
            ));
        }
        Ok(Self::Shared(DecodingKey::from_secret(secret)))
    }

    /// A verifier for tokens of the OIDC issuer at `issuer` meant for `audience` (the client id
    /// the issuer puts in `aud`): an issuer serves many clients, and a token it made for another
    /// one must not open this API. Its discovery document is read at the first token, and its
    /// keys again whenever a token names a key not seen yet.
    pub fn oidc(issuer: &str, audience: &str) -> Result<Self, AuthError> {
        Ok(Self::Oidc(Oidc::new(issuer, audience)?))
    }

    /// The caller a token names, once its signature, issuer, audience, expiry and start (`nbf`)
    /// hold; a token without `iss`, `aud` or `exp` is refused.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let claims = match self {
            Self::Shared(key) => {
                let mut validation = Validation::new(Algorithm::HS256);
                validation.set_issuer(&[LOCAL_ISSUER]);
                validation.set_audience(&[LOCAL_AUDIENCE]);
                decode(token, key, &validation)?
            }
            Self::Oidc(oidc) => oidc.verify(token).await?,
        };
        let principal = Principal::from_claims(claims);
        if principal.subject.is_empty() {
            return Err(AuthError::Invalid("it names no subject"));
        }
        if principal.roles.is_empty() {
            return Err(AuthError::Invalid("it grants no lienthong role"));
        }
        Ok(principal)
    }
}

pub(crate) fn decode(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<Claims, AuthError> {
    let mut validation = validation.clone();
    // The library checks `iss` and `aud` only when a token carries them: required here, a token
    // cannot pass by leaving out the claim it would fail.
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.leeway = CLOCK_LEEWAY_SECS;
    jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::InvalidSignature => AuthError::Invalid("its signature does not match"),
            ErrorKind::InvalidIssuer => AuthError::Invalid("it comes from another issuer"),
            ErrorKind::InvalidAudience => AuthError::Invalid("it is meant for another audience"),
            ErrorKind::InvalidAlgorithm => AuthError::Invalid("its algorithm is not accepted"),
            ErrorKind::MissingRequiredClaim(claim) => AuthError::Invalid(match claim.as_str() {
                "iss" => "it names no issuer",
                "aud" => "it names no audience",
                _ => "it has no expiry",
            }),
            ErrorKind::ImmatureSignature => AuthError::Invalid("it is not valid yet"),
            _ => AuthError::Invalid("it cannot be read"),
        })
}
