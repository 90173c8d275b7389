//! Signing in to the console through the installation's OpenID Connect issuer, as a person's
//! browser does: lienthong's sign-in link, the issuer, back with a code, a session.

use anyhow::{Context, Result};
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::support::{
    Stack,
    oidc_issuer::{CLIENT_ID, TestIssuer},
};

/// A browser that follows no redirect by itself, so each leg is seen, and keeps cookies by name.
struct Browser {
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

struct Leg {
    status: StatusCode,
    location: Option<String>,
    refresh: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            cookies: Vec::new(),
        }
    }

    async fn get(&mut self, url: &str) -> Result<Leg> {
        let request = self.http.get(url);
        self.send(request).await
    }

    /// A form posted from one of `origin`'s pages.
    async fn post(&mut self, url: &str, origin: &str, form: &[(&str, &str)]) -> Result<Leg> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(url)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Result<Leg> {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await?;
        for set in response.headers().get_all(header::SET_COOKIE) {
            let pair = set.to_str()?.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(known, _)| known != name);
                if !value.is_empty() && !set.to_str()?.contains("Max-Age=0") {
                    self.cookies.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(Leg {
            status: response.status(),
            location: header_text(header::LOCATION),
            refresh: header_text(header::REFRESH),
            body: response.text().await?,
        })
    }

    fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(known, _)| known == name)
    }
}

/// An API replica of `stack` that takes its callers' tokens from `issuer` and offers signing
/// in through it.
async fn api_with_issuer(
    stack: &mut Stack,
    issuer: &TestIssuer,
) -> Result<(tokio::process::Child, String)> {
    // An empty variable is an unset one: the replica checks tokens with the issuer's keys only.
    stack.set_env("LIENTHONG_TOKEN_KEY", "");
    stack.set_env("LIENTHONG_OIDC_ISSUER", &issuer.url);
    stack.set_env("LIENTHONG_OIDC_AUDIENCE", CLIENT_ID);
    stack.start_api_replica("api-oidc").await
}

/// The sign-in link, through the issuer, back to lienthong with a code: the last leg's answer.
async fn sign_in_through_issuer(browser: &mut Browser, api: &str, app: &str) -> Result<Leg> {
    let start = browser
        .get(&format!("{api}/sign-in/oidc?app={app}"))
        .await?;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let to_issuer = start.location.context("the issuer's address")?;
    assert!(
        to_issuer.contains("code_challenge_method=S256"),
        "{to_issuer}"
    );
    assert!(to_issuer.contains("code_challenge="), "{to_issuer}");
    assert!(to_issuer.contains("nonce="), "{to_issuer}");
    let at_issuer = browser.get(&to_issuer).await?;
    let back = at_issuer
        .location
        .context("the issuer sends the browser back")?;
    assert!(
        back.starts_with(&format!("{api}/sign-in/oidc/callback?code=")),
        "{back}"
    );
    browser.get(&back).await
}

#[tokio::test]
async fn an_operator_signs_in_to_the_console_through_the_identity_provider_and_a_used_code_opens_nothing()
-> Result<()> {
    let issuer = TestIssuer::start(json!({
        "sub": "officer-oidc", "roles": ["operator"], "offices": ["01"],
    }))
    .await?;
    let mut stack = Stack::start().await?;
    let (_api, api) = api_with_issuer(&mut stack, &issuer).await?;

    // The console's sign-in page offers the identity provider.
    let mut browser = Browser::new();
    let login = browser.get(&format!("{api}/console/login")).await?;
    assert!(
        login.body.contains("/sign-in/oidc?app=console"),
        "{}",
        login.body
    );
    assert!(
        login
            .body
            .contains("Đăng nhập bằng tài khoản định danh điện tử")
    );

    let landed = sign_in_through_issuer(&mut browser, &api, "console").await?;
    assert_eq!(landed.status, StatusCode::OK, "{}", landed.body);
    assert_eq!(landed.refresh.as_deref(), Some("0; url=/console"));
    assert!(browser.has_cookie("lienthong_session"));
    assert!(
        !browser.has_cookie("lienthong_oidc"),
        "the attempt is spent"
    );
    let console = browser.get(&format!("{api}/console")).await?;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.body.contains("officer-oidc"), "{}", console.body);

    // Signing out ends the session here and at the issuer, and comes back to the sign-in page.
    let csrf = console
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the page's CSRF value")?
        .to_owned();
    let out = browser
        .post(&format!("{api}/console/logout"), &api, &[("csrf", &csrf)])
        .await?;
    // A page that moves on to the issuer by itself: a form's redirect to another site would be
    // stopped by the console's CSP (`form-action 'self'`).
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let at_issuer = out
        .refresh
        .as_deref()
        .and_then(|r| r.strip_prefix("0; url="))
        .context("the issuer's logout")?
        .to_owned();
    assert!(
        out.body.contains(&at_issuer.replace('&', "&amp;")),
        "a link too"
    );
    assert!(
        at_issuer.starts_with(&format!("{}/logout?", issuer.url)),
        "{at_issuer}"
    );
    let back = browser.get(&at_issuer).await?;
    assert_eq!(
        back.location.as_deref(),
        Some(format!("{api}/console/login?ended=1").as_str())
    );
    assert!(!issuer.signed_in());
    let after = browser.get(&format!("{api}/console")).await?;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "signed out: {}",
        after.body
    );

    // Someone who saw the code but holds neither the attempt's cookie nor its verifier gets
    // nothing, and neither does the browser that used it already.
    let mut other = Browser::new();
    let replay = other
        .get(&format!("{api}/sign-in/oidc/callback?code=code-1&state=x"))
        .await?;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("SIGN_IN_EXPIRED"));
    assert!(!other.has_cookie("lienthong_session"));
    Ok(())
}

#[tokio::test]
async fn a_citizen_signed_in_at_the_identity_provider_is_not_let_into_the_console_and_a_declined_sign_in_says_so()
-> Result<()> {
    let issuer = TestIssuer::start(json!({
        "sub": "citizen-oidc", "roles": ["citizen"], "personal_id": "001190012345",
    }))
    .await?;
    let mut stack = Stack::start().await?;
    let (_api, api) = api_with_issuer(&mut stack, &issuer).await?;

    let mut browser = Browser::new();
    let landed = sign_in_through_issuer(&mut browser, &api, "console").await?;
    assert_eq!(landed.status, StatusCode::FORBIDDEN, "{}", landed.body);
    assert!(!browser.has_cookie("lienthong_session"));

    // The issuer answers with an error instead of a code: the person is told in Vietnamese.
    let start = browser
        .get(&format!("{api}/sign-in/oidc?app=console"))
        .await?;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let state = browser
        .cookies
        .iter()
        .any(|(name, _)| name == "lienthong_oidc");
    assert!(state);
    let declined = browser
        .get(&format!(
            "{api}/sign-in/oidc/callback?error=access_denied&state=whatever"
        ))
        .await?;
    assert_eq!(declined.status, StatusCode::UNAUTHORIZED);
    assert!(declined.body.contains("SIGN_IN_DECLINED"));
    assert!(declined.body.contains("Bạn chưa đồng ý đăng nhập"));
    Ok(())
}

#[tokio::test]
async fn without_an_identity_provider_the_sign_in_link_is_not_offered_and_not_served() -> Result<()>
{
    let stack = Stack::start().await?;
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/console/login", stack.api)).await?;
    assert!(!login.body.contains("/sign-in/oidc"));
    let start = browser
        .get(&format!("{}/sign-in/oidc?app=console", stack.api))
        .await?;
    assert_eq!(start.status, StatusCode::NOT_FOUND);
    assert!(start.body.contains("SIGN_IN_NOT_CONFIGURED"));
    Ok(())
}

#[tokio::test]
async fn a_citizen_signs_in_to_the_citizen_page_through_the_identity_provider_and_lands_on_their_cases()
-> Result<()> {
    let issuer = TestIssuer::start(json!({
        "sub": "citizen-vneid", "roles": ["citizen"], "personal_id": "001190012345",
    }))
    .await?;
    let mut stack = Stack::start().await?;
    let (_api, api) = api_with_issuer(&mut stack, &issuer).await?;

    let mut browser = Browser::new();
    let page = browser.get(&format!("{api}/sign-in")).await?;
    assert!(
        page.body.contains("/sign-in/oidc?app=citizen"),
        "{}",
        page.body
    );

    let landed = sign_in_through_issuer(&mut browser, &api, "citizen").await?;
    assert_eq!(landed.status, StatusCode::SEE_OTHER, "{}", landed.body);
    assert_eq!(landed.location.as_deref(), Some("/cases"));
    assert!(browser.has_cookie("lienthong_citizen"));
    assert!(
        !browser.has_cookie("lienthong_session"),
        "no console session"
    );
    let cases = browser.get(&format!("{api}/cases")).await?;
    assert_eq!(cases.status, StatusCode::OK, "{}", cases.body);
    Ok(())
}
