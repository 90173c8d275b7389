//! The public surface holds under hostile input: random and mangled JSON on every endpoint that
//! takes a body never gets a 5xx; oversized bodies, unknown fields and floods are refused with
//! their own codes; every answer carries the security headers.

mod support;

use anyhow::Result;
use proptest::{
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config, TestRunner},
};
use serde_json::{Value, json};
use support::{Stack, all_roles, example_submission};

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
    let stack = Stack::start_env(vec![(
        "LIENTHONG_SUBMISSIONS_PER_MINUTE".to_owned(),
        "60".to_owned(),
    )])
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
