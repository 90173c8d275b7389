//! The caller of every request: a bearer token (or the console's session cookie) verified into a
//! [`Principal`], and the role checks handlers make with it.

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
};
use lienthong_identity::{AuthError, Principal, Role};

use crate::{ApiError, ApiState};

/// The verified caller.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(|| auth_error(&AuthError::Missing))?;
        let principal = state
            .verifier
            .verify(token)
            .await
            .map_err(|e| auth_error(&e))?;
        Ok(Self(principal))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub(crate) fn auth_error(e: &AuthError) -> ApiError {
    let status = match e {
        AuthError::IssuerUnavailable | AuthError::Config(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    ApiError::new(status, e.code(), e.to_string())
}

impl Caller {
    /// Refuses (403) a caller without any of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Principal, ApiError> {
        if roles.iter().any(|r| self.0.has(*r)) {
            return Ok(&self.0);
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!("this needs the {} role", names.join(" or ")),
        ))
    }

    /// Staff: whoever works on the engine rather than files with it.
    pub fn require_staff(&self) -> Result<&Principal, ApiError> {
        self.require(&[Role::Operator, Role::AgencyAdmin, Role::Auditor])
    }
}
