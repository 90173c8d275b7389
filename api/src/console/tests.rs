//! The console's session, CSRF, headers and language, through the real extractors and layers on
//! a state holding only what sessions need (a token verifier and an engine database in a temp
//! dir); and the pages' escaping of engine data.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::FromRef,
    http::{Request, StatusCode, header},
    response::Response,
    routing::get,
};
use lienthong_identity::{Claims, DevKey};
use serde::Deserialize;
use tower::ServiceExt;

use super::{
    csrf::{self, Checked, CsrfForm},
    i18n::Lang,
    layout::{Chrome, User},
    session::{Console, Sessions},
};
use crate::ops::cases::{CaseLine, CasePage, Counts};

#[derive(Clone)]
struct TestState {
    sessions: Sessions,
}

impl FromRef<TestState> for Sessions {
    fn from_ref(state: &TestState) -> Self {
        state.sessions.clone()
    }
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm for Probe {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn whoami(console: Console) -> String {
    console.caller.0.subject
}

async fn posted(form: Checked<Probe>) -> String {
    format!("accepted for {}", form.console.caller.0.subject)
}

/// The console as one replica serves it, on an engine database in `dir`.
async fn replica(key: &DevKey, dir: &std::path::Path, idle: Duration, sign_ins: u32) -> Router {
    let store = lienthong_store::Store::connect(&lienthong_store::Store::sqlite_url(dir))
        .await
        .unwrap();
    let state = TestState {
        sessions: Sessions {
            verifier: Arc::new(key.verifier().unwrap()),
            store,
            idle,
            limits: Arc::new(crate::RateLimits::new(crate::RatesPerMinute {
                sign_ins,
                ..crate::RatesPerMinute::default()
            })),
            sso: None,
            public_url: None,
        },
    };
    super::with_layers(
        super::session_routes::<TestState>().route("/console/probe", get(whoami).post(posted)),
    )
    .with_state(state)
}

async fn app(key: &DevKey) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = replica(key, dir.path(), Duration::from_secs(1800), 1000).await;
    (app, dir)
}

/// Signs in with `token` and gives the session id the cookie holds.
async fn signed_in(app: &Router, token: &str) -> String {
    let (response, body) = send(app, login(token)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{body}");
    let cookie = header_of(&response, header::SET_COOKIE);
    cookie
        .strip_prefix("lienthong_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned()
}

fn probe(session: &str) -> Request<Body> {
    Request::get("/console/probe")
        .header(header::COOKIE, format!("lienthong_session={session}"))
        .body(Body::empty())
        .unwrap()
}

fn logout(session: &str, everywhere: bool) -> Request<Body> {
    let csrf = csrf::token_for(session);
    let mut request = post_probe(session, &csrf, None);
    *request.uri_mut() = "/console/logout".parse().unwrap();
    if everywhere {
        *request.body_mut() = Body::from(format!("csrf={csrf}&everywhere=1"));
    }
    request
}

fn token(key: &DevKey, roles: &[&str]) -> String {
    let claims = Claims {
        sub: format!("{}-1", roles.join("+")),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        offices: vec!["01".into()],
        ..Claims::default()
    };
    key.mint(&claims, Duration::from_secs(600)).unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (Response, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn login(token: &str) -> Request<Body> {
    Request::post("/console/login")
        .header(header::HOST, "console.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={token}")))
        .unwrap()
}

fn post_probe(session: &str, csrf: &str, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/console/probe")
        .header(header::HOST, "console.test")
        .header(header::COOKIE, format!("lienthong_session={session}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(format!("csrf={csrf}"))).unwrap()
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (app, _dir) = app(&DevKey::generate()).await;
    for request in [
        Request::get("/console/login").body(Body::empty()).unwrap(),
        Request::get("/console/probe").body(Body::empty()).unwrap(),
        Request::get("/console/static/console.css")
            .body(Body::empty())
            .unwrap(),
    ] {
        let (response, _) = send(&app, request).await;
        assert_eq!(
            header_of(&response, header::CONTENT_SECURITY_POLICY),
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        );
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(header_of(&response, header::REFERRER_POLICY), "same-origin");
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
    }
}

#[tokio::test]
async fn the_sign_in_page_has_the_form_and_no_inline_style_or_script() {
    let (app, _dir) = app(&DevKey::generate()).await;
    let (response, body) = send(
        &app,
        Request::get("/console/login").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    for needle in [
        "id=\"login\" method=\"post\" action=\"/console/login\"",
        "<textarea id=\"token\" name=\"token\"",
        "<button id=\"sign-in\"",
        "class=\"lang-vi\"",
        "class=\"lang-en\"",
        "Đăng nhập",
    ] {
        assert!(body.contains(needle), "{needle} missing from {body}");
    }
    assert!(!body.contains("style=") && !body.contains("<script"));
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_holding_a_session_id_not_the_token() {
    let key = DevKey::generate();
    let (app, _dir) = app(&key).await;
    let operator = token(&key, &["operator"]);
    let (response, _) = send(&app, login(&operator)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&response, header::LOCATION), "/console");
    let cookie = header_of(&response, header::SET_COOKIE);
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/console"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(&operator),
        "the token never reaches the browser"
    );
    let session = signed_in(&app, &operator).await;
    assert_eq!(session.len(), 64, "256 random bits in hex");
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()));

    let mut over_https = login(&operator);
    over_https
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let (response, _) = send(&app, over_https).await;
    assert!(header_of(&response, header::SET_COOKIE).ends_with("; Secure"));

    let with_other_cookies = Request::get("/console/probe")
        .header(
            header::COOKIE,
            format!("other=1; lienthong_session={session}"),
        )
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, with_other_cookies).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "operator-1");

    // The token itself is no session: a cookie copied from an old console opens nothing.
    let (response, _) = send(&app, probe(&operator)).await;
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/console/login?ended=1"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_so_a_copied_cookie_opens_nothing() {
    let key = DevKey::generate();
    let (app, _dir) = app(&key).await;
    let operator = token(&key, &["operator"]);
    let session = signed_in(&app, &operator).await;
    let other_device = signed_in(&app, &operator).await;

    let (response, _) = send(&app, logout(&session, false)).await;
    assert_eq!(header_of(&response, header::LOCATION), "/console/login");
    assert!(header_of(&response, header::SET_COOKIE).contains("Max-Age=0"));
    let (response, _) = send(&app, probe(&session)).await;
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/console/login?ended=1",
        "the old cookie, replayed, finds no session"
    );
    let (response, _) = send(&app, probe(&other_device)).await;
    assert_eq!(response.status(), StatusCode::OK, "another device stays in");

    let third = signed_in(&app, &operator).await;
    let colleague = signed_in(&app, &token(&key, &["operator", "auditor"])).await;
    let (response, _) = send(&app, logout(&third, true)).await;
    assert_eq!(header_of(&response, header::LOCATION), "/console/login");
    for ended in [&third, &other_device] {
        let (response, _) = send(&app, probe(ended)).await;
        assert_eq!(
            header_of(&response, header::LOCATION),
            "/console/login?ended=1",
            "signing out everywhere ends every session of that officer"
        );
    }
    let (response, body) = send(&app, probe(&colleague)).await;
    assert_eq!(
        (response.status(), body.as_str()),
        (StatusCode::OK, "operator+auditor-1")
    );
}

#[tokio::test]
async fn a_session_opened_on_one_replica_is_honoured_and_ended_on_another() {
    let key = DevKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let first = replica(&key, dir.path(), Duration::from_secs(1800), 1000).await;
    let second = replica(&key, dir.path(), Duration::from_secs(1800), 1000).await;
    let session = signed_in(&first, &token(&key, &["operator"])).await;
    let (response, body) = send(&second, probe(&session)).await;
    assert_eq!(
        (response.status(), body.as_str()),
        (StatusCode::OK, "operator-1")
    );
    send(&second, logout(&session, false)).await;
    let (response, _) = send(&first, probe(&session)).await;
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/console/login?ended=1"
    );
}

#[tokio::test]
async fn a_session_unused_for_the_idle_limit_has_ended() {
    let key = DevKey::generate();
    let dir = tempfile::tempdir().unwrap();
    // An idle limit of zero: by the next request the session has been idle long enough.
    let app = replica(&key, dir.path(), Duration::ZERO, 1000).await;
    let session = signed_in(&app, &token(&key, &["operator"])).await;
    let (response, _) = send(&app, probe(&session)).await;
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/console/login?ended=1"
    );
}

#[tokio::test]
async fn sign_in_attempts_over_the_rate_are_refused_with_retry_after_whatever_the_token() {
    let key = DevKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let app = replica(&key, dir.path(), Duration::from_secs(1800), 5).await;
    let guess = token(&DevKey::generate(), &["operator"]);
    for _ in 0..5 {
        let (response, _) = send(&app, login(&guess)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for attempt in [guess, token(&key, &["operator"])] {
        let (response, body) = send(&app, login(&attempt)).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(body.contains("RATE_LIMITED"), "{body}");
        assert!(
            body.contains("quá nhiều lần đăng nhập"),
            "said in Vietnamese: {body}"
        );
        assert_eq!(header_of(&response, header::RETRY_AFTER), "12");
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn a_bad_token_or_a_role_without_console_pages_is_refused() {
    let key = DevKey::generate();
    let (app, _dir) = app(&key).await;
    let (response, body) = send(&app, login(&token(&DevKey::generate(), &["operator"]))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(body.contains("TOKEN_INVALID"));
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    let (response, body) = send(&app, login(&token(&key, &["citizen"]))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body.contains("FORBIDDEN"));
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    let (response, _) = send(&app, login(&token(&key, &["auditor"]))).await;
    assert_eq!(header_of(&response, header::LOCATION), "/console/audit");
}

#[tokio::test]
async fn without_a_valid_session_pages_send_to_the_sign_in_page() {
    let key = DevKey::generate();
    let (app, _dir) = app(&key).await;
    let (response, _) = send(
        &app,
        Request::get("/console/probe").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&response, header::LOCATION), "/console/login");

    let forged = "0".repeat(64);
    let (response, _) = send(&app, probe(&forged)).await;
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/console/login?ended=1"
    );
    assert!(header_of(&response, header::SET_COOKIE).contains("Max-Age=0"));
}

#[tokio::test]
async fn a_post_needs_this_sessions_csrf_value_and_our_origin() {
    let key = DevKey::generate();
    let (app, _dir) = app(&key).await;
    let session = signed_in(&app, &token(&key, &["operator"])).await;
    let good = csrf::token_for(&session);

    let (response, body) = send(&app, post_probe(&session, &good, None)).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(body, "accepted for operator-1");
    let (response, _) = send(
        &app,
        post_probe(&session, &good, Some("http://console.test")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    let other = csrf::token_for(&signed_in(&app, &token(&key, &["operator", "auditor"])).await);
    for (csrf, origin) in [
        ("", None),
        (other.as_str(), None),
        (good.as_str(), Some("https://elsewhere.example")),
    ] {
        let (response, body) = send(&app, post_probe(&session, csrf, origin)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(body.contains("CSRF_FAILED"), "{body}");
    }

    let (response, _) = send(&app, logout(&session, false)).await;
    assert_eq!(header_of(&response, header::LOCATION), "/console/login");
    assert!(header_of(&response, header::SET_COOKIE).contains("Max-Age=0"));
}

#[tokio::test]
async fn the_language_is_chosen_by_link_and_remembered() {
    let (app, _dir) = app(&DevKey::generate()).await;
    let (response, body) = send(
        &app,
        Request::get("/console/login?lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(body.contains("<html lang=\"en\">") && body.contains("Sign in"));
    assert!(
        header_of(&response, header::SET_COOKIE).starts_with("lienthong_lang=en; Path=/console")
    );

    let request = Request::get("/console/login")
        .header(header::COOKIE, "lienthong_lang=en")
        .body(Body::empty())
        .unwrap();
    let (_, body) = send(&app, request).await;
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains("href=\"/console/login?lang=vi\""));
}

fn chrome() -> Chrome {
    Chrome {
        lang: Lang::En,
        here: "/console".into(),
        user: Some(User {
            subject: "op".into(),
            csrf: "abc".into(),
            operator: true,
            auditor: false,
        }),
    }
}

const EVIL: &str = "<script>alert(1)</script>";

#[test]
fn engine_data_is_escaped_on_every_page() {
    let line = CaseLine {
        code: EVIL.into(),
        procedure: Some(EVIL.into()),
        status: Some(EVIL.into()),
        office: None,
        waiting_on: vec![EVIL.into()],
        attention: vec![EVIL.into()],
        attention_agencies: vec![],
        submitted_at: Some(EVIL.into()),
        closed_at: None,
    };
    let page = CasePage {
        cases: vec![line],
        page: 1,
        page_size: 50,
        more: false,
        query: String::new(),
    };
    let counts = Counts {
        by_status: vec![(EVIL.into(), 1)],
        by_agency: vec![(EVIL.into(), 2)],
        by_reason: vec![],
        needing_attention: 1,
        per_day: vec![("2026-11-23".into(), vec![(EVIL.into(), 1)])],
    };
    let names = super::names::Names::shipped(Lang::En);
    let dashboard = super::dashboard::render(&chrome(), &names, &counts, &page).into_string();
    let list = super::case_list::render(
        &chrome(),
        &super::filters::FilterParams {
            code: EVIL.into(),
            ..Default::default()
        },
        1,
        &Ok(page),
        &names,
    )
    .into_string();
    let timeline = super::timeline::Timeline::read(&serde_json::json!({
        "case": {"code": EVIL, "status": "running",
                 "steps": [{"id": EVIL, "status": "agency_unavailable",
                            "last_error": {"code": EVIL, "message": EVIL}}],
                 "journal": [{"at": EVIL, "kind": EVIL, "reason": EVIL}]},
        "operator_actions": [{"at": "t", "actor": EVIL, "action": "retry_now", "reason": EVIL, "outcome": "done"}],
    }));
    let case = super::case_page::render(&chrome(), EVIL, &timeline).into_string();
    for html in [dashboard, list, case] {
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }
}

#[test]
fn the_dashboard_lists_each_case_needing_attention_with_a_link() {
    let page = CasePage {
        cases: vec![CaseLine {
            code: "KS-1".into(),
            procedure: Some("birth".into()),
            status: Some("running".into()),
            office: Some("01-HK".into()),
            waiting_on: vec![],
            attention: vec!["agency_unavailable".into()],
            attention_agencies: vec!["residence".into()],
            submitted_at: None,
            closed_at: None,
        }],
        page: 1,
        page_size: 100,
        more: false,
        query: String::new(),
    };
    let counts = Counts {
        by_status: vec![],
        by_agency: vec![("residence".into(), 1)],
        by_reason: vec![],
        needing_attention: 1,
        per_day: vec![],
    };
    let names = super::names::Names::shipped(Lang::En);
    let html = super::dashboard::render(&chrome(), &names, &counts, &page).into_string();
    for needle in [
        "id=\"attention-count\">1</span>",
        "id=\"attention-list\"",
        "<tr data-case=\"KS-1\">",
        "<a class=\"case-link\" href=\"/console/cases/KS-1\">KS-1</a>",
        "Agency not answering",
        "<span class=\"agency\" data-agency=\"residence\">Residence database (Ministry of Public Security)</span>",
        "id=\"chart-status\"",
        "id=\"chart-agency\"",
        "id=\"nav-agencies\"",
        "id=\"nav-cases\"",
        "id=\"nav-bulk\"",
        "id=\"nav-audit\"",
    ] {
        assert!(html.contains(needle), "{needle} missing from {html}");
    }
}

#[test]
fn a_batch_page_shows_its_progress_and_each_case_in_the_operators_language() {
    use lienthong_workflows::batch::{
        BatchAction, BatchProgress, BatchReport, CaseOutcome, Outcome,
    };
    let outcome = |case: &str, outcome, code: Option<&str>| CaseOutcome {
        case: case.into(),
        outcome,
        effect: (outcome == Outcome::Done).then(|| "released".into()),
        steps: vec![],
        code: code.map(Into::into),
        message: code.map(|_| EVIL.into()),
    };
    let report = BatchReport {
        action: BatchAction::Release {
            agency: "residence".into(),
        },
        per_second: 10,
        actor: "op".into(),
        reason: EVIL.into(),
        progress: BatchProgress {
            status: "running".into(),
            matched: 3,
            done: 1,
            skipped: 1,
            retrying: 1,
            passes: 1,
            started_at: "2026-12-06T01:00:00Z".into(),
            ..BatchProgress::default()
        },
        outcomes: vec![
            outcome("KS-1", Outcome::Done, None),
            outcome("KS-2", Outcome::Skipped, Some("NOT_HELD")),
            outcome("KS-3", Outcome::Retrying, Some("CASE_DID_NOT_ANSWER")),
        ],
        offset: 0,
        total: 3,
    };
    let mut chrome = chrome();
    chrome.lang = Lang::Vi;
    let html =
        super::batch_page::render(&chrome, "batch-release-residence-1", &report).into_string();
    for needle in [
        "data-status=\"running\"",
        "Tiếp tục gửi đến cơ quan",
        "Đang chạy",
        "<progress id=\"batch-progress\" value=\"2\" max=\"3\">",
        "<tr data-case=\"KS-1\" data-outcome=\"done\">",
        "Đã thực hiện",
        "Không cần làm",
        "Đang hỏi lại",
        "NOT_HELD",
        "href=\"/console/cases/KS-3\"",
    ] {
        assert!(html.contains(needle), "{needle} missing from {html}");
    }
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("id=\"next-page\""),
        "one page holds them all"
    );
}
