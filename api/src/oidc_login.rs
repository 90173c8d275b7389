//! Signing in to the console and the citizen page through an OpenID Connect issuer: the
//! authorization-code flow with PKCE (S256), a `state` and a `nonce` per attempt.
//!
//! `GET /sign-in/oidc?app=console|citizen` draws an attempt, keeps it in a short-lived cookie
//! signed with the key every replica shares (so any replica can finish it) and sends the browser
//! to the issuer; `GET /sign-in/oidc/callback` checks the answer belongs to that attempt,
//! exchanges the code with the PKCE verifier, verifies the ID token (issuer's keys, audience =
//! our client id, the attempt's nonce) and opens the same server-side session a pasted token
//! opens.

use std::sync::Arc;

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use lienthong_identity::{Attempt, AuthError, SignIn};
use serde::{Deserialize, Serialize};

use crate::{
    ApiState,
    console::{self, csrf},
    lang::Language,
};

const COOKIE: &str = "lienthong_oidc";
const CALLBACK: &str = "/sign-in/oidc/callback";
/// An attempt the issuer does not answer within this many seconds is over.
const ATTEMPT_SECS: u32 = 600;

/// Where the installation's issuer is and who lienthong is to it.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    sign_in: Arc<SignIn>,
}

impl OidcLogin {
    /// `issuer`'s discovery document is read at the first sign-in, not now, so an API starts
    /// while its issuer is away. `client_secret` is for issuers that want confidential clients;
    /// PKCE alone otherwise.
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
    ) -> Result<Self, AuthError> {
        Ok(Self {
            sign_in: Arc::new(SignIn::new(issuer, client_id, client_secret)?),
        })
    }
}

/// The page a person signs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum App {
    Console,
    Citizen,
}

impl OidcLogin {
    /// Where to send a browser signing out so its session at the issuer ends too.
    pub(crate) async fn end_session_url(&self, after: &str) -> Option<String> {
        self.sign_in.end_session_url(after).await
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Start {
    #[serde(default)]
    app: Option<App>,
    /// A path of ours to land on after signing in.
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    /// The issuer's reason for not signing the person in (`access_denied`, …).
    #[serde(default)]
    error: Option<String>,
}

/// What the cookie keeps between the two legs.
#[derive(Serialize, Deserialize)]
struct Pending {
    attempt: Attempt,
    app: App,
    next: Option<String>,
}

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/sign-in/oidc", get(start))
        .route(CALLBACK, get(callback))
}

/// Only a path of this installation, never another site (an open redirect).
fn local_path(next: Option<String>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

/// `path` of this installation as the browser reaches it: under the configured public URL,
/// else the address the browser used (an issuer only sends browsers back to addresses
/// registered for the client anyway).
pub(crate) fn absolute_url(
    public_url: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
    path: &str,
) -> String {
    if let Some(base) = public_url {
        return format!("{}{path}", base.trim_end_matches('/'));
    }
    let scheme = if console::over_https(headers, uri) {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{scheme}://{host}{path}")
}

fn redirect_uri(state: &ApiState, headers: &HeaderMap, uri: &Uri) -> String {
    absolute_url(state.config.public_url.as_deref(), headers, uri, CALLBACK)
}

/// Kept apart from the session ids CSRF values are made for.
fn sealed_part(payload: &str) -> String {
    format!("oidc-attempt\0{payload}")
}

fn seal(pending: &Pending) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(pending).ok()?);
    let mac = csrf::token_for(&sealed_part(&payload));
    Some(format!("{payload}.{mac}"))
}

fn open(sealed: &str) -> Option<Pending> {
    let (payload, mac) = sealed.split_once('.')?;
    if !csrf::valid(&sealed_part(payload), mac) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn cookie(value: &str, max_age: u32, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    // Lax, not Strict: the issuer's redirect back is a top-level navigation from its site.
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/sign-in/oidc; Max-Age={max_age}{secure}"
    ))
    .ok()
}

async fn start(
    State(state): State<ApiState>,
    Language(lang): Language,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<Start>,
) -> Response {
    let Some(login) = &state.config.oidc_login else {
        return failure(lang, StatusCode::NOT_FOUND, Why::NotConfigured);
    };
    let pending = Pending {
        attempt: Attempt::new(),
        app: query.app.unwrap_or(App::Citizen),
        next: local_path(query.next),
    };
    let url = match login
        .sign_in
        .authorize_url(&pending.attempt, &redirect_uri(&state, &headers, &uri))
        .await
    {
        Ok(url) => url,
        Err(_) => return failure(lang, StatusCode::SERVICE_UNAVAILABLE, Why::IssuerAway),
    };
    let Some(cookie) =
        seal(&pending).and_then(|v| cookie(&v, ATTEMPT_SECS, console::over_https(&headers, &uri)))
    else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR, Why::Refused);
    };
    let mut response = Redirect::to(&url).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

async fn callback(
    State(state): State<ApiState>,
    Language(lang): Language,
    headers: HeaderMap,
    uri: Uri,
    Query(answer): Query<Answer>,
) -> Response {
    let Some(login) = &state.config.oidc_login else {
        return failure(lang, StatusCode::NOT_FOUND, Why::NotConfigured);
    };
    let Some(pending) = console::cookie(&headers, COOKIE).and_then(open) else {
        return failure(lang, StatusCode::BAD_REQUEST, Why::NoAttempt);
    };
    if answer.error.is_some() {
        return failure(lang, StatusCode::UNAUTHORIZED, Why::Declined);
    }
    let (Some(code), Some(answered_state)) = (answer.code, answer.state) else {
        return failure(lang, StatusCode::BAD_REQUEST, Why::NoAttempt);
    };
    if answered_state != pending.attempt.state {
        return failure(lang, StatusCode::BAD_REQUEST, Why::NoAttempt);
    }
    let principal = match login
        .sign_in
        .finish(
            &pending.attempt,
            &code,
            &redirect_uri(&state, &headers, &uri),
        )
        .await
    {
        Ok(principal) => principal,
        Err(AuthError::IssuerUnavailable) => {
            return failure(lang, StatusCode::SERVICE_UNAVAILABLE, Why::IssuerAway);
        }
        Err(e) => {
            tracing::info!(code = e.code(), "an OIDC sign-in was refused");
            return failure(lang, StatusCode::UNAUTHORIZED, Why::Refused);
        }
    };
    let mut response = match pending.app {
        App::Console => {
            console::open_session(
                &state,
                lang,
                &principal,
                &headers,
                &uri,
                pending.next.as_deref(),
            )
            .await
        }
        App::Citizen => {
            crate::citizen_page::open_session(
                &state,
                &principal,
                &headers,
                &uri,
                pending.next.as_deref(),
            )
            .await
        }
    };
    // The attempt is spent.
    if let Some(clear) = cookie("", 0, console::over_https(&headers, &uri)) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

#[derive(Debug, Clone, Copy)]
enum Why {
    NotConfigured,
    IssuerAway,
    NoAttempt,
    Declined,
    Refused,
}

impl Why {
    fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "SIGN_IN_NOT_CONFIGURED",
            Self::IssuerAway => "ISSUER_UNAVAILABLE",
            Self::NoAttempt => "SIGN_IN_EXPIRED",
            Self::Declined => "SIGN_IN_DECLINED",
            Self::Refused => "SIGN_IN_REFUSED",
        }
    }

    fn words(self, lang: crate::lang::Lang) -> &'static str {
        use crate::lang::Lang::{En, Vi};
        match (self, lang) {
            (Self::NotConfigured, Vi) => {
                "Hệ thống này chưa cấu hình đăng nhập bằng tài khoản định danh. Hãy đăng nhập bằng mã được cấp."
            }
            (Self::NotConfigured, En) => {
                "This installation has no identity provider to sign in with. Sign in with a token instead."
            }
            (Self::IssuerAway, Vi) => {
                "Hệ thống định danh đang không trả lời. Vui lòng thử lại sau ít phút."
            }
            (Self::IssuerAway, En) => {
                "The identity provider is not answering. Please try again in a few minutes."
            }
            (Self::NoAttempt, Vi) => {
                "Lượt đăng nhập này đã hết hạn hoặc không còn hợp lệ. Vui lòng đăng nhập lại."
            }
            (Self::NoAttempt, En) => {
                "This sign-in has expired or is no longer valid. Please sign in again."
            }
            (Self::Declined, Vi) => "Bạn chưa đồng ý đăng nhập ở hệ thống định danh.",
            (Self::Declined, En) => "The sign-in was not completed at the identity provider.",
            (Self::Refused, Vi) => {
                "Không thể xác nhận danh tính từ hệ thống định danh. Vui lòng đăng nhập lại."
            }
            (Self::Refused, En) => {
                "The identity provider's answer could not be confirmed. Please sign in again."
            }
        }
    }
}

/// Sends a browser that signed out here on to the issuer to sign out there too. A page that
/// moves on by itself (HTTP `Refresh`), not a redirect: the sign-out was a form post, and the
/// pages' CSP (`form-action 'self'`) stops a form's redirect to another site.
pub(crate) fn leave_for(url: &str, lang: crate::lang::Lang) -> Response {
    let (title, words) = match lang {
        crate::lang::Lang::Vi => ("Đã đăng xuất", "Tiếp tục đăng xuất ở hệ thống định danh"),
        crate::lang::Lang::En => (
            "Signed out",
            "Continue signing out at the identity provider",
        ),
    };
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
            }
            body {
                main {
                    h1 { (title) }
                    p { a #continue-sign-out href=(url) { (words) } }
                }
            }
        }
    };
    let mut response = page.into_response();
    if let Ok(refresh) = HeaderValue::from_str(&format!("0; url={url}")) {
        response.headers_mut().insert(header::REFRESH, refresh);
    }
    response
}

/// A plain page saying why signing in did not work, with a way back; the code is for support.
fn failure(lang: crate::lang::Lang, status: StatusCode, why: Why) -> Response {
    let (title, again) = match lang {
        crate::lang::Lang::Vi => ("Không đăng nhập được", "Quay lại trang đăng nhập"),
        crate::lang::Lang::En => ("Could not sign in", "Back to sign-in"),
    };
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
            }
            body {
                main {
                    h1 { (title) }
                    p #sign-in-problem role="alert" { (why.words(lang)) }
                    p { small { (why.code()) } }
                    p { a href="/" { (again) } }
                }
            }
        }
    };
    let mut response = (status, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_of_ours_is_landed_on() {
        assert_eq!(
            local_path(Some("/cases/KS-1".into())).as_deref(),
            Some("/cases/KS-1")
        );
        assert_eq!(local_path(Some("//evil.example/".into())), None);
        assert_eq!(local_path(Some("https://evil.example/".into())), None);
        assert_eq!(local_path(Some("/\\evil.example".into())), None);
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn a_sealed_attempt_opens_only_unaltered() {
        let pending = Pending {
            attempt: Attempt::new(),
            app: App::Console,
            next: Some("/console".into()),
        };
        let sealed = seal(&pending).unwrap();
        let opened = open(&sealed).unwrap();
        assert_eq!(opened.attempt, pending.attempt);
        assert_eq!(opened.app, App::Console);
        let (payload, mac) = sealed.split_once('.').unwrap();
        let other = seal(&Pending {
            attempt: Attempt::new(),
            app: App::Citizen,
            next: None,
        })
        .unwrap();
        let (other_payload, _) = other.split_once('.').unwrap();
        assert!(open(&format!("{other_payload}.{mac}")).is_none());
        assert!(open(payload).is_none());
    }

    #[test]
    fn every_reason_has_words_in_both_languages_and_a_code() {
        for why in [
            Why::NotConfigured,
            Why::IssuerAway,
            Why::NoAttempt,
            Why::Declined,
            Why::Refused,
        ] {
            assert!(!why.words(crate::lang::Lang::Vi).is_empty());
            assert_ne!(
                why.words(crate::lang::Lang::Vi),
                why.words(crate::lang::Lang::En)
            );
            assert!(
                crate::codes::CODES.iter().any(|c| c.code == why.code()),
                "{} is not listed",
                why.code()
            );
        }
    }
}
