//! The citizen page through the API's real router (Temporal unreachable, an engine database in a
//! temp dir holding the shipped procedures): signing in and out, the session's realm, CSRF and
//! the security headers, the procedures, the form with a mistake shown in Vietnamese next to its
//! field, the review; and the case page's rendering of a case's state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::Response,
};
use lienthong_codec::{KeyRing, PayloadCipher, generate_key_entry};
use lienthong_definitions::{
    AgencyId, CaseCode, StepId,
    case::{CaseState, DocumentRequest, Event},
    shipped_definitions,
};
use lienthong_identity::{Claims, DevKey};
use serde_json::json;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, Url,
    callback_based::CallbackBasedGrpcService, tonic::Status,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tower::ServiceExt;

use super::{case_page, layout::Chrome};
use crate::{ApiConfig, ApiState, Catalog, RatesPerMinute, console::csrf, lang::Lang};

const CITIZEN_ID: &str = "001190012345";

async fn unreachable_temporal() -> Client {
    let service = CallbackBasedGrpcService {
        callback: Arc::new(|_request| {
            Box::pin(async { Err(Status::unavailable("no Temporal in this test")) })
        }),
    };
    let options = ConnectionOptions::new(Url::parse("http://127.0.0.1:7233").unwrap())
        .skip_get_system_info(true)
        .service_override(service)
        .dns_load_balancing(None)
        .build();
    let connection = Connection::connect(options).await.unwrap();
    Client::new(connection, ClientOptions::new("default").build()).unwrap()
}

struct Site {
    app: Router,
    key: DevKey,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = lienthong_store::Store::connect(&lienthong_store::Store::sqlite_url(dir.path()))
        .await
        .unwrap();
    let catalog = Catalog::open(store).await.unwrap();
    let shipped: Vec<(String, String)> = lienthong_definitions::SHIPPED
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    catalog.install(&shipped).await.unwrap();
    let key = DevKey::generate();
    let state = ApiState::new(
        unreachable_temporal().await,
        Arc::new(catalog),
        Arc::new(key.verifier().unwrap()),
        Arc::new(PayloadCipher::new(
            KeyRing::parse(&generate_key_entry("k1").unwrap()).unwrap(),
        )),
        ApiConfig {
            rates: RatesPerMinute::NONE,
            update_deadline: Duration::from_secs(1),
            ..ApiConfig::default()
        },
    );
    Site {
        app: crate::router(state),
        key,
        _dir: dir,
    }
}

fn token(key: &DevKey, role: &str, personal_id: Option<&str>) -> String {
    let claims = Claims {
        sub: format!("{role}-1"),
        roles: vec![role.into()],
        personal_id: personal_id.map(str::to_owned),
        offices: if role == "operator" {
            vec!["01".into()]
        } else {
            Vec::new()
        },
        ..Claims::default()
    };
    key.mint(&claims, Duration::from_secs(600)).unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (Response, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn header_of(response: &Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::console::urls::encode(k),
                crate::console::urls::encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn get(uri: &str, session: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(session) = session {
        request = request.header(header::COOKIE, format!("lienthong_citizen={session}"));
    }
    request.body(Body::empty()).unwrap()
}

fn post(uri: &str, session: Option<&str>, pairs: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "citizen.test");
    if let Some(session) = session {
        request = request.header(header::COOKIE, format!("lienthong_citizen={session}"));
    }
    request.body(Body::from(form_body(pairs))).unwrap()
}

/// Signs in with `token`; the session id the cookie holds.
async fn signed_in(app: &Router, token: &str) -> String {
    let (response, body) = send(app, post("/sign-in", None, &[("token", token)])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{body}");
    assert_eq!(header_of(&response, header::LOCATION), "/cases");
    let cookie = header_of(&response, header::SET_COOKIE);
    // Over plain http, so not `Secure`.
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/"),
        "{cookie}"
    );
    cookie
        .strip_prefix("lienthong_citizen=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned()
}

/// A valid application of the birth procedure naming the signed-in citizen, as posted inputs.
fn birth_inputs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/applicant/personal_id", CITIZEN_ID),
        ("/applicant/relationship", "mother"),
        ("/child/full_name", "Nguyễn Văn An"),
        ("/child/date_of_birth", "01/02/2025"),
        ("/child/sex", "male"),
        ("/child/place_of_birth", "Bệnh viện Phụ sản Hà Nội"),
        ("/child/home_town", "Hà Nội"),
        ("/child/ethnicity", "Kinh"),
        ("/child/nationality", "VN"),
        ("/mother/personal_id", CITIZEN_ID),
        ("/father/personal_id", ""),
        ("/e_birth_certificate/number", "CS-2025-0001"),
        ("/e_birth_certificate/issued_by", "Bệnh viện Phụ sản Hà Nội"),
        ("/e_birth_certificate/signature", "sig-0123456789"),
        ("/residence/parent_personal_id", CITIZEN_ID),
    ]
}

#[tokio::test]
async fn a_citizen_signs_in_with_a_pasted_token_and_out_again() {
    let site = site().await;
    let (response, body) = send(&site.app, get("/sign-in", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body.contains("<html lang=\"vi\">"), "Vietnamese first");
    assert!(body.contains("<label for=\"token\">Mã đăng nhập</label>"));
    assert!(
        !body.contains("sign-in-provider"),
        "no identity provider is configured"
    );

    // A page that needs a citizen sends a visitor to sign in, and back afterwards.
    let (response, _) = send(&site.app, get("/cases", None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/sign-in?next=%2Fcases"
    );

    let session = signed_in(&site.app, &token(&site.key, "citizen", Some(CITIZEN_ID))).await;
    let (response, body) = send(
        &site.app,
        get("/apply/birth-residence-insurance", Some(&session)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert!(body.contains("id=\"sign-out\""));

    // The same id is no console session: the realms are apart.
    let console = Request::get("/console")
        .header(header::COOKIE, format!("lienthong_session={session}"))
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(&site.app, console).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(header_of(&response, header::LOCATION).starts_with("/console/login"));

    // Signing out needs this session's CSRF value, and ends the session.
    let (response, _) = send(
        &site.app,
        post("/sign-out", Some(&session), &[("csrf", "00")]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let csrf = csrf::token_for(&session);
    let (response, _) = send(
        &site.app,
        post("/sign-out", Some(&session), &[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(header_of(&response, header::SET_COOKIE).contains("Max-Age=0"));
    let (response, _) = send(&site.app, get("/cases", Some(&session))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(header_of(&response, header::LOCATION).contains("ended=1"));
}

#[tokio::test]
async fn staff_and_bad_tokens_are_turned_away_in_the_citizens_words() {
    let site = site().await;
    let operator = token(&site.key, "operator", None);
    let (response, body) = send(&site.app, post("/sign-in", None, &[("token", &operator)])).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body.contains("Trang này dành cho công dân"), "{body}");
    assert!(body.contains("href=\"/console/login\""));
    assert!(header_of(&response, header::SET_COOKIE).is_empty());

    let (response, body) = send(
        &site.app,
        post("/sign-in", None, &[("token", "not-a-token")]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(body.contains("data-code=\"TOKEN_INVALID\""), "{body}");
    assert!(body.contains("Mã đăng nhập không hợp lệ"));

    // A sign-in posted from another site is refused before the token is read.
    let mut request = post("/sign-in", None, &[("token", &operator)]);
    request
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let (response, body) = send(&site.app, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body.contains("data-code=\"CSRF_FAILED\""));
}

#[tokio::test]
async fn the_procedures_are_listed_with_what_they_give_in_the_chosen_language() {
    let site = site().await;
    let (response, body) = send(&site.app, get("/", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
    assert!(body.contains("Đăng ký thường trú"), "the steps it gives");
    assert!(body.contains("Thời hạn giải quyết: 3 ngày làm việc."));
    assert!(body.contains("href=\"/apply/birth-residence-insurance\""));

    let (response, body) = send(&site.app, get("/?lang=en", None)).await;
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains("Permanent residence registration"));
    let remembered = header_of(&response, header::SET_COOKIE);
    assert!(
        remembered.starts_with("lienthong_lang=en;") && remembered.contains("Path=/;"),
        "{remembered}"
    );
    let (_, body) = send(
        &site.app,
        Request::get("/sign-in")
            .header(header::COOKIE, "lienthong_lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(body.contains("<label for=\"token\">Sign-in token</label>"));
    let (_, css) = send(&site.app, get("/static/citizen.css", None)).await;
    assert!(css.contains(":focus-visible"));
}

#[tokio::test]
async fn a_mistake_is_said_in_vietnamese_next_to_its_field_and_a_good_application_is_reviewed() {
    let site = site().await;
    let session = signed_in(&site.app, &token(&site.key, "citizen", Some(CITIZEN_ID))).await;
    let csrf = csrf::token_for(&session);

    let (_, form) = send(
        &site.app,
        get("/apply/birth-residence-insurance", Some(&session)),
    )
    .await;
    assert!(form.contains("<label for=\"f-applicant-personal_id\">Số định danh cá nhân"));
    assert!(
        form.contains(&format!(
            "name=\"/applicant/personal_id\" value=\"{CITIZEN_ID}\""
        )),
        "prefilled from the sign-in: {form}"
    );
    assert!(form.contains("<option value=\"mother\">Mẹ</option>"));
    let request_id = form
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(request_id.starts_with("web-"));

    // One mistake: the child's name is missing and the mother's ID has 11 digits; and markup
    // typed into a field comes back as text.
    let inputs: Vec<(&str, &str)> = birth_inputs()
        .into_iter()
        .map(|(k, v)| match k {
            "/child/full_name" => (k, ""),
            "/mother/personal_id" => (k, "00119001234"),
            "/child/place_of_birth" => (k, "<script>alert(1)</script>"),
            _ => (k, v),
        })
        .collect();
    let mut pairs = vec![("csrf", csrf.as_str()), ("request_id", request_id.as_str())];
    pairs.extend(inputs.iter().copied());
    let (response, body) = send(
        &site.app,
        post(
            "/apply/birth-residence-insurance/review",
            Some(&session),
            &pairs,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("id=\"error-summary\""));
    assert!(
        body.contains("Số định danh cá nhân phải gồm đúng 12 chữ số."),
        "{body}"
    );
    assert!(body.contains("Chưa điền «Họ, chữ đệm và tên»: đây là thông tin bắt buộc."));
    assert!(body.contains("href=\"#f-mother-personal_id\""));
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(!body.contains("<script>alert"), "escaped");
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        body.contains(&format!("value=\"{request_id}\"")),
        "the same request id goes on"
    );

    // Corrected: the review shows what will be filed, in words, with the same request id.
    let mut pairs = vec![("csrf", csrf.as_str()), ("request_id", request_id.as_str())];
    pairs.extend(birth_inputs());
    let (response, body) = send(
        &site.app,
        post(
            "/apply/birth-residence-insurance/review",
            Some(&session),
            &pairs,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert!(body.contains("Xem lại hồ sơ trước khi nộp"));
    assert!(
        body.contains(">Mẹ</dd>") || body.contains(">\nMẹ"),
        "{body}"
    );
    assert!(body.contains("01/02/2025"));
    assert!(body.contains("action=\"/apply/birth-residence-insurance/submit\""));
    assert!(body.contains(&format!("name=\"request_id\" value=\"{request_id}\"")));
    assert!(body.contains("formaction=\"/apply/birth-residence-insurance/edit\""));

    // Back to edit keeps every value.
    let (_, body) = send(
        &site.app,
        post(
            "/apply/birth-residence-insurance/edit",
            Some(&session),
            &pairs,
        ),
    )
    .await;
    assert!(body.contains("value=\"CS-2025-0001\""));
    assert!(body.contains("<option value=\"mother\" selected>Mẹ</option>"));

    // An application that does not name the signed-in citizen is said so before filing.
    let mut pairs = vec![("csrf", csrf.as_str()), ("request_id", request_id.as_str())];
    pairs.extend(
        birth_inputs()
            .into_iter()
            .map(|(k, v)| (k, if v == CITIZEN_ID { "001190099999" } else { v })),
    );
    let (response, body) = send(
        &site.app,
        post(
            "/apply/birth-residence-insurance/review",
            Some(&session),
            &pairs,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body.contains("Hồ sơ phải ghi số định danh cá nhân của chính bạn"));

    // A form without this session's CSRF value is refused.
    let (response, body) = send(
        &site.app,
        post(
            "/apply/birth-residence-insurance/review",
            Some(&session),
            &birth_inputs(),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body.contains("data-code=\"CSRF_FAILED\""));

    let (response, body) = send(&site.app, get("/apply/no-such-procedure", Some(&session))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body.contains("Thủ tục này hiện không nhận hồ sơ."));
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

#[test]
fn the_case_page_says_each_step_what_it_issued_and_what_is_asked() {
    let definition = shipped_definitions()
        .unwrap()
        .into_iter()
        .find(|d| d.id.0 == "birth-residence-insurance")
        .unwrap();
    let mut case = CaseState::new(
        CaseCode::recorded("KS-AAAAA-BBBBB"),
        &definition,
        at("2026-11-20T02:00:00Z"),
    );
    let birth = StepId("birth".into());
    let residence = StepId("residence".into());
    case.apply_at(
        Event::StepStarted(birth.clone()),
        at("2026-11-20T02:00:01Z"),
    );
    case.apply_at(
        Event::StepRouted {
            step: birth.clone(),
            route: 0,
            agency: AgencyId::from("civil-status"),
            operation: "register-birth".into(),
        },
        at("2026-11-20T02:00:01Z"),
    );
    case.apply_at(
        Event::StepSucceeded {
            step: birth.clone(),
            output: json!({"birth_certificate_number": "KS-2026-000123", "personal_id": "001226000777", "registered_on": "2026-11-20"}),
            attempts: 1,
        },
        at("2026-11-20T02:05:00Z"),
    );
    case.apply_at(
        Event::StepStarted(residence.clone()),
        at("2026-11-20T02:05:01Z"),
    );
    case.apply_at(
        Event::StepRouted {
            step: residence.clone(),
            route: 0,
            agency: AgencyId::from("residence"),
            operation: "register-permanent-residence".into(),
        },
        at("2026-11-20T02:05:01Z"),
    );
    case.apply_at(
        Event::DocumentsRequested {
            step: residence.clone(),
            request: DocumentRequest {
                documents: json!([{"code": "to-khai-ct01", "title": "Tờ khai thay đổi thông tin cư trú"}]),
                message: "Cần bổ sung <b>tờ khai</b>".into(),
                due: at("2026-11-29T10:00:00Z"),
                requested_at: at("2026-11-20T02:06:00Z"),
            },
        },
        at("2026-11-20T02:06:00Z"),
    );
    let chrome = Chrome {
        lang: Lang::Vi,
        here: "/cases/KS-AAAAA-BBBBB".into(),
        user: Some(super::layout::User { csrf: "c".into() }),
    };
    let view = case_page::CaseView::of(
        &case,
        Some(&definition),
        &lienthong_definitions::Catalogue::shipped().unwrap(),
        Lang::Vi,
    );
    let html = case_page::render(
        &chrome,
        &view,
        Some("page-case-filed"),
        &case_page::SupplementProblems::default(),
        at("2026-11-21T00:00:00Z"),
    )
    .into_string();
    assert!(html.contains("Mã hồ sơ của bạn là KS-AAAAA-BBBBB"));
    assert!(
        html.contains(
            "<dt>Số giấy khai sinh</dt><dd class=\"result\"><strong>KS-2026-000123</strong>"
        ),
        "{html}"
    );
    assert!(html.contains("<dt>Số định danh cá nhân của trẻ</dt>"));
    assert!(html.contains("20/11/2026"), "a day as written in Vietnam");
    assert!(html.contains("Hoàn thành lúc"));
    assert!(
        html.contains("Phần mềm đăng ký, quản lý hộ tịch điện tử"),
        "the agency by its name"
    );
    assert!(html.contains("Cơ quan đề nghị bổ sung giấy tờ"));
    assert!(
        html.contains("Cần bổ sung &lt;b&gt;tờ khai&lt;/b&gt;"),
        "the agency's words, escaped"
    );
    assert!(html.contains("name=\"doc:to-khai-ct01\""));
    assert!(
        html.contains("29/11/2026 17:00"),
        "the due moment in Vietnam's time"
    );
    assert!(html.contains("href=\"/cases/KS-AAAAA-BBBBB/withdraw\""));
    assert!(html.contains("data-status=\"awaiting_documents\""));
    assert!(
        html.contains("Đang chờ đến lượt."),
        "insurance waits its turn"
    );

    let english = case_page::CaseView::of(
        &case,
        Some(&definition),
        &lienthong_definitions::Catalogue::shipped().unwrap(),
        Lang::En,
    );
    assert_eq!(english.steps[0].results[0].0, "Birth certificate number");
}

/// The stylesheet's colours, by name.
fn palette() -> std::collections::BTreeMap<String, (f64, f64, f64)> {
    let css = include_str!("static/citizen.css");
    let root = css
        .split(":root {")
        .nth(1)
        .unwrap()
        .split('}')
        .next()
        .unwrap();
    root.lines()
        .filter_map(|line| {
            let (name, rest) = line.trim().strip_prefix("--")?.split_once(':')?;
            let hex = rest.trim().strip_prefix('#')?.get(..6)?;
            let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
            Some((name.to_owned(), (channel(0), channel(2), channel(4))))
        })
        .collect()
}

/// WCAG 2.1's contrast ratio of two colours.
fn contrast(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    let luminance = |(r, g, b): (f64, f64, f64)| {
        let linear = |c: f64| {
            let c = c / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn every_colour_pair_the_page_uses_meets_wcag_aa() {
    let colours = palette();
    let c = |name: &str| *colours.get(name).unwrap_or_else(|| panic!("--{name}"));
    // Text: 4.5:1.
    for (text, background) in [
        ("ink", "paper"),
        ("ink", "wash"),
        ("ink", "ok-wash"),
        ("ink", "wait-wash"),
        ("ink", "danger-wash"),
        ("muted", "paper"),
        ("muted", "wash"),
        ("muted", "ok-wash"),
        ("muted", "wait-wash"),
        ("muted", "danger-wash"),
        ("link", "paper"),
        ("link", "wash"),
        ("link", "ok-wash"),
        ("paper", "brand"),
        ("brand", "paper"),
        ("paper", "danger"),
        ("danger", "paper"),
        ("danger", "danger-wash"),
        ("danger", "wait-wash"),
        ("ok", "ok-wash"),
        ("ok", "paper"),
        ("wait", "wait-wash"),
        ("run", "run-wash"),
        ("grey", "grey-wash"),
    ] {
        let ratio = contrast(c(text), c(background));
        assert!(ratio >= 4.5, "--{text} on --{background}: {ratio:.2}:1");
    }
    // Borders of fields and the focus ring: 3:1.
    for (line, background) in [
        ("line", "paper"),
        ("focus", "paper"),
        ("focus", "wash"),
        ("focus", "wait-wash"),
    ] {
        let ratio = contrast(c(line), c(background));
        assert!(ratio >= 3.0, "--{line} on --{background}: {ratio:.2}:1");
    }
    // The focus ring in the header is written as it is.
    assert!(contrast((255.0, 210.0, 122.0), c("brand")) >= 3.0);
}
