/// Why a request's identity was not accepted. Messages never echo the token.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    #[error("send `Authorization: Bearer <token>`")]
    Missing,
    #[error("the bearer token is not valid: {0}")]
    Invalid(&'static str),
    #[error("the bearer token has expired; sign in again")]
    Expired,
    #[error("the identity provider could not be reached to check the token; try again")]
    IssuerUnavailable,
    #[error("the identity configuration is invalid: {0}")]
    Config(String),
}

impl AuthError {
    /// The stable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "TOKEN_MISSING",
            Self::Invalid(_) => "TOKEN_INVALID",
            Self::Expired => "TOKEN_EXPIRED",
            Self::IssuerUnavailable => "ISSUER_UNAVAILABLE",
            Self::Config(_) => "IDENTITY_MISCONFIGURED",
        }
    }
}
