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

pub fn decide(definition: &Definition, state: &CaseState, application: &Value) -> Vec<Action> {
    if state.status.is_terminal() {
        return Vec::new();
    }
    let status = |id: &StepId| state.status_of(id).unwrap_or(StepStatus::Pending);
    let any = |wanted: &[StepStatus]| state.steps.iter().any(|s| wanted.contains(&s.status));
    let failed = any(&[StepStatus::Rejected, StepStatus::Failed]);
    let stopping = state.withdrawal.is_some()
        || (failed && definition.on_failure == FailurePolicy::Compensate);
    let outputs = state.outputs();
    let scope = Scope {
        application,
        steps: &outputs,
    };

    if stopping {
        // Nothing was done at the agency for these: a step waiting for documents was refused
        // pending them.
        let mut actions: Vec<Action> = definition
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    status(&s.id),
                    StepStatus::Pending | StepStatus::AwaitingDocuments
                )
            })
            .map(|s| Action::Skip(s.id.clone()))
            .collect();
        // An agency that never answered may still have acted: ask before deciding what to undo.
        actions.extend(
            definition
                .steps
                .iter()
                .filter(|s| status(&s.id) == StepStatus::AgencyUnavailable)
                .map(|s| match reconcile_call(definition, state, &s.id) {
                    Some(call) => Action::Reconcile(call),
                    None => Action::Skip(s.id.clone()),
                }),
        );
        if !actions.is_empty() {
            return actions;
        }
        // Let calls already sent finish first: their outcome decides whether they need undoing.
        if any(&[
            StepStatus::Running,
            StepStatus::Compensating,
            StepStatus::AwaitingDecision,
        ]) {
            return Vec::new();
        }
        let undo_next = state
            .completed_order
            .iter()
            .rev()
            .find(|id| status(id) == StepStatus::Succeeded);
        return match undo_next {
            Some(id) => match calls::compensation(definition, state, id, &scope) {
                Some(call) => vec![Action::Compensate(call)],
                None => vec![Action::RecordCorrection(id.clone())],
            },
            None if state.withdrawal.is_some() => vec![Action::Finish(CaseStatus::Withdrawn)],
            None => vec![Action::Finish(CaseStatus::Failed)],
        };
    }

    let mut actions = Vec::new();
    let pending = definition
        .steps
        .iter()
        .filter(|s| status(&s.id) == StepStatus::Pending);
    for step in pending {
        let needs: Vec<StepStatus> = step.needs.iter().map(status).collect();
        let done = |s: &StepStatus| matches!(s, StepStatus::Succeeded | StepStatus::NotApplicable);
        if needs.iter().all(done) {
            actions.push(if needs.contains(&StepStatus::NotApplicable) {
                // Its inputs may come from the step that did not run: it does not apply either.
                Action::NotApplicable(step.id.clone())
            } else {
                calls::start(step, state, &scope)
            });
        } else if needs.iter().any(|s| {
            matches!(
                s,
                StepStatus::Rejected | StepStatus::Failed | StepStatus::Skipped
            )
        }) {
            actions.push(Action::Skip(step.id.clone()));
        }
    }
    if actions.is_empty() && !state.steps.iter().any(|s| s.status.is_open()) {
        let all_done = state
            .steps
            .iter()
            .all(|s| matches!(s.status, StepStatus::Succeeded | StepStatus::NotApplicable));
        actions.push(Action::Finish(if all_done {
            CaseStatus::Completed
        } else {
            CaseStatus::PartiallyCompleted
        }));
    }
    actions
}
