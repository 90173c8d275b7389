//! Where a case's agency calls run: a short call's first attempt in the worker running the case
//! (one marker in history, no activity task through the server), its retries on the task queue
//! where operators see them; with `--first-attempt queued`, every attempt on the task queue.

use anyhow::Result;
use lienthong_workflows::CaseWorkflow;
use serde_json::json;
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::{
    enums::v1::EventType, history::v1::history_event::Attributes,
};

use crate::support::{Stack, StackOptions, example_submission, step};

/// What a case's history shows of its calls: how many local attempts were recorded as markers,
/// and the activity id of every activity the server scheduled.
struct Calls {
    markers: usize,
    activities: Vec<String>,
}

async fn calls_in_history(stack: &Stack, code: &str) -> Result<Calls> {
    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;
    let events = client
        .get_workflow_handle::<CaseWorkflow>(code)
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await?;
    let markers = events
        .iter()
        .filter(|e| e.event_type() == EventType::MarkerRecorded)
        .count();
    let activities = events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                Some(a.activity_id.clone())
            }
            _ => None,
        })
        .collect();
    Ok(Calls {
        markers,
        activities,
    })
}

#[tokio::test]
async fn answering_agencies_are_called_from_the_worker_without_activity_tasks() -> Result<()> {
    let stack = Stack::start().await?;
    let code = stack.submit_ok(&example_submission("local")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    for id in ["birth", "residence", "insurance"] {
        assert_eq!(step(&case, id)["attempts"], 1, "{id}: {case:#}");
    }
    let calls = calls_in_history(&stack, &code).await?;
    assert_eq!(calls.markers, 3, "one marker per step's call");
    assert!(
        calls.activities.is_empty(),
        "no call went through the task queue: {:?}",
        calls.activities
    );
    Ok(())
}

#[tokio::test]
async fn a_first_attempt_the_agency_fails_is_retried_on_the_task_queue_and_acts_once() -> Result<()>
{
    let stack = Stack::start().await?;
    stack
        .fault(
            "social-insurance",
            json!({"operation": "*", "mode": "error", "status": 503, "count": 1}),
        )
        .await?;
    let code = stack.submit_ok(&example_submission("retried")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    // The queued attempts count on from the local one.
    assert_eq!(step(&case, "insurance")["attempts"], 2, "{case:#}");
    assert_eq!(step(&case, "residence")["attempts"], 1, "{case:#}");
    let calls = calls_in_history(&stack, &code).await?;
    assert_eq!(calls.activities, ["insurance"], "only the retry was queued");
    assert_eq!(calls.markers, 3, "every step's first attempt ran locally");
    assert_eq!(
        stack
            .scalar("social-insurance", "SELECT COUNT(*) FROM cards")
            .await?,
        1,
        "one card, whatever the attempts"
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_credential_stops_the_step_at_once_with_nothing_queued() -> Result<()> {
    let stack = Stack::start().await?;
    stack
        .fault(
            "social-insurance",
            json!({"operation": "*", "mode": "error", "status": 401}),
        )
        .await?;
    let code = stack.submit_ok(&example_submission("refused")).await?;
    let case = stack
        .wait_case(&code, std::time::Duration::from_secs(60), |c| {
            step(c, "insurance")["status"] == "agency_unavailable"
        })
        .await?;
    let error = &step(&case, "insurance")["last_error"];
    // The step waits as its procedure's `park` says, under the code that says what to fix.
    assert_eq!(error["code"], "AGENCY_AUTH_REJECTED", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("not retried: AGENCY_AUTH_REJECTED")),
        "{error:#}"
    );
    let calls = calls_in_history(&stack, &code).await?;
    assert!(
        !calls.activities.iter().any(|id| id == "insurance"),
        "a refusal is not retried: {:?}",
        calls.activities
    );
    Ok(())
}

#[tokio::test]
async fn with_queued_first_attempts_every_call_is_an_activity_task() -> Result<()> {
    let stack = Stack::start_with_options(StackOptions::default().queued_first_attempt()).await?;
    let code = stack.submit_ok(&example_submission("queued")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    let mut calls = calls_in_history(&stack, &code).await?;
    calls.activities.sort();
    assert_eq!(calls.activities, ["birth", "insurance", "residence"]);
    assert_eq!(calls.markers, 0);
    Ok(())
}
