//! `POST /v1/ops/cases/{code}/actions`: retry a step now, resolve a step done offline, cancel the
//! case, hold or release one agency for this case. The workflow's own validator decides whether
//! the action makes sense now (a refusal writes nothing to the case's history); before a retry the
//! API also checks the agency answers again, so a retry whose cause is still there says so.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_definitions::{
    AgencyId, StepId,
    operator::{ActionKind, ActionOutcome, ActionRefusal, OperatorAction, RefusalCode},
};
use lienthong_identity::Role;
use lienthong_store::NewAuditEntry;
use lienthong_workflows::CaseWorkflow;
use serde::Deserialize;
use serde_json::Value;
use temporalio_client::{WorkflowExecuteUpdateOptions, errors::WorkflowUpdateError};
use utoipa::ToSchema;

use crate::params::ApiPath;
use crate::{
    ApiError, ApiState, auth::Caller, case_access, case_update, engine, error::FieldError,
};

/// An operator's action on one case, as the console and the API send it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `retry_now`, `resolve`, `cancel`, `hold`, `release`.
    pub action: String,
    /// For `retry_now` and `resolve`: the step.
    #[serde(default)]
    pub step: Option<String>,
    /// For `hold` and `release`: the agency.
    #[serde(default)]
    pub agency: Option<String>,
    /// For `resolve`: the agency's reference of what was done offline.
    #[serde(default)]
    pub reference: Option<String>,
    /// For `resolve`: the fields later steps read from this step's answer.
    #[serde(default)]
    pub output: Option<Value>,
    /// Why (1 to 500 characters); kept in the audit log.
    #[serde(default)]
    pub reason: String,
    /// Retry even though the agency's health check still fails.
    #[serde(default)]
    pub force: bool,
}

/// A case's refusal as the API answers it: the code, and the status that says what kind of
/// refusal it is.
fn refused(code: RefusalCode, message: impl Into<String>) -> ApiError {
    let status = match code {
        RefusalCode::ReasonRequired
        | RefusalCode::ReferenceRequired
        | RefusalCode::OutputInvalid => StatusCode::BAD_REQUEST,
        RefusalCode::StepNotFound => StatusCode::NOT_FOUND,
        RefusalCode::ActorRequired
        | RefusalCode::CaseClosed
        | RefusalCode::CaseStopping
        | RefusalCode::StepNotRetryable
        | RefusalCode::AgencyHeld
        | RefusalCode::AgencyNotInCase
        | RefusalCode::AlreadyHeld
        | RefusalCode::NotHeld
        | RefusalCode::StepNotResolvable
        | RefusalCode::CaseNotStarted => StatusCode::CONFLICT,
    };
    ApiError::new(status, code.as_str(), message)
}

fn missing(field: &str, action: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "ACTION_INVALID",
        format!("`{action}` needs `{field}`"),
    );
    error.fields.push(FieldError {
        field: format!("/{field}"),
        code: "REQUIRED".into(),
        message: format!("`{action}` needs `{field}`"),
    });
    error
}

impl ActionRequest {
    fn kind(&self) -> Result<ActionKind, ApiError> {
        let step = || {
            self.step
                .clone()
                .map(StepId)
                .ok_or_else(|| missing("step", &self.action))
        };
        let agency = || {
            self.agency
                .clone()
                .ok_or_else(|| missing("agency", &self.action))
        };
        Ok(match self.action.as_str() {
            "retry_now" => ActionKind::RetryNow { step: step()? },
            "resolve" => ActionKind::Resolve {
                step: step()?,
                reference: self
                    .reference
                    .clone()
                    .ok_or_else(|| missing("reference", "resolve"))?,
                output: self
                    .output
                    .clone()
                    .unwrap_or_else(|| Value::Object(Default::default())),
            },
            "cancel" => ActionKind::Cancel {},
            "hold" => ActionKind::Hold {
                agency: AgencyId(agency()?),
            },
            "release" => ActionKind::Release {
                agency: AgencyId(agency()?),
            },
            // The value is the caller's: never repeated, only what it may be.
            _ => {
                let mut error = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "ACTION_INVALID",
                    "`action` is one of retry_now, resolve, cancel, hold, release",
                );
                error.fields.push(FieldError {
                    field: "/action".into(),
                    code: "UNKNOWN_ACTION".into(),
                    message: "must be one of retry_now, resolve, cancel, hold, release".into(),
                });
                return Err(error);
            }
        })
    }

    /// What the audit log keeps besides the reason: the step, agency and reference when they
    /// have the shape of one (an id, an agency's reference number), else a marker, so the log
    /// never stores whatever text a caller put there.
    fn detail(&self) -> String {
        fn shaped(value: &str) -> &str {
            let ok = !value.is_empty()
                && value.len() <= 128
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b));
            if ok { value } else { "(not recorded)" }
        }
        let mut parts = Vec::new();
        if let Some(step) = &self.step {
            parts.push(format!("step={}", shaped(step)));
        }
        if let Some(agency) = &self.agency {
            parts.push(format!("agency={}", shaped(agency)));
        }
        if let Some(reference) = &self.reference {
            parts.push(format!("reference={}", shaped(reference)));
        }
        if self.force {
            parts.push("force".into());
        }
        parts.join(" ")
    }
}

/// Appends what an operator did, or tried, to the audit log.
pub(crate) async fn audit(
    state: &ApiState,
    caller: &Caller,
    action: &str,
    cases: Vec<String>,
    reason: &str,
    outcome: &Result<impl Sized, ApiError>,
    detail: String,
) -> Result<(), ApiError> {
    let outcome = match outcome {
        Ok(_) => "done".to_owned(),
        // Not a refusal: the case may still carry it out.
        Err(e) if e.code == case_update::UNANSWERED => format!("unanswered: {}", e.code),
        Err(e) => format!("refused: {}", e.code),
    };
    state
        .store
        .append_audit(NewAuditEntry {
            actor: caller.0.subject.clone(),
            role: caller.0.role_label(),
            action: action.to_owned(),
            cases,
            reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            outcome,
            detail: Some(detail).filter(|d| !d.is_empty()),
        })
        .await
        .map_err(ApiError::database)?;
    Ok(())
}

/// Carries out one action on one case and records it, refusals included.
pub async fn act(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    request: &ActionRequest,
) -> Result<ActionOutcome, ApiError> {
    caller.require(&[Role::Operator])?;
    let result = checked_act(state, caller, code, request).await;
    // An action that is none of ours is audited as `unknown`, with no detail: the log keeps no
    // text a caller made up.
    let (action, detail) = match request.action.as_str() {
        known @ ("retry_now" | "resolve" | "cancel" | "hold" | "release") => {
            (known, request.detail())
        }
        _ => ("unknown", String::new()),
    };
    audit(
        state,
        caller,
        action,
        vec![code.to_owned()],
        &request.reason,
        &result,
        detail,
    )
    .await?;
    if let Ok(outcome) = &result {
        tracing::info!(case = %code, action = %outcome.action, effect = %outcome.effect, actor = %caller.0.subject, "operator action");
    }
    result
}

async fn checked_act(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    request: &ActionRequest,
) -> Result<ActionOutcome, ApiError> {
    let reason = crate::error::reason(&request.reason)?;
    let kind = request.kind()?;
    case_access::authorize_operator(state, caller, code).await?;
    let handle = crate::engine::running_case(state, code).await?;
    if let ActionKind::RetryNow { step } = &kind {
        cause_gone(state, code, step, request.force).await?;
    }
    let action = OperatorAction {
        actor: caller.0.subject.clone(),
        role: caller.0.role_label(),
        reason: reason.into_string(),
        kind,
    };
    case_update::answered(
        state,
        code,
        handle.execute_update(
            CaseWorkflow::operator_action,
            action,
            WorkflowExecuteUpdateOptions::default(),
        ),
    )
    .await
}

/// What the case's answer to an update means for the caller; `case_update` has already told an
/// ended or unknown case (`NotFound`) apart.
pub(crate) fn update_error(e: WorkflowUpdateError) -> ApiError {
    match e {
        WorkflowUpdateError::Failed(failure) => {
            let mut failure: &temporalio_common::protos::temporal::api::failure::v1::Failure =
                &failure;
            while let Some(cause) = failure.cause.as_deref() {
                failure = cause;
            }
            match ActionRefusal::parse(&failure.message) {
                Some(refusal) => refused(refusal.code, refusal.message),
                None => ApiError::engine_unavailable(&failure.message),
            }
        }
        other => ApiError::engine_unavailable(other),
    }
}

/// Before a retry: is the agency held, and does it answer its health check again?
async fn cause_gone(
    state: &ApiState,
    code: &str,
    step: &StepId,
    force: bool,
) -> Result<(), ApiError> {
    let case = engine::case_state(state, code).await?;
    let Some(agency) = case.step(step).and_then(|s| s.agency.clone()) else {
        return Ok(());
    };
    let holds = state.store.holds().await.map_err(ApiError::database)?;
    if holds.iter().any(|h| agency == h.agency.as_str()) {
        return Err(refused(
            RefusalCode::AgencyHeld,
            format!(
                "{agency} is held for an outage; release the agency instead of retrying one step"
            ),
        ));
    }
    if force {
        return Ok(());
    }
    if let Some(problem) = health_problem(state, &agency).await {
        let mut error = ApiError::new(
            StatusCode::CONFLICT,
            "CAUSE_PERSISTS",
            format!(
                "{agency} still does not answer ({problem}); the retry was not sent. Hold the agency, or retry with `force` once it is back"
            ),
        );
        error.fields.push(FieldError {
            field: "/force".into(),
            code: "CAUSE_PERSISTS".into(),
            message: "send `force: true` to retry anyway".into(),
        });
        return Err(error);
    }
    Ok(())
}

/// Why `agency`'s health check fails, or `None` when it answers.
pub(crate) async fn health_problem(state: &ApiState, agency: &str) -> Option<String> {
    let base = state.config.agencies.get(agency).cloned().or_else(|| {
        state
            .catalog
            .agencies()
            .agency(agency)
            .map(|a| a.base_url.clone())
    })?;
    lienthong_activities::agency_health(&base)
        .await
        .err()
        .map(|problem| problem.to_string())
}

/// An operator's action on one case; the case's own validator decides whether it makes sense now.
#[utoipa::path(post, path = "/v1/ops/cases/{code}/actions", operation_id = "act_on_case", tag = "operations",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code.")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "What the action did.", body = crate::openapi::ActionOutcomeDoc),
        (status = 400, description = "`REASON_REQUIRED`, `REFERENCE_REQUIRED`, `OUTPUT_INVALID`, a missing field.", body = crate::error::ErrorBody),
        (status = 404, description = "`CASE_NOT_FOUND` or `STEP_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "Refused by the case: `CASE_CLOSED`, `STEP_NOT_RETRYABLE`, `AGENCY_HELD`, `ALREADY_HELD`, `NOT_HELD`, … or the agency still fails its health check (`force` overrides).", body = crate::error::ErrorBody),
        (status = 503, description = "`CASE_DID_NOT_ANSWER` within the update deadline (audited `unanswered`).", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn post(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    crate::json::ApiJson(request): crate::json::ApiJson<ActionRequest>,
) -> Result<(StatusCode, Json<ActionOutcome>), ApiError> {
    Ok((
        StatusCode::OK,
        Json(act(&state, &caller, &code, &request).await?),
    ))
}
