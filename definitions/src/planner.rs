//! The interpreter's decisions as a pure function: (definition, case state) → actions.
//!
//! The workflow applies events to the state, asks [`decide`] what to do, does it, and repeats.
//! Because nothing here waits or calls out, every path of every procedure can be tested without
//! Temporal.

use crate::{
    Definition, FailurePolicy, StepId,
    case::{CaseState, CaseStatus, StepStatus},
};

/// What the workflow should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Call the step's agency operation.
    Start(StepId),
    /// Mark a step that will never run.
    Skip(StepId),
    /// Call the step's compensating operation.
    Compensate(StepId),
    /// Ask the agency whether a step it never answered was done, before the case ends.
    Reconcile(StepId),
    /// Record that an irreversible step must be corrected by an operator.
    RecordCorrection(StepId),
    /// The case is over.
    Finish(CaseStatus),
}

pub fn decide(definition: &Definition, state: &CaseState) -> Vec<Action> {
    if state.status.is_terminal() {
        return Vec::new();
    }
    let status = |id: &StepId| state.status_of(id).unwrap_or(StepStatus::Pending);
    let any = |wanted: &[StepStatus]| state.steps.iter().any(|s| wanted.contains(&s.status));
    let failed = any(&[StepStatus::Rejected, StepStatus::Failed]);
    let stopping = state.withdrawal.is_some()
        || (failed && definition.on_failure == FailurePolicy::Compensate);

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
                .map(|s| Action::Reconcile(s.id.clone())),
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
            .find(|id| status(id) == StepStatus::Succeeded)
            .and_then(|id| definition.step(id));
        return match undo_next {
            Some(step) if step.compensation.is_some() => vec![Action::Compensate(step.id.clone())],
            Some(step) => vec![Action::RecordCorrection(step.id.clone())],
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
        if needs.iter().all(|s| *s == StepStatus::Succeeded) {
            actions.push(Action::Start(step.id.clone()));
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
        let all_succeeded = state
            .steps
            .iter()
            .all(|s| s.status == StepStatus::Succeeded);
        actions.push(Action::Finish(if all_succeeded {
            CaseStatus::Completed
        } else {
            CaseStatus::PartiallyCompleted
        }));
    }
    actions
}
