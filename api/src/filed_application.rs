//! The application a case was filed with, for the operators allowed to see it. The case's state
//! does not carry it: it is the workflow's input, the first event of its history, encrypted
//! like everything there, and decrypted here with the installation's keys.

use futures::StreamExt;
use lienthong_workflows::CaseWorkflow;
use serde_json::Value;
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use crate::{ApiError, ApiState, engine::interaction_error};

/// The case's application as filed; `None` when its history does not start with an input
/// this build reads (nothing an operator can act on, so not an error of the page).
pub(crate) async fn of_case(state: &ApiState, code: &str) -> Result<Option<Value>, ApiError> {
    let handle = state
        .client
        .get_workflow_handle::<CaseWorkflow>(code.to_owned());
    let mut history = handle.fetch_history(WorkflowFetchHistoryOptions::default());
    let Some(first) = history.next().await else {
        return Ok(None);
    };
    let first = first.map_err(interaction_error)?;
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = first.attributes
    else {
        return Ok(None);
    };
    let Some(payload) = started.input.and_then(|p| p.payloads.into_iter().next()) else {
        return Ok(None);
    };
    let plain = match state.payload_cipher.decrypt(payload) {
        Ok(plain) => plain,
        Err(e) => {
            // No key of this installation opens it (rotated out): say nothing of its content.
            tracing::warn!(
                case = code,
                code = e.code(),
                "a case's input could not be decrypted"
            );
            return Ok(None);
        }
    };
    Ok(serde_json::from_slice::<Value>(&plain.data)
        .ok()
        .and_then(|mut input| input.get_mut("application").map(Value::take)))
}

/// Every value of the application replaced by a mask, its shape kept: an operator without the
/// personal-data grant sees which parts were given, never what they say.
pub(crate) fn masked(mut application: Value) -> Value {
    fn mask_all(value: &mut Value) {
        match value {
            Value::Object(map) => map.values_mut().for_each(mask_all),
            Value::Array(items) => items.iter_mut().for_each(mask_all),
            Value::Null => {}
            other => *other = Value::String("•••".into()),
        }
    }
    mask_all(&mut application);
    application
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::masked;

    #[test]
    fn a_masked_application_keeps_its_shape_and_no_value() {
        let application = json!({
            "child": {"full_name": "Nguyễn Văn A", "ethnicity": "Kinh", "sex": "male"},
            "mother": {"personal_id": "001190012345"},
            "documents": ["a", "b"],
            "father": null,
        });
        let shown = masked(application);
        assert_eq!(
            shown,
            json!({
                "child": {"full_name": "•••", "ethnicity": "•••", "sex": "•••"},
                "mother": {"personal_id": "•••"},
                "documents": ["•••", "•••"],
                "father": null,
            })
        );
    }
}
