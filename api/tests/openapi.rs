//! The OpenAPI document at `GET /v1/openapi.json`: served without a token, valid OpenAPI 3.1,
//! and describing exactly the routes the router serves.
//!
//! How the document cannot drift from the router:
//! - Both come from one registration: `routes::documented` registers every route of the public
//!   JSON API with `utoipa_axum::routes!`, which takes the path and method from the handler's
//!   `#[utoipa::path]` attribute and adds the route and its description together.
//! - What could bypass it is found in the source: a plain axum registration (`.route(`,
//!   `.route_service(`, `.nest(`, `.nest_service(`) anywhere in `api/src` outside the console
//!   fails [`every_route_the_router_serves_is_documented`], but for the nested codec service,
//!   whose own routes (read from `codec/src/server.rs`) must be in the document.
//! - What is documented is served: [`every_documented_operation_is_served_as_documented`] sends
//!   each documented method and path to the real router (no socket, Temporal unreachable) and
//!   checks that a handler answered (not the router's 404 or 405), and that the operations
//!   documented with the bearer scheme, and only those, refuse a request without a token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use lienthong_api::{ApiConfig, ApiState, Catalog, RatesPerMinute};
use lienthong_codec::{KeyRing, PayloadCipher, generate_key_entry};
use lienthong_identity::{Claims, DevKey};
use lienthong_store::Store;
use serde_json::{Value, json};
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, Url,
    callback_based::CallbackBasedGrpcService, tonic::Status,
};
use tower::ServiceExt;

/// The operations anyone may call: no bearer token.
const PUBLIC: &[&str] = &[
    "/health",
    "/ready",
    "/v1/procedures",
    "/v1/openapi.json",
    "/v1/agencies/{agency}/callbacks",
];

/// A Temporal client whose every call fails as if the server were down: the router is built
/// and driven as in production, and no test here needs Temporal to answer.
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

/// The API's router on a real state: an engine database in a temp dir holding the shipped
/// procedures and catalogue, a token key, a payload key, Temporal unreachable.
async fn api() -> (Router, tempfile::TempDir) {
    let (app, dir, _key) = api_with_key().await;
    (app, dir)
}

/// [`api`], and the key its tokens are signed with.
async fn api_with_key() -> (Router, tempfile::TempDir, DevKey) {
    let (app, dir, key, _store) = api_with_store().await;
    (app, dir, key)
}

/// [`api_with_key`], and its engine database.
async fn api_with_store() -> (Router, tempfile::TempDir, DevKey, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&Store::sqlite_url(dir.path()))
        .await
        .unwrap();
    let catalog = Catalog::open(store.clone()).await.unwrap();
    let shipped: Vec<(String, String)> = lienthong_definitions::SHIPPED
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    catalog.install(&shipped).await.unwrap();
    let ring = KeyRing::parse(&generate_key_entry("k1").unwrap()).unwrap();
    let key = DevKey::generate();
    let state = ApiState::new(
        unreachable_temporal().await,
        Arc::new(catalog),
        Arc::new(key.verifier().unwrap()),
        Arc::new(PayloadCipher::new(ring)),
        ApiConfig {
            task_queue: "lienthong-test".into(),
            rates: RatesPerMinute::NONE,
            update_deadline: Duration::from_secs(1),
            ..ApiConfig::default()
        },
    );
    (lienthong_api::router(state), dir, key, store)
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn error_code(&self) -> Option<String> {
        self.json()?["error"]["code"].as_str().map(str::to_owned)
    }
}

async fn send(app: &Router, method: Method, uri: &str, body: Option<&str>) -> Answer {
    send_as(app, None, method, uri, body).await
}

async fn send_as(
    app: &Router,
    token: Option<&str>,
    method: Method,
    uri: &str,
    body: Option<&str>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

async fn served_document(app: &Router) -> Value {
    let answer = send(app, Method::GET, "/v1/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.json().expect("the document is JSON")
}

/// Every `(METHOD, path)` the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if METHODS.contains(&method.as_str()) {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    &doc["paths"][path][method.to_lowercase()]
}

#[tokio::test]
async fn the_document_is_served_without_a_token() {
    let (app, _dir) = api().await;
    let answer = send(&app, Method::GET, "/v1/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.content_type.starts_with("application/json"),
        "{}",
        answer.content_type
    );
    let doc = answer.json().expect("JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    assert_eq!(doc["info"]["title"], "lienthong");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(operation(&doc, "GET", "/v1/openapi.json")["security"].is_null());
}

/// A route found in the source: `(file:line, registration, path, methods)`.
#[derive(Debug)]
struct Registration {
    at: String,
    kind: &'static str,
    path: String,
    methods: Vec<String>,
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Every plain axum registration in `dir`'s Rust files (comments skipped).
fn registrations(dir: &Path) -> Vec<Registration> {
    const KINDS: &[&str] = &[".route(", ".route_service(", ".nest(", ".nest_service("];
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // A file's unit tests (its last item, by custom) may build routers of their own.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: String = text
            .lines()
            .map(|line| {
                if line.trim_start().starts_with("//") {
                    ""
                } else {
                    line
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        for kind in KINDS {
            for (at, _) in code.match_indices(kind) {
                let rest = code[at + kind.len()..].trim_start();
                let path = rest
                    .strip_prefix('"')
                    .and_then(|r| r.split_once('"'))
                    .map_or_else(
                        || format!("<not a literal: {}>", &rest[..rest.len().min(40)]),
                        |(p, _)| p.to_owned(),
                    );
                // The methods named before the next registration or the end of the statement.
                let call = rest
                    .split([';'])
                    .next()
                    .unwrap_or_default()
                    .split(".route")
                    .next()
                    .unwrap_or_default();
                let methods = METHODS
                    .iter()
                    .filter(|m| {
                        call.match_indices(&format!("{m}(")).any(|(i, _)| {
                            i == 0
                                || !call.as_bytes()[i - 1].is_ascii_alphanumeric()
                                    && call.as_bytes()[i - 1] != b'_'
                        })
                    })
                    .map(|m| m.to_uppercase())
                    .collect();
                let line = code[..at].lines().count();
                found.push(Registration {
                    at: format!("{}:{line}", file.display()),
                    kind,
                    path,
                    methods,
                });
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_the_router_serves_is_documented() {
    let (app, _dir) = api().await;
    let doc = served_document(&app).await;
    let documented = operations(&doc);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let console = root.join("src/console");
    let citizen_page = root.join("src/citizen_page");
    // The sign-in flow through the identity provider: browser pages, like the console's.
    let sign_in = root.join("src/oidc_login.rs");

    // Outside the console, the citizen page and signing in, nothing is registered but through
    // `routes!`: the one exception is the codec service, nested as it is.
    let mut bypassing = Vec::new();
    let mut nested_codec = false;
    for registration in registrations(&root.join("src")) {
        let file = Path::new(registration.at.split(':').next().unwrap());
        if file.starts_with(&console) || file.starts_with(&citizen_page) || file == sign_in {
            continue;
        }
        if registration.kind == ".nest_service(" && registration.path == "/v1/codec" {
            nested_codec = true;
            continue;
        }
        bypassing.push(format!(
            "{}: `{}\"{}\"` registers a route the OpenAPI document does not describe; register \
             its handler with `routes!` in `routes::documented` and give it a `#[utoipa::path]` \
             attribute (see api/src/openapi/mod.rs)",
            registration.at, registration.kind, registration.path
        ));
    }
    assert!(bypassing.is_empty(), "{}", bypassing.join("\n"));
    assert!(
        nested_codec,
        "the codec service is no longer nested at /v1/codec"
    );

    // The codec's own routes, nested at `/v1/codec`, are the documented `/v1/codec/*`.
    let codec: BTreeSet<(String, String)> = registrations(&root.join("../codec/src"))
        .into_iter()
        .filter(|r| r.kind == ".route(")
        .flat_map(|r| {
            r.methods
                .into_iter()
                .map(move |m| (m, format!("/v1/codec{}", r.path)))
        })
        .collect();
    assert!(!codec.is_empty(), "no route found in codec/src");
    let documented_codec: BTreeSet<_> = documented
        .iter()
        .filter(|(_, path)| path.starts_with("/v1/codec/"))
        .cloned()
        .collect();
    assert_eq!(codec, documented_codec);

    // The console is excluded, and is exactly the HTML pages under `/console`.
    let console_routes = registrations(&console);
    assert!(!console_routes.is_empty());
    for registration in console_routes {
        assert!(
            registration.path.starts_with("/console"),
            "{}: a console route outside /console: {}",
            registration.at,
            registration.path
        );
    }
    assert!(
        documented
            .iter()
            .all(|(_, path)| !path.starts_with("/console") && path != "/metrics")
    );
    // So is the citizen page: HTML pages outside `/v1`, none of them documented.
    let page_routes = registrations(&citizen_page);
    assert!(!page_routes.is_empty());
    for registration in &page_routes {
        assert!(
            !registration.path.starts_with("/v1") && !registration.path.starts_with("/console"),
            "{}: a citizen page route among the API's or the console's: {}",
            registration.at,
            registration.path
        );
        assert!(
            documented
                .iter()
                .all(|(_, path)| *path != registration.path),
            "{}: a citizen page route is documented as JSON: {}",
            registration.at,
            registration.path
        );
    }
    // `/metrics` is the binary's (merged from lienthong-telemetry), not this router's.
    assert_eq!(
        send(&app, Method::GET, "/metrics", None).await.status,
        StatusCode::NOT_FOUND
    );
}

fn sample(path: &str) -> String {
    path.replace("{code}", "KS-AAAAA-BBBBB")
        .replace("{agency}", "residence")
        .replace("{procedure}", "birth-residence-insurance")
        .replace("{version}", "1")
}

#[tokio::test]
async fn every_documented_operation_is_served_as_documented() {
    let (app, _dir, key) = api_with_key().await;
    let doc = served_document(&app).await;
    // The codec's guard answers before the nested service routes, so its operations are also
    // sent with the one token the guard lets through.
    let codec_reader = key
        .mint(
            &Claims {
                sub: "operator-1".into(),
                roles: vec!["operator".into()],
                offices: vec!["*".into()],
                personal_data: true,
                ..Claims::default()
            },
            Duration::from_secs(600),
        )
        .unwrap();
    let mut problems = Vec::new();
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let bearer = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        let body = (method != "GET").then_some("{}");
        let answer = send(&app, method.parse().unwrap(), &sample(&path), body).await;
        let who = format!("{method} {path}");
        // The router's own answers for a path or method it does not serve.
        if answer.status == StatusCode::METHOD_NOT_ALLOWED
            || answer.error_code().as_deref() == Some("ROUTE_NOT_FOUND")
        {
            problems.push(format!("{who}: not served ({})", answer.status));
            continue;
        }
        if path.starts_with("/v1/codec/") {
            let answer = send_as(
                &app,
                Some(&codec_reader),
                method.parse().unwrap(),
                &path,
                Some(r#"{"payloads": []}"#),
            )
            .await;
            if answer.status != StatusCode::OK {
                problems.push(format!(
                    "{who}: not served to a codec reader ({})",
                    answer.status
                ));
            }
        }
        let token_missing = answer.error_code().as_deref() == Some("TOKEN_MISSING");
        match (bearer, PUBLIC.contains(&path.as_str())) {
            (true, false) if !(answer.status == StatusCode::UNAUTHORIZED && token_missing) => {
                problems.push(format!(
                    "{who}: documented with a bearer token but answered {} {:?} without one",
                    answer.status,
                    answer.error_code()
                ));
            }
            (false, true) if token_missing => {
                problems.push(format!("{who}: documented as public but wants a token"));
            }
            (true, true) | (false, false) => problems.push(format!(
                "{who}: security is {} but the path is {}in PUBLIC",
                if bearer { "bearer" } else { "none" },
                if bearer { "" } else { "not " }
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A caller with every role, so each request reaches the extractors after the token.
fn every_role(key: &DevKey) -> String {
    key.mint(
        &Claims {
            sub: "malformed".into(),
            roles: ["citizen", "operator", "agency-admin", "auditor"]
                .map(str::to_owned)
                .to_vec(),
            personal_id: Some("001190012345".into()),
            offices: vec!["01".into()],
            agencies: vec!["residence".into()],
            personal_data: true,
            ..Claims::default()
        },
        Duration::from_secs(600),
    )
    .unwrap()
}

/// A value that must never come back: a name and a personal ID number.
const PERSON: &str = "Nguy%E1%BB%85n%20V%C4%83n%20A%20001190012345";

/// Every operation that reads a body, a typed query parameter or a typed path parameter
/// documents the `400` (and `413`) it answers to one that is not well-formed, and answers so:
/// in the error shape, with the documented code, without the value sent.
#[tokio::test]
async fn every_malformed_request_is_answered_as_documented() {
    let (app, _dir, key) = api_with_key().await;
    let token = every_role(&key);
    let doc = served_document(&app).await;
    let mut problems = Vec::new();
    let mut probes = 0;
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let who = format!("{method} {path}");
        if path.starts_with("/v1/codec/") {
            continue;
        }
        let bad_request = op["responses"]["400"]["description"]
            .as_str()
            .unwrap_or_default();
        let mut sent: Vec<(String, Option<String>, &str, StatusCode)> = Vec::new();
        if op["requestBody"].is_object() {
            if op["responses"]["413"].is_null() {
                problems.push(format!("{who}: no 413 documented"));
            }
            let huge = format!(r#"{{"reason": "{}"}}"#, "a".repeat(300 * 1024));
            sent.push((
                sample(&path),
                Some(huge),
                "BODY_TOO_LARGE",
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
            let json = op["requestBody"]["content"]["application/json"].is_object();
            // JSON writes a NUL `\u0000`; a text body holds it as it is.
            let nul = if json {
                r#"{"reason": "a\u0000b", "action": "cancel", "documents": []}"#
            } else {
                "id: a\u{0}b"
            };
            if !path.ends_with("/callbacks") {
                sent.push((
                    sample(&path),
                    Some(nul.into()),
                    "BODY_INVALID",
                    StatusCode::BAD_REQUEST,
                ));
            }
        }
        for parameter in op["parameters"].as_array().into_iter().flatten() {
            let typed = parameter["schema"]["type"]
                .as_array()
                .map_or_else(|| vec![parameter["schema"]["type"].clone()], Clone::clone)
                .iter()
                .any(|t| t == "integer" || t == "boolean");
            let name = parameter["name"].as_str().unwrap();
            match parameter["in"].as_str() {
                Some("query") if typed => sent.push((
                    format!("{}?{name}={PERSON}", sample(&path)),
                    None,
                    "QUERY_INVALID",
                    StatusCode::BAD_REQUEST,
                )),
                Some("path") if typed && path.contains(&format!("{{{name}}}")) => sent.push((
                    sample(&path).replace("/1", &format!("/{PERSON}")),
                    None,
                    "PATH_INVALID",
                    StatusCode::BAD_REQUEST,
                )),
                _ => {}
            }
        }
        for (uri, body, code, status) in sent {
            probes += 1;
            if status == StatusCode::BAD_REQUEST && !bad_request.contains(code) {
                problems.push(format!(
                    "{who}: its 400 does not name `{code}`: {bad_request}"
                ));
            }
            let answer = send_as(
                &app,
                Some(&token),
                method.parse().unwrap(),
                &uri,
                body.as_deref(),
            )
            .await;
            let text = String::from_utf8_lossy(&answer.body);
            if (answer.status, answer.error_code().as_deref()) != (status, Some(code))
                || text.contains("001190012345")
            {
                problems.push(format!(
                    "{who}: {uri} answered {} {}",
                    answer.status,
                    &text[..text.len().min(300)]
                ));
            }
        }
    }
    // Ten megabytes of definition: refused as soon as the limit is passed, in the error shape.
    let huge = "A".repeat(10 << 20);
    let answer = send_as(
        &app,
        Some(&token),
        Method::POST,
        "/v1/definitions/validate",
        Some(&huge),
    )
    .await;
    assert_eq!(
        (answer.status, answer.error_code().as_deref()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("BODY_TOO_LARGE"))
    );
    assert!(probes > 30, "only {probes} probes");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The OpenAPI 3.1 schemas vendored in `tests/fixtures/openapi-3.1` (see its README), by `$id`.
fn openapi_schemas() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi-3.1");
    [
        "schema.json",
        "schema-base.json",
        "dialect/base.schema.json",
        "meta/base.schema.json",
    ]
    .iter()
    .map(|file| {
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        (schema["$id"].as_str().unwrap().to_owned(), schema)
    })
    .collect()
}

#[tokio::test]
async fn the_document_validates_against_the_openapi_3_1_schema() {
    let (app, _dir) = api().await;
    let doc = served_document(&app).await;
    let schemas = openapi_schemas();
    let mut registry = jsonschema::Registry::new();
    for (id, schema) in &schemas {
        registry = registry.add(id.as_str(), schema.clone()).unwrap();
    }
    let registry = registry.prepare().unwrap();
    // `schema-base`: the document, and every Schema Object in it checked as JSON Schema 2020-12
    // with the OpenAPI vocabulary.
    let base = &schemas
        .iter()
        .find(|(id, _)| id.contains("/schema-base/"))
        .unwrap()
        .1;
    let validator = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(base)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // The validator does catch a broken document, and a broken Schema Object in it.
    let mut broken = doc.clone();
    broken["paths"]["/health"]["get"]["responses"] = json!("none");
    assert!(!validator.is_valid(&broken));
    let mut broken = doc.clone();
    broken["components"]["schemas"]["Error"]["type"] = json!("strng");
    assert!(!validator.is_valid(&broken));
}

/// Every `$ref` value in `value`, with where it was found.
fn refs(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref"
                    && let Some(target) = child.as_str()
                {
                    found.push((at.to_owned(), target.to_owned()));
                }
                refs(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_resolves_and_every_operation_is_complete() {
    let (app, _dir) = api().await;
    let doc = served_document(&app).await;
    let mut problems = Vec::new();

    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    assert!(!found.is_empty());
    for (at, target) in &found {
        let resolved = target
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer));
        if resolved.is_none() {
            problems.push(format!("{at}: `{target}` does not resolve"));
        }
    }

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["bearer"]["bearerFormat"], "JWT");

    let mut ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let who = format!("{method} {path}");
        match op["operationId"].as_str() {
            Some(id) if !id.is_empty() => {
                if !ids.insert(id.to_owned()) {
                    problems.push(format!("{who}: operationId `{id}` is used twice"));
                }
            }
            _ => problems.push(format!("{who}: no operationId")),
        }
        let responses = op["responses"].as_object();
        if !responses.is_some_and(|r| r.keys().any(|k| k.starts_with('2'))) {
            problems.push(format!("{who}: no success response"));
        }
        if responses.is_none_or(|r| !r.contains_key("default")) {
            problems.push(format!("{who}: no default (error) response"));
        }
        if op["tags"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{who}: no tag"));
        }
        // The summary is one line: generated clients put it on the method.
        if op["summary"]
            .as_str()
            .is_none_or(|s| s.is_empty() || s.contains('\n'))
        {
            problems.push(format!(
                "{who}: the summary (the first paragraph of the handler's doc comment) is \
                 missing or spans lines: {}",
                op["summary"]
            ));
        }
        // Each `{parameter}` of the path is declared as a path parameter, and nothing else is.
        let in_path: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        if in_path != declared {
            problems.push(format!(
                "{who}: path parameters {in_path:?}, declared {declared:?}"
            ));
        }
        let is_public = PUBLIC.contains(&path.as_str());
        let security = &op["security"];
        let expected = if is_public {
            Value::Null
        } else {
            json!([{"bearer": []}])
        };
        if *security != expected {
            problems.push(format!("{who}: security {security}, expected {expected}"));
        }
    }

    // The shared error body.
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["error"]));
    let detail = doc
        .pointer(
            error["properties"]["error"]["$ref"]
                .as_str()
                .unwrap()
                .trim_start_matches('#'),
        )
        .unwrap();
    let properties: BTreeSet<&str> = detail["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        properties,
        BTreeSet::from(["code", "message", "fields", "diagnostics"])
    );
    assert_eq!(detail["required"], json!(["code", "message"]));

    // The agencies' callbacks are signed instead.
    let callback = operation(&doc, "POST", "/v1/agencies/{agency}/callbacks");
    let headers: BTreeSet<&str> = callback["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header" && p["required"] == true)
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        headers,
        BTreeSet::from(["X-Lienthong-Timestamp", "X-Lienthong-Signature"])
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The property names a schema component declares.
fn properties<'a>(doc: &'a Value, schema: &str) -> BTreeSet<&'a str> {
    doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// The answers other crates' types make are described by hand; here each description is
/// checked against a real value's JSON, so a field added, renamed or removed there fails here.
#[tokio::test]
async fn schemas_of_other_crates_types_match_their_json() {
    let (app, _dir) = api().await;
    let doc = served_document(&app).await;

    let definition = lienthong_definitions::shipped_definitions()
        .unwrap()
        .remove(0);
    let case = lienthong_definitions::case::CaseState::new(
        "KS-AAAAA-BBBBB".parse().unwrap(),
        &definition,
        time::macros::datetime!(2026-01-05 09:00:00 +07:00),
    );
    let case = serde_json::to_value(&case).unwrap();
    assert_eq!(properties(&doc, "CaseState"), keys(&case));
    assert_eq!(properties(&doc, "StepRecord"), keys(&case["steps"][0]));

    let enum_values = |schema: &str, property: &str| -> Vec<Value> {
        doc["components"]["schemas"][schema]["properties"][property]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{property} has no enum"))
            .clone()
    };
    for status in enum_values("CaseState", "status") {
        serde_json::from_value::<lienthong_definitions::case::CaseStatus>(status.clone())
            .unwrap_or_else(|_| panic!("{status} is no case status"));
    }
    for status in enum_values("StepRecord", "status") {
        serde_json::from_value::<lienthong_definitions::case::StepStatus>(status.clone())
            .unwrap_or_else(|_| panic!("{status} is no step status"));
    }

    let entry = lienthong_store::AuditEntry {
        id: 1,
        at: "2026-01-05T02:00:00Z".into(),
        actor: "op".into(),
        role: "operator".into(),
        action: "retry_step".into(),
        cases: vec!["KS-AAAAA-BBBBB".into()],
        reason: Some("agency back".into()),
        outcome: "done".into(),
        detail: None,
    };
    assert_eq!(
        properties(&doc, "AuditEntry"),
        keys(&serde_json::to_value(&entry).unwrap())
    );

    let outcome = lienthong_definitions::operator::ActionOutcome {
        action: "hold".into(),
        step: Some(lienthong_definitions::StepId("residence".into())),
        agency: Some("residence".into()),
        effect: "held".into(),
        steps: vec![],
    };
    assert_eq!(
        properties(&doc, "ActionOutcome"),
        keys(&serde_json::to_value(&outcome).unwrap())
    );

    let report = lienthong_workflows::BatchReport {
        action: lienthong_workflows::BatchAction::Release {
            agency: "residence".into(),
        },
        per_second: 10,
        actor: "op".into(),
        reason: "agency back".into(),
        progress: lienthong_workflows::batch::BatchProgress {
            finished_at: Some("2026-01-05T02:00:00Z".into()),
            ..Default::default()
        },
        outcomes: vec![],
        offset: 0,
        total: 0,
    };
    let report = serde_json::to_value(&report).unwrap();
    assert_eq!(properties(&doc, "BatchReport"), keys(&report));
    assert_eq!(properties(&doc, "BatchProgress"), keys(&report["progress"]));

    let catalogue = lienthong_definitions::Catalogue::shipped().unwrap();
    // With its optional pace declared, so every property the schema names is written.
    let mut agency = catalogue.agencies()[0].clone();
    agency.max_per_second = Some(20.0);
    let agency = serde_json::to_value(&agency).unwrap();
    assert_eq!(properties(&doc, "CatalogueAgency"), keys(&agency));

    // Answers built as JSON here, checked where the router can build them without Temporal.
    let health = send(&app, Method::GET, "/health", None).await;
    assert_eq!(properties(&doc, "Health"), keys(&health.json().unwrap()));
    let ready = send(&app, Method::GET, "/ready", None).await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "no Temporal here"
    );
    let ready = ready.json().unwrap();
    assert_eq!(properties(&doc, "Readiness"), keys(&ready));
    assert_eq!(properties(&doc, "ReadinessChecks"), keys(&ready["checks"]));
    let check = properties(&doc, "ReadinessCheck");
    for (name, found) in ready["checks"].as_object().unwrap() {
        assert!(keys(found).is_subset(&check), "{name}: {found}");
    }
    let procedures = send(&app, Method::GET, "/v1/procedures", None)
        .await
        .json()
        .unwrap();
    assert_eq!(properties(&doc, "ProcedureList"), keys(&procedures));
    assert_eq!(
        properties(&doc, "ProcedureSummary"),
        keys(&procedures["procedures"][0])
    );
}

#[tokio::test]
async fn ready_names_each_dependency_that_does_not_answer() {
    let (app, _dir, _key, store) = api_with_store().await;
    let ready = || async {
        let response = app
            .clone()
            .oneshot(Request::get("/ready").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice::<Value>(&body).unwrap())
    };
    // Temporal is down in this router: not ready, and the body says it is Temporal.
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["temporal"]["ok"], false, "{body}");
    assert!(body["checks"]["temporal"]["error"].is_string(), "{body}");
    assert_eq!(body["checks"]["workers"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "{body}");
    // The engine database goes away too: its check says so.
    store.close().await;
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    assert!(
        body["checks"]["database"]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("the engine database")),
        "{body}"
    );
}
