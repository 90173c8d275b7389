//! A citizen's case: reading it and withdrawing it.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use std::sync::Arc;

use lienthong_definitions::case::CaseState;
use lienthong_workflows::{CaseWorkflow, WithdrawOutcome, WithdrawRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::WorkflowExecuteUpdateOptions;
use utoipa::ToSchema;

use crate::{
    ApiError,
    auth::Caller,
    case_access::{self, View},
    case_update,
    citizen::words,
    json::ApiJson,
    lang::Language,
    params::ApiPath,
    procedures::Procedure,
};
use crate::{
    ApiState,
    engine::{case_state, running_case},
};

/// A case's status, steps, outputs, deadlines and journal.
#[utoipa::path(get, path = "/v1/cases/{code}", operation_id = "get_case", tag = "cases",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code, e.g. `KS-3AXMP-RTRQT`.")),
    responses(
        (status = 200, description = "The case, masked unless the caller's role grants personal data, with `said`: its status and each step's title and status in words, in the language `Accept-Language` prefers (Vietnamese by default).", body = crate::openapi::CitizenCaseDoc),
        (status = 404, description = "`CASE_NOT_FOUND`: no such case, or not one the caller may see.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn case(
    State(state): State<ApiState>,
    caller: Caller,
    Language(lang): Language,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let Read {
        access,
        case,
        definition,
    } = read(&state, &caller, &code).await?;
    let mut body = serde_json::to_value(&case).map_err(ApiError::engine_unavailable)?;
    body["said"] = serde_json::to_value(words::said(
        &case,
        definition.as_ref().map(|p| &p.definition),
        lang,
    ))
    .map_err(ApiError::engine_unavailable)?;
    if access.view == View::Masked {
        case_access::mask_case(&mut body, &state.catalog.agencies());
        masked_words(&mut body);
    } else {
        case_access::record_personal_data_read(&state, &caller, &access, "case state").await?;
    }
    Ok(Json(body))
}

/// What `said` repeats of a step's output is shown as the masked output shows it: a field its
/// contract declares public stays, anything else is masked.
fn masked_words(body: &mut Value) {
    let outputs: Vec<(Value, Value)> = body["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| (s["id"].clone(), s["output"].clone()))
                .collect()
        })
        .unwrap_or_default();
    let Some(said) = body["said"]["steps"].as_array_mut() else {
        return;
    };
    for step in said {
        let output = outputs
            .iter()
            .find(|(id, _)| *id == step["id"])
            .map(|(_, output)| output.clone())
            .unwrap_or(Value::Null);
        if let Some(issued) = step["issued"].as_array_mut() {
            for item in issued {
                let field = item["field"].as_str().unwrap_or_default().to_owned();
                item["value"] = output
                    .get(&field)
                    .cloned()
                    .unwrap_or_else(|| Value::String("•••".into()));
            }
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Withdrawal {
    /// Why (1 to 500 characters).
    reason: String,
}

/// Withdraw an application: calls already sent finish, then every reversible step is undone.
#[utoipa::path(post, path = "/v1/cases/{code}/withdraw", operation_id = "withdraw_case", tag = "cases",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code.")),
    request_body = Withdrawal,
    responses(
        (status = 202, description = "The case took the request.", body = crate::openapi::WithdrawalAnswer),
        (status = 400, description = "`REASON_REQUIRED`.", body = crate::error::ErrorBody),
        (status = 404, description = "`CASE_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`CASE_CLOSED`: the case has ended.", body = crate::error::ErrorBody),
        (status = 503, description = "`CASE_DID_NOT_ANSWER` within the update deadline: read the case and send again if needed.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn withdraw(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<impl IntoResponse, ApiError> {
    let outcome = withdraw_case(&state, &caller, &code, &body.reason).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "status": outcome.as_str()})),
    ))
}

/// A case as the caller may read it: its access, its state, and the version it runs (whose
/// titles and words name its steps; `None` only if the database cannot give it, which leaves
/// step ids as titles rather than failing the read).
pub(crate) struct Read {
    pub(crate) access: case_access::Access,
    pub(crate) case: CaseState,
    pub(crate) definition: Option<Arc<Procedure>>,
}

/// Reads case `code` for `caller`: the JSON API and the citizen page both read through here.
pub(crate) async fn read(state: &ApiState, caller: &Caller, code: &str) -> Result<Read, ApiError> {
    let access = case_access::authorize(state, caller, code).await?;
    let case = case_state(state, code).await?;
    let definition = state
        .catalog
        .store()
        .version(&case.procedure.0, i64::from(case.version))
        .await
        .ok()
        .and_then(|record| state.catalog.compiled(&record).ok());
    Ok(Read {
        access,
        case,
        definition,
    })
}

/// Withdraws case `code` for the citizen whose case it is, for `reason`: what the case answered.
/// The JSON API and the citizen page both withdraw through here.
pub(crate) async fn withdraw_case(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    reason: &str,
) -> Result<WithdrawOutcome, ApiError> {
    case_access::authorize_party(state, caller, code).await?;
    let reason = crate::error::reason(reason)?;
    let handle = running_case(state, code).await?;
    // An update, not a signal: the case answers, so a withdrawal that arrives as the case ends
    // is refused with `CASE_CLOSED` instead of being accepted and then ignored.
    let outcome = case_update::answered(
        state,
        code,
        handle.execute_update(
            CaseWorkflow::request_withdrawal,
            WithdrawRequest {
                reason: reason.into_string(),
            },
            WorkflowExecuteUpdateOptions::default(),
        ),
    )
    .await?;
    tracing::info!(case = %code, outcome = outcome.as_str(), "withdrawal requested");
    Ok(outcome)
}
