//! What an operator's tracing and monitoring see: a completed case is one trace from the API
//! through the workflow to each agency, and the metrics count cases and steps exactly.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use lienthong_telemetry::testing::{OtlpReceiver, ReceivedSpan};

use crate::support::{EXAMPLE, Stack, StackOptions, eventually, example_submission};

const PROCEDURE: &str = "birth-residence-insurance";

#[tokio::test]
async fn a_completed_case_is_one_trace_from_the_api_through_the_workflow_to_each_agency()
-> Result<()> {
    let receiver = OtlpReceiver::start()?;
    let stack =
        Stack::start_with_options(StackOptions::default().otlp(receiver.endpoint())).await?;
    let code = stack.submit_ok(&example_submission("trace")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");

    let trace_id = lienthong_telemetry::case_trace_id(&code).to_string();
    let root_id = lienthong_telemetry::case_span_id(&code).to_string();
    let in_trace = |spans: &[ReceivedSpan]| -> Vec<ReceivedSpan> {
        spans
            .iter()
            .filter(|s| s.trace_id == trace_id)
            .cloned()
            .collect()
    };
    let complete = |spans: &[ReceivedSpan]| {
        let spans = in_trace(spans);
        spans.iter().any(|s| s.span_id == root_id)
            && spans.iter().any(|s| s.service_name == "lienthong-api")
            && spans
                .iter()
                .filter(|s| {
                    s.service_name == "lienthong-agencies" && s.name.starts_with("POST /operations")
                })
                .count()
                >= 3
    };
    // Blocking is fine here: the stack runs in child processes and the receiver on its own thread.
    let spans = receiver.wait_for(Duration::from_secs(30), complete);
    let spans = in_trace(&spans);
    let names: Vec<String> = spans
        .iter()
        .map(|s| format!("{}:{}", s.service_name, s.name))
        .collect();

    let root = spans
        .iter()
        .find(|s| s.span_id == root_id)
        .context(format!("no workflow span in {names:?}"))?;
    assert_eq!(root.name, format!("case {PROCEDURE}"));
    assert_eq!(root.service_name, "lienthong-worker");
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.attributes["lienthong.status"], "completed");

    let submit = spans
        .iter()
        .find(|s| s.service_name == "lienthong-api" && s.name == "submit case")
        .context(format!("no API span in {names:?}"))?;
    assert_eq!(submit.parent_span_id.as_deref(), Some(root_id.as_str()));

    for (step, agency) in [
        ("birth", "civil-status"),
        ("residence", "residence"),
        ("insurance", "social-insurance"),
    ] {
        let attempt = spans
            .iter()
            .find(|s| s.name == format!("call {step}"))
            .context(format!("no attempt span for {step} in {names:?}"))?;
        assert_eq!(attempt.service_name, "lienthong-worker");
        assert_eq!(
            attempt.parent_span_id.as_deref(),
            Some(root_id.as_str()),
            "{step}"
        );
        let exchange = spans
            .iter()
            .find(|s| {
                s.kind == "client" && s.parent_span_id.as_deref() == Some(attempt.span_id.as_str())
            })
            .context(format!("no HTTP call under `call {step}` in {names:?}"))?;
        assert!(exchange.name.contains(agency), "{}", exchange.name);
        let served = spans
            .iter()
            .find(|s| {
                s.service_name == "lienthong-agencies"
                    && s.parent_span_id.as_deref() == Some(exchange.span_id.as_str())
            })
            .context(format!(
                "the agency's own span is not a child of the call to {agency}: {names:?}"
            ))?;
        assert_eq!(served.kind, "server");
        assert_eq!(served.name, "POST /operations/{operation}");
    }

    // Personal data never reaches a span: nothing from the application appears in any attribute.
    let application: serde_json::Value = serde_json::from_str(EXAMPLE)?;
    let personal = [
        application["application"]["child"]["full_name"]
            .as_str()
            .context("name")?,
        application["application"]["mother"]["personal_id"]
            .as_str()
            .context("mother")?,
        application["application"]["applicant"]["personal_id"]
            .as_str()
            .context("applicant")?,
        application["application"]["child"]["date_of_birth"]
            .as_str()
            .context("date")?,
    ];
    let birth_output = &crate::support::step(&case, "birth")["output"]["personal_id"];
    let child_id = birth_output.as_str().context("child's personal id")?;
    for span in &spans {
        for (key, value) in &span.attributes {
            for secret in personal.iter().chain([&child_id]) {
                assert!(
                    !value.contains(secret),
                    "{} has personal data in {key}",
                    span.name
                );
            }
        }
    }
    Ok(())
}

/// One counter's value in a Prometheus text exposition; 0 when the series is absent.
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn scrape(stack: &Stack, url: &str) -> Result<String> {
    Ok(stack
        .http
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?)
}

#[tokio::test]
async fn metrics_count_cases_steps_and_requests_by_the_right_amounts() -> Result<()> {
    let receiver = OtlpReceiver::start()?;
    let stack =
        Stack::start_with_options(StackOptions::default().otlp(receiver.endpoint())).await?;
    let worker = format!(
        "http://{}/metrics",
        stack.worker_metrics.as_deref().context("worker metrics")?
    );
    let api = format!("{}/metrics", stack.api);

    let mut codes = Vec::new();
    for i in 0..3 {
        codes.push(
            stack
                .submit_ok(&example_submission(&format!("metrics-{i}")))
                .await?,
        );
    }
    for code in &codes {
        let case = stack.wait_ended(code).await?;
        assert_eq!(case["status"], "completed");
    }

    // The workflow interceptor counts a case's end when the worker completes it: poll briefly.
    let mut last = String::new();
    let what = "the worker's metrics to count 3 completed cases";
    let text = eventually(what, Duration::from_secs(20), async || {
        let text = scrape(&stack, &worker).await?;
        let ended = metric(
            &text,
            "lienthong_cases_ended_total",
            &[("procedure", PROCEDURE), ("status", "completed")],
        );
        if ended >= 3.0 {
            return Ok(Some(text));
        }
        last = text;
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}:\n{last}"))?;
    assert_eq!(
        metric(
            &text,
            "lienthong_cases_started_total",
            &[("procedure", PROCEDURE)]
        ),
        3.0
    );
    assert_eq!(
        metric(
            &text,
            "lienthong_cases_ended_total",
            &[("procedure", PROCEDURE), ("status", "completed")]
        ),
        3.0
    );
    for (agency, operation) in [
        ("civil-status", "register-birth"),
        ("residence", "register-permanent-residence"),
        ("social-insurance", "issue-child-health-card"),
    ] {
        let labels = [
            ("agency", agency),
            ("operation", operation),
            ("outcome", "done"),
        ];
        assert_eq!(
            metric(&text, "lienthong_step_attempts_total", &labels),
            3.0,
            "{agency}"
        );
        assert_eq!(
            metric(&text, "lienthong_step_duration_seconds_count", &labels),
            3.0,
            "{agency}"
        );
    }
    assert!(
        text.contains("temporal_"),
        "the Temporal SDK's own metrics are exposed too"
    );

    let text = scrape(&stack, &api).await?;
    let submitted = [
        ("method", "POST"),
        ("route", "/v1/applications"),
        ("status", "202"),
    ];
    assert_eq!(
        metric(
            &text,
            "lienthong_http_request_duration_seconds_count",
            &submitted
        ),
        3.0
    );
    let looked_up = [
        ("method", "GET"),
        ("route", "/v1/cases/{code}"),
        ("status", "200"),
    ];
    assert!(
        metric(
            &text,
            "lienthong_http_request_duration_seconds_count",
            &looked_up
        ) >= 3.0
    );
    for code in &codes {
        assert!(
            !text.contains(code.as_str()),
            "a case code is never a label"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_agency_decision_called_back_later_joins_its_case_trace() -> Result<()> {
    let receiver = OtlpReceiver::start()?;
    let stack =
        Stack::start_with_options(StackOptions::default().otlp(receiver.endpoint())).await?;
    stack
        .fault(
            "residence",
            serde_json::json!({"operation": "register-permanent-residence", "mode": "decide_later", "delay_ms": 300, "decision": "approve", "count": 1}),
        )
        .await?;
    let code = stack
        .submit_ok(&example_submission("callback-trace"))
        .await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");

    let trace_id = lienthong_telemetry::case_trace_id(&code).to_string();
    let is_callback = |s: &ReceivedSpan| {
        s.trace_id == trace_id
            && s.service_name == "lienthong-api"
            && s.name == "POST /v1/agencies/{agency}/callbacks"
    };
    let spans = receiver.wait_for(Duration::from_secs(30), |spans| {
        spans.iter().any(is_callback)
    });
    let names: Vec<String> = spans
        .iter()
        .filter(|s| s.trace_id == trace_id)
        .map(|s| format!("{}:{}", s.service_name, s.name))
        .collect();
    let callback = spans
        .iter()
        .find(|s| is_callback(s))
        .context(format!("no callback span in the case's trace: {names:?}"))?;
    assert_eq!(callback.kind, "server");
    Ok(())
}
