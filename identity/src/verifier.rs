use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use crate::{AuthError, Claims, Principal, oidc::Oidc};

/// The issuer name of tokens signed with the installation's own key.
pub(crate) const LOCAL_ISSUER: &str = "lienthong";

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

    /// A verifier for tokens of the OIDC issuer at `issuer` (its discovery document is read at
    /// the first token, and its keys again whenever a token names a key not seen yet).
    pub fn oidc(issuer: &str, audience: Option<String>) -> Result<Self, AuthError> {
        Ok(Self::Oidc(Oidc::new(issuer, audience)?))
    }

    /// The caller a token names, once its signature, issuer, audience and expiry hold.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let claims = match self {
            Self::Shared(key) => {
                let mut validation = Validation::new(Algorithm::HS256);
                validation.set_issuer(&[LOCAL_ISSUER]);
                validation.validate_aud = false;
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
    validation.set_required_spec_claims(&["exp"]);
    jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::InvalidSignature => AuthError::Invalid("its signature does not match"),
            ErrorKind::InvalidIssuer => AuthError::Invalid("it comes from another issuer"),
            ErrorKind::InvalidAudience => AuthError::Invalid("it is meant for another audience"),
            ErrorKind::InvalidAlgorithm => AuthError::Invalid("its algorithm is not accepted"),
            ErrorKind::MissingRequiredClaim(_) => AuthError::Invalid("it has no expiry"),
            ErrorKind::ImmatureSignature => AuthError::Invalid("it is not valid yet"),
            _ => AuthError::Invalid("it cannot be read"),
        })
}
