use temporalio_workflow::ActivityExecutionError;

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
