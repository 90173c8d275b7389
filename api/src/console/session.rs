//! The console session, kept server-side in the engine database every replica shares: the
//! browser holds only a random id (HttpOnly, `Path=/console`, so it is no bearer token and opens
//! nothing but the console). Signing in checks the token once; the session then ends at
//! sign-out, after `--console-idle-minutes` unused, or when the token would have expired,
//! whichever comes first.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, HeaderValue, Uri, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use lienthong_identity::{Claims, Principal, Role, Verifier};
use lienthong_store::{NewConsoleSession, Store};
use sha2::{Digest, Sha256};

use super::{
    csrf,
    i18n::Text,
    language,
    layout::{self, Chrome, User},
    problem::Problem,
};
use crate::{ApiState, auth::Caller};

pub(crate) const SESSION_COOKIE: &str = "lienthong_session";

/// A session lasts at most this long, however long its token would be valid.
const MOST_SECS: u64 = 12 * 3600;

/// What sessions need from the API's state.
#[derive(Clone)]
pub(crate) struct Sessions {
    pub verifier: Arc<Verifier>,
    pub store: Store,
    /// A session unused this long has ended.
    pub idle: Duration,
    pub limits: Arc<crate::RateLimits>,
    /// The installation's OIDC issuer people sign in through, if any.
    pub sso: Option<crate::oidc_login::OidcLogin>,
    /// Where people reach this installation, for addresses given to the issuer.
    pub public_url: Option<String>,
}

impl FromRef<ApiState> for Sessions {
    fn from_ref(state: &ApiState) -> Self {
        Self {
            verifier: state.verifier.clone(),
            store: state.store.clone(),
            idle: state.config.console_idle,
            limits: state.limits.clone(),
            sso: state.config.oidc_login.clone(),
            public_url: state.config.public_url.clone(),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Which pages a session opens. The console's and the citizen page's sessions share one table
/// but their ids are hashed apart, so one's cookie never opens the other's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Realm {
    Console,
    Citizen,
}

/// The stored form of a session id: its SHA-256 in hex, so the table opens no session.
fn id_hash(realm: Realm, id: &str) -> String {
    match realm {
        // As sessions opened before there was a second realm were stored.
        Realm::Console => csrf::hex(&Sha256::digest(id.as_bytes())),
        Realm::Citizen => csrf::hex(
            &Sha256::new()
                .chain_update(b"citizen\0")
                .chain_update(id.as_bytes())
                .finalize(),
        ),
    }
}

impl Sessions {
    /// Opens a console session for a verified staff member; the id to put in the cookie.
    pub(crate) async fn open(&self, principal: &Principal) -> Result<String, Problem> {
        let claims = serde_json::to_string(&principal.session_claims()).map_err(unavailable)?;
        self.open_kept(
            Realm::Console,
            &principal.subject,
            &claims,
            principal.expires_at,
        )
        .await
    }

    /// The staff member of a live console session, or `None` when it has ended.
    pub(crate) async fn find(&self, id: &str) -> Result<Option<Principal>, Problem> {
        Ok(self
            .find_kept(Realm::Console, id)
            .await?
            .and_then(|claims| serde_json::from_str::<Claims>(&claims).ok())
            .map(Principal::from_claims))
    }

    /// Ends this console session, or every session of its staff member.
    pub(crate) async fn close(
        &self,
        id: &str,
        subject: &str,
        everywhere: bool,
    ) -> Result<(), Problem> {
        self.close_in(Realm::Console, id, subject, everywhere).await
    }

    /// Opens a session of `realm` keeping `subject` and `claims` as the realm stores them, for a
    /// token that expires at `token_expiry`; the id to put in the cookie.
    pub(crate) async fn open_kept(
        &self,
        realm: Realm,
        subject: &str,
        claims: &str,
        token_expiry: Option<u64>,
    ) -> Result<String, Problem> {
        let id = csrf::random_hex();
        let now = unix_now();
        let expires_at = token_expiry.unwrap_or(now).min(now + MOST_SECS);
        // A token let in only by the clock leeway would open a session that has already ended.
        if expires_at <= now {
            return Err(Problem::from(crate::auth::auth_error(
                &lienthong_identity::AuthError::Expired,
            )));
        }
        self.store
            .open_console_session(
                NewConsoleSession {
                    id_hash: &id_hash(realm, &id),
                    subject,
                    claims,
                    now: to_i64(now),
                    expires_at: to_i64(expires_at),
                },
                to_i64(self.idle.as_secs()),
            )
            .await
            .map_err(unavailable)?;
        Ok(id)
    }

    /// The claims a live session of `realm` keeps, or `None` when it has ended.
    pub(crate) async fn find_kept(
        &self,
        realm: Realm,
        id: &str,
    ) -> Result<Option<String>, Problem> {
        self.store
            .console_session(
                &id_hash(realm, id),
                to_i64(unix_now()),
                to_i64(self.idle.as_secs()),
            )
            .await
            .map_err(unavailable)
    }

    /// Ends this session, or every session of its caller (console and citizen page alike: the
    /// account signs out on every device).
    pub(crate) async fn close_in(
        &self,
        realm: Realm,
        id: &str,
        subject: &str,
        everywhere: bool,
    ) -> Result<(), Problem> {
        if everywhere {
            self.store
                .close_console_sessions_of(subject)
                .await
                .map(|_| ())
        } else {
            self.store
                .close_console_session(&id_hash(realm, id))
                .await
                .map(|_| ())
        }
        .map_err(unavailable)
    }
}

fn unavailable(cause: impl std::fmt::Display) -> Problem {
    Problem::from(crate::ApiError::database(cause))
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

/// `Set-Cookie` for the session `id` (hex, so always a valid cookie value).
pub(crate) fn session_cookie(id: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/console{secure}"
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
    /// The session id, which CSRF values are bound to.
    pub session: String,
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

/// The address a request came from, as the listener saw it (a router served without connection
/// info, as in unit tests, counts every request as one address).
pub(crate) struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string()),
        ))
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
    Sessions: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let mut chrome = Chrome::of(parts);
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(false));
        };
        let principal = match Sessions::from_ref(state).find(id).await {
            Ok(Some(principal)) => principal,
            Ok(None) => return Err(to_login(true)),
            Err(problem) => return Err(layout::problem_page(&chrome, &problem)),
        };
        chrome.user = Some(User {
            subject: principal.subject.clone(),
            csrf: csrf::token_for(id),
            operator: principal.has(Role::Operator),
            auditor: principal.has(Role::Auditor),
        });
        Ok(Self {
            caller: Caller(principal),
            session: id.to_owned(),
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
