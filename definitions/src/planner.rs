//! The interpreter's decisions as a pure function: (definition, case state, application) →
//! actions.
//!
//! The workflow applies events to the state, asks [`decide`] what to do, does it, and repeats.
//! Because nothing here waits or calls out, every path of every procedure can be tested without
//! Temporal. Conditions, routes and request payloads are worked out here too, so the workflow
//! never looks inside a step: it sends the [`Call`]s it is given.

mod calls;

use serde_json::Value;

pub use calls::{Call, chosen_route, reconcile_call};

use crate::{
    Definition, FailurePolicy, StepId,
    case::{CaseState, CaseStatus, StepError, StepStatus},
    expression::Scope,
};

/// What the workflow should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Record the call's route (`Event::StepRouted`), send it, and mark the step started.
    Start(Call),
    /// Mark a step that will never run because the case stopped or a step it needs failed.
    Skip(StepId),
    /// Mark a step this application does not need (`Event::StepNotApplicable`).
    NotApplicable(StepId),
    /// The step cannot be sent: one of its expressions failed (`Event::StepFailed`).
    Fail { step: StepId, error: StepError },
    /// Send the step's compensating call.
    Compensate(Call),
    /// Ask the agency whether a step it never answered was done, before the case ends.
    Reconcile(Call),
    /// Record that a step must be corrected by an operator: it cannot be undone, or its undo
    /// request could not be built.
    RecordCorrection(StepId),
    /// The case is over.
    Finish(CaseStatus),
}

/// What the workflow should do next, and the ready calls it must hold back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub actions: Vec<Action>,
    /// Ready calls to an agency an operator holds: record them as held (`Event::StepHeld`) and
    /// send nothing.
    pub holds: Vec<Call>,
}

/// [`plan`] for callers that never hold an agency (a dry run).
pub fn decide(definition: &Definition, state: &CaseState, application: &Value) -> Vec<Action> {
    plan(definition, state, application).actions
}

/// Whether the case is stopping: withdrawn or cancelled, or failed under `on_failure:
/// compensate`. A stopping case sends no new forward call; it settles and undoes.
pub fn is_stopping(definition: &Definition, state: &CaseState) -> bool {
    let failed = state
        .steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Rejected | StepStatus::Failed));
    state.withdrawal.is_some()
        || state.status == CaseStatus::Compensating
        || (failed && definition.on_failure == FailurePolicy::Compensate)
}

/// What to do next: the actions, and the ready calls to hold back because an operator holds
/// their agency.
pub fn plan(definition: &Definition, state: &CaseState, application: &Value) -> Decision {
    if state.status.is_terminal() {
        return Decision::default();
    }
    let status = |id: &StepId| state.status_of(id).unwrap_or(StepStatus::Pending);
    let outputs = state.outputs();
    let scope = Scope {
        application,
        steps: &outputs,
    };

    if is_stopping(definition, state) {
        return Decision {
            actions: stop(definition, state, &scope),
            holds: Vec::new(),
        };
    }

    let mut decision = Decision::default();
    let pending = definition
        .steps
        .iter()
        .filter(|s| status(&s.id) == StepStatus::Pending);
    for step in pending {
        let needs: Vec<StepStatus> = step.needs.iter().map(status).collect();
        let done = |s: &StepStatus| s.is_done() || *s == StepStatus::NotApplicable;
        if needs.iter().all(done) {
            if needs.contains(&StepStatus::NotApplicable) {
                // Its inputs may come from the step that did not run: it does not apply either.
                decision
                    .actions
                    .push(Action::NotApplicable(step.id.clone()));
                continue;
            }
            match calls::start(step, state, &scope) {
                Action::Start(call) if state.is_held(&call.agency) => decision.holds.push(call),
                action => decision.actions.push(action),
            }
        } else if needs.iter().any(|s| {
            matches!(
                s,
                StepStatus::Rejected | StepStatus::Failed | StepStatus::Skipped
            )
        }) {
            decision.actions.push(Action::Skip(step.id.clone()));
        }
    }
    if decision.actions.is_empty()
        && decision.holds.is_empty()
        && !state.steps.iter().any(|s| s.status.is_open())
    {
        let all_done = state
            .steps
            .iter()
            .all(|s| s.status.is_done() || s.status == StepStatus::NotApplicable);
        decision.actions.push(Action::Finish(if all_done {
            CaseStatus::Completed
        } else {
            CaseStatus::PartiallyCompleted
        }));
    }
    decision
}

/// A stopping case: settle what is unsettled, then undo backwards. Nothing new goes to a held
/// agency: its reconciliations and undos wait for the release.
fn stop(definition: &Definition, state: &CaseState, scope: &Scope<'_>) -> Vec<Action> {
    let status = |id: &StepId| state.status_of(id).unwrap_or(StepStatus::Pending);
    let any = |wanted: &[StepStatus]| state.steps.iter().any(|s| wanted.contains(&s.status));
    let held = |id: &StepId| {
        state
            .step(id)
            .and_then(|s| s.agency.as_deref())
            .is_some_and(|a| state.is_held(a))
    };
    // Ready to be sent: every step it needs is done. A step after one that did not apply does
    // not apply either (`plan`), so it was never sent.
    let ready = |id: &StepId| {
        definition
            .step(id)
            .is_some_and(|s| s.needs.iter().all(|need| status(need).is_done()))
    };
    // Sent and unanswered, or, where first attempts go unrecorded until answered, ready to be
    // sent: a local attempt lost with its worker may have been done. A step held before it
    // became ready was never sent.
    let sent = |id: &StepId| {
        state.step(id).is_some_and(|s| s.sent_unanswered)
            || (state.unrecorded_attempts
                && matches!(status(id), StepStatus::Pending | StepStatus::Held)
                && !state.step(id).is_some_and(|s| s.held_unsent)
                && ready(id))
    };
    // Nothing was done at the agency for these: a step waiting for documents was refused
    // pending them; a held one was never sent.
    let mut actions: Vec<Action> = definition
        .steps
        .iter()
        .filter(|s| {
            matches!(
                status(&s.id),
                StepStatus::Pending | StepStatus::AwaitingDocuments | StepStatus::Held
            ) && !sent(&s.id)
        })
        .map(|s| Action::Skip(s.id.clone()))
        .collect();
    // An agency that never answered may still have acted: ask before deciding what to undo.
    let unsettled = definition.steps.iter().filter(|s| match status(&s.id) {
        StepStatus::AgencyUnavailable => true,
        StepStatus::Pending | StepStatus::Held => sent(&s.id),
        _ => false,
    });
    let mut blocked = false;
    for step in unsettled {
        if held(&step.id) {
            blocked = true;
            continue;
        }
        actions.push(match reconcile_call(definition, state, &step.id) {
            Some(call) => Action::Reconcile(call),
            None => Action::Skip(step.id.clone()),
        });
    }
    if !actions.is_empty() {
        return actions;
    }
    // Let calls already sent finish first: their outcome decides whether they need undoing.
    if blocked
        || any(&[
            StepStatus::Running,
            StepStatus::Compensating,
            StepStatus::AwaitingDecision,
        ])
    {
        return Vec::new();
    }
    let undo_next = state
        .completed_order
        .iter()
        .rev()
        .find(|id| status(id).is_done());
    match undo_next {
        // Done offline: it is undone offline too.
        Some(id) if status(id) == StepStatus::ResolvedManually => {
            vec![Action::RecordCorrection(id.clone())]
        }
        Some(id) => match calls::compensation(definition, state, id, scope) {
            Some(call) if state.is_held(&call.agency) => Vec::new(),
            Some(call) => vec![Action::Compensate(call)],
            None => vec![Action::RecordCorrection(id.clone())],
        },
        None if state.withdrawal.is_some() => vec![Action::Finish(CaseStatus::Withdrawn)],
        None => vec![Action::Finish(CaseStatus::Failed)],
    }
}
