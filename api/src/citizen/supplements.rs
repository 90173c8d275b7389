//! The citizen answers an agency's request for documents: `POST /v1/cases/{code}/supplements`.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use lienthong_definitions::{StepId, case::StepStatus};
use lienthong_workflows::{CaseWorkflow, SupplementRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::{WorkflowQueryOptions, WorkflowSignalOptions};
use utoipa::ToSchema;

use crate::params::ApiPath;
use crate::{ApiError, ApiState, error::FieldError, json::ApiJson};

/// The documents an agency asked the citizen for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Supplement {
    /// The step this answers; needed only when several wait for documents.
    #[serde(default)]
    step: Option<String>,
    /// Every requested code must be there.
    documents: Vec<Document>,
    /// For the agency (at most 500 characters are kept).
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Document {
    /// A code the agency asked for, e.g. `PARENT_RESIDENCE_CONFIRMATION`.
    code: String,
    /// Where the portal holds the document; the engine passes references, never files.
    reference: String,
}

/// Answer an agency's request for documents; the step is sent again with them.
#[utoipa::path(post, path = "/v1/cases/{code}/supplements", operation_id = "supplement_case", tag = "cases",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code.")),
    request_body = Supplement,
    responses(
        (status = 202, description = "Passed to the step.", body = crate::openapi::SupplementAnswer),
        (status = 400, description = "`SUPPLEMENT_INVALID` (`MISSING_DOCUMENT`, …) or `APPLICATION_INVALID` (`/step` required) with `fields`.", body = crate::error::ErrorBody),
        (status = 404, description = "`CASE_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`NOT_AWAITING_DOCUMENTS`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn supplement(
    State(state): State<ApiState>,
    caller: crate::auth::Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<Supplement>,
) -> Result<impl IntoResponse, ApiError> {
    crate::case_access::authorize_party(&state, &caller, &code).await?;
    let handle = state
        .client
        .get_workflow_handle::<CaseWorkflow>(code.clone());
    let case = handle
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await
        .map_err(crate::engine::query_error)?
        .ok_or_else(ApiError::case_not_found)?;
    let waiting: Vec<_> = case
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::AwaitingDocuments)
        .filter(|s| body.step.as_ref().is_none_or(|wanted| &s.id.0 == wanted))
        .collect();
    let step = match waiting.as_slice() {
        [] => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "NOT_AWAITING_DOCUMENTS",
                "no step of this case is waiting for documents",
            ));
        }
        [step] => *step,
        _ => {
            return Err(ApiError::invalid(vec![FieldError {
                field: "/step".into(),
                code: "REQUIRED".into(),
                message: "several steps wait for documents: say which one this answers".into(),
            }]));
        }
    };
    let requested: Vec<String> = step
        .documents_requested
        .as_ref()
        .and_then(|r| r.documents.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d.get("code").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut problems: Vec<FieldError> = requested
        .iter()
        .filter(|wanted| !body.documents.iter().any(|d| &d.code == *wanted))
        .map(|wanted| FieldError {
            field: "/documents".into(),
            code: "MISSING_DOCUMENT".into(),
            message: format!("the agency asked for `{wanted}`"),
        })
        .collect();
    for (i, d) in body.documents.iter().enumerate() {
        if d.reference.trim().is_empty() || d.reference.len() > 200 {
            problems.push(FieldError {
                field: format!("/documents/{i}/reference"),
                code: "REQUIRED".into(),
                message: "give the document's reference (1 to 200 characters)".into(),
            });
        }
    }
    if body.documents.is_empty() || !problems.is_empty() {
        if body.documents.is_empty() {
            problems.push(FieldError {
                field: "/documents".into(),
                code: "REQUIRED".into(),
                message: "list at least one document".into(),
            });
        }
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "SUPPLEMENT_INVALID",
            message: "the supplement has problems; see `fields`".into(),
            fields: problems,
            diagnostics: Vec::new(),
            retry_after: None,
        });
    }
    let request = SupplementRequest {
        step: Some(StepId(step.id.0.clone())),
        documents: serde_json::to_value(&body.documents).unwrap_or(Value::Null),
        note: body.note.map(|n| n.chars().take(500).collect()),
    };
    let step_id = step.id.0.clone();
    handle
        .signal(
            CaseWorkflow::supplement,
            request,
            WorkflowSignalOptions::default(),
        )
        .await
        .map_err(crate::engine::interaction_error)?;
    tracing::info!(case = %code, step = %step_id, "supplement received");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "step": step_id, "status": "supplement_received"})),
    ))
}
