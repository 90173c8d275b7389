//! An agency's back office that decides at once: its signed callback reaches the case before the
//! engine has read the `202 pending` that announced it. The decision is kept and applied the
//! moment the step waits for it, not lost until the step's deadline sends the engine asking.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use crate::support::{FAST, Stack, StackOptions, example_submission};

fn step<'c>(case: &'c serde_json::Value, id: &str) -> &'c serde_json::Value {
    case["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == id))
        .unwrap_or(&serde_json::Value::Null)
}

#[tokio::test]
async fn a_decision_called_back_before_its_202_was_read_completes_the_step_at_once() -> Result<()> {
    // Queued attempts: a local first attempt keeps the workflow task open until it answers, so
    // the 202 is always read first there.
    let stack = Stack::start_with_options(
        StackOptions::default()
            .fast_procedure()
            .queued_first_attempt(),
    )
    .await?;
    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "decide_later",
                   "delay_ms": 0, "answer_after_ms": 1500, "decision": "approve", "count": 1}),
        )
        .await?;
    let mut body = example_submission("early-decision");
    body["procedure"] = json!(FAST);
    let code = stack.submit_ok(&body).await?;
    let case = stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            !matches!(c["status"].as_str(), Some("running" | "compensating"))
        })
        .await?;

    assert_eq!(case["status"], "completed", "{case:#}");
    let insurance = step(&case, "insurance");
    assert_eq!(insurance["status"], "succeeded", "{case:#}");
    assert_eq!(
        insurance["reconciled"], false,
        "the called-back decision was applied, not learnt by asking at the deadline: {case:#}"
    );
    assert_eq!(case["overdue"], false, "{case:#}");
    assert!(
        insurance["output"]
            .as_object()
            .is_some_and(|o| !o.is_empty()),
        "the decision's result is kept: {case:#}"
    );
    Ok(())
}
