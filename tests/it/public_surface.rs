//! The public surface holds under hostile input: random and mangled JSON on every endpoint that
//! takes a body never gets a 5xx; oversized bodies, unknown fields and floods are refused with
//! their own codes; every answer carries the security headers.

use anyhow::{Context, Result};
use lienthong_identity::Claims;
use proptest::{
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config, TestRunner},
};
use serde_json::{Value, json};

use crate::support::{SignedCallback, Stack, StackOptions, all_roles, example_submission};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        Just(json!("2026-13-45")),
        Just(json!("' OR 1=1 --")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid submission with one field replaced by something random.
fn mangled_submission() -> impl Strategy<Value = Value> {
    let paths = [
        "/application/child/date_of_birth",
        "/application/child",
        "/application/applicant/personal_id",
        "/application/mother",
        "/application",
        "/procedure",
        "/office",
        "/client_request_id",
    ];
    (prop::sample::select(paths.to_vec()), any_json()).prop_map(|(path, value)| {
        let mut body = example_submission("fuzz");
        if let Some(slot) = body.pointer_mut(path) {
            *slot = value;
        } else if let Some(map) = body.as_object_mut() {
            map.insert(path.trim_start_matches('/').to_owned(), value);
        }
        body
    })
}

fn samples(strategy: impl Strategy<Value = Value>, n: usize) -> Vec<Value> {
    let mut runner = TestRunner::new(Config::default());
    (0..n)
        .filter_map(|_| strategy.new_tree(&mut runner).ok().map(|t| t.current()))
        .collect()
}

/// A client signed in with every role that opens a fresh connection per request: an answer
/// given before the body was read closes its connection, and a pooled connection reused at that
/// moment would fail in the client, not in the API.
fn fresh_connections(stack: &Stack) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", stack.token(&all_roles())).parse()?,
        )]))
        .build()?)
}

#[tokio::test]
async fn random_bodies_on_every_json_endpoint_never_get_a_server_error() -> Result<()> {
    let stack = Stack::start().await?;
    let case = stack.submit_ok(&example_submission("fuzz-target")).await?;
    let endpoints = [
        "/v1/applications".to_owned(),
        format!("/v1/cases/{case}/withdraw"),
        format!("/v1/cases/{case}/supplements"),
        format!("/v1/ops/cases/{case}/actions"),
        "/v1/ops/agencies/residence/hold".to_owned(),
        "/v1/ops/bulk".to_owned(),
        "/v1/definitions/dry-run".to_owned(),
        "/v1/agencies/residence/callbacks".to_owned(),
    ];
    let mut bodies = samples(any_json(), 40);
    bodies.extend(samples(mangled_submission(), 40));
    assert_eq!(bodies.len(), 80, "every sample was generated");
    let http = fresh_connections(&stack)?;
    let mut sent = 0;
    let mut random_applications_refused = 0;
    for endpoint in &endpoints {
        for (i, body) in bodies.iter().enumerate() {
            let response = http
                .post(format!("{}{endpoint}", stack.api))
                .json(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                status < 500,
                "{endpoint} answered {status} {answer} to {body}"
            );
            if status >= 400 {
                assert!(answer["error"]["code"].is_string(), "{endpoint}: {answer}");
            }
            // The first 40 bodies are random JSON, never a valid application.
            if endpoint == "/v1/applications" && i < 40 && (400..500).contains(&status) {
                random_applications_refused += 1;
            }
            sent += 1;
        }
    }
    // 8 endpoints, 80 bodies each: every request was sent and answered.
    assert_eq!(sent, 640);
    assert_eq!(
        random_applications_refused, 40,
        "every random body filed as an application was refused"
    );
    // The target case was never touched by a random withdrawal or action that made it through
    // validation by chance, or if it was, it still answers.
    assert_eq!(stack.case(&case).await?.0, 200);
    Ok(())
}

#[tokio::test]
async fn oversized_unknown_and_flooding_requests_are_refused_with_their_codes() -> Result<()> {
    let stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_SUBMISSIONS_PER_MINUTE", "60"),
    )
    .await?;
    let http = fresh_connections(&stack)?;
    let url = format!("{}/v1/applications", stack.api);

    let mut huge = example_submission("huge");
    huge["application"]["child"]["full_name"] = json!("A".repeat(300 * 1024));
    let response = http.post(&url).json(&huge).send().await?;
    assert_eq!(response.status().as_u16(), 413);

    let mut unknown = example_submission("unknown");
    unknown["priority"] = json!("urgent");
    let response = http.post(&url).json(&unknown).send().await?;
    assert_eq!(response.status().as_u16(), 400);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(response.headers()[name], value, "{name}");
    }
    let answer: Value = response.json().await?;
    assert!(answer["error"]["code"].is_string(), "{answer}");

    // 60 a minute, in bursts of 6: the seventh submission in a row is refused.
    let mut statuses = Vec::new();
    for i in 0..7 {
        let response = http
            .post(&url)
            .json(&example_submission(&format!("flood-{i}")))
            .send()
            .await?;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[..6], [202; 6]);
    assert_eq!(statuses[6], 429);
    Ok(())
}

/// Sends `request` six times: the first five get `allowed`, the sixth is refused in the error
/// shape, saying when to try again (one more every 12 s at 5 a minute).
async fn sixth_is_limited(
    what: &str,
    allowed: u16,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<()> {
    for i in 0..5 {
        let status = request().send().await?.status().as_u16();
        assert_eq!(status, allowed, "{what} #{i}");
    }
    let refused = request().send().await?;
    assert_eq!(refused.status().as_u16(), 429, "{what}");
    assert_eq!(refused.headers()["retry-after"], "12", "{what}");
    let body = refused.text().await?;
    if what != "console sign-in" {
        let answer: Value = serde_json::from_str(&body)?;
        assert_eq!(answer["error"]["code"], "RATE_LIMITED", "{what}: {answer}");
    } else {
        assert!(body.contains("RATE_LIMITED"), "{body}");
    }
    Ok(())
}

#[tokio::test]
async fn callbacks_dry_runs_validations_and_sign_ins_are_limited_per_agency_account_or_address()
-> Result<()> {
    let stack = Stack::start_with_options(
        StackOptions::default()
            .env("LIENTHONG_CALLBACKS_PER_MINUTE", "5")
            .env("LIENTHONG_DRY_RUNS_PER_MINUTE", "5")
            .env("LIENTHONG_VALIDATIONS_PER_MINUTE", "5")
            .env("LIENTHONG_SIGN_INS_PER_MINUTE", "5"),
    )
    .await?;
    let http = fresh_connections(&stack)?;
    let api = stack.api.clone();

    // Validation and dry runs count per account: another administrator is not slowed down.
    sixth_is_limited("validation", 200, || {
        http.post(format!("{api}/v1/definitions/validate"))
            .body("id: not-a-whole-definition")
    })
    .await?;
    let colleague = stack.client_as(Some(&Claims {
        sub: "colleague".into(),
        ..all_roles()
    }));
    let status = colleague
        .post(format!("{api}/v1/definitions/validate"))
        .body("id: x")
        .send()
        .await?
        .status();
    assert_eq!(status.as_u16(), 200, "another account validates");
    sixth_is_limited("dry run", 400, || {
        http.post(format!("{api}/v1/definitions/dry-run"))
            .json(&json!({"application": {}}))
    })
    .await?;

    // Callbacks count per agency, once their signature holds: unsigned ones use up nothing.
    for _ in 0..10 {
        let forged = SignedCallback::new("not-the-secret", &json!({}))?;
        assert_eq!(forged.send(&http, &api, "residence").await?.0, 401);
    }
    let decision = |i: usize| json!({"idempotency_key": format!("LT-00000{i}/register-residence"), "outcome": "done", "output": {}});
    for i in 0..5 {
        let signed = SignedCallback::new("dev-secret-residence", &decision(i))?;
        let (status, answer) = signed.send(&http, &api, "residence").await?;
        assert_ne!(status, 429, "callback #{i}: {answer}");
    }
    let signed = SignedCallback::new("dev-secret-residence", &decision(5))?;
    let (status, answer) = signed.send(&http, &api, "residence").await?;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (429, &json!("RATE_LIMITED"))
    );
    let other = SignedCallback::new("dev-secret-social-insurance", &decision(6))?;
    assert_ne!(other.send(&http, &api, "social-insurance").await?.0, 429);

    // Console sign-ins count per client address, whatever the token.
    sixth_is_limited("console sign-in", 401, || {
        http.post(format!("{api}/console/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=not-a-token")
    })
    .await?;
    // From another address an officer still signs in; the session id the console cookie holds
    // opens the console only, never the API.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let signed_in = elsewhere
        .post(format!("{api}/console/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", stack.token(&all_roles())))
        .send()
        .await?;
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in.headers()["set-cookie"].to_str()?.to_owned();
    let session = cookie
        .strip_prefix("lienthong_session=")
        .and_then(|rest| rest.split(';').next())
        .context("a session cookie")?;
    let page = elsewhere
        .get(format!("{api}/console/cases"))
        .header("cookie", format!("lienthong_session={session}"))
        .send()
        .await?;
    assert_eq!(page.status().as_u16(), 200);
    let as_bearer = elsewhere
        .get(format!("{api}/v1/ops/cases"))
        .bearer_auth(session)
        .send()
        .await?;
    assert_eq!(as_bearer.status().as_u16(), 401);
    Ok(())
}

/// A name and a personal ID number, as a caller might put them in the wrong field.
const PERSON: &str = "Nguyễn Văn A 001190012345";

/// Every string of `value` of at least 4 characters (shorter ones, `id` or `01`, would match
/// by chance).
fn strings_in(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) if s.chars().count() >= 4 => found.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, found)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, found)),
        _ => {}
    }
}

/// `s` percent-encoded as one path segment or query value.
fn encoded(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What one probe sends as its body.
enum Sent {
    Nothing,
    Json(Value),
    /// Bytes as they are, with `Content-Type: application/json`.
    Raw(Vec<u8>),
}

struct Probe {
    what: String,
    method: reqwest::Method,
    /// Path and query, each value already encoded.
    target: String,
    body: Sent,
    /// The strings the answer must not hold, besides every string of a JSON body.
    secrets: Vec<String>,
    /// The code it must answer with, where the route decides it alone.
    code: Option<&'static str>,
}

fn probe(what: &str, method: &str, target: &str, body: Sent, code: Option<&'static str>) -> Probe {
    Probe {
        what: what.to_owned(),
        method: method.parse().expect("a method"),
        target: target.to_owned(),
        body,
        secrets: Vec::new(),
        code,
    }
}

/// Each probe's answer is 4xx in the error shape, and holds none of the request's strings.
async fn check_probes(stack: &Stack, probes: Vec<Probe>) -> Result<Vec<String>> {
    let http = fresh_connections(stack)?;
    let mut problems = Vec::new();
    for probe in probes {
        let mut secrets = probe.secrets.clone();
        let mut request = http.request(
            probe.method.clone(),
            format!("{}{}", stack.api, probe.target),
        );
        match &probe.body {
            Sent::Nothing => {}
            Sent::Json(value) => {
                strings_in(value, &mut secrets);
                request = request.json(value);
            }
            Sent::Raw(bytes) => {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone());
            }
        }
        // A query value is the caller's too.
        if let Some((_, query)) = probe.target.split_once('?') {
            for (_, value) in url_pairs(query) {
                if value.chars().count() >= 4 {
                    secrets.push(value);
                }
            }
        }
        secrets.extend(["001190012345".to_owned(), "Nguyễn".to_owned()]);
        let response = request.send().await?;
        let status = response.status().as_u16();
        let json_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        let text = response.text().await?;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let mut said = Vec::new();
        strings_in(&answer, &mut said);
        let echoed: Vec<&String> = secrets
            .iter()
            .filter(|secret| said.iter().any(|s| s.contains(secret.as_str())))
            .collect();
        let code = answer["error"]["code"].as_str();
        let who = format!("{} ({} {})", probe.what, probe.method, probe.target);
        if !(400..500).contains(&status) || !json_type || code.is_none() {
            problems.push(format!("{who}: {status} {}", &text[..text.len().min(300)]));
        } else if probe.code.is_some_and(|c| Some(c) != code) {
            problems.push(format!(
                "{who}: {code:?}, expected {:?}: {text}",
                probe.code
            ));
        }
        if !echoed.is_empty() {
            problems.push(format!("{who}: repeats {echoed:?}: {text}"));
        }
    }
    Ok(problems)
}

/// `a=b&c=d`, decoded.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|url| {
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_input_of_every_kind_is_refused_in_the_error_shape_without_repeating_it() -> Result<()>
{
    let stack = Stack::start().await?;
    let case = stack.submit_ok(&example_submission("bad-input")).await?;
    let json_routes = [
        "/v1/applications".to_owned(),
        format!("/v1/cases/{case}/withdraw"),
        format!("/v1/cases/{case}/supplements"),
        format!("/v1/ops/cases/{case}/actions"),
        "/v1/ops/agencies/residence/hold".to_owned(),
        "/v1/ops/agencies/residence/release".to_owned(),
        "/v1/ops/bulk".to_owned(),
        "/v1/definitions/dry-run".to_owned(),
        "/v1/agencies/residence/callbacks".to_owned(),
    ];
    let mut probes = Vec::new();
    // What any body can get wrong, on every route that reads one.
    let huge = json!({"reason": format!("{}{PERSON}", "A".repeat(300 * 1024))});
    let mut not_utf8 = br#"{"reason": ""#.to_vec();
    not_utf8.extend(PERSON.as_bytes());
    not_utf8.extend(b"\xff\xfe\"}");
    for route in &json_routes {
        // The callbacks check the agency's signature before they read the body.
        let signed = route.ends_with("/callbacks");
        let unsigned = |code| if signed { None } else { Some(code) };
        probes.push(probe(
            "a body over the limit",
            "POST",
            route,
            Sent::Json(huge.clone()),
            Some("BODY_TOO_LARGE"),
        ));
        let mut p = probe(
            "a body that is not UTF-8",
            "POST",
            route,
            Sent::Raw(not_utf8.clone()),
            unsigned("BODY_INVALID"),
        );
        p.secrets.push(PERSON.to_owned());
        probes.push(p);
        let nul = json!({"reason": format!("{PERSON}\u{0}"), "action": "cancel", "documents": [], "note": "x"});
        probes.push(probe(
            "a NUL character in a string",
            "POST",
            route,
            Sent::Json(nul),
            unsigned("BODY_INVALID"),
        ));
    }
    let actions = format!("/v1/ops/cases/{case}/actions");
    let supplements = format!("/v1/cases/{case}/supplements");
    let withdraw = format!("/v1/cases/{case}/withdraw");
    let dry_run = |version: Value| json!({"procedure": "birth-residence-insurance", "version": version, "application": {}});
    for (what, target, body, code) in [
        // A number given a string.
        (
            "bulk cap",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "cap": PERSON}),
            "INVALID_REQUEST",
        ),
        (
            "bulk page_size",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "page_size": "abc"}),
            "INVALID_REQUEST",
        ),
        (
            "bulk page_size",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "page_size": -1}),
            "INVALID_REQUEST",
        ),
        (
            "hold per_second",
            "/v1/ops/agencies/residence/hold",
            json!({"reason": "probe", "per_second": PERSON}),
            "INVALID_REQUEST",
        ),
        (
            "release per_second",
            "/v1/ops/agencies/residence/release",
            json!({"reason": "probe", "per_second": -1}),
            "INVALID_REQUEST",
        ),
        (
            "dry-run version",
            "/v1/definitions/dry-run",
            dry_run(json!(PERSON)),
            "INVALID_REQUEST",
        ),
        // A boolean given a string.
        (
            "action force",
            &actions,
            json!({"action": "retry_now", "step": "residence", "reason": "probe", "force": PERSON}),
            "INVALID_REQUEST",
        ),
        (
            "action force",
            &actions,
            json!({"action": "retry_now", "step": "residence", "reason": "probe", "force": "maybe"}),
            "INVALID_REQUEST",
        ),
        (
            "bulk dry_run",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "dry_run": "maybe"}),
            "INVALID_REQUEST",
        ),
        (
            "bulk filter overdue",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "filter": {"overdue": "maybe"}}),
            "INVALID_REQUEST",
        ),
        // An array given a string, a field of the wrong type inside it.
        (
            "supplement documents",
            &supplements,
            json!({"documents": PERSON}),
            "INVALID_REQUEST",
        ),
        (
            "supplement reference",
            &supplements,
            json!({"documents": [{"code": PERSON, "reference": 5}]}),
            "INVALID_REQUEST",
        ),
        // A field the route does not take.
        (
            "withdrawal with an unknown field",
            &withdraw,
            json!({"reason": PERSON, "remark": PERSON}),
            "INVALID_REQUEST",
        ),
        // An unknown value where a word of the API is expected.
        (
            "unknown action",
            &actions,
            json!({"action": PERSON, "reason": "probe"}),
            "ACTION_INVALID",
        ),
        (
            "unknown bulk action",
            "/v1/ops/bulk",
            json!({"action": PERSON, "reason": "probe"}),
            "ACTION_INVALID",
        ),
        (
            "unknown procedure",
            "/v1/applications",
            json!({"procedure": PERSON, "application": {}}),
            "APPLICATION_INVALID",
        ),
        // A date that is none.
        (
            "bulk submitted_from 1",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "dry_run": true, "filter": {"submitted_from": "1"}}),
            "FILTER_INVALID",
        ),
        (
            "bulk submitted_to 9999-99-99",
            "/v1/ops/bulk",
            json!({"action": "retry_now", "reason": "probe", "dry_run": true, "filter": {"submitted_to": "9999-99-99"}}),
            "FILTER_INVALID",
        ),
    ] {
        probes.push(probe(what, "POST", target, Sent::Json(body), Some(code)));
    }
    let mut nul_application = example_submission("nul");
    nul_application["application"]["child"]["full_name"] = json!("Trần\u{0}Minh An");
    probes.push(probe(
        "a NUL character in an application",
        "POST",
        "/v1/applications",
        Sent::Json(nul_application),
        Some("BODY_INVALID"),
    ));
    // Query strings: numbers, booleans, dates, words.
    let person = encoded(PERSON);
    for (what, target, code) in [
        (
            "submitted_from 1",
            "/v1/ops/cases?submitted_from=1".to_owned(),
            "FILTER_INVALID",
        ),
        (
            "submitted_from 9999-99-99",
            "/v1/ops/cases?submitted_from=9999-99-99".to_owned(),
            "FILTER_INVALID",
        ),
        (
            "submitted_to 9999-99-99",
            "/v1/ops/cases?submitted_to=9999-99-99".to_owned(),
            "FILTER_INVALID",
        ),
        (
            "submitted_to a name",
            format!("/v1/ops/cases?submitted_to={person}"),
            "FILTER_INVALID",
        ),
        (
            "status a name",
            format!("/v1/ops/cases?status={person}"),
            "FILTER_INVALID",
        ),
        (
            "page abc",
            "/v1/ops/cases?page=abc".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "page -1",
            "/v1/ops/cases?page=-1".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "page a name",
            format!("/v1/ops/cases?page={person}"),
            "QUERY_INVALID",
        ),
        (
            "page_size -1",
            "/v1/ops/cases?page_size=-1".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "overdue maybe",
            "/v1/ops/cases?overdue=maybe".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "before_id abc",
            "/v1/audit?before_id=abc".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "limit a name",
            format!("/v1/audit.csv?limit={person}"),
            "QUERY_INVALID",
        ),
        (
            "batch offset abc",
            "/v1/ops/batches/batch-x?offset=abc".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "batch limit -1",
            "/v1/ops/batches/batch-x?limit=-1".to_owned(),
            "QUERY_INVALID",
        ),
        (
            "an unknown batch parameter",
            format!("/v1/ops/batches/batch-x?{person}=1"),
            "QUERY_INVALID",
        ),
    ] {
        let mut p = probe(what, "GET", &target, Sent::Nothing, Some(code));
        p.secrets.push(PERSON.to_owned());
        probes.push(p);
    }
    // Path parameters.
    for (what, method, target) in [
        (
            "version abc",
            "GET",
            "/v1/definitions/birth-residence-insurance/versions/abc".to_owned(),
        ),
        (
            "version a name",
            "GET",
            format!("/v1/definitions/birth-residence-insurance/versions/{person}"),
        ),
        (
            "version abc, publish",
            "POST",
            "/v1/definitions/birth-residence-insurance/versions/abc/publish".to_owned(),
        ),
        (
            "version abc, retire",
            "POST",
            "/v1/definitions/birth-residence-insurance/versions/abc/retire".to_owned(),
        ),
        (
            "version abc, picture",
            "GET",
            "/v1/definitions/birth-residence-insurance/versions/abc/plan.svg".to_owned(),
        ),
        (
            "a case code that is not UTF-8",
            "GET",
            "/v1/cases/%FF%FE".to_owned(),
        ),
    ] {
        let mut p = probe(what, method, &target, Sent::Nothing, Some("PATH_INVALID"));
        p.secrets.push(PERSON.to_owned());
        probes.push(p);
    }
    // An id nothing has: the answer says so without the id.
    for (what, target, code) in [
        (
            "an unknown agency",
            format!("/v1/catalogue/{person}"),
            "AGENCY_NOT_FOUND",
        ),
        (
            "an unknown procedure",
            format!("/v1/definitions/{person}/versions/1"),
            "DEFINITION_NOT_FOUND",
        ),
    ] {
        let mut p = probe(what, "GET", &target, Sent::Nothing, Some(code));
        p.secrets.push(PERSON.to_owned());
        probes.push(p);
    }
    probes.push(probe(
        "a dry run of an unknown procedure",
        "POST",
        "/v1/definitions/dry-run",
        Sent::Json(json!({"procedure": PERSON, "version": 1, "application": {}})),
        None,
    ));
    let mut p = probe(
        "no such route",
        "GET",
        &format!("/v1/{person}"),
        Sent::Nothing,
        Some("ROUTE_NOT_FOUND"),
    );
    p.secrets.push(PERSON.to_owned());
    probes.push(p);
    // Text bodies (definitions, catalogue entries).
    for (what, method, target, body, code) in [
        (
            "a definition over the limit",
            "POST",
            "/v1/definitions/validate",
            "A".repeat(300 * 1024).into_bytes(),
            "BODY_TOO_LARGE",
        ),
        (
            "a definition that is not UTF-8",
            "POST",
            "/v1/definitions/validate",
            not_utf8.clone(),
            "BODY_INVALID",
        ),
        (
            "a draft holding a NUL",
            "POST",
            "/v1/definitions",
            format!("id: a\0{PERSON}").into_bytes(),
            "BODY_INVALID",
        ),
        (
            "a catalogue entry that is not UTF-8",
            "PUT",
            "/v1/catalogue/residence",
            not_utf8.clone(),
            "BODY_INVALID",
        ),
    ] {
        let mut p = probe(what, method, target, Sent::Raw(body), Some(code));
        p.secrets.push(PERSON.to_owned());
        probes.push(p);
    }
    let count = probes.len();
    let problems = check_probes(&stack, probes).await?;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(count > 60, "{count} probes");

    // The unknown action was audited as `unknown`, and nothing the caller wrote was kept.
    let response = stack
        .http
        .get(format!("{}/v1/audit?case={case}", stack.api))
        .send()
        .await?;
    let audit: Value = response.json().await?;
    let entries = audit["entries"].as_array().cloned().unwrap_or_default();
    assert!(entries.iter().any(|e| e["action"] == "unknown"), "{audit}");
    let mut kept = Vec::new();
    strings_in(&audit, &mut kept);
    assert!(
        kept.iter()
            .all(|s| !s.contains("001190012345") && !s.contains("Nguyễn")),
        "{audit}"
    );
    // The target case was never touched.
    assert_eq!(stack.case(&case).await?.0, 200);
    Ok(())
}

/// Field names the API reads, so a random body reaches each field's own checks and not only
/// the unknown-field refusal. (`definition` is left out: a definition's diagnostics quote its
/// YAML, as a compiler quotes source.)
const FIELDS: &[&str] = &[
    "action",
    "step",
    "agency",
    "reference",
    "output",
    "reason",
    "force",
    "cap",
    "dry_run",
    "filter",
    "per_second",
    "page",
    "page_size",
    "documents",
    "note",
    "code",
    "procedure",
    "version",
    "application",
    "office",
    "client_request_id",
    "submitted_from",
    "submitted_to",
    "overdue",
    "status",
    "answers",
    "idempotency_key",
    "outcome",
    "message",
];

/// A person's name and ID number, which must never come back.
fn person() -> impl Strategy<Value = String> {
    "(Nguyễn|Trần|Lê|Phạm) (Văn|Thị|Minh) [A-Z][a-z]{1,6} 0[0-9]{11}"
}

/// A JSON object with the API's field names and random values, persons among them.
fn shaped_body() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any_json(),
        person().prop_map(Value::String),
        Just(json!("maybe")),
        Just(json!("9999-99-99")),
        Just(json!(-1)),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(FIELDS), inner, 0..4).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    });
    prop::collection::btree_map(prop::sample::select(FIELDS), value, 1..6)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

#[tokio::test]
async fn no_error_repeats_a_string_of_the_request_it_answers() -> Result<()> {
    let stack = Stack::start().await?;
    let case = stack.submit_ok(&example_submission("echo-target")).await?;
    let endpoints = [
        "/v1/applications".to_owned(),
        format!("/v1/cases/{case}/withdraw"),
        format!("/v1/cases/{case}/supplements"),
        format!("/v1/ops/cases/{case}/actions"),
        "/v1/ops/agencies/residence/hold".to_owned(),
        "/v1/ops/bulk".to_owned(),
        "/v1/definitions/dry-run".to_owned(),
        "/v1/agencies/residence/callbacks".to_owned(),
    ];
    let mut bodies = samples(any_json(), 20);
    bodies.extend(samples(shaped_body(), 40));
    assert_eq!(bodies.len(), 60, "every sample was generated");
    // Mangled submissions keep the example's own words (`mother` is a value and a field
    // name): only what was put in is looked for.
    let example = example_submission("fuzz");
    let mut ours = Vec::new();
    strings_in(&example, &mut ours);
    let mangled = samples(mangled_submission(), 20);
    let http = fresh_connections(&stack)?;
    let mut errors = 0;
    for endpoint in &endpoints {
        for body in bodies.iter().chain(&mangled) {
            let response = http
                .post(format!("{}{endpoint}", stack.api))
                .json(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                status < 500,
                "{endpoint} answered {status} {answer} to {body}"
            );
            if status < 400 {
                continue;
            }
            errors += 1;
            assert!(answer["error"]["code"].is_string(), "{endpoint}: {answer}");
            let mut sent = Vec::new();
            strings_in(body, &mut sent);
            let mut said = Vec::new();
            strings_in(&answer, &mut said);
            for s in sent.iter().filter(|s| !ours.contains(s)) {
                assert!(
                    said.iter().all(|said| !said.contains(s.as_str())),
                    "{endpoint} repeated {s:?} of {body} in {answer}"
                );
            }
        }
    }
    assert!(errors > 400, "only {errors} refusals");
    Ok(())
}
