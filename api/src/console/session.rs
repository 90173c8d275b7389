//! The console session: the operator's own token in an HttpOnly cookie, verified on every
//! request exactly as a bearer token is, so an expired or revoked token ends the session at once.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, HeaderValue, Uri, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use lienthong_identity::{AuthError, Role, Verifier};

use super::{
    csrf,
    i18n::Text,
    language,
    layout::{self, Chrome, User},
    problem::Problem,
};
use crate::{ApiState, auth::Caller};

pub(crate) const SESSION_COOKIE: &str = "lienthong_session";

/// The token verifier, the one thing the session needs from the API's state.
#[derive(Clone)]
pub(crate) struct Verify(pub Arc<Verifier>);

impl FromRef<ApiState> for Verify {
    fn from_ref(state: &ApiState) -> Self {
        Self(state.verifier.clone())
    }
}

/// The value of cookie `name`, from any `Cookie` header.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether the browser reached us over https, directly or through a proxy that says so.
pub(crate) fn over_https(headers: &HeaderMap, uri: &Uri) -> bool {
    uri.scheme_str() == Some("https")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for a session holding `token`, or `None` when the token could not be a cookie
/// value (a verified token is base64url and dots; anything else is refused, not escaped).
pub(crate) fn session_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return None;
    }
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/console{secure}"
    ))
    .ok()
}

pub(crate) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "lienthong_session=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0",
    )
}

/// A signed-in console user; pages that need one take this, and a visitor without a valid
/// session is sent to the sign-in page.
pub(crate) struct Console {
    pub caller: Caller,
    pub token: String,
    pub chrome: Chrome,
}

impl Console {
    /// The 403 page for a user who is not an operator.
    pub(crate) fn not_operator(&self) -> Option<Response> {
        self.lacking(Role::Operator, Text::NeedsOperator)
    }

    /// The 403 page for a user who is not an auditor.
    pub(crate) fn not_auditor(&self) -> Option<Response> {
        self.lacking(Role::Auditor, Text::NeedsAuditor)
    }

    fn lacking(&self, role: Role, why: Text) -> Option<Response> {
        (!self.caller.0.has(role)).then(|| layout::forbidden(&self.chrome, why))
    }
}

fn to_login(ended: bool) -> Response {
    if ended {
        let mut response = Redirect::to("/console/login?ended=1").into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, clear_cookie());
        response
    } else {
        Redirect::to("/console/login").into_response()
    }
}

impl<S> FromRequestParts<S> for Console
where
    S: Send + Sync,
    Verify: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let mut chrome = Chrome::of(parts);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(false));
        };
        let Verify(verifier) = Verify::from_ref(state);
        let principal = match verifier.verify(token).await {
            Ok(principal) => principal,
            Err(e @ (AuthError::IssuerUnavailable | AuthError::Config(_))) => {
                let problem = Problem::from(crate::auth::auth_error(&e));
                return Err(layout::problem_page(&chrome, &problem));
            }
            Err(_) => return Err(to_login(true)),
        };
        chrome.user = Some(User {
            subject: principal.subject.clone(),
            csrf: csrf::token_for(token),
            operator: principal.has(Role::Operator),
            auditor: principal.has(Role::Auditor),
        });
        Ok(Self {
            caller: Caller(principal),
            token: token.to_owned(),
            chrome,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Chrome::of(parts))
    }
}

impl Chrome {
    fn of(parts: &Parts) -> Self {
        Self {
            lang: language::of(parts),
            here: language::here(parts),
            user: None,
        }
    }
}
