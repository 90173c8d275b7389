//! Operators' recovery actions on the real stack, sent as the workflow's `operator_action` update
//! through a plain Temporal client: hold and release an agency during its outage, retry a parked
//! step now, record a step done offline, cancel a case; and refusals that leave no trace.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result, anyhow, bail};
use lienthong_codec::{KeyRing, PayloadCipher};
use lienthong_definitions::{CaseCode, StepId, calendar::Calendar, case::StepStatus};
use lienthong_workflows::{
    ActionKind, ActionOutcome, ActionRefusal, CaseInput, CaseState, CaseWorkflow, OperatorAction,
};
use serde_json::{Value, json};
use temporalio_client::{
    Client, WorkflowDescribeOptions, WorkflowExecuteUpdateOptions, WorkflowFetchHistoryOptions,
    WorkflowGetResultOptions, WorkflowHandle, WorkflowQueryOptions, WorkflowStartOptions,
    errors::WorkflowUpdateError,
};

use crate::support::{Stack, StackOptions, eventually, example_submission};

const PROCEDURE: &str = "recovery-birth";
const ACTOR: &str = "op-recovery";

/// Group A under its own id, with short retries: the birth gives up after three quick attempts,
/// residence retries without limit, and insurance parks for ten minutes after two failed
/// attempts, so only an operator brings it back within the test.
fn recovery_procedure() -> String {
    let shipped = include_str!("../../definitions/procedures/birth-residence-insurance.yaml");
    let retry = "retry: { initial_interval: 500ms, backoff: 2.0, max_interval: 30s, max_attempts: 8, park: 2m }";
    let fast = |attempts: u32| {
        format!(
            "retry: {{ initial_interval: 200ms, backoff: 2.0, max_interval: 1s, max_attempts: {attempts}, park: 10m }}"
        )
    };
    let parts: Vec<&str> = shipped.split(retry).collect();
    assert_eq!(
        parts.len(),
        4,
        "group A has three steps with the shipped retry"
    );
    [
        parts[0],
        &fast(3),
        parts[1],
        &fast(0),
        parts[2],
        &fast(2),
        parts[3],
    ]
    .concat()
    .replace("id: birth-residence-insurance", &format!("id: {PROCEDURE}"))
    .replace("case_code_prefix: KS", "case_code_prefix: RB")
}

fn submission(tag: &str) -> Value {
    let mut body = example_submission(tag);
    body["procedure"] = json!(PROCEDURE);
    body
}

/// A stack whose history is encrypted under a key this test knows, with the recovery procedure
/// published, and a Temporal client that reads and writes the same encrypted payloads.
async fn start() -> Result<(Stack, Client)> {
    let key = lienthong_codec::generate_key_entry("recovery")?;
    let stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_PAYLOAD_KEYS", key.clone()),
    )
    .await?;
    let cipher = Arc::new(PayloadCipher::new(KeyRing::parse(&key)?));
    let client = lienthong::connect::connect_with(
        Some(&stack.temporal.address().to_string()),
        None,
        Some(&cipher),
    )
    .await?;
    let draft = stack
        .http
        .post(format!("{}/v1/definitions", stack.api))
        .body(recovery_procedure())
        .send()
        .await?;
    if draft.status().as_u16() != 201 {
        bail!("draft refused: {}", draft.text().await?);
    }
    let published = stack
        .http
        .post(format!(
            "{}/v1/definitions/{PROCEDURE}/versions/1/publish",
            stack.api
        ))
        .send()
        .await?;
    if !published.status().is_success() {
        bail!("publish refused: {}", published.text().await?);
    }
    Ok((stack, client))
}

fn id(step: &str) -> StepId {
    StepId(step.to_owned())
}

fn action(kind: ActionKind) -> OperatorAction {
    OperatorAction {
        actor: ACTOR.into(),
        role: "operator".into(),
        reason: "ticket 4711: agency outage".into(),
        kind,
    }
}

async fn send(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    action: OperatorAction,
) -> Result<ActionOutcome, WorkflowUpdateError> {
    handle
        .execute_update(
            CaseWorkflow::operator_action,
            action,
            WorkflowExecuteUpdateOptions::default(),
        )
        .await
}

/// The refusal's code, as the API reads it from the update's failure.
async fn refused(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    action: OperatorAction,
) -> Result<String> {
    match send(handle, action).await {
        Ok(outcome) => bail!("accepted: {outcome:?}"),
        Err(WorkflowUpdateError::Failed(failure)) => Ok(ActionRefusal::parse(&failure.message)
            .with_context(|| format!("not a refusal: {}", failure.message))?
            .code
            .as_str()
            .to_owned()),
        Err(other) => bail!("not a refusal: {other}"),
    }
}

async fn state(handle: &WorkflowHandle<Client, CaseWorkflow>) -> Result<CaseState> {
    handle
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await?
        .context("the case has no state yet")
}

/// Polls the case's state until `done` holds, or fails after `within`.
async fn wait_state(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    within: Duration,
    done: impl Fn(&CaseState) -> bool,
) -> Result<CaseState> {
    let mut last = None;
    eventually("the case to get there", within, async || {
        // A case with no state yet is waited out too.
        if let Ok(case) = state(handle).await {
            if done(&case) {
                return Ok(Some(case));
            }
            last = Some(case);
        }
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last seen: {last:#?}"))
}

async fn result(handle: &WorkflowHandle<Client, CaseWorkflow>) -> Result<CaseState> {
    let ended = tokio::time::timeout(
        Duration::from_secs(60),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .context("the case did not end in 60 s")??;
    Ok(ended)
}

/// The attempt numbers of the step's calls Temporal still holds open.
async fn open_attempts(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    step: &str,
) -> Result<Vec<i32>> {
    let description = handle.describe(WorkflowDescribeOptions::default()).await?;
    Ok(description
        .raw()
        .pending_activities
        .iter()
        .filter(|a| a.activity_id.split('/').next() == Some(step))
        .map(|a| a.attempt)
        .collect())
}

async fn wait_attempts(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    step: &str,
    done: impl Fn(&[i32]) -> bool,
) -> Result<Vec<i32>> {
    let mut last = Vec::new();
    let what = format!("{step}'s open calls to change");
    eventually(&what, Duration::from_secs(30), async || {
        let attempts = open_attempts(handle, step).await?;
        if done(&attempts) {
            return Ok(Some(attempts));
        }
        last = attempts;
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}; they stayed at {last:?}"))
}

/// How many update events the case's history holds: a refused update writes none.
async fn update_events(handle: &WorkflowHandle<Client, CaseWorkflow>) -> Result<usize> {
    let events = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await?;
    Ok(events
        .iter()
        .filter(|e| format!("{:?}", e.event_type()).starts_with("WorkflowExecutionUpdate"))
        .count())
}

async fn clear_faults(stack: &Stack, agency: &str) -> Result<()> {
    stack
        .http
        .delete(format!("{}/admin/faults", stack.agencies[agency]))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// The agency's system answers 503 to every call until the fault is cleared. (An `outage` fault
/// closes the simulator's socket, admin routes included, so it could not be cleared early.)
fn down() -> Value {
    json!({"operation": "*", "mode": "error", "status": 503})
}

fn journal_kinds(case: &CaseState, actor: &str) -> Vec<String> {
    case.journal
        .iter()
        .filter(|e| e.actor.as_deref() == Some(actor))
        .map(|e| e.kind.clone())
        .collect()
}

#[tokio::test]
async fn an_agency_held_during_its_outage_burns_no_retries_and_resumes_on_release() -> Result<()> {
    let (stack, client) = start().await?;
    stack.fault("residence", down()).await?;
    let code = stack.submit_ok(&submission("hold")).await?;
    let handle = client.get_workflow_handle::<CaseWorkflow>(code.clone());
    wait_attempts(&handle, "residence", |a| a.iter().any(|n| *n >= 2)).await?;

    let held = send(
        &handle,
        action(ActionKind::Hold {
            agency: "residence".into(),
        }),
    )
    .await?;
    assert_eq!(
        (held.effect.as_str(), held.steps.clone()),
        ("held", vec![id("residence")])
    );
    let case = state(&handle).await?;
    assert_eq!(case.status_of(&id("residence")), Some(StepStatus::Held));
    assert!(
        case.attention.contains(&"held".to_owned()),
        "{:?}",
        case.attention
    );
    assert_eq!(case.attention_agencies(), vec!["residence"]);
    // The call is cancelled, not failed: Temporal stops retrying it at once.
    wait_attempts(&handle, "residence", <[i32]>::is_empty).await?;
    let case = state(&handle).await?;
    assert_eq!(case.status_of(&id("residence")), Some(StepStatus::Held));
    assert_eq!(
        case.status,
        lienthong_definitions::case::CaseStatus::Running
    );

    // Operators find it by the agency involved, without reading any case.
    let query = "LienthongAttentionAgency = 'residence' AND LienthongAttention = 'held'";
    let what = "the held case to be listed by its agency";
    eventually(what, Duration::from_secs(10), async || {
        let listed = client
            .count_workflows(query, Default::default())
            .await?
            .count();
        Ok((listed == 1).then_some(()))
    })
    .await?;

    clear_faults(&stack, "residence").await?;
    let released = send(
        &handle,
        action(ActionKind::Release {
            agency: "residence".into(),
        }),
    )
    .await?;
    assert_eq!(released.steps, vec![id("residence")]);
    let case = result(&handle).await?;
    assert_eq!(case.status.as_str(), "completed", "{case:#?}");
    let residence = case.step(&id("residence")).context("residence")?;
    assert_eq!(residence.status, StepStatus::Succeeded);
    assert_eq!(
        residence.attempts, 1,
        "the call sent after the release answered at once"
    );
    let personal_id = case
        .step(&id("birth"))
        .and_then(|s| s.output.as_ref())
        .and_then(|o| o["personal_id"].as_str())
        .context("personal id")?
        .to_owned();
    assert_eq!(
        stack
            .count(
                "residence",
                "SELECT COUNT(*) FROM residence_entries WHERE personal_id = ?",
                &personal_id
            )
            .await?,
        1,
        "registered once"
    );
    assert_eq!(
        journal_kinds(&case, ACTOR),
        vec!["agency_held", "agency_released"]
    );
    let held_entry = case
        .journal
        .iter()
        .find(|e| e.kind == "agency_held")
        .context("held")?;
    assert_eq!(
        held_entry.reason.as_deref(),
        Some("ticket 4711: agency outage")
    );
    assert!(
        case.journal.windows(2).all(|w| w[0].at <= w[1].at),
        "the journal is kept in the order things happened"
    );
    Ok(())
}

#[tokio::test]
async fn a_parked_step_is_retried_now_and_refused_actions_leave_no_trace() -> Result<()> {
    let (stack, client) = start().await?;
    stack.fault("social-insurance", down()).await?;
    let code = stack.submit_ok(&submission("retry")).await?;
    let handle = client.get_workflow_handle::<CaseWorkflow>(code.clone());
    let parked = wait_state(&handle, Duration::from_secs(30), |c| {
        c.status_of(&id("insurance")) == Some(StepStatus::AgencyUnavailable)
            && c.status_of(&id("birth")) == Some(StepStatus::Succeeded)
    })
    .await?;
    assert!(parked.attention.contains(&"agency_unavailable".to_owned()));

    assert_eq!(
        refused(&handle, action(ActionKind::RetryNow { step: id("birth") })).await?,
        "STEP_NOT_RETRYABLE"
    );
    let mut blank = action(ActionKind::RetryNow {
        step: id("insurance"),
    });
    blank.reason = " ".into();
    assert_eq!(refused(&handle, blank).await?, "REASON_REQUIRED");
    assert_eq!(
        refused(
            &handle,
            action(ActionKind::Release {
                agency: "residence".into()
            })
        )
        .await?,
        "NOT_HELD"
    );
    assert_eq!(
        update_events(&handle).await?,
        0,
        "refusals are not written to history"
    );

    clear_faults(&stack, "social-insurance").await?;
    let retried = send(
        &handle,
        action(ActionKind::RetryNow {
            step: id("insurance"),
        }),
    )
    .await?;
    assert_eq!(retried.effect, "resumed");
    // The park lasts ten minutes: only the retry can have brought the case to its end.
    let case = result(&handle).await?;
    assert_eq!(case.status.as_str(), "completed", "{case:#?}");
    assert_eq!(journal_kinds(&case, ACTOR), vec!["retry_requested"]);
    assert!(update_events(&handle).await? >= 1);

    // A finished case is refused by the server before any worker sees the update (NotFound,
    // "workflow execution already completed"); the API answers CASE_CLOSED.
    match send(&handle, action(ActionKind::Cancel {})).await {
        Err(WorkflowUpdateError::NotFound(status)) => {
            assert!(status.message().contains("already completed"), "{status:?}");
        }
        other => bail!("a finished case answered {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_step_done_offline_is_resolved_by_hand_and_a_case_is_cancelled_by_an_operator()
-> Result<()> {
    let (stack, client) = start().await?;
    stack.fault("residence", down()).await?;
    // Started directly, as the API does, with a one-second attention threshold.
    let input = CaseInput {
        code: CaseCode::recorded("RB-RESOL-VED01"),
        definition: lienthong_definitions::parse_definition(&recovery_procedure())
            .map_err(|d| anyhow::anyhow!("{d}"))?,
        calendar: Calendar::vietnam(),
        application: example_submission("resolve")["application"].clone(),
        submitted_at: time::macros::datetime!(2026-01-05 09:00:00 +07:00),
        held_agencies: Vec::new(),
        attention_after_secs: Some(1),
        first_attempt: Default::default(),
        agencies: Default::default(),
        notify: None,
        issued_tags: None,
    };
    client
        .start_workflow(
            CaseWorkflow::run,
            input,
            WorkflowStartOptions::new(lienthong::DEFAULT_TASK_QUEUE, "RB-RESOL-VED01").build(),
        )
        .await?;
    let handle = client.get_workflow_handle::<CaseWorkflow>("RB-RESOL-VED01");
    let retrying = wait_state(&handle, Duration::from_secs(30), |c| {
        c.attention_details()
            .iter()
            .any(|a| a.reason == "retrying" && a.step == Some(id("residence")))
    })
    .await?;
    assert_eq!(
        retrying.status_of(&id("residence")),
        Some(StepStatus::Running),
        "a call unanswered past the threshold is flagged while it still retries"
    );
    let resolved = send(
        &handle,
        action(ActionKind::Resolve {
            step: id("residence"),
            reference: "CT-OFFLINE-17".into(),
            output: json!({"residence_entry_id": "RE-OFFLINE-17", "address_code": "HN-01"}),
        }),
    )
    .await?;
    assert_eq!(resolved.effect, "resolved");
    let case = result(&handle).await?;
    assert_eq!(case.status.as_str(), "completed", "{case:#?}");
    let residence = case.step(&id("residence")).context("residence")?;
    assert_eq!(residence.status, StepStatus::ResolvedManually);
    assert_eq!(
        residence
            .resolution
            .as_ref()
            .map(|r| (r.reference.as_str(), r.by.as_str())),
        Some(("CT-OFFLINE-17", ACTOR))
    );
    assert_eq!(
        residence.output,
        Some(json!({"residence_entry_id": "RE-OFFLINE-17", "address_code": "HN-01"}))
    );

    // A second case parks on insurance; the operator cancels it: the parked call is asked
    // about once the agency is back, then residence is undone.
    clear_faults(&stack, "residence").await?;
    stack.fault("social-insurance", down()).await?;
    let code = stack.submit_ok(&submission("cancel")).await?;
    let handle = client.get_workflow_handle::<CaseWorkflow>(code);
    wait_state(&handle, Duration::from_secs(30), |c| {
        c.status_of(&id("insurance")) == Some(StepStatus::AgencyUnavailable)
            && c.status_of(&id("residence")) == Some(StepStatus::Succeeded)
    })
    .await?;
    let cancelling = send(&handle, action(ActionKind::Cancel {})).await?;
    assert_eq!(cancelling.effect, "cancelling");
    clear_faults(&stack, "social-insurance").await?;
    let case = result(&handle).await?;
    assert_eq!(case.status.as_str(), "withdrawn", "{case:#?}");
    assert_eq!(
        case.withdrawal.as_ref().and_then(|w| w.operator.as_deref()),
        Some(ACTOR)
    );
    assert_eq!(
        case.status_of(&id("residence")),
        Some(StepStatus::Compensated)
    );
    assert_eq!(
        case.status_of(&id("birth")),
        Some(StepStatus::NeedsCorrection)
    );
    Ok(())
}
