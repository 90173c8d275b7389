//! `POST /v1/ops/bulk`: retry or release many cases chosen by a filter. A dry run answers with
//! exactly the cases and steps the action would touch and changes nothing; a real run refuses
//! outright when the filter matches more cases than the cap, so a filter written too wide never
//! touches the wrong thousand cases.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_definitions::{case::StepStatus, operator::ActionKind};
use lienthong_identity::Role;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    actions::audit,
    agencies::{DEFAULT_RATE, codes, send_each},
    filter::CaseFilter,
};
use crate::{ApiError, ApiState, auth::Caller, routes::case_state};

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
    /// Cases per second (default 10).
    #[serde(default)]
    pub per_second: Option<u32>,
}

/// What the action would send to one case.
async fn plan_for(
    state: &ApiState,
    request: &BulkRequest,
    code: &str,
) -> Result<Vec<ActionKind>, ApiError> {
    let case = case_state(state, code).await?;
    let ours = |agency: Option<&String>| match &request.agency {
        Some(wanted) => agency == Some(wanted),
        None => true,
    };
    Ok(match request.action.as_str() {
        "retry_now" => case
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    StepStatus::AgencyUnavailable | StepStatus::Running
                ) && ours(s.agency.as_ref())
            })
            .map(|s| ActionKind::RetryNow { step: s.id.clone() })
            .collect(),
        _ => {
            let held = case
                .steps
                .iter()
                .any(|s| s.status == StepStatus::Held && ours(s.agency.as_ref()));
            match (&request.agency, held) {
                (Some(agency), true) => vec![ActionKind::Release {
                    agency: agency.clone(),
                }],
                _ => Vec::new(),
            }
        }
    })
}

fn describe(kind: &ActionKind) -> Value {
    match kind {
        ActionKind::RetryNow { step } => json!({"action": "retry_now", "step": step}),
        ActionKind::Release { agency } => json!({"action": "release", "agency": agency}),
        other => json!({"action": other.name()}),
    }
}

pub async fn bulk(
    state: &ApiState,
    caller: &Caller,
    request: &BulkRequest,
) -> Result<Value, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let cap = request.cap.unwrap_or(50).clamp(1, MAX_CAP);
    let mut matched = Vec::new();
    let result = async {
        if request.reason.trim().is_empty() || request.reason.chars().count() > 500 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "REASON_REQUIRED",
                "say why (1 to 500 characters); it is kept in the audit log",
            ));
        }
        match (request.action.as_str(), &request.agency) {
            ("retry_now", _) | ("release", Some(_)) => {}
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
        }
        let mut filter = request.filter.clone();
        if filter.status.is_none() {
            filter.status = Some("running".into());
        }
        let query = filter.query(principal)?;
        matched = codes(state, query, cap + 1).await?;
        if matched.len() > cap {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "BULK_OVER_CAP",
                format!(
                    "the filter matches more than {cap} cases; narrow it or raise `cap` (at most {MAX_CAP}); nothing was done"
                ),
            ));
        }
        let mut plan = Vec::new();
        for code in &matched {
            for kind in plan_for(state, request, code).await? {
                plan.push((code.clone(), kind));
            }
        }
        if request.dry_run {
            return Ok(json!({
                "dry_run": true,
                "matched": matched,
                "would_send": plan.iter().map(|(code, kind)| {
                    let mut item = describe(kind);
                    item["case"] = json!(code);
                    item
                }).collect::<Vec<_>>(),
            }));
        }
        // Releasing an agency's cases means it is back: new cases no longer start held either.
        let hold_lifted = match (request.action.as_str(), &request.agency) {
            ("release", Some(agency)) => state
                .store
                .release_agency(agency)
                .await
                .map_err(ApiError::database)?,
            _ => false,
        };
        let rate = request.per_second.unwrap_or(DEFAULT_RATE).clamp(1, 200);
        let results = send_each(state, caller, request.reason.trim(), plan, rate).await;
        Ok(json!({
            "dry_run": false,
            "matched": matched,
            "results": results,
            "agency_hold_lifted": hold_lifted,
        }))
    }
    .await;
    let action = if request.dry_run {
        format!("bulk_{}_dry_run", request.action)
    } else {
        format!("bulk_{}", request.action)
    };
    let detail = serde_json::to_string(&json!({
        "agency": request.agency, "filter": request.filter, "cap": cap,
    }))
    .unwrap_or_default();
    audit(
        state,
        caller,
        &action,
        matched,
        &request.reason,
        &result,
        detail,
    )
    .await?;
    result
}

/// Retry or release many cases chosen by a filter; a dry run first lists exactly what it would touch.
#[utoipa::path(post, path = "/v1/ops/bulk", operation_id = "bulk_action", tag = "operations",
    security(("bearer" = [])),
    request_body = BulkRequest,
    responses(
        (status = 200, description = "What would be sent, or what each case answered.", body = crate::openapi::BulkAnswer),
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
