use std::{collections::BTreeMap, error::Error};

use lienthong_definitions::{
    AgencyId, CallId, CallPurpose, CaseCode, Definition, StepId,
    calendar::Calendar,
    case::{CaseState, Event, StepStatus, answer::Decision},
    catalogue::AgencyAccess,
    operator::{self, ActionOutcome, OperatorAction},
    planner,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{
    SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult,
};
use time::OffsetDateTime;

use crate::{
    drive::Run,
    notice::NotifyInput,
    options::FirstAttempt,
    signals::{
        AgencyDecision, DecisionOutcome, SupplementRequest, WithdrawOutcome, WithdrawRequest,
    },
    time_of,
};

/// How long a call may stay unanswered before the case asks for attention, unless the input
/// says otherwise.
pub const DEFAULT_ATTENTION_AFTER_SECS: u64 = 600;

/// What a case starts from. The definition and the calendar travel with the case, so the rules
/// in force at submission are the ones the case runs to the end, whatever is published meanwhile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseInput {
    pub code: CaseCode,
    pub definition: Definition,
    pub calendar: Calendar,
    pub application: Value,
    /// When the application was received: the legal clock starts here.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: time::OffsetDateTime,
    /// Agencies an operator holds at submission: the case sends them nothing until released.
    #[serde(default)]
    pub held_agencies: Vec<AgencyId>,
    /// How long a call may stay unanswered before the case needs attention (`retrying`);
    /// `None` is [`DEFAULT_ATTENTION_AFTER_SECS`].
    #[serde(default)]
    pub attention_after_secs: Option<u64>,
    /// Where a forward call's first attempt runs. Cases started before this choice existed
    /// carry nothing and keep the queued form their history was written with.
    #[serde(default)]
    pub first_attempt: FirstAttempt,
    /// Where each agency the procedure calls listens and how it is called, from the
    /// installation's catalogue at filing: a worker reaches an agency that joined after it
    /// started. Cases filed before this was carried have none and use the worker's settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agencies: BTreeMap<AgencyId, AgencyAccess>,
    /// Whom to tell what, on which channels; `None` (every case filed before this was
    /// carried, or an installation without channels) tells nobody anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifyInput>,
    /// The key the numbers this case's steps issue are hashed under, so an operator finds the
    /// case by one of them (`LienthongIssued`); cases filed without it write no such attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_tags: Option<crate::IssuedTagKey>,
}

#[workflow]
#[derive(Debug, Default)]
pub struct CaseWorkflow {
    pub(crate) case: Option<CaseState>,
    pub(crate) definition: Option<Definition>,
    /// Documents the citizen supplied, by step, sent with the step's next round.
    pub(crate) supplements: BTreeMap<StepId, Value>,
    /// Set by every signal and update so the main loop wakes even while calls and timers are
    /// pending.
    pub(crate) unseen_signal: bool,
    /// A withdrawal delivered before the case's state existed (it came with the case's first
    /// workflow task, as after a replay), applied as the case starts.
    pub(crate) early_withdrawal: Option<WithdrawRequest>,
    /// For each agency held for this case, the history length of the workflow task that
    /// recorded the hold (0: held from the start). A step that becomes ready in a later task
    /// is held before anything could be sent.
    pub(crate) hold_recorded_at: BTreeMap<AgencyId, u32>,
    /// Decisions that arrived before their step was waiting for one: an agency's back office
    /// may call back before the engine has read the 202 that said a decision would come. Each
    /// is delivered as soon as its step waits ([`Self::deliver_early_decisions`]).
    pub(crate) early_decisions: Vec<AgencyDecision>,
}

/// The patch under which a decision that finds no waiting step is kept for later rather than
/// dropped; histories recorded before it replay as they ran.
const KEEP_EARLY_DECISIONS: &str = "keep-early-decisions";

/// The most decisions kept waiting for their step: one per step and round is all a case can
/// legitimately receive; the bound keeps a misbehaving agency from growing the state.
const MAX_EARLY_DECISIONS: usize = 64;

#[workflow_methods]
impl CaseWorkflow {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: CaseInput,
    ) -> WorkflowResult<CaseState> {
        Run::start(ctx, input).await
    }

    /// A withdrawal sent as a signal, as cases started before the answered form received it;
    /// kept so their histories replay.
    #[signal]
    pub fn withdraw(&mut self, ctx: &mut SyncWorkflowContext<Self>, request: WithdrawRequest) {
        self.record_withdrawal(ctx, request);
    }

    /// Refuses a withdrawal that comes too late, before anything reaches history.
    #[update_validator(request_withdrawal)]
    fn validate_withdrawal(
        &self,
        _ctx: &WorkflowContextView,
        _request: &WithdrawRequest,
    ) -> Result<(), Box<dyn Error + Send + Sync>> {
        self.withdrawal_check()?;
        Ok(())
    }

    /// The citizen withdraws the application and is told whether it took effect: calls already
    /// sent finish, then everything done that can be undone is undone. A case that has ended
    /// refuses with `CASE_CLOSED`, so an answer of "requested" is never silently dropped.
    #[update]
    pub fn request_withdrawal(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        request: WithdrawRequest,
    ) -> Result<WithdrawOutcome, Box<dyn Error + Send + Sync>> {
        let outcome = self.withdrawal_check()?;
        if outcome == WithdrawOutcome::WithdrawalRequested {
            self.record_withdrawal(ctx, request);
        }
        Ok(outcome)
    }

    /// The citizen supplies the documents an agency asked for.
    #[signal]
    pub fn supplement(&mut self, ctx: &mut SyncWorkflowContext<Self>, request: SupplementRequest) {
        let at = time_of::now_sync(ctx);
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
            case.apply_at(Event::DocumentsProvided { step: step.clone() }, at);
            self.unseen_signal = true;
        }
    }

    /// An agency's officer decided on a dossier accepted earlier.
    #[signal]
    pub fn agency_decision(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        decision: AgencyDecision,
    ) {
        let at = time_of::now_sync(ctx);
        if !self.deliver_decision(at, &decision)
            && self.early_decisions.len() < MAX_EARLY_DECISIONS
            && !self.early_decisions.contains(&decision)
            && ctx.patched(KEEP_EARLY_DECISIONS)
        {
            self.early_decisions.push(decision);
        }
    }

    /// Refuses an operator action that makes no sense now, before anything reaches history.
    /// Refuses an operator action that makes no sense now, before anything reaches history.
    #[update_validator(operator_action)]
    fn validate_operator_action(
        &self,
        _ctx: &WorkflowContextView,
        action: &OperatorAction,
    ) -> Result<(), Box<dyn Error + Send + Sync>> {
        let (Some(case), Some(definition)) = (self.case.as_ref(), self.definition.as_ref()) else {
            return Err(not_started().into());
        };
        operator::check(definition, case, action)?;
        Ok(())
    }

    /// An operator's recovery action: retry a step now, hold or release an agency, record a
    /// step done offline, cancel the case. The loop then cancels, restarts or holds calls.
    #[update]
    pub fn operator_action(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        action: OperatorAction,
    ) -> Result<ActionOutcome, Box<dyn Error + Send + Sync>> {
        let at = time_of::now_sync(ctx);
        let (Some(case), Some(definition)) = (self.case.as_mut(), self.definition.as_ref()) else {
            return Err(not_started().into());
        };
        let accepted = operator::check(definition, case, &action)?;
        for event in accepted.events {
            match &event {
                Event::AgencyHeld { agency } => {
                    self.hold_recorded_at
                        .insert(agency.clone(), ctx.history_length());
                }
                Event::AgencyReleased { agency } => {
                    self.hold_recorded_at.remove(agency);
                }
                _ => {}
            }
            case.apply_by(event, at, &action.actor, &action.role, &action.reason);
        }
        self.unseen_signal = true;
        Ok(accepted.outcome)
    }

    /// The whole state of the case.
    #[query]
    pub fn state(&self, _ctx: &WorkflowContextView) -> Option<CaseState> {
        self.case.clone()
    }
}

impl CaseWorkflow {
    /// Applies `decision` to the step waiting for it; `false` when no step waits for it (yet).
    fn deliver_decision(&mut self, at: OffsetDateTime, decision: &AgencyDecision) -> bool {
        let (Some(case), Some(definition)) = (self.case.as_mut(), self.definition.as_ref()) else {
            return false;
        };
        let Some(record) = case.steps.iter().find(|s| {
            s.status == StepStatus::AwaitingDecision
                && s.agency.as_ref() == Some(&decision.agency)
                && CallId::new(s.id.clone(), CallPurpose::Call).idempotency_key(&case.code, s.round)
                    == decision.idempotency_key
        }) else {
            return false;
        };
        let step = record.id.clone();
        let keep = planner::chosen_route(definition, case, &step)
            .map(|route| route.output.clone())
            .unwrap_or_default();
        let decision = match decision.outcome.clone() {
            DecisionOutcome::Done { output } => Decision::Done { output },
            DecisionOutcome::Rejected { code, message } => Decision::Rejected { code, message },
        };
        let event = decision.event(step, &keep, record.attempts.max(1));
        case.apply_at(event, at);
        self.unseen_signal = true;
        true
    }

    /// Delivers the decisions that arrived before their step waited, now that it may.
    pub(crate) fn deliver_early_decisions(&mut self, at: OffsetDateTime) {
        let waiting = std::mem::take(&mut self.early_decisions);
        for decision in waiting {
            if !self.deliver_decision(at, &decision) {
                self.early_decisions.push(decision);
            }
        }
    }

    fn record_withdrawal(&mut self, ctx: &mut SyncWorkflowContext<Self>, request: WithdrawRequest) {
        let at = time_of::now_sync(ctx);
        match self.case.as_mut() {
            Some(case) => {
                case.apply_at(
                    Event::WithdrawRequested {
                        reason: request.reason,
                    },
                    at,
                );
                self.unseen_signal = true;
            }
            // It came with the case's first workflow task; the case applies it as it starts.
            None => self.early_withdrawal = Some(request),
        }
    }

    /// Whether a withdrawal can still change the case. Before the state exists the case has not
    /// begun anything, so the first withdrawal is kept and applied as it starts, and any later
    /// one finds it there.
    fn withdrawal_check(&self) -> Result<WithdrawOutcome, operator::ActionRefusal> {
        match &self.case {
            Some(case) if case.status.is_terminal() => Err(operator::ActionRefusal {
                code: operator::RefusalCode::CaseClosed,
                message: format!(
                    "case {} is {}; it can no longer be withdrawn",
                    case.code,
                    case.status.as_str()
                ),
            }),
            Some(case) if case.withdrawal.is_some() => Ok(WithdrawOutcome::AlreadyWithdrawing),
            None if self.early_withdrawal.is_some() => Ok(WithdrawOutcome::AlreadyWithdrawing),
            _ => Ok(WithdrawOutcome::WithdrawalRequested),
        }
    }
}

fn not_started() -> operator::ActionRefusal {
    operator::ActionRefusal::new(
        operator::RefusalCode::CaseNotStarted,
        "the case has not started yet; try again in a moment",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withdrawal_before_the_case_starts_is_requested_once() {
        let mut workflow = CaseWorkflow::default();
        assert_eq!(
            workflow.withdrawal_check().ok(),
            Some(WithdrawOutcome::WithdrawalRequested)
        );
        workflow.early_withdrawal = Some(WithdrawRequest {
            reason: "moved abroad".into(),
        });
        assert_eq!(
            workflow.withdrawal_check().ok(),
            Some(WithdrawOutcome::AlreadyWithdrawing)
        );
    }
}
