//! Activity options of the agency calls: where each attempt runs, retries, timeouts and the
//! activity ids the API reads.

use std::time::Duration;

use lienthong_definitions::Step;
use serde::{Deserialize, Serialize};
use temporalio_workflow::{ActivityOptions, LocalActivityOptions, RetryPolicy};

/// Steps whose attempt timeout is at most this make their first attempt locally: agencies
/// expected to answer fast. A step allowed longer is expected to be slow, and would only time
/// out locally and be sent again.
pub const LOCAL_ATTEMPT_LIMIT: Duration = Duration::from_secs(10);

/// How long a local attempt waits before it gives up and the call moves to the task queue. A
/// local attempt keeps its case's workflow task open: reads of the case, signals and operator
/// actions for it wait until the attempt ends, so that wait is kept short.
pub const LOCAL_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a forward call's first attempt runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstAttempt {
    /// On the task queue, like every retry: each attempt is an activity the server schedules,
    /// visible among the case's calls in flight from the moment it is sent.
    #[default]
    Queued,
    /// In the worker that runs the case, recorded as one marker in history: no activity task
    /// goes through the server. A first attempt that fails and may be retried moves to the task
    /// queue, so retries stay visible and survive a worker's loss. Only for steps whose attempt
    /// fits [`LOCAL_ATTEMPT_LIMIT`].
    Local,
}

impl FirstAttempt {
    /// Whether `step`'s first attempt runs locally under this choice.
    pub(crate) fn is_local_for(self, step: &Step) -> bool {
        self == Self::Local && step.attempt_timeout.as_std() <= LOCAL_ATTEMPT_LIMIT
    }
}

/// A forward call: retried by the step's policy. `activity_id` is the step id (or
/// `<step>/restart<n>` after an operator stopped an earlier call of it), so the API can show
/// the attempt number and last error of a call still retrying. `attempts_before` attempts were
/// already made locally and count against the policy's limit.
pub(crate) fn forward_options(
    step: &Step,
    activity_id: String,
    attempts_before: u32,
) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(step.retry.initial_interval.as_std())
        .backoff_coefficient(step.retry.backoff)
        .maximum_interval(step.retry.max_interval.as_std())
        // 0 is "without limit" and stays so.
        .maximum_attempts(match step.retry.max_attempts {
            0 => 0,
            n => n.saturating_sub(attempts_before).max(1),
        })
        .build();
    ActivityOptions::with_start_to_close_timeout(step.attempt_timeout.as_std())
        .activity_id(activity_id)
        .retry_policy(retry)
        .build()
}

/// A forward call's local first attempt: one attempt of at most [`LOCAL_ATTEMPT_TIMEOUT`], never
/// retried locally, since a retry belongs on the task queue where operators see it.
pub(crate) fn local_options(step: &Step, activity_id: String) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .activity_id(activity_id)
        .start_to_close_timeout(step.attempt_timeout.as_std().min(LOCAL_ATTEMPT_TIMEOUT))
        .retry_policy(RetryPolicy::builder().maximum_attempts(1).build())
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

#[cfg(test)]
mod tests {
    use lienthong_definitions::{Definition, Millis, StepId, calendar::Calendar, parse_definition};

    use super::*;

    fn shipped() -> Definition {
        parse_definition(include_str!(
            "../../definitions/procedures/birth-residence-insurance.yaml"
        ))
        .expect("the shipped procedure parses")
    }

    fn insurance(definition: &Definition) -> Step {
        definition
            .step(&StepId("insurance".into()))
            .cloned()
            .expect("the shipped procedure has an insurance step")
    }

    #[test]
    fn a_step_runs_its_first_attempt_locally_only_within_the_limit_and_when_chosen() {
        let mut step = insurance(&shipped());
        step.attempt_timeout = Millis(10_000);
        assert!(FirstAttempt::Local.is_local_for(&step));
        assert!(!FirstAttempt::Queued.is_local_for(&step));
        step.attempt_timeout = Millis(10_001);
        assert!(!FirstAttempt::Local.is_local_for(&step));
    }

    #[test]
    fn queued_retries_after_a_local_attempt_keep_the_policys_total() {
        let mut step = insurance(&shipped());
        step.retry.max_attempts = 8;
        let attempts = |step: &Step, before| {
            forward_options(step, "insurance".into(), before)
                .retry_policy
                .map(|p| p.maximum_attempts())
        };
        assert_eq!(attempts(&step, 0), Some(8));
        assert_eq!(attempts(&step, 1), Some(7));
        step.retry.max_attempts = 0;
        assert_eq!(
            attempts(&step, 1),
            Some(0),
            "without limit stays without limit"
        );
        let local = local_options(&step, "insurance".into());
        assert_eq!(local.retry_policy.maximum_attempts(), 1);
        assert_eq!(local.start_to_close_timeout, Some(LOCAL_ATTEMPT_TIMEOUT));
        step.attempt_timeout = Millis(1_000);
        let local = local_options(&step, "insurance".into());
        assert_eq!(local.start_to_close_timeout, Some(Duration::from_secs(1)));
    }

    #[test]
    fn cases_whose_input_names_no_form_replay_as_queued() {
        let input = crate::CaseInput {
            code: "KS-00000-00000".parse().expect("a case code"),
            definition: shipped(),
            calendar: Calendar::vietnam(),
            application: serde_json::json!({}),
            submitted_at: time::macros::datetime!(2026-01-05 09:00:00 +07:00),
            held_agencies: Vec::new(),
            attention_after_secs: None,
            first_attempt: FirstAttempt::Local,
            agencies: Default::default(),
            notify: None,
            issued_tags: None,
        };
        let mut written = serde_json::to_value(&input).expect("serializable");
        assert_eq!(written["first_attempt"], "local");
        written.as_object_mut().map(|o| o.remove("first_attempt"));
        let older: crate::CaseInput = serde_json::from_value(written).expect("an older input");
        assert_eq!(older.first_attempt, FirstAttempt::Queued);
    }
}
