use std::{collections::BTreeMap, future::Future, pin::Pin, task::Poll, time::Duration};

use futures::{
    FutureExt,
    future::{LocalBoxFuture, poll_fn},
};
use lienthong_definitions::{
    Definition, Step, StepId, TimeLimit,
    calendar::Calendar,
    case::{CaseState, DocumentRequest, Escalation, Event, StepError, StepStatus},
    planner::{self, Action, Call},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, ActivityOptions, RetryPolicy, SyncWorkflowContext, WorkflowContext,
    WorkflowContextView, WorkflowResult,
};
use time::OffsetDateTime;

use crate::{
    contract::{AgencyAnswer, AgencyCall, CallAgency},
    failure_text::failure_text,
    keys::idempotency_key,
    search_attributes as sa,
    signals::{AgencyDecision, DecisionOutcome, SupplementRequest, WithdrawRequest},
    time_of::{self, now, rfc3339},
};

/// What a case starts from. The definition and the calendar travel with the case, so the rules
/// in force at submission are the ones the case runs to the end, whatever is published meanwhile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseInput {
    pub code: String,
    pub definition: Definition,
    pub calendar: Calendar,
    pub application: Value,
    /// When the application was received (RFC 3339): the legal clock starts here.
    pub submitted_at: String,
}

#[workflow]
#[derive(Debug, Default)]
pub struct CaseWorkflow {
    case: Option<CaseState>,
    definition: Option<Definition>,
    /// Documents the citizen supplied, by step, sent with the step's next round.
    supplements: BTreeMap<StepId, Value>,
    /// Set by every signal so the main loop wakes even while calls and timers are pending.
    unseen_signal: bool,
}

/// Why a call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Forward,
    Compensation,
    /// Asking the agency what became of an act it never answered.
    Reconcile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TimerKind {
    CaseDeadline,
    StepDeadline(StepId),
    DocumentsDue(StepId, u32),
    Park(StepId),
}

enum Wake {
    Call(
        StepId,
        Purpose,
        Box<Result<AgencyAnswer, ActivityExecutionError>>,
    ),
    Timer(TimerKind),
}

type Pending = LocalBoxFuture<'static, Wake>;

/// Everything the loop needs besides the workflow state.
struct Run<'a> {
    ctx: &'a WorkflowContext<CaseWorkflow>,
    code: String,
    definition: Definition,
    calendar: Calendar,
    application: Value,
    in_flight: Vec<Pending>,
    /// Current legal deadlines: `None` is the whole case.
    deadlines: BTreeMap<Option<StepId>, OffsetDateTime>,
    /// When each step started waiting for the citizen: the legal clock stops meanwhile.
    paused_at: BTreeMap<StepId, OffsetDateTime>,
    published: Published,
}

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
            calendar,
            application,
            submitted_at,
        } = input;
        let state = CaseState::new(code.clone(), &definition, submitted_at.clone());
        ctx.state_mut(|w| {
            w.case = Some(state);
            w.definition = Some(definition.clone());
        });
        let mut run = Run {
            ctx,
            code,
            definition,
            calendar,
            application,
            in_flight: Vec::new(),
            deadlines: BTreeMap::new(),
            paused_at: BTreeMap::new(),
            published: Published::default(),
        };
        if let (Some(limit), Some(received)) =
            (run.definition.deadline, time_of::parse(&submitted_at))
        {
            let at = run.end_of(received, limit);
            run.set_deadline(None, at);
        }
        run.drive().await
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

    /// The citizen supplies the documents an agency asked for.
    #[signal]
    pub fn supplement(&mut self, _ctx: &mut SyncWorkflowContext<Self>, request: SupplementRequest) {
        let Some(case) = self.case.as_mut() else {
            return;
        };
        let waiting: Vec<StepId> = case
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::AwaitingDocuments)
            .filter(|s| request.step.as_ref().is_none_or(|wanted| wanted == &s.id))
            .map(|s| s.id.clone())
            .collect();
        // Ambiguous or stale answers change nothing; the API checks before it signals.
        if let [step] = waiting.as_slice() {
            let supplement = json!({ "documents": request.documents, "note": request.note });
            self.supplements.insert(step.clone(), supplement);
            case.apply(Event::DocumentsProvided { step: step.clone() });
            self.unseen_signal = true;
        }
    }

    /// An agency's officer decided on a dossier accepted earlier.
    #[signal]
    pub fn agency_decision(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        decision: AgencyDecision,
    ) {
        let (Some(case), Some(definition)) = (self.case.as_mut(), self.definition.as_ref()) else {
            return;
        };
        let Some(record) = case.steps.iter().find(|s| {
            s.status == StepStatus::AwaitingDecision
                && s.agency.as_deref() == Some(decision.agency.as_str())
                && idempotency_key(&case.code, &s.id, s.round) == decision.idempotency_key
        }) else {
            return;
        };
        let step = record.id.clone();
        let event = match decision.outcome {
            DecisionOutcome::Done { output } => {
                let keep = planner::chosen_route(definition, case, &step)
                    .map(|route| route.output.clone())
                    .unwrap_or_default();
                Event::StepSucceeded {
                    step,
                    output: keep_only(output, &keep),
                    attempts: record.attempts.max(1),
                }
            }
            DecisionOutcome::Rejected { code, message } => Event::StepRejected {
                step,
                error: StepError { code, message },
                attempts: record.attempts.max(1),
            },
        };
        case.apply(event);
        self.unseen_signal = true;
    }

    /// The whole state of the case.
    #[query]
    pub fn state(&self, _ctx: &WorkflowContextView) -> Option<CaseState> {
        self.case.clone()
    }
}

impl Run<'_> {
    async fn drive(&mut self) -> WorkflowResult<CaseState> {
        loop {
            let actions = self
                .read(|c| planner::decide(&self.definition, c, &self.application))
                .unwrap_or_default();
            let acted = !actions.is_empty();
            for action in actions {
                if let Some(done) = self.act(action) {
                    self.published.upsert(self.ctx);
                    return Ok(done);
                }
            }
            self.published.upsert(self.ctx);
            if acted {
                // Skips and corrections change what is ready: decide again before waiting.
                continue;
            }
            let ctx = self.ctx;
            temporalio_workflow::select! {
                wake = next_finished(&mut self.in_flight).fuse() => self.on_wake(wake),
                _ = ctx.wait_condition(|w| w.unseen_signal) => {
                    ctx.state_mut(|w| w.unseen_signal = false);
                }
            }
            self.resume_paused_clocks();
        }
    }

    /// When a time limit started at `from` runs out.
    fn end_of(&self, from: OffsetDateTime, limit: TimeLimit) -> OffsetDateTime {
        match limit {
            TimeLimit::WorkingDays(days) => self.calendar.deadline(from, days),
            TimeLimit::Within(span) => from + span.as_std(),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&CaseState) -> R) -> Option<R> {
        self.ctx.state(|w| w.case.as_ref().map(f))
    }

    fn apply(&self, event: Event) {
        self.ctx.state_mut(|w| {
            if let Some(case) = w.case.as_mut() {
                case.apply(event);
            }
        });
    }

    /// Carries out one planner action; returns the final state when the case is over.
    fn act(&mut self, action: Action) -> Option<CaseState> {
        match action {
            Action::Start(call) => {
                let id = call.step.clone();
                let step = self.definition.step(&id)?.clone();
                let (round, has_deadline) =
                    self.read(|c| c.step(&id).map(|s| (s.round, s.deadline.is_some())))??;
                if let (Some(limit), false) = (step.deadline, has_deadline) {
                    let at = self.end_of(now(self.ctx), limit);
                    self.set_deadline(Some(id.clone()), at);
                }
                self.apply(Event::StepRouted {
                    step: id.clone(),
                    route: call.route,
                    agency: call.agency.clone(),
                    operation: call.operation.clone(),
                });
                let key = idempotency_key(&self.code, &id, round);
                let mut request = self.agency_call(call, key, false);
                if let (Some(supplement), Some(map)) = (
                    self.ctx.state(|w| w.supplements.get(&id).cloned()),
                    request.payload.as_object_mut(),
                ) {
                    map.insert("supplement".into(), supplement);
                }
                self.schedule(
                    id.clone(),
                    Purpose::Forward,
                    request,
                    forward_options(&step),
                );
                self.apply(Event::StepStarted(id));
            }
            Action::Compensate(call) => {
                let id = call.step.clone();
                let step = self.definition.step(&id)?.clone();
                let key = format!("{}/{id}/compensate", self.code);
                let request = self.agency_call(call, key, false);
                self.schedule(
                    id.clone(),
                    Purpose::Compensation,
                    request,
                    patient_options(&step, "compensate"),
                );
                self.apply(Event::CompensationStarted(id));
            }
            Action::Reconcile(call) => {
                let id = call.step.clone();
                self.reconcile(call);
                self.apply(Event::StepStarted(id));
            }
            Action::Skip(id) => self.apply(Event::StepSkipped(id)),
            Action::NotApplicable(id) => self.apply(Event::StepNotApplicable(id)),
            Action::Fail { step, error } => self.apply(Event::StepFailed { step, error }),
            Action::RecordCorrection(id) => self.apply(Event::CorrectionNeeded(id)),
            Action::Finish(status) => {
                self.apply(Event::Finished(status));
                return self.read(Clone::clone);
            }
        }
        None
    }

    fn agency_call(&self, call: Call, key: String, reconcile_only: bool) -> AgencyCall {
        AgencyCall {
            agency: call.agency,
            operation: call.operation,
            idempotency_key: key,
            payload: call.payload,
            keep: call.keep,
            case_code: self.code.clone(),
            reconcile_only,
        }
    }

    /// Asks the agency what became of the step's current act.
    fn reconcile(&mut self, call: Call) {
        let id = call.step.clone();
        let Some(step) = self.definition.step(&id).cloned() else {
            return;
        };
        let round = self
            .read(|c| c.step(&id).map_or(0, |s| s.round))
            .unwrap_or(0);
        let key = idempotency_key(&self.code, &id, round);
        let request = self.agency_call(call, key, true);
        self.schedule(
            id,
            Purpose::Reconcile,
            request,
            patient_options(&step, "reconcile"),
        );
    }

    fn schedule(
        &mut self,
        id: StepId,
        purpose: Purpose,
        call: AgencyCall,
        options: ActivityOptions,
    ) {
        let ctx = self.ctx.clone();
        self.in_flight.push(Box::pin(async move {
            let result = ctx.execute_activity(CallAgency, call, options).await;
            Wake::Call(id, purpose, Box::new(result))
        }));
    }

    fn start_timer(&mut self, after: Duration, kind: TimerKind) {
        let ctx = self.ctx.clone();
        self.in_flight.push(Box::pin(async move {
            let _ = ctx.timer(after.max(Duration::from_millis(1))).await;
            Wake::Timer(kind)
        }));
    }

    fn set_deadline(&mut self, step: Option<StepId>, at: OffsetDateTime) {
        let first = !self.deadlines.contains_key(&step);
        self.deadlines.insert(step.clone(), at);
        self.apply(Event::DeadlineSet {
            step: step.clone(),
            at: rfc3339(at),
        });
        if first {
            let kind = step.map_or(TimerKind::CaseDeadline, TimerKind::StepDeadline);
            self.start_timer(until(now(self.ctx), at), kind);
        }
    }

    fn on_wake(&mut self, wake: Wake) {
        match wake {
            Wake::Call(step, purpose, result) => self.on_answer(step, purpose, *result),
            Wake::Timer(kind) => self.on_timer(kind),
        }
    }

    fn on_answer(
        &mut self,
        id: StepId,
        purpose: Purpose,
        result: Result<AgencyAnswer, ActivityExecutionError>,
    ) {
        let Some(step) = self.definition.step(&id).cloned() else {
            return;
        };
        let event = match (purpose, result) {
            (
                Purpose::Forward | Purpose::Reconcile,
                Ok(AgencyAnswer::Done {
                    output,
                    attempt,
                    reconciled,
                }),
            ) => {
                if reconciled || purpose == Purpose::Reconcile {
                    self.apply(Event::Reconciled(id.clone()));
                }
                Event::StepSucceeded {
                    step: id,
                    output,
                    attempts: attempt,
                }
            }
            (
                Purpose::Forward | Purpose::Reconcile,
                Ok(AgencyAnswer::Rejected {
                    code,
                    message,
                    attempt,
                }),
            ) => Event::StepRejected {
                step: id,
                error: StepError { code, message },
                attempts: attempt,
            },
            (Purpose::Forward | Purpose::Reconcile, Ok(AgencyAnswer::Pending { reference })) => {
                Event::DecisionAwaited {
                    step: id,
                    reference,
                }
            }
            (Purpose::Forward, Ok(AgencyAnswer::DocumentsRequired { documents, message })) => {
                let at = now(self.ctx);
                let due = self.end_of(at, step.supplement_within);
                let round = self
                    .read(|c| c.step(&id).map_or(0, |s| s.round))
                    .unwrap_or(0);
                self.paused_at.insert(id.clone(), at);
                self.start_timer(until(at, due), TimerKind::DocumentsDue(id.clone(), round));
                let request = DocumentRequest {
                    documents,
                    message,
                    due: rfc3339(due),
                    requested_at: rfc3339(at),
                };
                Event::DocumentsRequested { step: id, request }
            }
            (Purpose::Reconcile, Ok(_)) => Event::StepSkipped(id),
            (Purpose::Forward, Ok(AgencyAnswer::NotDone)) => Event::StepFailed {
                step: id,
                error: StepError {
                    code: "AGENCY_PROTOCOL".into(),
                    message: "the agency gave no usable answer".into(),
                },
            },
            (Purpose::Forward, Err(e)) => {
                let message = format!(
                    "gave up after {} attempts: {}",
                    step.retry.max_attempts,
                    failure_text(&e)
                );
                match step.retry.park {
                    Some(park) => {
                        self.start_timer(park.as_std(), TimerKind::Park(id.clone()));
                        Event::AgencyUnavailable {
                            step: id,
                            error: StepError {
                                code: "AGENCY_UNAVAILABLE".into(),
                                message,
                            },
                        }
                    }
                    None => Event::StepFailed {
                        step: id,
                        error: StepError {
                            code: "RETRIES_EXHAUSTED".into(),
                            message,
                        },
                    },
                }
            }
            (Purpose::Reconcile, Err(e)) => Event::StepFailed {
                step: id,
                error: StepError {
                    code: "OUTCOME_UNKNOWN".into(),
                    message: failure_text(&e),
                },
            },
            (Purpose::Compensation, Ok(AgencyAnswer::Rejected { code, message, .. })) => {
                Event::CompensationFailed {
                    step: id,
                    error: StepError { code, message },
                }
            }
            (Purpose::Compensation, Ok(answer)) => {
                let output = match answer {
                    AgencyAnswer::Done { output, .. } => output,
                    _ => Value::Null,
                };
                Event::Compensated { step: id, output }
            }
            (Purpose::Compensation, Err(e)) => Event::CompensationFailed {
                step: id,
                error: StepError {
                    code: "COMPENSATION_FAILED".into(),
                    message: failure_text(&e),
                },
            },
        };
        self.apply(event);
    }

    fn on_timer(&mut self, kind: TimerKind) {
        let at = now(self.ctx);
        match kind {
            TimerKind::CaseDeadline | TimerKind::StepDeadline(_) => {
                let step = match &kind {
                    TimerKind::StepDeadline(id) => Some(id.clone()),
                    _ => None,
                };
                let Some(&deadline) = self.deadlines.get(&step) else {
                    return;
                };
                let open = self
                    .read(|c| match &step {
                        None => !c.status.is_terminal(),
                        Some(id) => c
                            .status_of(id)
                            .is_some_and(|s| s.is_open() && s != StepStatus::Compensating),
                    })
                    .unwrap_or(false);
                if !open {
                    return;
                }
                if at < deadline {
                    // The deadline moved while the citizen was asked for documents.
                    self.start_timer(until(at, deadline), kind);
                    return;
                }
                self.apply(Event::DeadlinePassed(Escalation {
                    step: step.clone(),
                    deadline: rfc3339(deadline),
                    noticed_at: rfc3339(at),
                }));
                // A decision overdue may be a lost callback: ask the agency once.
                if let Some(id) = step
                    && let Some(call) = self
                        .read(|c| {
                            (c.status_of(&id) == Some(StepStatus::AwaitingDecision))
                                .then(|| planner::reconcile_call(&self.definition, c, &id))
                                .flatten()
                        })
                        .flatten()
                {
                    self.reconcile(call);
                }
            }
            TimerKind::DocumentsDue(id, round) => {
                let still_waiting = self
                    .read(|c| {
                        c.step(&id).is_some_and(|s| {
                            s.status == StepStatus::AwaitingDocuments && s.round == round
                        })
                    })
                    .unwrap_or(false);
                if still_waiting {
                    self.paused_at.remove(&id);
                    self.apply(Event::DocumentsNotProvided { step: id });
                }
            }
            TimerKind::Park(id) => self.apply(Event::ParkEnded(id)),
        }
    }

    /// The legal clock stops while the citizen is asked for documents: once they answer, every
    /// open deadline moves by the working days the wait took.
    fn resume_paused_clocks(&mut self) {
        let answered: Vec<StepId> = self
            .paused_at
            .keys()
            .filter(|id| {
                self.read(|c| c.status_of(id) != Some(StepStatus::AwaitingDocuments))
                    .unwrap_or(true)
            })
            .cloned()
            .collect();
        for id in answered {
            let Some(since) = self.paused_at.remove(&id) else {
                continue;
            };
            let days = self.calendar.working_days_between(since, now(self.ctx));
            if days == 0 {
                continue;
            }
            for scope in [None, Some(id.clone())] {
                if let Some(&old) = self.deadlines.get(&scope) {
                    let local = old.to_offset(self.calendar.offset());
                    let moved = self
                        .calendar
                        .add_working_days(local.date(), days)
                        .with_time(local.time())
                        .assume_offset(local.offset());
                    self.deadlines.insert(scope.clone(), moved);
                    self.apply(Event::DeadlineSet {
                        step: scope,
                        at: rfc3339(moved),
                    });
                }
            }
        }
    }
}

fn until(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or(Duration::ZERO)
}

fn keep_only(output: Value, keep: &[String]) -> Value {
    match output {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(k, _)| keep.contains(k)).collect())
        }
        other => other,
    }
}

/// The first pending call or timer that has finished, in scheduling order. Polled by hand rather
/// than through `FuturesUnordered`, whose own wakers the SDK rightly treats as a
/// non-deterministic wake-up source.
fn next_finished(in_flight: &mut Vec<Pending>) -> impl Future<Output = Wake> + '_ {
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

/// Compensation and reconciliation are retried until they are done: giving up would leave a
/// citizen registered somewhere they asked to be removed from, or an act nobody knows about.
/// A stuck one shows as a long-retrying activity.
fn patient_options(step: &Step, purpose: &str) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        .maximum_attempts(0)
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(format!("{}/{purpose}", step.id))
        .retry_policy(retry)
        .build()
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
