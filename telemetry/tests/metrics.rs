//! `/metrics` over real HTTP: lienthong's counters move by exactly what was recorded, request
//! latency is labelled by route template, and the Temporal SDK's metrics share the endpoint.

use std::{collections::BTreeMap, time::Duration};

use axum::{Router, extract::Path, routing::get};
use lienthong_telemetry::{Metrics, instrument_router, serve_metrics};
use temporalio_common::telemetry::metrics::{MetricKeyValue, MetricParameters, NewAttributes};

async fn listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    (listener, url)
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<&str, &str> = labels.iter().copied().collect();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, label_text) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let found: BTreeMap<&str, &str> = label_text
                .split(',')
                .filter(|p| !p.is_empty())
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k, v.trim_matches('"')))
                })
                .collect();
            (series_name == name && found == wanted).then(|| value.parse().ok())?
        })
}

async fn scrape(url: &str) -> String {
    http()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn recorded_steps_and_cases_show_up_in_the_scrape() {
    let metrics = Metrics::new();
    let (metrics_listener, metrics_url) = listener().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_metrics(metrics_listener, metrics.clone(), async {
        let _ = stopped.await;
    }));

    let before = scrape(&metrics_url).await;
    let labels = [
        ("agency", "residence"),
        ("operation", "register"),
        ("outcome", "done"),
    ];
    assert_eq!(
        sample(&before, "lienthong_step_attempts_total", &labels),
        None
    );

    metrics.step_attempt("residence", "register", "done", Duration::from_millis(40));
    metrics.step_attempt("residence", "register", "done", Duration::from_millis(70));
    metrics.step_attempt(
        "residence",
        "register",
        "unavailable",
        Duration::from_secs(2),
    );
    metrics.case_started("khai-sinh");
    metrics.case_started("khai-sinh");
    metrics.case_ended("khai-sinh", "withdrawn", true);
    metrics.set_cases_open("running", 7);
    metrics.set_cases_needing_attention("overdue", 2);

    let after = scrape(&metrics_url).await;
    assert_eq!(
        sample(&after, "lienthong_step_attempts_total", &labels),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &after,
            "lienthong_step_attempts_total",
            &[
                ("agency", "residence"),
                ("operation", "register"),
                ("outcome", "unavailable")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, "lienthong_step_duration_seconds_count", &labels),
        Some(2.0)
    );
    let sum = sample(&after, "lienthong_step_duration_seconds_sum", &labels).expect("sum");
    assert!((sum - 0.11).abs() < 1e-9, "sum of durations {sum}");
    assert_eq!(
        sample(
            &after,
            "lienthong_step_duration_seconds_bucket",
            &[labels[0], labels[1], labels[2], ("le", "0.05")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &after,
            "lienthong_cases_started_total",
            &[("procedure", "khai-sinh")]
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &after,
            "lienthong_cases_ended_total",
            &[("procedure", "khai-sinh"), ("status", "withdrawn")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &after,
            "lienthong_cases_compensated_total",
            &[("procedure", "khai-sinh")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, "lienthong_cases_open", &[("status", "running")]),
        Some(7.0)
    );
    assert_eq!(
        sample(
            &after,
            "lienthong_cases_needing_attention",
            &[("reason", "overdue")]
        ),
        Some(2.0)
    );

    let _ = stop.send(());
    server.await.expect("joined").expect("served");
}

#[tokio::test]
async fn request_latency_is_labelled_by_route_template_not_path() {
    let metrics = Metrics::new();
    let app = instrument_router(
        Router::new().route(
            "/v1/cases/{code}",
            get(|Path(code): Path<String>| async move { code }),
        ),
        &metrics,
    );
    let (app_listener, app_url) = listener().await;
    tokio::spawn(async move { axum::serve(app_listener, app).await });
    for code in ["KS-AAAAA-BBBBB", "KS-CCCCC-DDDDD", "KS-EEEEE-FFFFF"] {
        http()
            .get(format!("{app_url}/v1/cases/{code}"))
            .send()
            .await
            .expect("answered");
    }
    http()
        .get(format!("{app_url}/nowhere"))
        .send()
        .await
        .expect("answered");

    let text = metrics.render();
    let route = [
        ("method", "GET"),
        ("route", "/v1/cases/{code}"),
        ("status", "200"),
    ];
    assert_eq!(
        sample(
            &text,
            "lienthong_http_request_duration_seconds_count",
            &route
        ),
        Some(3.0)
    );
    assert!(
        !text.contains("KS-AAAAA-BBBBB"),
        "a case code became a label:\n{text}"
    );
    assert!(
        !text.contains("/nowhere"),
        "a raw path became a label:\n{text}"
    );
}

#[tokio::test]
async fn temporal_sdk_metrics_share_the_registry() {
    let metrics = Metrics::new();
    let meter = metrics.temporal_meter();
    let attributes = meter.new_attributes(NewAttributes::new(vec![MetricKeyValue::new(
        "task_queue",
        "lienthong",
    )]));
    let polls = meter.counter(MetricParameters::from(
        "temporal_workflow_task_queue_poll_succeed",
    ));
    polls.add(3, &attributes);
    let with_more = meter.extend_attributes(
        attributes.clone(),
        NewAttributes::new(vec![MetricKeyValue::new("poller_type", "sticky")]),
    );
    polls.add(1, &with_more);
    let latency = meter.histogram_duration(MetricParameters::from(
        "temporal_activity_execution_latency",
    ));
    latency.record(Duration::from_millis(250), &attributes);

    let text = metrics.render();
    assert_eq!(
        sample(
            &text,
            "temporal_workflow_task_queue_poll_succeed",
            &[("task_queue", "lienthong")]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            "temporal_workflow_task_queue_poll_succeed",
            &[("poller_type", "sticky"), ("task_queue", "lienthong")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "temporal_activity_execution_latency_seconds_sum",
            &[("task_queue", "lienthong")]
        ),
        Some(0.25)
    );
}
