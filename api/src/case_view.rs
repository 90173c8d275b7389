//! The case as the API shows it: the workflow's state plus what only Temporal knows about calls
//! still in flight (their attempt number and last error).

use lienthong_definitions::{
    CallId,
    case::{CaseState, NoticeStatus, StepError, StepStatus},
};
use lienthong_workflows::NOTICE_ACTIVITY_PREFIX;
use temporalio_common::protos::temporal::api::{
    failure::v1::Failure, workflow::v1::PendingActivityInfo,
};

pub(crate) fn merge_pending(state: &mut CaseState, pending: &[PendingActivityInfo]) {
    for activity in pending {
        if let Some(tail) = activity.activity_id.strip_prefix(NOTICE_ACTIVITY_PREFIX) {
            merge_notice(state, tail, activity);
            continue;
        }
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
        // Set while the call waits for its next attempt (retry backoff), not while one runs.
        step.next_attempt_at = activity.next_attempt_schedule_time.as_ref().and_then(|t| {
            time::OffsetDateTime::from_unix_timestamp(t.seconds)
                .ok()
                .map(|at| at + time::Duration::nanoseconds(i64::from(t.nanos)))
        });
        if let Some(failure) = &activity.last_failure {
            step.last_error = Some(StepError {
                code: "RETRYING".into(),
                message: innermost(failure).to_owned(),
            });
        }
    }
}

/// A message to the citizen still being sent: its attempt and its last failure's code (only
/// the code: a channel's words may name the address).
fn merge_notice(state: &mut CaseState, tail: &str, activity: &PendingActivityInfo) {
    let suffix = format!("/notify/{tail}");
    let Some(notice) = state
        .notifications
        .iter_mut()
        .find(|n| n.status == NoticeStatus::Sending && n.key.ends_with(&suffix))
    else {
        return;
    };
    notice.attempts = u32::try_from(activity.attempt).unwrap_or(0);
    notice.last_error = activity.last_failure.as_ref().map(|failure| {
        let message = innermost(failure);
        match message.split_once(':') {
            Some((code, _))
                if !code.is_empty()
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
            {
                code.to_owned()
            }
            _ => "RETRYING".to_owned(),
        }
    });
}

fn innermost(mut failure: &Failure) -> &str {
    while let Some(cause) = failure.cause.as_deref() {
        failure = cause;
    }
    &failure.message
}
