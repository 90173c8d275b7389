//! Roles stopped as a platform stops them (SIGTERM, then a wait): a worker finishes the agency
//! call it holds before it exits, and an API answers the request it holds before it exits; the
//! cases go on with the next worker, nothing done twice.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use crate::support::{Stack, StackOptions, eventually, example_submission, step};

#[tokio::test]
async fn a_worker_stopped_by_sigterm_finishes_the_agency_call_it_holds_and_the_case_goes_on()
-> Result<()> {
    let mut stack = Stack::start().await?;
    // Civil status takes 1.5 s over the birth (within the 3 s a local attempt waits): the worker
    // is stopped in the middle of that call.
    stack
        .fault("civil-status", json!({"operation": "register-birth", "mode": "latency", "latency_ms": 1500, "count": 1}))
        .await?;
    let code = stack
        .submit_ok(&example_submission("stopped-worker"))
        .await?;
    stack.wait_faults_used("civil-status").await?;
    let status = stack.terminate_worker().await?;
    assert!(status.success(), "the worker exited with {status}");
    let log = stack.log("worker.log");
    assert!(log.contains("finishing the tasks in flight"), "{log}");
    assert_eq!(
        stack
            .scalar("civil-status", "SELECT COUNT(*) FROM births")
            .await?,
        1,
        "the call in flight was finished before the worker exited:\n{log}"
    );

    stack.start_worker()?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        step(&case, "birth")["attempts"],
        1,
        "the stopping worker reported its attempt, so nobody sent it again: {case:#}"
    );
    assert_eq!(
        stack
            .scalar("civil-status", "SELECT COUNT(*) FROM births")
            .await?,
        1
    );
    Ok(())
}

/// The API's count of requests in flight on `route`, from its `/metrics`.
async fn in_flight(stack: &Stack, route: &str) -> Result<i64> {
    let text = reqwest::get(format!("{}/metrics", stack.api))
        .await?
        .text()
        .await?;
    let series = format!("lienthong_http_requests_in_flight{{route=\"{route}\"}} ");
    Ok(text
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0))
}

#[tokio::test]
async fn an_api_stopped_by_sigterm_answers_the_request_it_holds_and_exits_cleanly() -> Result<()> {
    let mut stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_UPDATE_DEADLINE_SECS", "5"),
    )
    .await?;
    let code = stack.submit_ok(&example_submission("stopped-api")).await?;
    // With no worker, a withdrawal waits for a case that cannot take it: a request held open.
    stack.kill_worker().await?;
    let withdrawal = {
        let http = stack.client_as(None);
        let url = format!("{}/v1/cases/{code}/withdraw", stack.api);
        let token = stack.token(&crate::support::all_roles());
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"reason": "filed twice"}))
                .send()
                .await
        })
    };
    let route = "/v1/cases/{code}/withdraw";
    eventually(
        "the withdrawal to reach the API",
        Duration::from_secs(30),
        async || Ok((in_flight(&stack, route).await? >= 1).then_some(())),
    )
    .await?;

    let status = stack.terminate_api().await?;
    assert!(status.success(), "the API exited with {status}");
    let answer = withdrawal.await??;
    assert_eq!(
        answer.status().as_u16(),
        503,
        "the request held at SIGTERM was answered, not cut"
    );
    let body: serde_json::Value = answer.json().await?;
    assert!(body["error"]["code"].is_string(), "{body}");
    let log = stack.log("api.log");
    assert!(!log.contains("panicked"), "{log}");
    Ok(())
}
