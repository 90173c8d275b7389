//! Case-level telemetry without touching the workflow: a workflow interceptor sees each case
//! start and end. It runs inside the workflow and is replayed with it, so it reports only what
//! happens live (never during replay, after an eviction or for a query on a closed case), and it
//! only observes: commands and results pass through unchanged. It also tells the worker which
//! paced agencies the case calls ([`Paces`]), replays included: a worker that picks up a case
//! after another stopped polls the queues it needs.

use std::time::SystemTime;

use lienthong_definitions::case::{CaseState, StepStatus};
use lienthong_telemetry::{CaseSpan, Metrics, record_case_span};
use lienthong_workflows::CaseInput;

use crate::agency_pace::Paces;
use temporalio_sdk::{
    WorkflowTermination,
    workflow_interceptors::{
        ExecuteWorkflowInput, ExecuteWorkflowResult, WorkflowInterceptor,
        WorkflowInterceptorConstructor, WorkflowInterceptorContext, WorkflowInterceptorFuture,
        WorkflowNext,
    },
};

/// Counts cases started and ended by procedure and records each case's root span when it ends.
pub(crate) fn case_observer(metrics: Metrics, paces: Paces) -> WorkflowInterceptorConstructor {
    WorkflowInterceptorConstructor::new(move |_| CaseObserver {
        metrics: metrics.clone(),
        paces: paces.clone(),
    })
}

struct CaseObserver {
    metrics: Metrics,
    paces: Paces,
}

impl WorkflowInterceptor for CaseObserver {
    fn execute<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: ExecuteWorkflowInput,
        next: WorkflowNext<
            'a,
            ExecuteWorkflowInput,
            WorkflowInterceptorFuture<'a, ExecuteWorkflowResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, ExecuteWorkflowResult> {
        // Other workflow types (the bench's ceiling) are not cases.
        let Some(case) = input.input_ref::<CaseInput>() else {
            return next.run(input);
        };
        self.paces.saw(&case.agencies, case.submitted_at);
        let code = case.code.clone();
        let procedure = case.definition.id.0.clone();
        // Workflow time is the same on every replay; the wall clock only stands in if the SDK
        // has none, which it always has once the first activation is applied.
        let started = ctx.workflow_time().unwrap_or_else(SystemTime::now);
        if !ctx.is_replaying() {
            self.metrics.case_started(&procedure);
        }
        WorkflowInterceptorFuture::new(async move {
            let result = next.run(input).await;
            if !ctx.is_replaying()
                && let Some((status, compensated)) = ending(&result)
            {
                self.metrics.case_ended(&procedure, status, compensated);
                record_case_span(&CaseSpan {
                    case_code: &code,
                    procedure: &procedure,
                    status,
                    compensated,
                    started,
                    ended: ctx.workflow_time().unwrap_or_else(SystemTime::now),
                });
            }
            result
        })
    }
}

/// How a run of the case workflow ended, or `None` when it did not end (evicted from the cache,
/// continued as new).
fn ending(result: &ExecuteWorkflowResult) -> Option<(&'static str, bool)> {
    match result {
        Ok(output) => output
            .downcast_ref::<CaseState>()
            .map(|state| (state.status.as_str(), compensated(state))),
        Err(WorkflowTermination::Cancelled { .. }) => Some(("cancelled", false)),
        Err(WorkflowTermination::Failed(_)) => Some(("failed", false)),
        Err(_) => None,
    }
}

/// Whether compensation ran: some completed step was undone, or an undo was attempted.
fn compensated(state: &CaseState) -> bool {
    state.steps.iter().any(|step| {
        matches!(
            step.status,
            StepStatus::Compensating | StepStatus::Compensated | StepStatus::CompensationFailed
        )
    })
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::{case::CaseStatus, shipped_definitions};
    use temporalio_sdk::workflow_interceptors::WorkflowOutputValue;

    use super::*;

    fn state(status: CaseStatus, step_status: StepStatus) -> CaseState {
        let definition = shipped_definitions()
            .expect("shipped definitions parse")
            .into_iter()
            .next()
            .expect("one shipped definition");
        let mut state = CaseState::new(
            "KS-AAAAA-BBBBB".parse().expect("a case code"),
            &definition,
            time::macros::datetime!(2026-01-05 09:00:00 UTC),
        );
        state.status = status;
        state.steps[1].status = step_status;
        state
    }

    fn ended(state: CaseState) -> ExecuteWorkflowResult {
        Ok(Box::new(state) as Box<dyn WorkflowOutputValue>)
    }

    #[test]
    fn a_case_ends_with_its_final_status_and_whether_it_was_undone() {
        let undone = ended(state(CaseStatus::Withdrawn, StepStatus::Compensated));
        assert_eq!(ending(&undone), Some(("withdrawn", true)));
        let done = ended(state(CaseStatus::Completed, StepStatus::Succeeded));
        assert_eq!(ending(&done), Some(("completed", false)));
        let cancelled: ExecuteWorkflowResult = Err(WorkflowTermination::cancelled());
        assert_eq!(ending(&cancelled), Some(("cancelled", false)));
    }

    #[test]
    fn an_eviction_is_not_an_end() {
        let evicted: ExecuteWorkflowResult = Err(WorkflowTermination::Evicted);
        assert_eq!(ending(&evicted), None);
    }
}
