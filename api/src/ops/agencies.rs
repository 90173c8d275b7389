//! Holding an agency during its outage and releasing it afterwards. A hold is recorded in the
//! engine database (new cases start with it) and sent to every running case, whose calls to the
//! agency stop without burning retries; a release goes back to the held cases at a gentle rate,
//! so the agency is not flooded the moment it returns.

use std::time::Duration;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use futures::{StreamExt, stream};
use lienthong_definitions::operator::{ActionKind, OperatorAction};
use lienthong_identity::Role;
use lienthong_workflows::{CaseWorkflow, search_attributes as sa};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::{WorkflowExecuteUpdateOptions, WorkflowListOptions};
use utoipa::ToSchema;

use super::actions::audit;
use crate::{ApiError, ApiState, auth::Caller};

/// How many cases are told of a hold at once.
const HOLD_CONCURRENCY: usize = 16;
/// Releases per second unless the operator chooses otherwise, and the most they may choose.
pub(crate) const DEFAULT_RATE: u32 = 10;
const MAX_RATE: u32 = 200;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyActionRequest {
    /// Why (1 to 500 characters); kept in the audit log.
    #[serde(default)]
    pub reason: String,
    /// Releases per second (default 10, at most 200).
    #[serde(default)]
    pub per_second: Option<u32>,
}

fn reason_required() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "REASON_REQUIRED",
        "say why (1 to 500 characters); it is kept in the audit log",
    )
}

fn known_agency(state: &ApiState, agency: &str) -> Result<(), ApiError> {
    if state.catalog.agencies().agency(agency).is_some() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "AGENCY_NOT_FOUND",
            "no agency of the catalogue has this name; GET /v1/catalogue lists them",
        ))
    }
}

/// The codes of the cases `query` matches, at most `limit`.
pub(crate) async fn codes(
    state: &ApiState,
    query: String,
    limit: usize,
) -> Result<Vec<String>, ApiError> {
    let options = WorkflowListOptions::builder().limit(limit).build();
    let mut stream = state.client.list_workflows(query, options);
    let mut codes = Vec::new();
    while let Some(item) = stream.next().await {
        codes.push(item.map_err(ApiError::engine_unavailable)?.id().to_owned());
    }
    Ok(codes)
}

/// Sends `kind` to each case, `per_second` at most (0: as fast as `HOLD_CONCURRENCY` allows),
/// and says for each whether it was done or why it was refused.
pub(crate) async fn send_each(
    state: &ApiState,
    caller: &Caller,
    reason: &str,
    cases: Vec<(String, ActionKind)>,
    per_second: u32,
) -> Vec<Value> {
    let pause = (per_second > 0).then(|| Duration::from_secs(1) / per_second);
    let start = tokio::time::Instant::now();
    let sends = cases.into_iter().enumerate().map(|(i, (code, kind))| {
        let action = OperatorAction {
            actor: caller.0.subject.clone(),
            role: caller.0.role_label(),
            reason: reason.to_owned(),
            kind,
        };
        let client = state.client.clone();
        async move {
            if let Some(pause) = pause {
                // The i-th case goes out at its slot, however long earlier ones took.
                tokio::time::sleep_until(start + pause * u32::try_from(i).unwrap_or(u32::MAX))
                    .await;
            }
            let handle = client.get_workflow_handle::<CaseWorkflow>(code.clone());
            let update = handle.execute_update(
                CaseWorkflow::operator_action,
                action,
                WorkflowExecuteUpdateOptions::default(),
            );
            match crate::case_update::answered(state, &code, update).await {
                Ok(outcome) => json!({"case": code, "outcome": "done", "effect": outcome.effect}),
                // Not a refusal: the case may still carry it out.
                Err(error) if error.code == crate::case_update::UNANSWERED => {
                    json!({"case": code, "outcome": "unanswered", "code": error.code, "message": error.message})
                }
                Err(error) => {
                    json!({"case": code, "outcome": "refused", "code": error.code, "message": error.message})
                }
            }
        }
    });
    stream::iter(sends)
        .buffer_unordered(HOLD_CONCURRENCY)
        .collect()
        .await
}

fn running_cases() -> String {
    format!(
        "WorkflowType = '{}' AND ExecutionStatus = 'Running'",
        CaseWorkflow::name()
    )
}

/// Holds `agency` everywhere: recorded for new cases and sent to every running case.
pub async fn hold(
    state: &ApiState,
    caller: &Caller,
    agency: &str,
    reason: &str,
) -> Result<Value, ApiError> {
    caller.require(&[Role::Operator])?;
    let result = async {
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(reason_required());
        }
        known_agency(state, agency)?;
        let new = state
            .store
            .hold_agency(agency, &caller.0.subject, reason.trim())
            .await
            .map_err(ApiError::database)?;
        if !new {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ALREADY_HELD",
                format!("{agency} is already held"),
            ));
        }
        let cases: Vec<(String, ActionKind)> = codes(state, running_cases(), usize::MAX)
            .await?
            .into_iter()
            .map(|code| {
                (
                    code,
                    ActionKind::Hold {
                        agency: agency.to_owned(),
                    },
                )
            })
            .collect();
        let results = send_each(state, caller, reason.trim(), cases, 0).await;
        Ok(results)
    }
    .await;
    let affected = done_cases(&result);
    audit(
        state,
        caller,
        "hold_agency",
        affected.clone(),
        reason,
        &result,
        format!("agency={agency}"),
    )
    .await?;
    result?;
    tracing::info!(%agency, cases = affected.len(), actor = %caller.0.subject, "agency held");
    Ok(json!({"agency": agency, "held": true, "cases_held": affected}))
}

/// Lifts the hold on `agency` and releases its held cases, `per_second` at most.
pub async fn release(
    state: &ApiState,
    caller: &Caller,
    agency: &str,
    reason: &str,
    per_second: Option<u32>,
) -> Result<Value, ApiError> {
    caller.require(&[Role::Operator])?;
    let rate = per_second.unwrap_or(DEFAULT_RATE).clamp(1, MAX_RATE);
    let result = async {
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(reason_required());
        }
        known_agency(state, agency)?;
        if !state
            .store
            .release_agency(agency)
            .await
            .map_err(ApiError::database)?
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "NOT_HELD",
                format!("{agency} is not held"),
            ));
        }
        let query = format!(
            "{} AND {} = 'held' AND {} = '{agency}'",
            running_cases(),
            sa::NEEDS_ATTENTION.name(),
            sa::ATTENTION_AGENCY.name()
        );
        let cases = codes(state, query, usize::MAX)
            .await?
            .into_iter()
            .map(|code| {
                (
                    code,
                    ActionKind::Release {
                        agency: agency.to_owned(),
                    },
                )
            })
            .collect();
        Ok(send_each(state, caller, reason.trim(), cases, rate).await)
    }
    .await;
    let affected = done_cases(&result);
    audit(
        state,
        caller,
        "release_agency",
        affected.clone(),
        reason,
        &result,
        format!("agency={agency} per_second={rate}"),
    )
    .await?;
    result?;
    tracing::info!(%agency, cases = affected.len(), actor = %caller.0.subject, "agency released");
    Ok(json!({"agency": agency, "held": false, "cases_released": affected, "per_second": rate}))
}

fn done_cases(result: &Result<Vec<Value>, ApiError>) -> Vec<String> {
    result
        .as_ref()
        .map(|results| {
            results
                .iter()
                .filter(|r| r["outcome"] == "done")
                .filter_map(|r| r["case"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Holds an agency during its outage: new cases start with it held, running ones stop calling it.
#[utoipa::path(post, path = "/v1/ops/agencies/{agency}/hold", operation_id = "hold_agency", tag = "operations",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "The agency id, e.g. `residence`.")),
    request_body = AgencyActionRequest,
    responses(
        (status = 200, description = "Held, and which running cases took it.", body = crate::openapi::AgencyActionAnswer),
        (status = 400, description = "`REASON_REQUIRED`.", body = crate::error::ErrorBody),
        (status = 404, description = "`AGENCY_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`ALREADY_HELD`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn hold_route(
    State(state): State<ApiState>,
    caller: Caller,
    Path(agency): Path<String>,
    crate::json::ApiJson(request): crate::json::ApiJson<AgencyActionRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(hold(&state, &caller, &agency, &request.reason).await?))
}

/// Releases a held agency; its held cases go back to it at `per_second`.
#[utoipa::path(post, path = "/v1/ops/agencies/{agency}/release", operation_id = "release_agency", tag = "operations",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "The agency id, e.g. `residence`.")),
    request_body = AgencyActionRequest,
    responses(
        (status = 200, description = "Released, and which cases.", body = crate::openapi::AgencyActionAnswer),
        (status = 400, description = "`REASON_REQUIRED`.", body = crate::error::ErrorBody),
        (status = 404, description = "`AGENCY_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`NOT_HELD`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn release_route(
    State(state): State<ApiState>,
    caller: Caller,
    Path(agency): Path<String>,
    crate::json::ApiJson(request): crate::json::ApiJson<AgencyActionRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        release(
            &state,
            &caller,
            &agency,
            &request.reason,
            request.per_second,
        )
        .await?,
    ))
}

/// The agencies, whether each is held (by whom, why, since when) and whether it answers.
pub async fn agency_board(state: &ApiState, caller: &Caller) -> Result<Value, ApiError> {
    caller.require(&[Role::Operator])?;
    let holds = state.store.holds().await.map_err(ApiError::database)?;
    let mut agencies = Vec::new();
    for agency in state.catalog.agencies().agencies() {
        let hold = holds.iter().find(|h| h.agency == agency.id);
        let problem = super::actions::health_problem(state, &agency.id).await;
        agencies.push(json!({
            "agency": agency.id,
            "held": hold.is_some(),
            "hold": hold,
            "answers": problem.is_none(),
            "problem": problem,
        }));
    }
    Ok(json!({ "agencies": agencies }))
}

/// The agencies: held or not, answering or not.
#[utoipa::path(get, path = "/v1/ops/agencies", operation_id = "list_agency_states", tag = "operations",
    security(("bearer" = [])),
    responses((status = 200, description = "Each agency's state.", body = crate::openapi::AgencyBoard)))]
pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(agency_board(&state, &caller).await?))
}
