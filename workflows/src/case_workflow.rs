use std::collections::BTreeMap;
use std::{future::Future, pin::Pin, task::Poll};

use futures::{
    FutureExt,
    future::{LocalBoxFuture, poll_fn},
};
use lienthong_definitions::{
    Definition, Step, StepId,
    case::{CaseState, Event, StepError},
    planner::{self, Action},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, ActivityOptions, RetryPolicy, SyncWorkflowContext, WorkflowContext,
    WorkflowContextView, WorkflowResult,
};

use crate::{
    contract::{AgencyAnswer, AgencyCall, CallAgency},
    failure_text::failure_text,
    search_attributes as sa,
};

/// What a case starts from. The definition travels with the case, so the version in force at
/// submission is the one the case runs to the end, whatever is published meanwhile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseInput {
    pub code: String,
    pub definition: Definition,
    pub application: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WithdrawRequest {
    pub reason: String,
}

#[workflow]
#[derive(Debug, Default)]
pub struct CaseWorkflow {
    case: Option<CaseState>,
    /// Set by the withdraw signal so the main loop wakes even while agency calls are in flight.
    unseen_signal: bool,
}

/// Which call finished.
enum Purpose {
    Forward,
    Compensation,
}

type Pending = LocalBoxFuture<
    'static,
    (
        StepId,
        Purpose,
        Result<AgencyAnswer, ActivityExecutionError>,
    ),
>;

#[workflow_methods]
impl CaseWorkflow {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: CaseInput,
    ) -> WorkflowResult<CaseState> {
        let CaseInput {
            code,
            definition,
            application,
        } = input;
        ctx.state_mut(|w| w.case = Some(CaseState::new(code.clone(), &definition)));
        let mut in_flight: Vec<Pending> = Vec::new();
        let mut published = Published::default();

        loop {
            let actions = ctx.state(|w| {
                w.case
                    .as_ref()
                    .map(|c| planner::decide(&definition, c))
                    .unwrap_or_default()
            });
            let mut waited_on_nothing = true;
            for action in actions {
                match action {
                    Action::Start(id) => {
                        let Some(step) = definition.step(&id) else {
                            continue;
                        };
                        let outputs = ctx
                            .state(|w| w.case.as_ref().map(CaseState::outputs).unwrap_or_default());
                        let call = forward_call(&code, step, &application, &outputs);
                        in_flight.push(schedule(
                            ctx,
                            id.clone(),
                            Purpose::Forward,
                            call,
                            forward_options(step),
                        ));
                        apply(ctx, Event::StepStarted(id));
                    }
                    Action::Compensate(id) => {
                        let Some(step) = definition.step(&id) else {
                            continue;
                        };
                        let Some(compensation) = &step.compensation else {
                            continue;
                        };
                        let outputs = ctx
                            .state(|w| w.case.as_ref().map(CaseState::outputs).unwrap_or_default());
                        let call = AgencyCall {
                            agency: step.agency.clone(),
                            operation: compensation.operation.clone(),
                            idempotency_key: format!("{code}/{id}/compensate"),
                            payload: compensation.input.evaluate(&application, &outputs),
                            keep: None,
                            case_code: code.clone(),
                        };
                        in_flight.push(schedule(
                            ctx,
                            id.clone(),
                            Purpose::Compensation,
                            call,
                            compensation_options(step),
                        ));
                        apply(ctx, Event::CompensationStarted(id));
                    }
                    Action::Skip(id) => apply(ctx, Event::StepSkipped(id)),
                    Action::RecordCorrection(id) => apply(ctx, Event::CorrectionNeeded(id)),
                    Action::Finish(status) => {
                        apply(ctx, Event::Finished(status));
                        published.upsert(ctx);
                        let state = ctx.state(|w| w.case.clone());
                        return Ok(
                            state.unwrap_or_else(|| CaseState::new(code.clone(), &definition))
                        );
                    }
                }
                waited_on_nothing = false;
            }
            published.upsert(ctx);
            if !waited_on_nothing {
                // Skips and corrections change what is ready: decide again before waiting.
                continue;
            }

            temporalio_workflow::select! {
                finished = next_finished(&mut in_flight).fuse() => {
                    let (id, purpose, result) = finished;
                    apply(ctx, outcome_event(&definition, id, purpose, result));
                }
                _ = ctx.wait_condition(|w| w.unseen_signal) => {
                    ctx.state_mut(|w| w.unseen_signal = false);
                }
            }
        }
    }

    /// The citizen withdraws the application. Calls already sent finish; then everything done
    /// that can be undone is undone.
    #[signal]
    pub fn withdraw(&mut self, _ctx: &mut SyncWorkflowContext<Self>, request: WithdrawRequest) {
        if let Some(case) = self.case.as_mut() {
            case.apply(Event::WithdrawRequested {
                reason: request.reason,
            });
            self.unseen_signal = true;
        }
    }

    /// The whole state of the case.
    #[query]
    pub fn state(&self, _ctx: &WorkflowContextView) -> Option<CaseState> {
        self.case.clone()
    }
}

/// The first in-flight call that has finished, in scheduling order. Polled by hand rather than
/// through `FuturesUnordered`, whose own wakers the SDK rightly treats as a non-deterministic
/// wake-up source.
fn next_finished(
    in_flight: &mut Vec<Pending>,
) -> impl Future<Output = <Pending as Future>::Output> + '_ {
    poll_fn(move |cx| {
        let ready =
            in_flight
                .iter_mut()
                .enumerate()
                .find_map(|(i, call)| match Pin::new(call).poll(cx) {
                    Poll::Ready(out) => Some((i, out)),
                    Poll::Pending => None,
                });
        match ready {
            Some((i, out)) => {
                drop(in_flight.remove(i));
                Poll::Ready(out)
            }
            None => Poll::Pending,
        }
    })
}

fn apply(ctx: &WorkflowContext<CaseWorkflow>, event: Event) {
    ctx.state_mut(|w| {
        if let Some(case) = w.case.as_mut() {
            case.apply(event);
        }
    });
}

fn forward_call(
    code: &str,
    step: &Step,
    application: &Value,
    outputs: &BTreeMap<StepId, Value>,
) -> AgencyCall {
    AgencyCall {
        agency: step.agency.clone(),
        operation: step.operation.clone(),
        idempotency_key: format!("{code}/{}", step.id),
        payload: step.input.evaluate(application, outputs),
        keep: Some(step.output.clone()),
        case_code: code.to_owned(),
    }
}

fn schedule(
    ctx: &WorkflowContext<CaseWorkflow>,
    id: StepId,
    purpose: Purpose,
    call: AgencyCall,
    options: ActivityOptions,
) -> Pending {
    let ctx = ctx.clone();
    Box::pin(async move {
        let result = ctx.execute_activity(CallAgency, call, options).await;
        (id, purpose, result)
    })
}

fn forward_options(step: &Step) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        .maximum_attempts(step.retry.max_attempts)
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(step.id.0.clone())
        .retry_policy(retry)
        .build()
}

/// Compensation is retried until it is done: giving up would leave a citizen registered somewhere
/// they asked to be removed from. A stuck compensation shows as a long-retrying activity.
fn compensation_options(step: &Step) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        .maximum_attempts(0)
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(format!("{}/compensate", step.id))
        .retry_policy(retry)
        .build()
}

fn outcome_event(
    definition: &Definition,
    step: StepId,
    purpose: Purpose,
    result: Result<AgencyAnswer, ActivityExecutionError>,
) -> Event {
    match (purpose, result) {
        (Purpose::Forward, Ok(AgencyAnswer::Done { output, attempt })) => Event::StepSucceeded {
            step,
            output,
            attempts: attempt,
        },
        (
            Purpose::Forward,
            Ok(AgencyAnswer::Rejected {
                code,
                message,
                attempt,
            }),
        ) => Event::StepRejected {
            step,
            error: StepError { code, message },
            attempts: attempt,
        },
        (Purpose::Forward, Err(e)) => {
            let attempts = definition.step(&step).map_or(0, |s| s.retry.max_attempts);
            let message = format!("gave up after {attempts} attempts: {}", failure_text(&e));
            Event::StepFailed {
                step,
                error: StepError {
                    code: "RETRIES_EXHAUSTED".into(),
                    message,
                },
            }
        }
        (Purpose::Compensation, Ok(AgencyAnswer::Done { output, .. })) => {
            Event::Compensated { step, output }
        }
        (Purpose::Compensation, Ok(AgencyAnswer::Rejected { code, message, .. })) => {
            Event::CompensationFailed {
                step,
                error: StepError { code, message },
            }
        }
        (Purpose::Compensation, Err(e)) => Event::CompensationFailed {
            step,
            error: StepError {
                code: "COMPENSATION_FAILED".into(),
                message: failure_text(&e),
            },
        },
    }
}

/// The search-attribute values last written, so an unchanged case writes no history event.
#[derive(Default)]
struct Published {
    status: Option<String>,
    waiting_on: Option<Vec<String>>,
    attention: Option<Vec<String>>,
}

impl Published {
    fn upsert(&mut self, ctx: &WorkflowContext<CaseWorkflow>) {
        let Some((status, waiting_on, attention)) = ctx.state(|w| {
            w.case.as_ref().map(|c| {
                let attention: Vec<String> = c
                    .attention_reasons()
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                (c.status.as_str().to_owned(), c.waiting_on(), attention)
            })
        }) else {
            return;
        };
        let mut updates = Vec::new();
        if self.status.as_ref() != Some(&status) {
            updates.push(sa::STATUS.value_set(status.clone()));
            self.status = Some(status);
        }
        if self.waiting_on.as_ref() != Some(&waiting_on) {
            updates.push(sa::WAITING_ON.value_set(waiting_on.clone()));
            self.waiting_on = Some(waiting_on);
        }
        if self.attention.as_ref() != Some(&attention) {
            updates.push(sa::NEEDS_ATTENTION.value_set(attention.clone()));
            self.attention = Some(attention);
        }
        if !updates.is_empty() {
            ctx.upsert_search_attributes(updates);
        }
    }
}
