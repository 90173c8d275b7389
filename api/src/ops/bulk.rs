//! `POST /v1/ops/bulk`: retry or release many cases chosen by a filter. A dry run answers a page
//! at a time with exactly the cases and steps the action would touch and changes nothing; a
//! real run refuses outright when the filter matches more cases than the cap, so a filter
//! written too wide never touches the wrong thousand cases, and otherwise starts a batch that
//! acts on each case on its own and answers at once with the batch's id.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::{StreamExt, stream};
use lienthong_definitions::{AgencyId, case::CaseState, operator::ActionKind};
use lienthong_identity::Role;
use lienthong_workflows::batch::{self, BatchAction};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::{NamespacedClient, WorkflowCountOptions, tonic::Request};
use temporalio_common::protos::temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest;
use utoipa::ToSchema;

use super::{
    actions::audit,
    agencies::{DEFAULT_RATE, MAX_RATE},
    batches::{self, NewBatch},
    filter::CaseFilter,
};
use crate::{ApiError, ApiState, auth::Caller, engine::case_state, error::FieldError};

/// The most cases one bulk action may touch, whatever cap is asked for.
pub const MAX_CAP: usize = 1000;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// `retry_now` (every retrying or parked step of each case) or `release` (the agency's
    /// held steps).
    pub action: String,
    /// For `release`: the agency; for `retry_now`: only that agency's steps.
    #[serde(default)]
    pub agency: Option<String>,
    /// Which cases (running ones unless `status` says otherwise).
    #[serde(default)]
    pub filter: CaseFilter,
    /// List what would be sent, and send nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse when more cases than this match (default 50, at most 1000).
    #[serde(default)]
    pub cap: Option<usize>,
    /// Why (1 to 500 characters); kept in the audit log.
    #[serde(default)]
    pub reason: String,
    /// Cases per second (default 10, at most 200).
    #[serde(default)]
    pub per_second: Option<u32>,
    /// Dry run: the page to show, as `next_page` of the previous answer; none for the first.
    #[serde(default)]
    pub page: Option<String>,
    /// Dry run: cases per page (default 50, at most 200).
    #[serde(default)]
    pub page_size: Option<u32>,
}

/// How long a dry run waits for one case's state before listing it as unreadable.
const READ_WITHIN: Duration = Duration::from_secs(2);
/// Cases read at once for a dry run's page.
const READ_CONCURRENCY: usize = 16;
/// Cases per dry-run page unless asked otherwise, and the most.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// What the action would send to a case in `state`.
fn plan_for(request: &BulkRequest, state: &CaseState) -> Vec<ActionKind> {
    match (request.action.as_str(), &request.agency) {
        ("retry_now", agency) => batch::retries(state, agency.as_deref()),
        (_, Some(agency)) if state.is_held(agency) => vec![ActionKind::Release {
            agency: AgencyId(agency.clone()),
        }],
        _ => Vec::new(),
    }
}

fn describe(kind: &ActionKind) -> Value {
    match kind {
        ActionKind::RetryNow { step } => json!({"action": "retry_now", "step": step}),
        ActionKind::Release { agency } => json!({"action": "release", "agency": agency}),
        other => json!({"action": other.name()}),
    }
}

/// One page of the cases `query` selects, and where the next begins (`None`: the last).
async fn list_page(
    state: &ApiState,
    query: &str,
    size: u32,
    page: Option<&str>,
) -> Result<(Vec<String>, Option<String>), ApiError> {
    let token = match page {
        Some(page) => URL_SAFE_NO_PAD.decode(page).map_err(|_| {
            let mut error = ApiError::new(
                StatusCode::BAD_REQUEST,
                "PAGE_INVALID",
                "`page` is not one a dry run answered; start again without it",
            );
            error.fields.push(FieldError {
                field: "/page".into(),
                code: "PAGE_INVALID".into(),
                message: "pass `next_page` from the previous answer as it was".into(),
            });
            error
        })?,
        None => Vec::new(),
    };
    let mut service = state.client.connection().workflow_service();
    let answer = service
        .list_workflow_executions(Request::new(ListWorkflowExecutionsRequest {
            namespace: state.client.namespace(),
            page_size: i32::try_from(size).unwrap_or(i32::MAX),
            next_page_token: token,
            query: query.to_owned(),
        }))
        .await
        .map_err(ApiError::engine_unavailable)?
        .into_inner();
    let codes = answer
        .executions
        .into_iter()
        .filter_map(|e| e.execution.map(|e| e.workflow_id))
        .collect();
    let next = (!answer.next_page_token.is_empty())
        .then(|| URL_SAFE_NO_PAD.encode(&answer.next_page_token));
    Ok((codes, next))
}

/// What the action would send to each case of a page, read at once; a case whose state cannot be
/// read in time is listed as unreadable rather than holding the page up.
async fn plan_page(
    state: &ApiState,
    request: &BulkRequest,
    codes: &[String],
) -> (Vec<Value>, Vec<String>) {
    // Each read owns what it uses, so the page's futures are `Send` for any lifetime.
    let reads = codes.iter().cloned().map(|code| {
        let state = state.clone();
        async move {
            let read = tokio::time::timeout(READ_WITHIN, case_state(&state, &code)).await;
            (code, read.ok().and_then(Result::ok))
        }
    });
    let read: Vec<(String, Option<CaseState>)> = stream::iter(reads)
        .buffered(READ_CONCURRENCY)
        .collect()
        .await;
    let mut would_send = Vec::new();
    let mut unreadable = Vec::new();
    for (code, case) in read {
        match case {
            Some(case) => {
                for kind in plan_for(request, &case) {
                    let mut item = describe(&kind);
                    item["case"] = json!(code);
                    would_send.push(item);
                }
            }
            None => unreadable.push(code),
        }
    }
    (would_send, unreadable)
}

pub async fn bulk(
    state: &ApiState,
    caller: &Caller,
    request: &BulkRequest,
) -> Result<Value, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let cap = request.cap.unwrap_or(50).clamp(1, MAX_CAP);
    let mut listed = Vec::new();
    let result = async {
        let reason = crate::error::reason(&request.reason)?;
        let action = match (request.action.as_str(), &request.agency) {
            ("retry_now", agency) => BatchAction::RetryNow {
                agency: agency.clone().map(AgencyId),
            },
            ("release", Some(agency)) => BatchAction::Release {
                agency: AgencyId(agency.clone()),
            },
            ("release", None) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "ACTION_INVALID",
                    "`release` needs `agency`",
                ));
            }
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "ACTION_INVALID",
                    "a bulk `action` is retry_now or release",
                ));
            }
        };
        let mut filter = request.filter.clone();
        if filter.status.is_none() {
            filter.status = Some("running".into());
        }
        let query = filter.query(principal)?;
        if request.dry_run {
            let matched = count(state, &query).await?;
            let size = request.page_size.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
            let (codes, next_page) = list_page(state, &query, size, request.page.as_deref()).await?;
            let (would_send, unreadable) = plan_page(state, request, &codes).await;
            listed.clone_from(&codes);
            return Ok(json!({
                "dry_run": true,
                "matched_total": matched,
                "over_cap": matched > u64::try_from(cap).unwrap_or(u64::MAX),
                "cap": cap,
                "matched": codes,
                "would_send": would_send,
                "unreadable": unreadable,
                "next_page": next_page,
            }));
        }
        // The cases matched now, for the cap and the audit log; the batch lists them again
        // page by page as it goes.
        let codes = batches::codes(state, &query, cap + 1).await?;
        let matched = codes.len();
        listed = codes;
        if matched > cap {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "BULK_OVER_CAP",
                format!(
                    "the filter matches more than {cap} cases; narrow it or raise `cap` (at most {MAX_CAP}); nothing was done"
                ),
            ));
        }
        // Releasing an agency's cases means it is back: new cases no longer start held either,
        // and the batch keeps looking for cases filed while the hold was being lifted. The hold
        // is every office's, so only an operator of every office lifts it; another releases the
        // cases of their offices only.
        let hold_lifted = match &action {
            BatchAction::Release { agency } if principal.covers_every_office() => state
                .store
                .release_agency(agency)
                .await
                .map_err(ApiError::database)?,
            _ => false,
        };
        let rate = request.per_second.unwrap_or(DEFAULT_RATE).clamp(1, MAX_RATE);
        let batch = batches::start(
            state,
            caller,
            NewBatch {
                action,
                query,
                per_second: rate,
                cap: Some(u32::try_from(cap).unwrap_or(u32::MAX)),
                settle_secs: if hold_lifted { batches::SETTLE_SECS } else { 0 },
                reason: reason.into_string(),
            },
        )
        .await?;
        Ok(json!({
            "dry_run": false,
            "matched_total": matched,
            "batch": batch,
            "per_second": rate,
            "agency_hold_lifted": hold_lifted,
        }))
    }
    .await;
    // The audit log names only actions it knows: what a caller typed is never stored.
    let known = match request.action.as_str() {
        action @ ("retry_now" | "release") => action,
        _ => "unknown",
    };
    let action = if request.dry_run {
        format!("bulk_{known}_dry_run")
    } else {
        format!("bulk_{known}")
    };
    let mut detail = json!({
        "agency": request.agency, "filter": request.filter, "cap": cap,
    });
    if let Ok(answer) = &result
        && let Some(batch) = answer["batch"].as_str()
    {
        detail["batch"] = json!(batch);
    }
    audit(
        state,
        caller,
        &action,
        listed,
        &request.reason,
        &result,
        serde_json::to_string(&detail).unwrap_or_default(),
    )
    .await?;
    result
}

async fn count(state: &ApiState, query: &str) -> Result<u64, ApiError> {
    state
        .client
        .count_workflows(query.to_owned(), WorkflowCountOptions::default())
        .await
        .map(|c| u64::try_from(c.count()).unwrap_or(u64::MAX))
        .map_err(ApiError::engine_unavailable)
}

/// Retry or release many cases chosen by a filter; a dry run first lists exactly what it would touch.
#[utoipa::path(post, path = "/v1/ops/bulk", operation_id = "bulk_action", tag = "operations",
    security(("bearer" = [])),
    request_body = BulkRequest,
    responses(
        (status = 200, description = "Dry run: a page of what would be sent. Real run: the batch that carries it out.", body = crate::openapi::BulkAnswer),
        (status = 400, description = "`REASON_REQUIRED`, `ACTION_INVALID`, `FILTER_INVALID`.", body = crate::error::ErrorBody),
        (status = 409, description = "`BULK_OVER_CAP`: more cases match than `cap`; nothing was done.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn post(
    State(state): State<ApiState>,
    caller: Caller,
    crate::json::ApiJson(request): crate::json::ApiJson<BulkRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(bulk(&state, &caller, &request).await?))
}
