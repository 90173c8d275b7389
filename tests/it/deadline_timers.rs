//! What a case leaves on the Temporal server for its legal deadlines: a case whose agencies all
//! answer at once writes no timer at all, and a case still waiting on an agency has a timer for
//! each deadline still open (the case's and the waiting step's), firing when the deadline the
//! operator sees passes.

use std::time::Duration;

use anyhow::{Context, Result};
use lienthong_workflows::CaseWorkflow;
use serde_json::{Value, json};
use temporalio_client::{
    WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowFetchHistoryOptions,
};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::support::{Stack, eventually, example_submission, step};

/// When each timer the case's history started will fire.
async fn timers_fire_at(stack: &Stack, code: &str) -> Result<Vec<OffsetDateTime>> {
    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;
    let events = client
        .get_workflow_handle::<CaseWorkflow>(code)
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await?;
    let mut fire_at = Vec::new();
    for event in events {
        if let Some(Attributes::TimerStartedEventAttributes(timer)) = event.attributes {
            let started = event.event_time.context("an event time")?;
            let after = timer.start_to_fire_timeout.context("a timeout")?;
            let started = OffsetDateTime::from_unix_timestamp(started.seconds)?
                + time::Duration::nanoseconds(started.nanos.into());
            fire_at.push(
                started
                    + time::Duration::seconds(after.seconds)
                    + time::Duration::nanoseconds(after.nanos.into()),
            );
        }
    }
    Ok(fire_at)
}

fn deadline(value: &Value) -> Result<OffsetDateTime> {
    let text = value
        .as_str()
        .with_context(|| format!("a deadline: {value}"))?;
    Ok(OffsetDateTime::parse(text, &Rfc3339)?)
}

/// Whether one of the timers fires within a second of `deadline`.
fn has_timer_for(timers: &[OffsetDateTime], deadline: OffsetDateTime) -> bool {
    timers
        .iter()
        .any(|at| (*at - deadline).abs() < time::Duration::seconds(1))
}

#[tokio::test]
async fn a_case_done_at_once_leaves_no_timer_and_a_waiting_case_keeps_its_deadlines() -> Result<()>
{
    let stack = Stack::start().await?;
    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;

    let done = stack.submit_ok(&example_submission("at-once")).await?;
    let case = stack.wait_ended(&done).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert!(
        step(&case, "insurance")["deadline"].is_string() && case["deadline"].is_string(),
        "the deadlines are still set and shown: {case:#}"
    );
    let handle = client.get_workflow_handle::<CaseWorkflow>(done.as_str());
    eventually(
        "the completed case's workflow to close",
        Duration::from_secs(30),
        async || {
            let described = handle.describe(WorkflowDescribeOptions::default()).await?;
            Ok((described.status() != WorkflowExecutionStatus::Running).then_some(()))
        },
    )
    .await?;
    assert_eq!(
        timers_fire_at(&stack, &done).await?,
        Vec::<OffsetDateTime>::new(),
        "a case that finished in its first workflow task started no timer"
    );

    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "decide_later", "hold": true,
                "decision": "approve", "count": 1}),
        )
        .await?;
    let waiting = stack.submit_ok(&example_submission("waits")).await?;
    let case = stack
        .wait_case(&waiting, Duration::from_secs(30), |c| {
            step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;
    let case_deadline = deadline(&case["deadline"])?;
    let insurance_deadline = deadline(&step(&case, "insurance")["deadline"])?;
    let timers = eventually(
        "the waiting case's deadline timers",
        Duration::from_secs(30),
        async || {
            let timers = timers_fire_at(&stack, &waiting).await?;
            Ok((has_timer_for(&timers, case_deadline)
                && has_timer_for(&timers, insurance_deadline))
            .then_some(timers))
        },
    )
    .await?;
    for done_step in ["birth", "residence"] {
        let at = deadline(&step(&case, done_step)["deadline"])?;
        assert!(
            at == insurance_deadline || !has_timer_for(&timers, at),
            "{done_step} finished at once, so its deadline has no timer: {timers:?}"
        );
    }

    let insurance = &stack.agencies["social-insurance"];
    let released = stack
        .http
        .post(format!("{insurance}/admin/decisions/release"))
        .send()
        .await?;
    assert!(released.status().is_success(), "{released:?}");
    let case = stack.wait_ended(&waiting).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    Ok(())
}
