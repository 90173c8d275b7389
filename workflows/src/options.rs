//! Activity options of the agency calls: retries, timeouts and the activity ids the API reads.

use lienthong_definitions::Step;
use temporalio_workflow::{ActivityOptions, RetryPolicy};

/// A forward call: retried by the step's policy. `activity_id` is the step id (or
/// `<step>/restart<n>` after an operator stopped an earlier call of it), so the API can show
/// the attempt number and last error of a call still retrying.
pub(crate) fn forward_options(step: &Step, activity_id: String) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        .maximum_attempts(step.retry.max_attempts)
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(activity_id)
        .retry_policy(retry)
        .build()
}

/// Compensation and reconciliation are retried until they are done: giving up would leave a
/// citizen registered somewhere they asked to be removed from, or an act nobody knows about.
/// A stuck one shows as a long-retrying activity.
pub(crate) fn patient_options(step: &Step, activity_id: String) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        .maximum_attempts(0)
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(activity_id)
        .retry_policy(retry)
        .build()
}
