use std::{
    sync::Arc,
    time::{Instant, SystemTime},
};

use lienthong_definitions::{CallId, CallPurpose};
use lienthong_telemetry::{Metrics, parent_to_case};
use lienthong_workflows::{AgencyAnswer, AgencyCall, CallAgency};
use temporalio_macros::activities;
use temporalio_sdk::{
    ApplicationFailure,
    activities::{ActivityContext, ActivityError},
};
use tracing::{Instrument, field::Empty};

use crate::{AgencyClient, CallError};

/// The failure type of an agency call whose credentials were refused or unusable: never retried.
pub const AUTH_FAILURE_TYPE: &str = "AgencyAuthRejected";

/// The activities a lienthong worker hosts.
#[derive(Debug)]
pub struct AgencyActivities {
    client: AgencyClient,
    metrics: Metrics,
}

/// One attempt of the agency-call activity, as Temporal describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The activity id: the step id, or `{step}/compensate`, `{step}/reconcile`.
    pub activity_id: String,
    /// 1 for the first attempt.
    pub number: u32,
    /// When Temporal stops waiting for this attempt.
    pub deadline: Option<SystemTime>,
}

#[activities]
impl AgencyActivities {
    /// Calls one agency operation. Answers (including refusals) are returned; transient failures
    /// are raised so Temporal retries them with the step's policy; a refused credential is raised
    /// as non-retryable, so the step fails at once and its case needs an operator.
    #[activity(definition = CallAgency)]
    pub async fn call_agency(
        self: Arc<Self>,
        ctx: ActivityContext,
        call: AgencyCall,
    ) -> Result<AgencyAnswer, ActivityError> {
        let info = ctx.info();
        let attempt = Attempt {
            activity_id: info.activity_id.clone(),
            // A call moved to the task queue after a local first attempt counts on from it, so
            // its first queued attempt asks the agency about the local one before acting again.
            number: info.attempt + call.attempts_before,
            deadline: info.deadline,
        };
        self.run_attempt(&call, &attempt).await.map_err(failure)
    }
}

impl AgencyActivities {
    /// `metrics` receives one step sample per attempt.
    pub fn new(client: AgencyClient, metrics: Metrics) -> Self {
        Self { client, metrics }
    }

    /// One attempt of an agency call, observed: a span under the case's root span (the agency
    /// exchanges are its children and go out with their ids in `traceparent`), a log line, and a
    /// sample in `lienthong_step_*` labelled with the outcome.
    pub async fn run_attempt(
        &self,
        call: &AgencyCall,
        attempt: &Attempt,
    ) -> Result<AgencyAnswer, CallError> {
        let (step, purpose) = step_and_purpose(&attempt.activity_id, call);
        let span = tracing::info_span!(
            "agency call attempt",
            otel.name = %format!("{purpose} {step}"),
            otel.status_code = Empty,
            lienthong.case = %call.case_code,
            lienthong.step = %step,
            lienthong.purpose = purpose,
            lienthong.agency = %call.agency,
            lienthong.operation = %call.operation,
            lienthong.attempt = attempt.number,
            lienthong.outcome = Empty,
        );
        parent_to_case(&span, &call.case_code);
        let started = Instant::now();
        let remaining = attempt
            .deadline
            .and_then(|d| d.duration_since(SystemTime::now()).ok());
        let result = self
            .client
            .call(call, attempt.number, remaining)
            .instrument(span.clone())
            .await;
        let outcome = outcome(&result);
        span.record("lienthong.outcome", outcome);
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        self.metrics
            .step_attempt(&call.agency, &call.operation, outcome, started.elapsed());
        span.in_scope(|| log(call, attempt.number, &result));
        result
    }
}

/// The step an activity id names, and why it was called: `call`, `compensate` or `reconcile`
/// (a restarted call is still a call). An id that is not a step's call (none is scheduled so)
/// is named as it is.
fn step_and_purpose(activity_id: &str, call: &AgencyCall) -> (String, &'static str) {
    match activity_id.parse::<CallId>() {
        Ok(id) if id.purpose == CallPurpose::Call && call.reconcile_only => {
            (id.step.0, CallPurpose::Reconcile.as_str())
        }
        Ok(id) => (id.step.0, id.purpose.as_str()),
        Err(_) => (activity_id.to_owned(), CallPurpose::Call.as_str()),
    }
}

/// One word per way an attempt can end; the `outcome` label of the step metrics.
fn outcome(result: &Result<AgencyAnswer, CallError>) -> &'static str {
    match result {
        Ok(AgencyAnswer::Done {
            reconciled: true, ..
        }) => "reconciled",
        Ok(AgencyAnswer::Done { .. }) => "done",
        Ok(AgencyAnswer::Rejected { .. }) => "rejected",
        Ok(AgencyAnswer::DocumentsRequired { .. }) => "documents_required",
        Ok(AgencyAnswer::Pending { .. }) => "pending",
        Ok(AgencyAnswer::NotDone) => "not_done",
        Err(CallError::Unavailable { .. }) => "unavailable",
        Err(CallError::NoAnswer { .. }) => "no_answer",
        Err(CallError::UnknownAgency { .. }) => "unknown_agency",
        Err(CallError::BadBody { .. }) => "bad_body",
        Err(CallError::BadActRecord { .. }) => "bad_act_record",
        Err(CallError::AuthRejected { .. }) => "auth_rejected",
        Err(CallError::Credentials { .. }) => "credentials_invalid",
        Err(CallError::CredentialsMissing { .. }) => "credentials_missing",
    }
}

fn log(call: &AgencyCall, attempt: u32, result: &Result<AgencyAnswer, CallError>) {
    match result {
        Ok(AgencyAnswer::Done { reconciled, .. }) => {
            tracing::info!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, reconciled, "agency call done");
        }
        Ok(
            AgencyAnswer::DocumentsRequired { .. }
            | AgencyAnswer::Pending { .. }
            | AgencyAnswer::NotDone,
        ) => {
            tracing::info!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, "agency answered, case waits");
        }
        Ok(AgencyAnswer::Rejected { code, .. }) => {
            tracing::warn!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, %code, "agency refused");
        }
        Err(error) if !error.is_retryable() => {
            tracing::error!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, %error, "agency refused the engine's credentials, not retrying");
        }
        Err(error) => {
            tracing::warn!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, %error, "agency call failed, will retry");
        }
    }
}

/// The failure Temporal sees. Its type names the kind for operators and the workflow:
/// `AgencyUnavailable` (retried with the step's policy) or `AgencyAuthRejected` (never retried:
/// only fixing a secret helps, and retrying would hide the mistake behind a slow backoff).
fn failure(error: CallError) -> ActivityError {
    if !error.is_retryable() {
        return ActivityError::application(
            ApplicationFailure::builder(error)
                .type_name(AUTH_FAILURE_TYPE.to_owned())
                .non_retryable(true)
                .build(),
        );
    }
    let retry_after = error.retry_after();
    let failure = ApplicationFailure::builder(error).type_name("AgencyUnavailable".to_owned());
    let failure = match retry_after {
        Some(delay) => failure.next_retry_delay(delay).build(),
        None => failure.build(),
    };
    ActivityError::application(failure)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(reconcile_only: bool) -> AgencyCall {
        AgencyCall {
            agency: "residence".into(),
            operation: "register".into(),
            idempotency_key: "KS-AAAAA-BBBBB/residence".into(),
            payload: json!({}),
            keep: None,
            case_code: "KS-AAAAA-BBBBB".parse().expect("a case code"),
            reconcile_only,
            attempts_before: 0,
            access: None,
        }
    }

    fn application(error: ActivityError) -> Option<Box<ApplicationFailure>> {
        match error {
            ActivityError::Application(failure) => Some(failure),
            _ => None,
        }
    }

    #[test]
    fn a_refused_credential_is_never_retried_and_an_outage_is() {
        let refused = application(failure(CallError::AuthRejected {
            agency: "residence".into(),
            operation: "register".into(),
            status: 401,
            agency_code: Some("SIGNATURE_INVALID".into()),
        }));
        let refused = refused.as_deref();
        assert_eq!(refused.map(|f| f.is_non_retryable()), Some(true));
        assert_eq!(refused.and_then(|f| f.type_name()), Some(AUTH_FAILURE_TYPE));
        let text = refused.map(ToString::to_string).unwrap_or_default();
        assert!(
            text.starts_with("AGENCY_AUTH_REJECTED: residence"),
            "{text}"
        );

        let down = application(failure(CallError::Unavailable {
            agency: "residence".into(),
            operation: "register".into(),
            status: 503,
            retry_after: None,
        }));
        let down = down.as_deref();
        assert_eq!(down.map(|f| f.is_non_retryable()), Some(false));
        assert_eq!(down.and_then(|f| f.type_name()), Some("AgencyUnavailable"));
    }

    #[test]
    fn activity_ids_name_the_step_and_why_it_was_called() {
        assert_eq!(
            step_and_purpose("residence", &call(false)),
            ("residence".into(), "call")
        );
        assert_eq!(
            step_and_purpose("residence/compensate", &call(false)),
            ("residence".into(), "compensate")
        );
        assert_eq!(
            step_and_purpose("residence/reconcile", &call(true)),
            ("residence".into(), "reconcile")
        );
        assert_eq!(
            step_and_purpose("residence", &call(true)),
            ("residence".into(), "reconcile")
        );
        assert_eq!(
            step_and_purpose("residence/restart1", &call(false)),
            ("residence".into(), "call"),
            "a restarted call is traced as a call"
        );
    }
}
