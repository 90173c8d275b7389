//! An operator holds an agency during its outage and releases it afterwards, on the real stack:
//! no case stays held after the release, whether it was filed during the hold, filed while the
//! release ran, or reached by a batch whose worker was killed; and a case whose held step was
//! never sent is withdrawn without waiting for a release.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};

use crate::support::{FAST, Stack, StackOptions, eventually, example_submission, step};

fn fast_submission(tag: &str) -> Value {
    let mut body = example_submission(tag);
    body["procedure"] = json!(FAST);
    body
}

async fn fast_stack() -> Result<Stack> {
    Stack::start_with_options(StackOptions::default().fast_procedure()).await
}

async fn post(stack: &Stack, path: &str, body: Value) -> Result<Value> {
    let response = stack
        .http
        .post(format!("{}{path}", stack.api))
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    if !status.is_success() {
        bail!("{path} answered {status}: {answer}");
    }
    Ok(answer)
}

/// Holds `agency` as an operator and waits until every running case was told.
async fn hold(stack: &Stack, agency: &str) -> Result<Value> {
    let answer = post(
        stack,
        &format!("/v1/ops/agencies/{agency}/hold"),
        json!({"reason": "outage since 08:00"}),
    )
    .await?;
    let batch = answer["batch"].as_str().unwrap_or_default().to_owned();
    stack.wait_batch(&batch, Duration::from_secs(60)).await
}

/// Starts the release of `agency`; the answer names its batch.
async fn release(stack: &Stack, agency: &str, per_second: u32) -> Result<String> {
    let answer = post(
        stack,
        &format!("/v1/ops/agencies/{agency}/release"),
        json!({"reason": "the agency answers again", "per_second": per_second}),
    )
    .await?;
    assert_eq!(answer["held"], false, "{answer}");
    Ok(answer["batch"].as_str().unwrap_or_default().to_owned())
}

/// The outcome the batch report gives `case`.
fn outcome_of<'a>(report: &'a Value, case: &str) -> &'a Value {
    report["outcomes"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["case"] == case))
        .unwrap_or(&Value::Null)
}

async fn assert_completed_and_unheld(stack: &Stack, code: &str) -> Result<()> {
    let case = stack
        .wait_case(code, Duration::from_secs(90), |c| {
            !matches!(c["status"].as_str(), Some("running" | "compensating"))
        })
        .await?;
    assert_eq!(case["status"], "completed", "{code}: {case:#}");
    assert_eq!(
        step(&case, "residence")["status"],
        "succeeded",
        "{code}: {case:#}"
    );
    assert_eq!(case["held_agencies"], json!([]), "{code}: {case:#}");
    Ok(())
}

/// Polls the operators' case list until it lists `want` held cases.
async fn wait_held_count(stack: &Stack, want: usize) -> Result<()> {
    let mut last = Value::Null;
    let what = format!("{want} held cases to be listed");
    eventually(&what, Duration::from_secs(60), async || {
        last = stack
            .http
            .get(format!(
                "{}/v1/ops/cases?reason=held&page_size=100",
                stack.api
            ))
            .send()
            .await?
            .json()
            .await?;
        Ok((last["cases"].as_array().map_or(0, Vec::len) == want).then_some(()))
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last: {last}"))
}

#[tokio::test]
async fn a_case_filed_during_a_hold_is_released_though_its_step_was_not_yet_ready() -> Result<()> {
    let stack = fast_stack().await?;
    hold(&stack, "residence").await?;
    // Civil status is down: the birth retries, so residence is not ready when the release comes.
    stack
        .fault(
            "civil-status",
            json!({"operation": "*", "mode": "outage", "duration_ms": 6000}),
        )
        .await?;
    let code = stack.submit_ok(&fast_submission("held-not-ready")).await?;
    let case = stack
        .wait_case(&code, Duration::from_secs(30), |c| {
            c["held_agencies"] == json!(["residence"])
        })
        .await?;
    assert_eq!(
        step(&case, "residence")["status"],
        "pending",
        "not yet held: {case:#}"
    );
    assert!(
        case["attention"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("held"))),
        "a case carrying a hold is findable by it: {case:#}"
    );

    let batch = release(&stack, "residence", 10).await?;
    let report = stack.wait_batch(&batch, Duration::from_secs(60)).await?;
    assert_eq!(outcome_of(&report, &code)["outcome"], "done", "{report:#}");
    assert_completed_and_unheld(&stack, &code).await
}

#[tokio::test]
async fn a_release_reaches_every_case_filed_while_it_runs() -> Result<()> {
    let stack = fast_stack().await?;
    hold(&stack, "residence").await?;
    let mut codes = Vec::new();
    for i in 0..3 {
        codes.push(
            stack
                .submit_ok(&fast_submission(&format!("before-{i}")))
                .await?,
        );
    }
    wait_held_count(&stack, 3).await?;

    // The release and new applications race: some are filed before the hold is lifted in the
    // engine database (they start held), some after.
    let releasing = release(&stack, "residence", 5);
    let filing = async {
        let mut filed = Vec::new();
        for i in 0..6 {
            filed.push(
                stack
                    .submit_ok(&fast_submission(&format!("during-{i}")))
                    .await?,
            );
        }
        anyhow::Ok(filed)
    };
    let (batch, filed) = tokio::join!(releasing, filing);
    codes.extend(filed?);
    let report = stack.wait_batch(&batch?, Duration::from_secs(90)).await?;
    assert!(
        report["progress"]["passes"].as_u64().unwrap_or_default() >= 2,
        "it looked again once cases filed meanwhile were visible: {report:#}"
    );
    for code in &codes {
        assert_completed_and_unheld(&stack, code).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_bulk_release_goes_on_for_every_case_after_its_worker_is_killed() -> Result<()> {
    const CASES: usize = 8;
    let mut stack = fast_stack().await?;
    hold(&stack, "residence").await?;
    let mut codes = Vec::new();
    for i in 0..CASES {
        codes.push(
            stack
                .submit_ok(&fast_submission(&format!("bulk-{i}")))
                .await?,
        );
    }
    for code in &codes {
        stack
            .wait_case(code, Duration::from_secs(30), |c| {
                step(c, "residence")["status"] == "held"
            })
            .await?;
    }
    wait_held_count(&stack, CASES).await?;

    let answer = post(
        &stack,
        "/v1/ops/bulk",
        json!({"action": "release", "agency": "residence", "filter": {"reason": "held"},
               "cap": 50, "per_second": 2, "reason": "the agency answers again"}),
    )
    .await?;
    let batch = answer["batch"].as_str().unwrap_or_default().to_owned();
    // Kill the worker (which runs the batch and the cases) once the batch is under way.
    let mut report = Value::Null;
    eventually(
        "the batch to get under way",
        Duration::from_secs(60),
        async || {
            report = stack
                .http
                .get(format!("{}/v1/ops/batches/{batch}", stack.api))
                .send()
                .await?
                .json()
                .await?;
            Ok((report["progress"]["done"].as_u64().unwrap_or_default() >= 2).then_some(()))
        },
    )
    .await
    .map_err(|e| anyhow!("{e:#}: {report:#}"))?;
    stack.kill_worker().await?;
    stack.start_worker()?;

    let report = stack.wait_batch(&batch, Duration::from_secs(180)).await?;
    let progress = &report["progress"];
    assert_eq!(
        (
            progress["done"].as_u64(),
            progress["retrying"].as_u64(),
            progress["unanswered"].as_u64(),
            progress["refused"].as_u64(),
        ),
        (Some(CASES as u64), Some(0), Some(0), Some(0)),
        "{report:#}"
    );
    for code in &codes {
        assert_eq!(outcome_of(&report, code)["outcome"], "done", "{report:#}");
        assert_completed_and_unheld(&stack, code).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_withdrawal_of_a_case_whose_held_step_was_never_sent_ends_without_a_release() -> Result<()>
{
    let stack = fast_stack().await?;
    hold(&stack, "residence").await?;
    let code = stack.submit_ok(&fast_submission("withdrawn-held")).await?;
    stack
        .wait_case(&code, Duration::from_secs(30), |c| {
            step(c, "residence")["status"] == "held"
                && step(c, "insurance")["status"] == "succeeded"
        })
        .await?;
    let (status, answer) = stack.withdraw(&code, "we moved abroad").await?;
    assert_eq!(status, 202, "{answer}");
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "withdrawn", "{case:#}");
    assert_eq!(step(&case, "residence")["status"], "skipped", "{case:#}");
    assert_eq!(
        stack
            .count(
                "residence",
                "SELECT COUNT(*) FROM acts WHERE idempotency_key LIKE ?",
                &format!("%{code}%"),
            )
            .await?,
        0,
        "residence never heard of the case"
    );
    // The agency is still held: the case ended without a release.
    let board: Value = stack
        .http
        .get(format!("{}/v1/ops/agencies", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let residence = board["agencies"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["agency"] == "residence"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(residence["held"], true, "{board}");
    Ok(())
}
