//! Signing in with a pasted token and signing out.

use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Redirect, Response},
};
use lienthong_identity::{Principal, Role};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    csrf::{self, Checked, CsrfForm},
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    session::{ClientAddress, Sessions, clear_cookie, over_https, session_cookie},
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    ended: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
    /// Present when the user asks to end every session of theirs, on every device.
    #[serde(default)]
    everywhere: Option<String>,
}

impl CsrfForm for LogoutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The sign-in page, with the reason the last attempt failed, if any.
pub(crate) fn render(chrome: &Chrome, problem: Option<&Problem>, ended: bool, sso: bool) -> Markup {
    let t = |text| chrome.t(text);
    let body = html! {
        @if ended {
            p #session-ended.notice role="status" { (t(Text::SessionEnded)) }
        }
        @if let Some(problem) = problem {
            (layout::problem_box(chrome, "error", problem))
        }
        @if sso {
            p.card {
                a #sign-in-sso.button href="/sign-in/oidc?app=console" { (t(Text::SignInWithIssuer)) }
            }
        }
        // With an issuer, people sign in there; pasting a token is for installations without
        // one (`lienthong dev`).
        @if !sso {
        form #login.card method="post" action="/console/login" {
            label for="token" { (t(Text::TokenLabel)) }
            p.help #token-help { (t(Text::TokenHelp)) }
            textarea #token name="token" rows="5" required autocomplete="off" spellcheck="false"
                aria-describedby="token-help" {}
            button #sign-in type="submit" { (t(Text::SignIn)) }
        }
        }
    };
    layout::page(chrome, t(Text::SignIn), body)
}

pub(crate) async fn show(
    State(sessions): State<Sessions>,
    chrome: Chrome,
    Query(query): Query<LoginQuery>,
) -> Markup {
    render(&chrome, None, query.ended.is_some(), sessions.sso.is_some())
}

pub(crate) async fn submit(
    State(sessions): State<Sessions>,
    ClientAddress(address): ClientAddress,
    chrome: Chrome,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    let refuse = |problem: Problem| {
        let mut response = layout::respond(
            problem.status,
            render(&chrome, Some(&problem), false, sessions.sso.is_some()),
        );
        if let Some(seconds) = problem.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    };
    // No session yet to bind a CSRF value to: the origin check and SameSite keep other sites out.
    if !csrf::same_origin(&headers) {
        return refuse(csrf::refused());
    }
    // Before the token is looked at: guessing tokens costs the guesser, not the issuer.
    if let Err(limited) = sessions.limits.sign_ins.check(&address) {
        let mut problem = Problem::from(limited);
        problem.message = chrome.t(Text::TooManySignIns).to_owned();
        return refuse(problem);
    }
    let token = form.token.trim();
    let principal = match sessions.verifier.verify(token).await {
        Ok(principal) => principal,
        Err(e) => return refuse(Problem::from(crate::auth::auth_error(&e))),
    };
    begin(&sessions, &chrome, &principal, &headers, &uri, None, false)
        .await
        .unwrap_or_else(refuse)
}

/// Opens a console session for a staff member whose identity is verified (a pasted token, or
/// an OIDC sign-in: `via_issuer`) and lands them on `next`, else their role's first page;
/// anyone else gets the page saying the console is for staff.
pub(crate) async fn begin(
    sessions: &Sessions,
    chrome: &Chrome,
    principal: &Principal,
    headers: &HeaderMap,
    uri: &Uri,
    next: Option<&str>,
    via_issuer: bool,
) -> Result<Response, Problem> {
    let home = if principal.has(Role::Operator) {
        "/console"
    } else if principal.has(Role::Auditor) {
        "/console/audit"
    } else {
        return Ok(layout::forbidden(chrome, Text::NeedsStaff));
    };
    let target = next.filter(|n| n.starts_with("/console")).unwrap_or(home);
    let id = sessions.open(principal).await?;
    let Some(cookie) = session_cookie(&id, over_https(headers, uri)) else {
        return Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SESSION_FAILED",
            "the session could not be opened; sign in again",
        ));
    };
    if !via_issuer {
        let mut response = Redirect::to(target).into_response();
        response.headers_mut().append(header::SET_COOKIE, cookie);
        return Ok(response);
    }
    // After an issuer's redirect chain a page rather than a redirect: a browser would not send
    // the new SameSite=Strict cookie with a request redirected at the end of a chain begun on
    // another site, and the console would look signed out.
    let page = layout::page(
        chrome,
        chrome.t(Text::SignedIn),
        html! {
            p.notice role="status" { (chrome.t(Text::SignedIn)) }
            p { a #continue href=(target) { (chrome.t(Text::Continue)) } }
        },
    );
    let mut response = page.into_response();
    response.headers_mut().insert(
        header::REFRESH,
        HeaderValue::from_str(&format!("0; url={target}"))
            .unwrap_or(HeaderValue::from_static("0; url=/console")),
    );
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

pub(crate) async fn logout(
    State(sessions): State<Sessions>,
    headers: HeaderMap,
    uri: Uri,
    checked: Checked<LogoutForm>,
) -> Response {
    let console = &checked.console;
    let everywhere = checked.form.everywhere.is_some();
    if let Err(problem) = sessions
        .close(&console.session, &console.caller.0.subject, everywhere)
        .await
    {
        return layout::problem_page(&console.chrome, &problem);
    }
    // Signed in through the issuer: sign out there too, or the next visit signs straight in.
    let after = match &sessions.sso {
        Some(sso) => {
            let back = crate::oidc_login::absolute_url(
                sessions.public_url.as_deref(),
                &headers,
                &uri,
                "/console/login?ended=1",
            );
            sso.end_session_url(&back).await
        }
        None => None,
    };
    let mut response = match after {
        Some(url) => crate::oidc_login::leave_for(&url, console.chrome.lang),
        None => Redirect::to("/console/login").into_response(),
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie());
    response
}
