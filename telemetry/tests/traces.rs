//! One case, one trace: spans from the API, an activity attempt, its agency call and the agency
//! itself, plus the case's root span, arrive at an OTLP receiver as one correctly linked tree,
//! with no personal data among their attributes.

use std::time::{Duration, SystemTime};

use axum::{Json, Router, extract::Path, routing::get, routing::post};
use lienthong_telemetry::{
    CaseSpan, Metrics, case_span, case_span_id, case_trace_id, instrument_router, parent_to_case,
    record_case_span, testing::OtlpReceiver, testing::ReceivedSpan, traceparent_for_case,
};
use serde_json::{Value, json};
use tracing::Instrument;

const CASE: &str = "KS-ABCDE-FGHJK";
const PERSONAL_ID: &str = "001099012345";
const FULL_NAME: &str = "Nguyễn Văn An";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one `{name}` span in {spans:#?}");
    found[0]
}

#[tokio::test]
async fn a_case_is_one_linked_trace_without_personal_data() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let capture = receiver
        // This test's own spans stand in for the activity's: select them too.
        .capture_filtered("lienthong-test", "lienthong=info,traces=info")
        .expect("capture");
    capture.set_global();
    let metrics = Metrics::new();

    // The agency: continues the caller's trace from `traceparent`.
    let agency = instrument_router(
        Router::new()
            .route(
                "/operations/{operation}",
                post(|Json(_body): Json<Value>| async { Json(json!({"outcome": "done"})) }),
            )
            .route(
                "/citizens/{personal_id}",
                get(|Path(_id): Path<String>| async { Json(json!({})) }),
            ),
        &metrics,
    );
    let agency = serve(agency).await;
    // The API: joins the case's trace through the `{code}` in its route, or, when submitting,
    // through a case span once the handler knows the code.
    let api = instrument_router(
        Router::new()
            .route(
                "/v1/cases/{code}",
                get(|Path(_code): Path<String>| async { Json(json!({})) }),
            )
            .route(
                "/v1/applications",
                post(|Json(_body): Json<Value>| {
                    async { Json(json!({"case_code": CASE})) }
                        .instrument(case_span("submit case", CASE))
                }),
            ),
        &metrics,
    );
    let api = serve(api).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    let case_started = SystemTime::now();
    http.post(format!("{api}/v1/applications"))
        .json(&json!({"applicant": {"personal_id": PERSONAL_ID}}))
        .send()
        .await
        .expect("API answers");
    http.get(format!("{api}/v1/cases/{CASE}"))
        .send()
        .await
        .expect("API answers");

    // An activity attempt and, inside it, the agency call, as the activities crate does them.
    let attempt = tracing::info_span!(
        "attempt",
        otel.name = "call residence",
        lienthong.case = CASE,
        lienthong.step = "residence",
        lienthong.attempt = 1,
    );
    parent_to_case(&attempt, CASE);
    async {
        let call = tracing::info_span!(
            "call",
            otel.name = "POST residence register",
            otel.kind = "client"
        );
        async {
            let header = traceparent_for_case(&tracing::Span::current(), CASE);
            http.post(format!("{agency}/operations/register"))
                .header("traceparent", header)
                .json(&json!({"personal_id": PERSONAL_ID, "full_name": FULL_NAME}))
                .send()
                .await
                .expect("agency answers");
            // An agency-side lookup by personal id: the route template is recorded, not the path.
            http.get(format!("{agency}/citizens/{PERSONAL_ID}"))
                .send()
                .await
                .expect("agency answers");
        }
        .instrument(call)
        .await;
    }
    .instrument(attempt)
    .await;

    record_case_span(&CaseSpan {
        case_code: CASE,
        procedure: "khai-sinh",
        status: "completed",
        compensated: false,
        started: case_started,
        ended: SystemTime::now(),
    });
    capture.flush();
    let spans = receiver.wait_for(Duration::from_secs(10), |s| s.len() >= 8);

    let trace_id = case_trace_id(CASE).to_string();
    let root_id = case_span_id(CASE).to_string();
    let root = one(&spans, "case khai-sinh");
    let api_span = one(&spans, "GET /v1/cases/{code}");
    let attempt = one(&spans, "call residence");
    let call = one(&spans, "POST residence register");
    let agency_span = one(&spans, "POST /operations/{operation}");
    let submit_request = one(&spans, "POST /v1/applications");
    let submit = one(&spans, "submit case");

    assert_eq!(root.span_id, root_id);
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.attributes["lienthong.status"], "completed");
    for span in [root, api_span, submit, attempt, call, agency_span] {
        assert_eq!(span.trace_id, trace_id, "{} in the case's trace", span.name);
        assert_eq!(span.service_name, "lienthong-test");
    }
    assert_eq!(api_span.parent_span_id.as_deref(), Some(root_id.as_str()));
    assert_eq!(submit.parent_span_id.as_deref(), Some(root_id.as_str()));
    assert_eq!(submit.links, std::slice::from_ref(&submit_request.span_id));
    assert_ne!(
        submit_request.trace_id, trace_id,
        "the request's own trace, linked"
    );
    assert_eq!(api_span.kind, "server");
    assert_eq!(api_span.attributes["lienthong.case"], CASE);
    assert_eq!(attempt.parent_span_id.as_deref(), Some(root_id.as_str()));
    assert_eq!(
        call.parent_span_id.as_deref(),
        Some(attempt.span_id.as_str())
    );
    assert_eq!(call.kind, "client");
    assert_eq!(
        agency_span.parent_span_id.as_deref(),
        Some(call.span_id.as_str())
    );
    assert_eq!(agency_span.kind, "server");
    assert_eq!(
        agency_span.attributes["http.route"],
        "/operations/{operation}"
    );
    assert_eq!(agency_span.attributes["http.response.status_code"], "200");

    // The lookup had no `traceparent`: its own trace, route template only.
    let lookup = one(&spans, "GET /citizens/{personal_id}");
    assert_ne!(lookup.trace_id, trace_id);
    for span in &spans {
        for (key, value) in &span.attributes {
            assert!(
                !value.contains(PERSONAL_ID) && !value.contains(FULL_NAME),
                "personal data in `{key}` of `{}`",
                span.name
            );
        }
    }
}
