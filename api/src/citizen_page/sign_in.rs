//! Signing in (a pasted token, or the installation's identity provider) and signing out. Only a
//! citizen signs in here; staff are pointed to the console.

use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Redirect, Response},
};
use lienthong_identity::{Principal, Role};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    layout::{self, Chrome},
    session::{self, Checked, clear_cookie, session_cookie},
};
use crate::{
    ApiState,
    console::{
        csrf::{self, CsrfForm},
        session::{ClientAddress, over_https},
    },
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignInQuery {
    #[serde(default)]
    ended: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm for SignOutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// What the sign-in page shows besides its form.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignInPage {
    /// The last attempt's problem code, if it failed.
    pub problem: Option<String>,
    /// The session had ended.
    pub ended: bool,
    /// The installation has an identity provider to sign in through.
    pub provider: bool,
    /// Where to go once signed in (a path of ours).
    pub next: Option<String>,
}

/// A path of this site to land on, never another site's (`//evil`, `/\evil`).
pub(crate) fn local_path(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

pub(crate) fn render(chrome: &Chrome, shown: &SignInPage) -> Markup {
    let t = |id: &str| chrome.t(id);
    let provider_href = match local_path(shown.next.as_deref()) {
        Some(next) => format!(
            "/sign-in/oidc?app=citizen&next={}",
            crate::console::urls::encode(next)
        ),
        None => "/sign-in/oidc?app=citizen".to_owned(),
    };
    let body = html! {
        @if shown.ended {
            p #session-ended.notice role="status" { (t("page-session-ended")) }
        }
        @if let Some(code) = &shown.problem {
            (layout::problem_box(chrome, code))
        }
        p { (t("page-sign-in-intro")) }
        @if shown.provider {
            p { a #sign-in-provider.button href=(provider_href) { (t("page-sign-in-provider")) } }
        } @else {
            form #sign-in-form.card method="post" action="/sign-in" {
                @if let Some(next) = local_path(shown.next.as_deref()) {
                    input type="hidden" name="next" value=(next);
                }
                label for="token" { (t("page-token-label")) }
                p.help #token-help { (t("page-token-help")) }
                textarea #token name="token" rows="4" required autocomplete="off"
                    spellcheck="false" aria-describedby="token-help" {}
                button #sign-in.primary type="submit" { (t("page-sign-in")) }
            }
        }
    };
    layout::page(chrome, &t("page-sign-in"), body)
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    chrome: Chrome,
    Query(query): Query<SignInQuery>,
) -> Markup {
    render(
        &chrome,
        &SignInPage {
            problem: None,
            ended: query.ended.is_some(),
            provider: state.config.oidc_login.is_some(),
            next: query.next,
        },
    )
}

pub(crate) async fn submit(
    State(state): State<ApiState>,
    ClientAddress(address): ClientAddress,
    chrome: Chrome,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<SignInForm>,
) -> Response {
    let refuse = |status: StatusCode, code: &str, retry_after: Option<u64>| {
        let shown = SignInPage {
            problem: Some(code.to_owned()),
            ended: false,
            provider: state.config.oidc_login.is_some(),
            next: form.next.clone(),
        };
        let mut response = layout::respond(status, render(&chrome, &shown));
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    };
    // No session yet to bind a CSRF value to: the origin check and SameSite keep other sites out.
    if !csrf::same_origin(&headers) {
        return refuse(StatusCode::FORBIDDEN, "CSRF_FAILED", None);
    }
    // Before the token is looked at: guessing tokens costs the guesser, not the issuer.
    if let Err(limited) = state.limits.sign_ins.check(&address) {
        return refuse(limited.status, limited.code, limited.retry_after);
    }
    let principal = match state.verifier.verify(form.token.trim()).await {
        Ok(principal) => principal,
        Err(e) => {
            let error = crate::auth::auth_error(&e);
            return refuse(error.status, error.code, None);
        }
    };
    begin(
        &state,
        &chrome,
        &principal,
        &headers,
        &uri,
        form.next.as_deref(),
    )
    .await
}

/// Opens a citizen's session for a verified caller and lands them on `next` or their cases; a
/// caller who is not a citizen is told where staff sign in.
pub(crate) async fn begin(
    state: &ApiState,
    chrome: &Chrome,
    principal: &Principal,
    headers: &HeaderMap,
    uri: &Uri,
    next: Option<&str>,
) -> Response {
    if !principal.has(Role::Citizen) {
        return layout::respond(StatusCode::FORBIDDEN, staff_elsewhere(chrome));
    }
    let id = match session::open(state, principal).await {
        Ok(id) => id,
        Err(problem) => return layout::problem_page(chrome, problem.status, &problem.code),
    };
    let Some(cookie) = session_cookie(&id, over_https(headers, uri)) else {
        return layout::problem_page(chrome, StatusCode::INTERNAL_SERVER_ERROR, "SESSION_FAILED");
    };
    let target = local_path(next).unwrap_or("/cases");
    let mut response = Redirect::to(target).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The sign-in page for staff: this page is for citizens, the console for them.
pub(crate) fn staff_elsewhere(chrome: &Chrome) -> Markup {
    let body = html! {
        div #problem.problem role="alert" data-code="FORBIDDEN" {
            p { strong { (chrome.t("page-not-a-citizen")) } }
        }
        p { a #go-console href="/console/login" { (chrome.t("page-go-console")) } }
    };
    layout::page(chrome, &chrome.t("page-sign-in"), body)
}

pub(crate) async fn sign_out(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: Uri,
    checked: Checked<SignOutForm>,
) -> Response {
    let citizen = &checked.citizen;
    if let Err(problem) = session::close(&state, &citizen.session, &citizen.caller.0.subject).await
    {
        return layout::problem_page(&citizen.chrome, problem.status, &problem.code);
    }
    // Signed in through the identity provider: sign out there too, or the next visit signs
    // straight back in.
    let after = match &state.config.oidc_login {
        Some(sso) => {
            let back = crate::oidc_login::absolute_url(
                state.config.public_url.as_deref(),
                &headers,
                &uri,
                "/",
            );
            sso.end_session_url(&back).await
        }
        None => None,
    };
    let mut response = match after {
        Some(url) => crate::oidc_login::leave_for(&url, citizen.chrome.lang),
        None => Redirect::to("/").into_response(),
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie());
    response
}
