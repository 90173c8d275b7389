//! The contract between the workflow and the agency-call activity. The activity's implementation
//! lives in `lienthong-activities`; only its shape is known here, so the workflow crate stays free
//! of HTTP.

use lienthong_definitions::{AgencyId, CaseCode, catalogue::AgencyAccess};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use temporalio_common::ActivityDefinition;

/// The activity type name both sides register under.
pub const CALL_AGENCY: &str = "lienthong.call_agency";

/// One call to one agency operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyCall {
    pub agency: AgencyId,
    pub operation: String,
    /// Derived from (case, step, round, purpose): the same act is never done twice, whatever
    /// retries.
    pub idempotency_key: String,
    /// Exactly the fields the step's mapping names.
    pub payload: Value,
    /// Response fields to keep; everything else the agency answers never enters the case history.
    /// `None` keeps the whole answer.
    pub keep: Option<Vec<String>>,
    /// The case this call belongs to; the activity derives the case's trace id from it.
    pub case_code: CaseCode,
    /// Only ask the agency whether the act with this key happened; never send it.
    #[serde(default)]
    pub reconcile_only: bool,
    /// Attempts already made elsewhere: 1 when a local first attempt failed and the call went to
    /// the task queue, whose attempt numbering starts again at 1.
    #[serde(default)]
    pub attempts_before: u32,
    /// The agency's address and auth as filed with the case; `None` for cases filed before
    /// this was carried, which the worker's own settings serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AgencyAccess>,
}

/// What the agency decided. Transient failures are not answers: they are retried as activity
/// failures by Temporal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgencyAnswer {
    /// `reconciled`: an earlier attempt went unanswered and the agency confirmed it had acted.
    Done {
        output: Value,
        attempt: u32,
        reconciled: bool,
    },
    /// The agency refused (4xx with a reason code). Retrying would not change its mind.
    Rejected {
        code: String,
        message: String,
        attempt: u32,
    },
    /// Nothing done: the agency needs more documents from the citizen.
    DocumentsRequired { documents: Value, message: String },
    /// Accepted; an officer decides later and the agency calls back.
    Pending { reference: String },
    /// Answer to a reconciliation: the agency has no record of the act.
    NotDone,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use lienthong_definitions::catalogue::Auth;

    use super::*;

    fn call(access: Option<AgencyAccess>) -> AgencyCall {
        AgencyCall {
            agency: "tax-office".into(),
            operation: "close-personal-tax-code".into(),
            idempotency_key: "KS-00000-00000/tax".into(),
            payload: Value::Null,
            keep: None,
            case_code: "KS-00000-00000".parse().unwrap(),
            reconcile_only: false,
            attempts_before: 0,
            access,
        }
    }

    #[test]
    fn a_call_without_an_entry_is_written_as_before_and_one_with_it_carries_address_and_auth() {
        let before = serde_json::to_value(call(None)).unwrap();
        assert!(
            before.get("access").is_none(),
            "a case filed before entries travelled writes the same activity input: {before}"
        );
        let read: AgencyCall = serde_json::from_value(before).unwrap();
        assert_eq!(read.access, None);

        let access = AgencyAccess {
            base_url: "https://tax.example.gov.vn".into(),
            auth: Auth::Hmac {
                secret_env: "LIENTHONG_SECRET_TAX_OFFICE".into(),
            },
            max_per_second: None,
        };
        let written = serde_json::to_value(call(Some(access.clone()))).unwrap();
        assert_eq!(
            written["access"]["auth"]["secret_env"],
            "LIENTHONG_SECRET_TAX_OFFICE"
        );
        let read: AgencyCall = serde_json::from_value(written).unwrap();
        assert_eq!(read.access, Some(access));
    }
}
