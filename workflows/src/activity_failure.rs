//! What an activity's failure says: its own words, whether another attempt could succeed, and
//! the pause the agency asked for.

use std::time::Duration;

use temporalio_workflow::{
    ActivityExecutionError, common::protos::temporal::api::failure::v1::failure::FailureInfo,
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
/// failure begins with (`WEBHOOK_REFUSED: …`), else `NOTICE_WINDOW_SPENT` when its retries ran
/// out of time, else `NOTICE_FAILED`. Only a code: the failure's words may name an address.
pub(crate) fn notice_failure_code(error: &ActivityExecutionError) -> String {
    let mut timed_out = false;
    let mut next = error.failure();
    while let Some(failure) = next {
        match &failure.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(_)) => {
                if let Some(code) = leading_code(&failure.message) {
                    return code;
                }
            }
            Some(FailureInfo::TimeoutFailureInfo(_)) => timed_out = true,
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
