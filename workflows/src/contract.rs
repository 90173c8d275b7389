//! The contract between the workflow and the agency-call activity. The activity's implementation
//! lives in `lienthong-activities`; only its shape is known here, so the workflow crate stays free
//! of HTTP.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use temporalio_common::ActivityDefinition;

/// The activity type name both sides register under.
pub const CALL_AGENCY: &str = "lienthong.call_agency";

/// One call to one agency operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyCall {
    pub agency: String,
    pub operation: String,
    /// Derived from (case, step, purpose): the same act is never done twice, whatever retries.
    pub idempotency_key: String,
    /// Exactly the fields the step's mapping names.
    pub payload: Value,
    /// Response fields to keep; everything else the agency answers never enters the case history.
    /// `None` keeps the whole answer.
    pub keep: Option<Vec<String>>,
    /// The case this call belongs to; the activity derives the case's trace id from it.
    pub case_code: String,
}

/// What the agency decided. Transient failures are not answers: they are retried as activity
/// failures by Temporal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgencyAnswer {
    Done {
        output: Value,
        attempt: u32,
    },
    /// The agency refused (4xx with a reason code). Retrying would not change its mind.
    Rejected {
        code: String,
        message: String,
        attempt: u32,
    },
}

/// Marker for scheduling the agency-call activity from the workflow.
#[derive(Debug, Clone, Copy)]
pub struct CallAgency;

impl ActivityDefinition for CallAgency {
    type Input = AgencyCall;
    type Output = AgencyAnswer;

    fn name(&self) -> &str {
        CALL_AGENCY
    }
}
