//! Holding an agency during its outage and releasing it afterwards. A hold is recorded in the
//! engine database (new cases start with it) and a batch tells every running case, whose calls
//! to the agency stop without burning retries; a release lifts the database's hold first, then
//! a batch goes back to every case carrying it at a gentle rate, so the agency is not flooded
//! the moment it returns. Both answer at once with their batch's id.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_definitions::AgencyId;
use lienthong_identity::Role;
use lienthong_workflows::batch::BatchAction;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    actions::audit,
    batches::{self, NewBatch},
};
use crate::params::ApiPath;
use crate::{ApiError, ApiState, auth::Caller};

/// Releases per second unless the operator chooses otherwise, and the most they may choose.
pub(crate) const DEFAULT_RATE: u32 = 10;
pub(crate) const MAX_RATE: u32 = 200;

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

/// Holds `agency` everywhere: recorded for new cases first, then a batch tells every running
/// case (and keeps looking for cases filed meanwhile).
pub async fn hold(
    state: &ApiState,
    caller: &Caller,
    agency: &str,
    reason: &str,
) -> Result<Value, ApiError> {
    every_office(caller)?;
    let result = async {
        let reason = crate::error::reason(reason)?;
        known_agency(state, agency)?;
        let new = state
            .store
            .hold_agency(agency, &caller.0.subject, reason.as_str())
            .await
            .map_err(ApiError::database)?;
        if !new {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ALREADY_HELD",
                format!("{agency} is already held"),
            ));
        }
        let batch = NewBatch {
            action: BatchAction::Hold {
                agency: AgencyId::from(agency),
            },
            query: batches::running_cases(),
            per_second: 0,
            cap: None,
            settle_secs: batches::SETTLE_SECS,
            reason: reason.to_string(),
        };
        match batches::start(state, caller, batch).await {
            Ok(id) => Ok(id),
            Err(error) => {
                // All or nothing at the start: no hold that no running case was told of.
                let _ = state.store.release_agency(agency).await;
                Err(error)
            }
        }
    }
    .await;
    let detail = match &result {
        Ok(batch) => format!("agency={agency} batch={batch}"),
        Err(_) => format!("agency={agency}"),
    };
    audit(
        state,
        caller,
        "hold_agency",
        Vec::new(),
        reason,
        &result,
        detail,
    )
    .await?;
    let batch = result?;
    tracing::info!(%agency, %batch, actor = %caller.0.subject, "agency held");
    Ok(json!({"agency": agency, "held": true, "batch": batch}))
}

/// Lifts the hold on `agency` in the engine database first (new cases start unheld), then a
/// batch releases every running case that carries it, `per_second` at most, including cases
/// filed while the hold was being lifted.
pub async fn release(
    state: &ApiState,
    caller: &Caller,
    agency: &str,
    reason: &str,
    per_second: Option<u32>,
) -> Result<Value, ApiError> {
    every_office(caller)?;
    let rate = per_second.unwrap_or(DEFAULT_RATE).clamp(1, MAX_RATE);
    let result = async {
        let reason = crate::error::reason(reason)?;
        known_agency(state, agency)?;
        let hold = state
            .store
            .holds()
            .await
            .map_err(ApiError::database)?
            .into_iter()
            .find(|h| h.agency == agency);
        let Some(hold) = hold else {
            return Err(not_held(agency));
        };
        if !state
            .store
            .release_agency(agency)
            .await
            .map_err(ApiError::database)?
        {
            return Err(not_held(agency));
        }
        let batch = NewBatch {
            action: BatchAction::Release {
                agency: AgencyId::from(agency),
            },
            query: batches::cases_holding(agency),
            per_second: rate,
            cap: None,
            settle_secs: batches::SETTLE_SECS,
            reason: reason.to_string(),
        };
        match batches::start(state, caller, batch).await {
            Ok(id) => Ok(id),
            Err(error) => {
                // All or nothing at the start: the hold stays as it was.
                let _ = state
                    .store
                    .hold_agency(agency, &hold.held_by, &hold.reason)
                    .await;
                Err(error)
            }
        }
    }
    .await;
    let detail = match &result {
        Ok(batch) => format!("agency={agency} per_second={rate} batch={batch}"),
        Err(_) => format!("agency={agency} per_second={rate}"),
    };
    audit(
        state,
        caller,
        "release_agency",
        Vec::new(),
        reason,
        &result,
        detail,
    )
    .await?;
    let batch = result?;
    tracing::info!(%agency, %batch, actor = %caller.0.subject, "agency released");
    Ok(json!({"agency": agency, "held": false, "batch": batch, "per_second": rate}))
}

/// An agency's hold is the installation's: it stops the agency for the cases of every office,
/// and new cases of every office start held. So it is held and released only by an operator
/// whose scope is every office; an office's operator holds their own cases one by one.
fn every_office(caller: &Caller) -> Result<(), ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    if principal.covers_every_office() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "SCOPE_TOO_NARROW",
        "holding or releasing an agency acts on the cases of every office: it needs an operator whose scope is every office (`*`); hold or release your offices' cases one by one instead",
    ))
}

fn not_held(agency: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "NOT_HELD",
        format!("{agency} is not held"),
    )
}

/// Holds an agency during its outage: new cases start with it held, running ones stop calling it.
#[utoipa::path(post, path = "/v1/ops/agencies/{agency}/hold", operation_id = "hold_agency", tag = "operations",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "The agency id, e.g. `residence`.")),
    request_body = AgencyActionRequest,
    responses(
        (status = 200, description = "Held for new cases; the batch telling the running ones.", body = crate::openapi::AgencyActionAnswer),
        (status = 400, description = "`REASON_REQUIRED`.", body = crate::error::ErrorBody),
        (status = 403, description = "`SCOPE_TOO_NARROW`: the operator's scope is not every office.", body = crate::error::ErrorBody),
        (status = 404, description = "`AGENCY_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`ALREADY_HELD`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn hold_route(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(agency): ApiPath<String>,
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
        (status = 200, description = "Released for new cases; the batch releasing the held ones.", body = crate::openapi::AgencyActionAnswer),
        (status = 400, description = "`REASON_REQUIRED`.", body = crate::error::ErrorBody),
        (status = 403, description = "`SCOPE_TOO_NARROW`: the operator's scope is not every office.", body = crate::error::ErrorBody),
        (status = 404, description = "`AGENCY_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`NOT_HELD`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn release_route(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(agency): ApiPath<String>,
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
