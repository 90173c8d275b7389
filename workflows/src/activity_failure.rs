//! What an activity's failure says: its own words, whether another attempt could succeed, and
//! the pause the agency asked for.

use std::time::Duration;

use temporalio_workflow::{
    ActivityExecutionError,
    common::protos::temporal::api::{
        enums::v1::RetryState,
        failure::v1::{Failure, failure::FailureInfo},
    },
};

/// The innermost failure message: the activity's own words, not Temporal's wrapping. Activities
/// write messages without personal data, so this is safe to keep in the case state.
pub(crate) fn failure_text(error: &ActivityExecutionError) -> String {
    let Some(mut failure) = error.failure() else {
        return error.to_string();
    };
    while let Some(cause) = failure.cause.as_deref() {
        failure = cause;
    }
    failure.message.clone()
}

/// Whether another attempt could succeed: the call failed (it was not cancelled), and neither
/// the activity nor anything it wraps marked the failure as final (a refused credential is).
pub(crate) fn may_retry(error: &ActivityExecutionError) -> bool {
    if !matches!(error, ActivityExecutionError::Failed(_)) {
        return false;
    }
    let mut next = error.failure();
    while let Some(failure) = next {
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info
            && info.non_retryable
        {
            return false;
        }
        next = failure.cause.as_deref();
    }
    true
}

/// The stable code a final failure begins with (`AGENCY_CREDENTIALS_MISSING: …`,
/// `AGENCY_AUTH_REJECTED: …`), so the step shows what to fix rather than that retries ran out.
pub(crate) fn final_code(error: &ActivityExecutionError) -> Option<String> {
    let mut next = error.failure();
    while let Some(failure) = next {
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info
            && info.non_retryable
            && let Some((code, _)) = failure.message.split_once(':')
            && !code.is_empty()
            && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        {
            return Some(code.to_owned());
        }
        next = failure.cause.as_deref();
    }
    None
}

/// The stable code a dead-lettered message is recorded with: the code its last attempt's
/// failure begins with (`NOTIFY_REFUSED: …`), else `NOTICE_WINDOW_SPENT` when its retries ran
/// out of time, else `NOTICE_FAILED`. Only a code: the failure's words may name an address.
pub(crate) fn notice_failure_code(error: &ActivityExecutionError) -> String {
    code_of_dead_letter(error.failure())
}

fn code_of_dead_letter(failure: Option<&Failure>) -> String {
    let mut timed_out = false;
    let mut next = failure;
    while let Some(failure) = next {
        match &failure.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(_)) => {
                if let Some(code) = leading_code(&failure.message) {
                    return code;
                }
            }
            Some(FailureInfo::TimeoutFailureInfo(_)) => timed_out = true,
            // The server gives up before the window ends when the next pause would pass it,
            // failing with the last attempt's own failure and saying why here.
            Some(FailureInfo::ActivityFailureInfo(info))
                if info.retry_state == RetryState::Timeout as i32 =>
            {
                timed_out = true;
            }
            _ => {}
        }
        next = failure.cause.as_deref();
    }
    if timed_out {
        "NOTICE_WINDOW_SPENT".to_owned()
    } else {
        "NOTICE_FAILED".to_owned()
    }
}

/// `CODE` of a message written `CODE: words`.
fn leading_code(message: &str) -> Option<String> {
    let (code, _) = message.split_once(':')?;
    (!code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then(|| code.to_owned())
}

/// The pause the agency asked for before another attempt (its `Retry-After`), if it named one.
pub(crate) fn asked_pause(error: &ActivityExecutionError) -> Option<Duration> {
    let mut next = error.failure();
    while let Some(failure) = next {
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info
            && let Some(delay) = &info.next_retry_delay
        {
            let seconds = u64::try_from(delay.seconds).unwrap_or(0);
            let nanos = u32::try_from(delay.nanos).unwrap_or(0);
            return Some(Duration::new(seconds, nanos));
        }
        next = failure.cause.as_deref();
    }
    None
}

#[cfg(test)]
mod tests {
    use temporalio_workflow::common::protos::temporal::api::failure::v1::{
        ActivityFailureInfo, ApplicationFailureInfo, TimeoutFailureInfo,
    };

    use super::*;

    fn application(message: &str, non_retryable: bool) -> Failure {
        Failure {
            message: message.to_owned(),
            failure_info: Some(FailureInfo::ApplicationFailureInfo(
                ApplicationFailureInfo {
                    non_retryable,
                    ..Default::default()
                },
            )),
            ..Default::default()
        }
    }

    fn activity(retry_state: RetryState, cause: Failure) -> Failure {
        Failure {
            message: "activity failed".to_owned(),
            failure_info: Some(FailureInfo::ActivityFailureInfo(ActivityFailureInfo {
                retry_state: retry_state as i32,
                ..Default::default()
            })),
            cause: Some(Box::new(cause)),
            ..Default::default()
        }
    }

    fn notice_failure_code(failure: &Failure) -> String {
        code_of_dead_letter(Some(failure))
    }

    #[test]
    fn a_dead_letter_keeps_a_code_and_never_the_words() {
        let refused = activity(
            RetryState::NonRetryableFailure,
            application(
                "NOTIFY_REFUSED: the webhook receiver refused the message (410)",
                true,
            ),
        );
        assert_eq!(notice_failure_code(&refused), "NOTIFY_REFUSED");
        let spent = activity(
            RetryState::Timeout,
            application(
                "no answer from the webhook receiver: connection refused, will retry",
                false,
            ),
        );
        assert_eq!(notice_failure_code(&spent), "NOTICE_WINDOW_SPENT");
        let timed_out = activity(
            RetryState::Timeout,
            Failure {
                message: "activity ScheduleToClose timeout".to_owned(),
                failure_info: Some(FailureInfo::TimeoutFailureInfo(
                    TimeoutFailureInfo::default(),
                )),
                ..Default::default()
            },
        );
        assert_eq!(notice_failure_code(&timed_out), "NOTICE_WINDOW_SPENT");
        let other = activity(
            RetryState::InternalServerError,
            application("something odd", false),
        );
        assert_eq!(notice_failure_code(&other), "NOTICE_FAILED");
    }
}
