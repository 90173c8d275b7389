//! The case's main loop: ask the planner, carry out its actions, wait for the next answer,
//! timer, signal or operator action, and feed what happened back as events.

use std::{collections::BTreeMap, future::Future, pin::Pin, task::Poll, time::Duration};

use futures::{
    FutureExt,
    future::{LocalBoxFuture, poll_fn},
};
use lienthong_definitions::{
    AgencyId, CallId, CallPurpose, CaseCode, Definition, StepId, TimeLimit,
    calendar::Calendar,
    case::{CaseState, Escalation, Event, StepStatus},
    catalogue::AgencyAccess,
    planner::{self, Action, Call},
};
use serde_json::Value;
use temporalio_workflow::{
    ActivityExecutionError, ActivityOptions, LocalActivityOptions, TimerOptions,
    WaitConditionOptions, WorkflowCancellationToken, WorkflowContext, WorkflowResult,
};
use time::OffsetDateTime;

use crate::{
    activity_failure::{asked_pause, may_retry},
    agency_pace::{AGENCY_PACE, on_queue, paced_queue},
    case_workflow::{CaseInput, CaseWorkflow, DEFAULT_ATTENTION_AFTER_SECS},
    citizen_notices::CITIZEN_NOTIFICATIONS,
    contract::{AgencyAnswer, AgencyCall, CallAgency},
    notice::{NoticeOutcome, NotifyInput},
    options::{FirstAttempt, forward_options, local_options, patient_options},
    published::Published,
    time_of::now,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimerKind {
    CaseDeadline,
    StepDeadline(StepId),
    DocumentsDue(StepId, u32),
    /// The end of the step's n-th pause after an outage.
    Park(StepId, u32),
    /// Time to look for calls unanswered for longer than the attention threshold.
    Watch,
    /// Time to remind the citizen of the step's n-th round of documents.
    Reminder(StepId, u32),
}

pub(crate) enum Wake {
    /// The step, why it was called, the call's number (0 for an undo, which is never
    /// cancelled) and its result.
    Call(
        StepId,
        CallPurpose,
        u64,
        Box<Result<AgencyAnswer, ActivityExecutionError>>,
    ),
    Timer(TimerKind),
    /// A call cancelled before it was sent.
    Cancelled,
}

pub(crate) type Pending = LocalBoxFuture<'static, Wake>;

/// A message to the citizen in flight: its key and what became of it.
pub(crate) type NoticeInFlight =
    LocalBoxFuture<'static, (String, Result<NoticeOutcome, ActivityExecutionError>)>;

/// Where and when a call's attempts run.
enum Dispatch {
    /// On the task queue, at once.
    Queued(ActivityOptions),
    /// In this worker: a local first attempt.
    Local(LocalActivityOptions),
    /// On the task queue once the pause has passed: the retries after a failed local attempt,
    /// spaced as the step's policy spaces its retries.
    QueuedAfter(Duration, ActivityOptions),
}

impl Dispatch {
    /// The token that cancels the call, if it has one yet.
    fn token(&self) -> Option<&WorkflowCancellationToken> {
        match self {
            Self::Queued(options) | Self::QueuedAfter(_, options) => {
                options.cancellation_token.as_ref()
            }
            Self::Local(options) => options.cancellation_token.as_ref(),
        }
    }

    /// The same dispatch, cancelled when `token` is.
    fn cancelled_by(mut self, token: &WorkflowCancellationToken) -> Self {
        match &mut self {
            Self::Queued(options) | Self::QueuedAfter(_, options) => {
                options.cancellation_token = Some(token.clone());
            }
            Self::Local(options) => options.cancellation_token = Some(token.clone()),
        }
        self
    }
}

/// A forward or reconciling call the case may still cancel: when an operator holds its agency,
/// resolves its step or asks for it to be sent again.
struct Tracked {
    number: u64,
    /// The step's status while the call's answer is wanted; any other status means the answer
    /// is no longer wanted.
    while_status: StepStatus,
    token: WorkflowCancellationToken,
    /// While a local first attempt runs: the call to put on the task queue if it fails in a way
    /// another attempt could fix.
    retry_queued: Option<AgencyCall>,
}

/// Everything the loop needs besides the workflow state.
pub(crate) struct Run<'a> {
    pub(crate) ctx: &'a WorkflowContext<CaseWorkflow>,
    pub(crate) code: CaseCode,
    pub(crate) definition: Definition,
    pub(crate) calendar: Calendar,
    application: Value,
    in_flight: Vec<Pending>,
    /// Current legal deadlines: `None` is the whole case.
    deadlines: BTreeMap<Option<StepId>, OffsetDateTime>,
    /// When each step started waiting for the citizen: the legal clock stops meanwhile.
    pub(crate) paused_at: BTreeMap<StepId, OffsetDateTime>,
    pub(crate) published: Published,
    /// The call of each step whose answer is awaited.
    tracked: BTreeMap<StepId, Tracked>,
    /// Numbers calls so a cancelled call's late answer is recognised and dropped.
    calls_made: u64,
    /// How many of each step's calls were cancelled: a new call gets a new activity id, since
    /// a cancelled activity may still be open on the server.
    cancelled: BTreeMap<StepId, u32>,
    /// How many times each step was parked: only the latest pause's end resumes it.
    parks: BTreeMap<StepId, u32>,
    attention_after: Duration,
    /// When each step's current forward call was sent.
    sent_at: BTreeMap<StepId, OffsetDateTime>,
    /// When the pending watch timer fires, if one is pending.
    watch_at: Option<OffsetDateTime>,
    first_attempt: FirstAttempt,
    /// A cancellation requested through Temporal has been turned into the case's own.
    temporal_cancel_seen: bool,
    /// Where each agency listens and how it is called, as filed with the case.
    agencies: BTreeMap<AgencyId, AgencyAccess>,
    /// Whom to tell what; `None` tells nobody.
    pub(crate) notify: Option<NotifyInput>,
    /// Messages to the citizen not settled yet, apart from the calls: the case waits for them
    /// before it returns, and for nothing else.
    pub(crate) notices: Vec<NoticeInFlight>,
    /// The reminder timer of each step's round of documents, while it may still be wanted.
    pub(crate) reminders: BTreeMap<(StepId, u32), Option<WorkflowCancellationToken>>,
}

impl<'a> Run<'a> {
    pub(crate) async fn start(
        ctx: &'a WorkflowContext<CaseWorkflow>,
        input: CaseInput,
    ) -> WorkflowResult<CaseState> {
        let CaseInput {
            code,
            definition,
            calendar,
            application,
            submitted_at,
            held_agencies,
            attention_after_secs,
            first_attempt,
            agencies,
            notify,
            issued_tags,
        } = input;
        // Cases filed before notifications carry none, so this marker is only ever asked for
        // (and written) by a case that has someone to tell.
        let notify = notify
            .filter(|n| !n.recipients.is_empty())
            .filter(|_| ctx.patched(CITIZEN_NOTIFICATIONS));
        let mut state = CaseState::new(code.clone(), &definition, submitted_at);
        state.unrecorded_attempts = first_attempt == FirstAttempt::Local;
        let at = now(ctx);
        for agency in held_agencies {
            // Held from the first workflow task: nothing can ever have gone to it.
            ctx.state_mut(|w| w.hold_recorded_at.insert(agency.clone(), 0));
            state.apply_at(Event::AgencyHeld { agency }, at);
        }
        if let Some(request) = ctx.state_mut(|w| w.early_withdrawal.take()) {
            state.apply_at(
                Event::WithdrawRequested {
                    reason: request.reason,
                },
                at,
            );
        }
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
            published: Published::tagging(issued_tags),
            tracked: BTreeMap::new(),
            calls_made: 0,
            cancelled: BTreeMap::new(),
            parks: BTreeMap::new(),
            attention_after: Duration::from_secs(
                attention_after_secs.unwrap_or(DEFAULT_ATTENTION_AFTER_SECS),
            ),
            sent_at: BTreeMap::new(),
            watch_at: None,
            first_attempt,
            temporal_cancel_seen: false,
            agencies,
            notify,
            notices: Vec::new(),
            reminders: BTreeMap::new(),
        };
        if let (Some(limit), Some(received)) = (run.definition.deadline, Some(submitted_at)) {
            let at = run.end_of(received, limit);
            run.set_deadline(None, at);
        }
        run.drive().await
    }

    async fn drive(&mut self) -> WorkflowResult<CaseState> {
        loop {
            self.tell_citizen();
            self.cancel_unwanted_calls();
            let decision = self
                .read(|c| planner::plan(&self.definition, c, &self.application))
                .unwrap_or_default();
            let acted = !decision.actions.is_empty() || !decision.holds.is_empty();
            for call in decision.holds {
                let unsent = self.hold_recorded_before_now(&call.agency);
                self.apply(Event::StepHeld {
                    step: call.step,
                    agency: call.agency,
                    unsent,
                });
            }
            for action in decision.actions {
                if let Some(done) = self.act(action) {
                    self.published.upsert(self.ctx);
                    if self.notify.is_none() {
                        return Ok(done);
                    }
                    return Ok(self.finish_telling().await.unwrap_or(done));
                }
            }
            // While a local attempt runs its workflow task stays open, so what would be written
            // now could only be read once the attempt ends: write once, then.
            if !self.local_attempt_running() {
                self.published.upsert(self.ctx);
            }
            if acted {
                // Skips and corrections change what is ready: decide again before waiting.
                continue;
            }
            let ctx = self.ctx;
            let temporal_cancel = ctx.cancellation_token();
            let cancel_seen = self.temporal_cancel_seen;
            temporalio_workflow::select! {
                wake = next_finished(&mut self.in_flight).fuse() => self.on_wake(wake),
                (key, outcome) = next_finished(&mut self.notices).fuse() => {
                    self.on_notice(key, outcome);
                }
                // Not ended by the workflow's cancellation: that is read below, once.
                _ = ctx.wait_condition_with_options(|w| w.unseen_signal, uncancelled_wait()) => {
                    ctx.state_mut(|w| w.unseen_signal = false);
                }
                _ = cancel_requested(&temporal_cancel, cancel_seen).fuse() => {
                    self.on_temporal_cancel();
                }
            }
            self.resume_paused_clocks();
        }
    }

    /// When a time limit started at `from` runs out.
    pub(crate) fn end_of(&self, from: OffsetDateTime, limit: TimeLimit) -> OffsetDateTime {
        match limit {
            TimeLimit::WorkingDays(days) => self.calendar.deadline(from, days),
            TimeLimit::Within(span) => from + span.as_std(),
        }
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&CaseState) -> R) -> Option<R> {
        self.ctx.state(|w| w.case.as_ref().map(f))
    }

    /// Whether `agency`'s hold was recorded in an earlier workflow task than this one. Workflow
    /// tasks run one after another and a lost one is replayed with a later history length, so
    /// every attempt that could have been sent after that task saw the hold and held instead.
    fn hold_recorded_before_now(&self, agency: &str) -> bool {
        let now = self.ctx.history_length();
        self.ctx
            .state(|w| w.hold_recorded_at.get(agency).copied())
            .is_some_and(|at| at < now)
    }

    pub(crate) fn apply(&self, event: Event) {
        let at = now(self.ctx);
        self.ctx.state_mut(|w| {
            if let Some(case) = w.case.as_mut() {
                case.apply_at(event, at);
            }
        });
    }

    fn round_of(&self, id: &StepId) -> u32 {
        self.read(|c| c.step(id).map_or(0, |s| s.round))
            .unwrap_or(0)
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
                let call_id = self.call_id(&id, CallPurpose::Call);
                let key = call_id.idempotency_key(&self.code, round);
                let paced = self.paced(&call.agency);
                let mut request = self.agency_call(call, key, false);
                if let (Some(supplement), Some(map)) = (
                    self.ctx.state(|w| w.supplements.get(&id).cloned()),
                    request.payload.as_object_mut(),
                ) {
                    map.insert("supplement".into(), supplement);
                }
                let activity_id = call_id.activity_id();
                self.apply(Event::StepStarted(id.clone()));
                self.sent_at.insert(id.clone(), now(self.ctx));
                // A local attempt never passes the server's rate limit: a paced agency's first
                // attempt is queued like its retries.
                if paced.is_none() && self.first_attempt.is_local_for(&step) {
                    // No watch yet: a local attempt ends within its limit, far inside the
                    // attention threshold; its retries arm the watch when they are queued.
                    self.schedule_tracked(
                        id,
                        CallPurpose::Call,
                        StepStatus::Running,
                        request,
                        Dispatch::Local(local_options(&step, activity_id)),
                    );
                } else {
                    self.schedule_tracked(
                        id,
                        CallPurpose::Call,
                        StepStatus::Running,
                        request,
                        Dispatch::Queued(routed(forward_options(&step, activity_id, 0), paced)),
                    );
                    self.arm_watch();
                }
            }
            Action::Compensate(call) => {
                let id = call.step.clone();
                let step = self.definition.step(&id)?.clone();
                // An undo is never restarted: its activity runs until the agency answers.
                let call_id = CallId::new(id.clone(), CallPurpose::Compensate);
                let key = call_id.idempotency_key(&self.code, 0);
                let paced = self.paced(&call.agency);
                let request = self.agency_call(call, key, false);
                let options = routed(patient_options(&step, call_id.activity_id()), paced);
                self.schedule(
                    id.clone(),
                    CallPurpose::Compensate,
                    0,
                    request,
                    Dispatch::Queued(options),
                );
                self.apply(Event::CompensationStarted(id));
            }
            Action::Reconcile(call) => {
                let id = call.step.clone();
                self.reconcile(call, StepStatus::Running);
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
        let access = self.agencies.get(&call.agency).cloned();
        AgencyCall {
            agency: call.agency,
            operation: call.operation,
            idempotency_key: key,
            payload: call.payload,
            keep: call.keep,
            case_code: self.code.clone(),
            reconcile_only,
            attempts_before: 0,
            access,
        }
    }

    /// The queue of `agency`'s calls when the case carries a pace for it, under the patch that
    /// only cases calling a paced agency ever ask for.
    fn paced(&self, agency: &str) -> Option<String> {
        let (queue, _) = paced_queue(self.agencies.get(agency), agency)?;
        self.ctx.patched(AGENCY_PACE).then_some(queue)
    }

    /// The identity of a step's next call for `purpose`, restarted as often as the step's
    /// calls were cancelled (a cancelled activity may still be open on the server).
    fn call_id(&self, step: &StepId, purpose: CallPurpose) -> CallId {
        CallId::new(step.clone(), purpose).restarted(self.cancelled.get(step).copied().unwrap_or(0))
    }

    /// Asks the agency what became of the step's current act; its answer is wanted while the
    /// step stays in `while_status`.
    pub(crate) fn reconcile(&mut self, call: Call, while_status: StepStatus) {
        let id = call.step.clone();
        let Some(step) = self.definition.step(&id).cloned() else {
            return;
        };
        let call_id = self.call_id(&id, CallPurpose::Reconcile);
        let key = call_id.idempotency_key(&self.code, self.round_of(&id));
        let paced = self.paced(&call.agency);
        let request = self.agency_call(call, key, true);
        let activity_id = call_id.activity_id();
        self.schedule_tracked(
            id,
            CallPurpose::Reconcile,
            while_status,
            request,
            Dispatch::Queued(routed(patient_options(&step, activity_id), paced)),
        );
    }

    fn schedule_tracked(
        &mut self,
        id: StepId,
        purpose: CallPurpose,
        while_status: StepStatus,
        call: AgencyCall,
        dispatch: Dispatch,
    ) {
        self.calls_made += 1;
        let number = self.calls_made;
        // The case's own: a cancellation through Temporal stops the case in order instead of
        // cutting its calls off (`on_temporal_cancel`).
        let token = WorkflowCancellationToken::new();
        let dispatch = dispatch.cancelled_by(&token);
        // Only a forward call's first attempt runs locally; its retries may still be queued.
        let retry_queued = matches!(dispatch, Dispatch::Local(_)).then(|| call.clone());
        self.tracked.insert(
            id.clone(),
            Tracked {
                number,
                while_status,
                token,
                retry_queued,
            },
        );
        self.schedule(id, purpose, number, call, dispatch);
    }

    fn schedule(
        &mut self,
        id: StepId,
        purpose: CallPurpose,
        number: u64,
        call: AgencyCall,
        dispatch: Dispatch,
    ) {
        let ctx = self.ctx.clone();
        self.in_flight.push(Box::pin(async move {
            // A call no one else may cancel (a compensation) still gets a token of its own,
            // for the reasons `sleep` gives; nothing ever cancels it.
            let dispatch = match dispatch.token() {
                Some(_) => dispatch,
                None => dispatch.cancelled_by(&WorkflowCancellationToken::new()),
            };
            let result = match dispatch {
                Dispatch::Queued(options) => ctx.execute_activity(CallAgency, call, options).await,
                Dispatch::Local(options) => {
                    ctx.execute_local_activity(CallAgency, call, options).await
                }
                Dispatch::QueuedAfter(pause, options) => {
                    // Cancelling the call during its pause writes nothing to history: it is
                    // seen once the pause is over.
                    sleep(&ctx, pause).await;
                    // Cancelled during the pause: nothing is sent, and the answer is not wanted.
                    if options
                        .cancellation_token
                        .as_ref()
                        .is_some_and(WorkflowCancellationToken::is_cancelled)
                    {
                        return Wake::Cancelled;
                    }
                    ctx.execute_activity(CallAgency, call, options).await
                }
            };
            Wake::Call(id, purpose, number, Box::new(result))
        }));
    }

    fn local_attempt_running(&self) -> bool {
        self.tracked.values().any(|t| t.retry_queued.is_some())
    }

    /// A local first attempt failed in a way another attempt could fix: the remaining attempts
    /// go to the task queue, after the pause the agency asked for or else the policy's first,
    /// where operators see them retry.
    fn queue_retries(&mut self, id: StepId, mut call: AgencyCall, asked: Option<Duration>) {
        let Some(step) = self.definition.step(&id).cloned() else {
            return;
        };
        let pause = asked.unwrap_or_else(|| step.retry.initial_interval.as_std());
        call.attempts_before = 1;
        let activity_id = self.call_id(&id, CallPurpose::Call).activity_id();
        self.schedule_tracked(
            id,
            CallPurpose::Call,
            StepStatus::Running,
            call,
            Dispatch::QueuedAfter(pause, forward_options(&step, activity_id, 1)),
        );
        self.arm_watch();
    }

    /// Cancels every call whose answer is no longer wanted: its agency was held, its step was
    /// resolved by hand or is to be sent again, or its decision came by callback. A cancelled
    /// call is not a failure: its late answer is dropped, and the step is sent again (with the
    /// same idempotency key) or reconciled when it matters.
    fn cancel_unwanted_calls(&mut self) {
        let unwanted: Vec<StepId> = self
            .tracked
            .iter()
            .filter(|(id, call)| {
                self.read(|c| c.status_of(id)).flatten() != Some(call.while_status)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in unwanted {
            if let Some(call) = self.tracked.remove(&id) {
                call.token.cancel();
                *self.cancelled.entry(id.clone()).or_default() += 1;
                self.sent_at.remove(&id);
            }
        }
    }

    /// Adds a call or timer to those the loop waits on.
    pub(crate) fn push_pending(&mut self, pending: Pending) {
        self.in_flight.push(pending);
    }

    pub(crate) fn start_timer(&mut self, after: Duration, kind: TimerKind) {
        let ctx = self.ctx.clone();
        self.in_flight.push(Box::pin(async move {
            sleep(&ctx, after).await;
            Wake::Timer(kind)
        }));
    }

    pub(crate) fn park(&mut self, id: &StepId, after: Duration) {
        let n = self.parks.entry(id.clone()).or_default();
        *n += 1;
        let kind = TimerKind::Park(id.clone(), *n);
        self.start_timer(after, kind);
    }

    /// Makes sure a timer will fire when the oldest unanswered call passes the attention
    /// threshold. One timer for the whole case, not one per call: calls start in order, so the
    /// earliest is always the next to pass.
    fn arm_watch(&mut self) {
        if self.watch_at.is_some() {
            return;
        }
        let watched: Vec<StepId> = self
            .read(|c| {
                c.steps
                    .iter()
                    .filter(|s| s.status == StepStatus::Running && !s.long_running)
                    .map(|s| s.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let Some(first) = watched
            .iter()
            .filter_map(|id| self.sent_at.get(id))
            .min()
            .copied()
        else {
            return;
        };
        let at = first + self.attention_after;
        self.watch_at = Some(at);
        self.start_timer(until(now(self.ctx), at), TimerKind::Watch);
    }

    fn on_watch(&mut self, at: OffsetDateTime) {
        self.watch_at = None;
        let overdue: Vec<StepId> = self
            .sent_at
            .iter()
            .filter(|(_, sent)| **sent + self.attention_after <= at)
            .map(|(id, _)| id.clone())
            .collect();
        for id in overdue {
            let still = self
                .read(|c| {
                    c.step(&id)
                        .is_some_and(|s| s.status == StepStatus::Running && !s.long_running)
                })
                .unwrap_or(false);
            if still {
                self.apply(Event::StillRunning(id.clone()));
            }
            self.sent_at.remove(&id);
        }
        self.arm_watch();
    }

    pub(crate) fn set_deadline(&mut self, step: Option<StepId>, at: OffsetDateTime) {
        let first = !self.deadlines.contains_key(&step);
        self.deadlines.insert(step.clone(), at);
        self.apply(Event::DeadlineSet {
            step: step.clone(),
            at,
        });
        if first {
            let kind = step.map_or(TimerKind::CaseDeadline, TimerKind::StepDeadline);
            self.start_timer(until(now(self.ctx), at), kind);
        }
    }

    /// Someone cancelled the case's workflow in Temporal (`temporal workflow cancel`, the Web
    /// UI): the case stops as an operator's cancel stops it, like a withdrawal. Calls already
    /// sent finish and what was done is undone, so no agency is left holding half a case. Its
    /// calls and timers hold tokens of their own, so Temporal's cancellation does not cut
    /// them off first.
    fn on_temporal_cancel(&mut self) {
        self.temporal_cancel_seen = true;
        self.apply(Event::CancelRequested {
            reason: "cancel requested through Temporal".into(),
            by: "temporal".into(),
        });
    }

    fn on_wake(&mut self, wake: Wake) {
        match wake {
            Wake::Call(step, purpose, number, result) => {
                if purpose != CallPurpose::Compensate {
                    let wanted = self.tracked.get(&step).is_some_and(|t| t.number == number);
                    if !wanted {
                        // A cancelled call: its step was held, resolved or sent again.
                        return;
                    }
                    let tracked = self.tracked.remove(&step);
                    if let (Some(call), Err(error)) =
                        (tracked.and_then(|t| t.retry_queued), result.as_ref())
                        && may_retry(error)
                        && self
                            .definition
                            .step(&step)
                            .is_some_and(|s| s.retry.max_attempts != 1)
                    {
                        self.queue_retries(step, call, asked_pause(error));
                        return;
                    }
                    if purpose == CallPurpose::Call {
                        self.sent_at.remove(&step);
                    }
                }
                self.on_answer(step, purpose, *result);
            }
            Wake::Timer(kind) => self.on_timer(kind),
            Wake::Cancelled => {}
        }
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
                    deadline,
                    noticed_at: at,
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
                    self.reconcile(call, StepStatus::AwaitingDecision);
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
            TimerKind::Park(id, n) => {
                // An earlier pause, cut short by an operator's retry, ends nothing.
                if self.parks.get(&id) == Some(&n) {
                    self.apply(Event::ParkEnded(id));
                }
            }
            TimerKind::Watch => self.on_watch(at),
            TimerKind::Reminder(id, round) => self.remind(&id, round),
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
                        at: moved,
                    });
                }
            }
        }
    }
}

/// `options` on the paced agency's queue, if it has one.
fn routed(options: ActivityOptions, paced: Option<String>) -> ActivityOptions {
    match paced {
        Some(queue) => on_queue(options, queue),
        None => options,
    }
}

pub(crate) fn until(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or(Duration::ZERO)
}

/// The first pending call or timer that has finished, in scheduling order. Polled by hand rather
/// than through `FuturesUnordered`, whose own wakers the SDK rightly treats as a
/// non-deterministic wake-up source.
pub(crate) fn next_finished<'a, T>(
    in_flight: &'a mut Vec<LocalBoxFuture<'static, T>>,
) -> impl Future<Output = T> + 'a {
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

/// Waits `after` on a durable timer that nothing cancels.
///
/// It gets a token of its own rather than the workflow's, for two reasons. A timer on the
/// workflow's token registers a callback there that holds the workflow's context, which holds the
/// token: a pending timer (every case waiting on its legal deadline has one) then kept an evicted
/// run, its decrypted input included, alive for good. And a cancellation through Temporal would
/// end every timer at once, as if it had fired; the case handles that cancellation itself
/// (`on_temporal_cancel`). The timer holds its token only weakly, so this one drops with it.
pub(crate) async fn sleep(ctx: &WorkflowContext<CaseWorkflow>, after: Duration) {
    let _ = ctx
        .timer(
            TimerOptions::builder(after.max(Duration::from_millis(1)))
                .cancellation_token(WorkflowCancellationToken::new())
                .build(),
        )
        .await;
}

/// A condition wait that the workflow's cancellation does not end (it would end every wait at
/// once, and the loop would spin without yielding).
fn uncancelled_wait() -> WaitConditionOptions {
    WaitConditionOptions::builder()
        .cancellation_token(WorkflowCancellationToken::new())
        .build()
}

/// Resolves once when the workflow is cancelled through Temporal; after `seen`, never again.
async fn cancel_requested(token: &WorkflowCancellationToken, seen: bool) {
    if seen {
        std::future::pending::<()>().await;
    }
    token.cancelled().await;
}
