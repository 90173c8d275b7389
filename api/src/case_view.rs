//! The case as the API shows it: the workflow's state plus what only Temporal knows about calls
//! still in flight (their attempt number and last error).

use lienthong_definitions::{
    CallId,
    case::{CaseState, StepError, StepStatus},
};
use temporalio_common::protos::temporal::api::{
    failure::v1::Failure, workflow::v1::PendingActivityInfo,
};

pub(crate) fn merge_pending(state: &mut CaseState, pending: &[PendingActivityInfo]) {
    for activity in pending {
        let Ok(call) = activity.activity_id.parse::<CallId>() else {
            continue;
        };
        let Some(step) = state.steps.iter_mut().find(|s| s.id == call.step) else {
            continue;
        };
        if !matches!(step.status, StepStatus::Running | StepStatus::Compensating) {
            continue;
        }
        step.attempts = u32::try_from(activity.attempt).unwrap_or(0);
        if let Some(failure) = &activity.last_failure {
            step.last_error = Some(StepError {
                code: "RETRYING".into(),
                message: innermost(failure).to_owned(),
            });
        }
    }
}

fn innermost(mut failure: &Failure) -> &str {
    while let Some(cause) = failure.cause.as_deref() {
        failure = cause;
    }
    &failure.message
}
