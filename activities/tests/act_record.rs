//! An agency that answers `GET /acts/{key}` with the answer's body alone, not the act's record:
//! the engine says exactly that, instead of a misleading "not JSON".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use axum::{Json, Router, routing::get};
use lienthong_activities::{AgencyActivities, AgencyClient, AgencyClientOptions, Attempt};
use lienthong_telemetry::Metrics;
use lienthong_workflows::AgencyCall;
use serde_json::json;

#[tokio::test]
async fn an_acts_answer_that_is_not_the_record_is_named_for_what_it_is() {
    let app = Router::new().route(
        "/acts/{*key}",
        get(|| async { Json(json!({"registration_number": "R-1"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = AgencyClient::new(AgencyClientOptions::new(BTreeMap::from([(
        "population".to_owned(),
        url,
    )])))
    .unwrap();
    let activities = AgencyActivities::new(client, Metrics::new());
    let call = AgencyCall {
        agency: "population".into(),
        operation: "issue-personal-id".into(),
        idempotency_key: "KS-ABCDE-FGHJK/birth/population".into(),
        payload: json!({}),
        keep: None,
        case_code: "KS-ABCDE-FGHJK".parse().expect("a case code"),
        reconcile_only: false,
        attempts_before: 0,
        access: None,
    };
    // A retry asks `/acts` first.
    let attempt = Attempt {
        activity_id: "birth".into(),
        number: 2,
        deadline: None,
    };
    let error = activities.run_attempt(&call, &attempt).await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("not the act's record {idempotency_key, operation, status_code, response}"),
        "{text}"
    );
    assert!(
        error.is_retryable(),
        "the agency may fix it; the engine asks again"
    );
}
