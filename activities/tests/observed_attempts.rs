//! An activity attempt against a stand-in agency over real HTTP: the agency receives a
//! `traceparent` in the case's trace whose parent is the exchange span, itself a child of the
//! attempt span under the case's root; and the attempt lands in the step metrics by outcome.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use lienthong_activities::{AgencyActivities, AgencyClient, AgencyClientOptions, Attempt};
use lienthong_telemetry::{
    Metrics, case_span_id, case_trace_id, parse_traceparent, serve_metrics, testing::OtlpReceiver,
    testing::ReceivedSpan,
};
use lienthong_workflows::{AgencyAnswer, AgencyCall};
use serde_json::{Value, json};

const CASE: &str = "KS-ABCDE-FGHJK";
const PERSONAL_ID: &str = "001099012345";

/// `traceparent` headers the stand-in agency received, in order.
type Seen = Arc<Mutex<Vec<String>>>;

async fn operation(
    State(seen): State<Seen>,
    Path(operation): Path<String>,
    headers: HeaderMap,
    Json(_payload): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Some(tp) = headers.get("traceparent").and_then(|v| v.to_str().ok()) {
        seen.lock().expect("lock").push(tp.to_owned());
    }
    match operation.as_str() {
        "refuse" => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"code": "NOT_ELIGIBLE", "message": "no"})),
        ),
        "busy" => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({}))),
        _ => (
            StatusCode::CREATED,
            Json(json!({"registration_number": "R-1"})),
        ),
    }
}

async fn act(State(seen): State<Seen>, headers: HeaderMap) -> StatusCode {
    if let Some(tp) = headers.get("traceparent").and_then(|v| v.to_str().ok()) {
        seen.lock().expect("lock").push(tp.to_owned());
    }
    StatusCode::NOT_FOUND
}

/// A stand-in agency on a loopback port, and the activities pointed at it.
async fn agency(metrics: Metrics) -> (AgencyActivities, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/operations/{operation}", post(operation))
        .route("/acts/{*key}", get(act))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let options = AgencyClientOptions::new(BTreeMap::from([("residence".to_owned(), url)]));
    let client = AgencyClient::new(options).expect("client");
    (AgencyActivities::new(client, metrics), seen)
}

fn call(operation: &str) -> AgencyCall {
    AgencyCall {
        agency: "residence".into(),
        operation: operation.into(),
        idempotency_key: format!("{CASE}/residence"),
        payload: json!({"personal_id": PERSONAL_ID}),
        keep: None,
        case_code: CASE.parse().expect("a case code"),
        reconcile_only: false,
        attempts_before: 0,
        access: None,
    }
}

fn attempt(number: u32) -> Attempt {
    Attempt {
        activity_id: "residence".into(),
        number,
        deadline: None,
    }
}

fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.name == name).collect()
}

#[tokio::test]
async fn the_agency_call_carries_the_attempt_spans_traceparent() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let capture = receiver.capture("lienthong-worker").expect("capture");
    let (activities, seen) = agency(Metrics::new()).await;

    let answer = activities
        .run_attempt(&call("register"), &attempt(1))
        .await
        .expect("answered");
    assert!(matches!(answer, AgencyAnswer::Done { .. }), "{answer:?}");
    capture.flush();
    let spans = receiver.wait_for(Duration::from_secs(10), |s| s.len() >= 2);

    let attempts = named(&spans, "call residence");
    let exchanges = named(&spans, "POST residence register");
    assert_eq!((attempts.len(), exchanges.len()), (1, 1), "{spans:#?}");
    let (attempt_span, exchange) = (attempts[0], exchanges[0]);
    let headers = seen.lock().expect("lock").clone();
    assert_eq!(headers.len(), 1);
    let sent = parse_traceparent(&headers[0], None).expect("a valid traceparent");

    assert_eq!(sent.trace_id(), case_trace_id(CASE));
    assert_eq!(sent.span_id().to_string(), exchange.span_id);
    assert_eq!(
        exchange.parent_span_id.as_ref(),
        Some(&attempt_span.span_id)
    );
    assert_eq!(exchange.kind, "client");
    assert_eq!(exchange.attributes["http.response.status_code"], "201");
    assert_eq!(attempt_span.trace_id, case_trace_id(CASE).to_string());
    assert_eq!(
        attempt_span.parent_span_id,
        Some(case_span_id(CASE).to_string())
    );
    let expected = [
        ("lienthong.case", CASE),
        ("lienthong.step", "residence"),
        ("lienthong.purpose", "call"),
        ("lienthong.agency", "residence"),
        ("lienthong.operation", "register"),
        ("lienthong.attempt", "1"),
        ("lienthong.outcome", "done"),
    ];
    for (key, value) in expected {
        assert_eq!(
            attempt_span.attributes.get(key).map(String::as_str),
            Some(value),
            "{key}"
        );
    }
    for span in &spans {
        assert!(
            span.attributes.values().all(|v| !v.contains(PERSONAL_ID)),
            "personal data in {span:#?}"
        );
    }
}

#[tokio::test]
async fn a_retry_asks_then_sends_each_exchange_under_the_attempt() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let capture = receiver.capture("lienthong-worker").expect("capture");
    let (activities, seen) = agency(Metrics::new()).await;

    activities
        .run_attempt(&call("register"), &attempt(2))
        .await
        .expect("answered");
    capture.flush();
    let spans = receiver.wait_for(Duration::from_secs(10), |s| s.len() >= 3);

    let attempt_span = named(&spans, "call residence")[0];
    let lookup = named(&spans, "GET residence acts");
    let send = named(&spans, "POST residence register");
    assert_eq!((lookup.len(), send.len()), (1, 1), "{spans:#?}");
    let headers = seen.lock().expect("lock").clone();
    let sent: Vec<String> = headers
        .iter()
        .map(|h| {
            parse_traceparent(h, None)
                .expect("valid")
                .span_id()
                .to_string()
        })
        .collect();
    assert_eq!(sent, [lookup[0].span_id.clone(), send[0].span_id.clone()]);
    for exchange in [lookup[0], send[0]] {
        assert_eq!(
            exchange.parent_span_id.as_ref(),
            Some(&attempt_span.span_id)
        );
    }
    assert_eq!(attempt_span.attributes["lienthong.attempt"], "2");
}

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<&str, &str> = labels.iter().copied().collect();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, label_text) = series.split_once('{')?;
            let found: BTreeMap<&str, &str> = label_text
                .trim_end_matches('}')
                .split(',')
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k, v.trim_matches('"')))
                })
                .collect();
            (series_name == name && found == wanted).then(|| value.parse().ok())?
        })
}

#[tokio::test]
async fn attempts_are_counted_by_outcome_in_the_scrape() {
    let metrics = Metrics::new();
    let (activities, _) = agency(metrics.clone()).await;
    for operation in ["register", "register", "refuse", "busy"] {
        let _ = activities.run_attempt(&call(operation), &attempt(1)).await;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/metrics", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_metrics(listener, metrics, async {
        let _ = stopped.await;
    }));
    let text = reqwest::get(&url)
        .await
        .expect("scraped")
        .text()
        .await
        .expect("body");

    let attempts = |operation, outcome| {
        sample(
            &text,
            "lienthong_step_attempts_total",
            &[
                ("agency", "residence"),
                ("operation", operation),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(attempts("register", "done"), Some(2.0));
    assert_eq!(attempts("refuse", "rejected"), Some(1.0));
    assert_eq!(attempts("busy", "unavailable"), Some(1.0));
    assert_eq!(attempts("register", "rejected"), None);
    assert_eq!(
        sample(
            &text,
            "lienthong_step_duration_seconds_count",
            &[
                ("agency", "residence"),
                ("operation", "register"),
                ("outcome", "done")
            ]
        ),
        Some(2.0)
    );
    let _ = stop.send(());
    server.await.expect("joined").expect("served");
}
