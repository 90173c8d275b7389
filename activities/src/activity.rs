use std::{sync::Arc, time::SystemTime};

use lienthong_workflows::{AgencyAnswer, AgencyCall, CallAgency};
use temporalio_macros::activities;
use temporalio_sdk::{
    ApplicationFailure,
    activities::{ActivityContext, ActivityError},
};

use crate::{AgencyClient, CallError};

/// The activities a lienthong worker hosts.
#[derive(Debug)]
pub struct AgencyActivities {
    client: AgencyClient,
}

impl AgencyActivities {
    pub fn new(client: AgencyClient) -> Self {
        Self { client }
    }
}

#[activities]
impl AgencyActivities {
    /// Calls one agency operation. Answers (including refusals) are returned; transient failures
    /// are raised so Temporal retries them with the step's policy.
    #[activity(definition = CallAgency)]
    pub async fn call_agency(
        self: Arc<Self>,
        ctx: ActivityContext,
        call: AgencyCall,
    ) -> Result<AgencyAnswer, ActivityError> {
        let info = ctx.info();
        let attempt = info.attempt;
        let remaining = info
            .deadline
            .and_then(|d| d.duration_since(SystemTime::now()).ok());
        let result = self.client.call(&call, attempt, remaining).await;
        match &result {
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
            Err(error) => {
                tracing::warn!(agency = %call.agency, operation = %call.operation, key = %call.idempotency_key, attempt, %error, "agency call failed, will retry");
            }
        }
        result.map_err(transient)
    }
}

fn transient(error: CallError) -> ActivityError {
    let retry_after = error.retry_after();
    let failure = ApplicationFailure::builder(error).type_name("AgencyUnavailable".to_owned());
    let failure = match retry_after {
        Some(delay) => failure.next_retry_delay(delay).build(),
        None => failure.build(),
    };
    ActivityError::application(failure)
}
