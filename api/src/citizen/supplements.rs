//! The citizen answers an agency's request for documents: `POST /v1/cases/{code}/supplements`.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use lienthong_definitions::{StepId, case::StepStatus};
use lienthong_workflows::{CaseWorkflow, SupplementRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::{WorkflowQueryOptions, WorkflowSignalOptions};
use utoipa::ToSchema;

use crate::params::ApiPath;
use crate::{
    ApiError, ApiState,
    error::FieldError,
    json::ApiJson,
    lang::{Lang, Language},
    messages,
};

/// The documents an agency asked the citizen for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Supplement {
    /// The step this answers; needed only when several wait for documents.
    #[serde(default)]
    pub(crate) step: Option<String>,
    /// Every requested code must be there.
    pub(crate) documents: Vec<Document>,
    /// For the agency (at most 500 characters are kept).
    #[serde(default)]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Document {
    /// A code the agency asked for, e.g. `PARENT_RESIDENCE_CONFIRMATION`.
    pub(crate) code: String,
    /// Where the portal holds the document; the engine passes references, never files.
    pub(crate) reference: String,
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
    Language(lang): Language,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<Supplement>,
) -> Result<impl IntoResponse, ApiError> {
    let step_id = answer(&state, &caller, &code, body, lang).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "step": step_id, "status": "supplement_received"})),
    ))
}

/// Passes the citizen's answer to the step of case `code` that waits for documents; the step's
/// id. Every problem is a field of `SUPPLEMENT_INVALID`, in `lang`. The JSON API and the citizen
/// page both answer through here.
pub(crate) async fn answer(
    state: &ApiState,
    caller: &crate::auth::Caller,
    code: &str,
    body: Supplement,
    lang: Lang,
) -> Result<String, ApiError> {
    crate::case_access::authorize_party(state, caller, code).await?;
    let handle = state
        .client
        .get_workflow_handle::<CaseWorkflow>(code.to_owned());
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
                message: messages::text(lang, "supplement-WHICH_STEP", &[]),
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
            message: messages::text(
                lang,
                "supplement-MISSING_DOCUMENT",
                &[("code", (*wanted).clone())],
            ),
        })
        .collect();
    for (i, d) in body.documents.iter().enumerate() {
        if d.reference.trim().is_empty() || d.reference.len() > 200 {
            problems.push(FieldError {
                field: format!("/documents/{i}/reference"),
                code: "REQUIRED".into(),
                message: messages::text(lang, "supplement-REFERENCE", &[]),
            });
        }
    }
    if body.documents.is_empty() || !problems.is_empty() {
        if body.documents.is_empty() {
            problems.push(FieldError {
                field: "/documents".into(),
                code: "REQUIRED".into(),
                message: messages::text(lang, "supplement-NO_DOCUMENT", &[]),
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
    Ok(step_id)
}
