use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use lienthong_definitions::{calendar::Calendar, case::CaseState};
use lienthong_workflows::{CaseInput, CaseWorkflow, WithdrawRequest, search_attributes as sa};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporalio_client::{
    Client, WorkflowDescribeOptions, WorkflowExecuteUpdateOptions, WorkflowExecutionStatus,
    WorkflowGetResultOptions, WorkflowHandle, WorkflowQueryOptions, WorkflowStartOptions,
    errors::{WorkflowInteractionError, WorkflowQueryError, WorkflowStartError},
};
use temporalio_common::search_attributes::SearchAttributes;
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};
use tracing::Instrument;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    ApiError, Catalog, application,
    auth::Caller,
    callbacks::CallbackAuth,
    case_access::{self, View},
    case_code, case_update, case_view,
    error::FieldError,
    json::ApiJson,
    params::ApiPath,
};
use lienthong_identity::{Role, Verifier};
use lienthong_store::{CaseRecord, Store};

/// Shared by every handler.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub client: Client,
    pub catalog: Arc<Catalog>,
    /// Where new cases are queued for workers.
    pub task_queue: String,
    /// The working-day calendar new cases count their legal deadlines with.
    pub calendar: Arc<Calendar>,
    pub callbacks: Arc<CallbackAuth>,
    /// Agency base URLs that override the catalogue's (for the agencies' health checks).
    pub agencies: Arc<std::collections::BTreeMap<String, String>>,
    /// Checks every caller's bearer token.
    pub verifier: Arc<Verifier>,
    /// The engine database: who may see each case, holds, the audit log.
    pub store: Store,
    /// Where an application is filed when it names no office (`01-HK`: province-office).
    pub default_office: String,
    /// How long a step may wait on an agency's answer before its case needs attention.
    pub attention_after_secs: Option<u64>,
    /// Where each new case runs its agency calls' first attempts.
    pub first_attempt: lienthong_workflows::FirstAttempt,
    /// How often one caller may submit, call back, dry-run, validate or sign in.
    pub limits: Arc<crate::RateLimits>,
    /// How long a console session lasts unused.
    pub console_idle: std::time::Duration,
    /// Decrypts case history for the Temporal CLI and UI (`/v1/codec`).
    pub payload_cipher: Arc<lienthong_codec::PayloadCipher>,
    /// How long a withdrawal or an operator's action waits for its case to take it.
    pub update_deadline: std::time::Duration,
}

pub fn router(state: ApiState) -> Router {
    let codec = lienthong_codec::codec_router(state.payload_cipher.clone()).layer(
        axum::middleware::from_fn_with_state(state.clone(), crate::codec_access::require_decoder),
    );
    Router::new()
        .nest_service("/v1/codec", codec)
        .merge(documented())
        .merge(crate::console::routes())
        .fallback(crate::error::no_route)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::limits::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(crate::error::in_error_shape))
        .layer(axum::middleware::from_fn(crate::limits::security_headers))
        .with_state(state)
}

/// The public JSON API: each route registered with its description in the OpenAPI document
/// (`crate::openapi`), from the handler's `#[utoipa::path]`.
pub(crate) fn documented() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(crate::readiness::ready))
        .routes(routes!(crate::openapi::openapi_json))
        .routes(routes!(procedures))
        .merge(crate::definition_versions::routes())
        .merge(crate::catalogue_routes::routes())
        .merge(crate::ops::routes())
        .routes(routes!(submit))
        .routes(routes!(case))
        .routes(routes!(withdraw))
        .routes(routes!(crate::supplements::supplement))
        .routes(routes!(crate::callbacks::receive))
}

/// Whether the API is up (no token needed).
#[utoipa::path(get, path = "/health", operation_id = "health", tag = "system",
    responses((status = 200, description = "The API answers.", body = crate::openapi::Health)))]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The procedures a citizen can file today, each in the version new cases get.
#[utoipa::path(get, path = "/v1/procedures", operation_id = "list_procedures", tag = "cases",
    responses((status = 200, description = "Every procedure in force today.", body = crate::openapi::ProcedureList)))]
async fn procedures(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let list: Vec<Value> = state
        .catalog
        .all_in_force(today())
        .await?
        .iter()
        .map(|p| &p.definition)
        .map(|d| json!({"id": d.id, "version": d.version, "effective_from": d.effective_from, "title": d.title, "steps": d.steps.iter().map(|s| &s.id).collect::<Vec<_>>()}))
        .collect();
    Ok(Json(json!({ "procedures": list })))
}

/// An application to file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Submission {
    /// A procedure id from `GET /v1/procedures`.
    procedure: String,
    /// The same id always answers with the same case (1 to 128 characters); or send an
    /// `Idempotency-Key` header.
    #[serde(default)]
    client_request_id: Option<String>,
    /// The one-stop-shop office receiving the application (`01-HK`); the installation's default
    /// when absent.
    #[serde(default)]
    office: Option<String>,
    /// The application, checked against the procedure's JSON Schema and rules.
    application: Value,
}

/// The case the application started (or had already started).
#[derive(Debug, Serialize, ToSchema)]
struct Accepted {
    case_code: String,
    procedure: String,
    version: u32,
    /// True when this request id had already created the case.
    existing: bool,
    links: Links,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CaseLinks)]
struct Links {
    case: String,
    withdraw: String,
}

/// Vietnam's civil time: the legal day of an application.
pub(crate) fn today() -> time::Date {
    let offset = UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(offset).date()
}

/// File an application: a citizen for themselves, an officer at an office of theirs.
///
/// Nothing starts unless the whole application is valid; a bad one gets every problem at once
/// in `fields`.
#[utoipa::path(post, path = "/v1/applications", operation_id = "submit_application", tag = "cases",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Instead of `client_request_id`.")),
    request_body = Submission,
    responses(
        (status = 202, description = "The case started, or the one this request id started before (`existing: true`).", body = Accepted),
        (status = 400, description = "`APPLICATION_INVALID` with every problem in `fields` (`UNKNOWN_PROCEDURE`, `INVALID_FORMAT`, …).", body = crate::error::ErrorBody),
        (status = 403, description = "`NOT_YOUR_APPLICATION`: a citizen files only for themselves, an officer only at their offices.", body = crate::error::ErrorBody),
        (status = 429, description = "`RATE_LIMITED`: too many applications from this account.", body = crate::error::ErrorBody),
    ))]
async fn submit(
    State(state): State<ApiState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(submission): ApiJson<Submission>,
) -> Result<impl IntoResponse, ApiError> {
    let principal = caller.require(&[Role::Citizen, Role::Operator])?;
    state.limits.submissions.check(&principal.subject)?;
    let office = submission
        .office
        .clone()
        .unwrap_or_else(|| state.default_office.clone());
    if !valid_office(&office) {
        return Err(ApiError::invalid(vec![FieldError {
            field: "/office".into(),
            code: "INVALID_FORMAT".into(),
            message: "an office code is a two-digit province, optionally `-` and up to 16 capital letters or digits (`01-HK`)".into(),
        }]));
    }
    let Some(procedure) = state
        .catalog
        .in_force(&submission.procedure, today())
        .await?
    else {
        return Err(ApiError::invalid(vec![FieldError {
            field: "/procedure".into(),
            code: "UNKNOWN_PROCEDURE".into(),
            message: "no published procedure has this id; GET /v1/procedures lists them".into(),
        }]));
    };
    let request_id = submission.client_request_id.clone().or_else(|| {
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    if let Some(id) = &request_id
        && (id.is_empty() || id.len() > 128)
    {
        return Err(ApiError::invalid(vec![FieldError {
            field: "/client_request_id".into(),
            code: "INVALID_FORMAT".into(),
            message: "must be 1 to 128 characters".into(),
        }]));
    }
    let problems = application::problems(&procedure, &submission.application, today());
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let parties = case_access::personal_ids(&submission.application);
    // A citizen files for themselves; an officer files at an office of theirs.
    let may_file = (principal.has(Role::Citizen)
        && principal
            .personal_id()
            .is_some_and(|id| parties.contains(&id)))
        || principal.covers_office(&office);
    if !may_file {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "NOT_YOUR_APPLICATION",
            "a citizen can file only an application that names their own personal ID number; an officer only at an office of theirs",
        ));
    }
    let holds: Vec<String> = state
        .store
        .holds()
        .await
        .map_err(ApiError::database)?
        .into_iter()
        .map(|h| h.agency)
        .collect();

    let definition = &procedure.definition;
    let submitted_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let prefix = &definition.case_code_prefix;
    for _ in 0..3 {
        let code = match &request_id {
            Some(id) => case_code::for_request(prefix, &definition.id.0, &principal.subject, id),
            None => case_code::random(prefix),
        };
        let input = CaseInput {
            code: code.clone(),
            definition: definition.clone(),
            calendar: (*state.calendar).clone(),
            application: submission.application.clone(),
            submitted_at: submitted_at.clone(),
            held_agencies: holds.clone(),
            attention_after_secs: state.attention_after_secs,
            first_attempt: state.first_attempt,
        };
        // Who may see the case is recorded before it exists, so it is never visible to no one.
        state
            .store
            .record_case(
                &CaseRecord {
                    code: code.clone(),
                    procedure: definition.id.0.clone(),
                    office: office.clone(),
                    filed_by: principal.subject.clone(),
                    submitted_at: submitted_at.clone(),
                },
                &parties,
            )
            .await
            .map_err(ApiError::database)?;
        let options = WorkflowStartOptions::new(state.task_queue.clone(), code.clone())
            // A case code is one case for good: a request id filed again after its case ended
            // finds that case instead of running it a second time.
            .id_reuse_policy(temporalio_client::WorkflowIdReusePolicy::RejectDuplicate)
            .search_attributes(SearchAttributes::new([
                sa::PROCEDURE.value_set(definition.id.0.clone()),
                sa::STATUS.value_set("running".to_owned()),
                sa::OFFICE.value_set(office.clone()),
            ]))
            // Where a worker shares this process's client (`lienthong dev`), the case's first
            // workflow task comes back in the start's answer instead of through matching;
            // elsewhere the SDK asks for nothing.
            .enable_eager_workflow_start(true)
            .build();
        let existing = match state
            .client
            .start_workflow(CaseWorkflow::run, input, options)
            // The start is the first span of the case's own trace (linked to this request's).
            .instrument(lienthong_telemetry::case_span("submit case", &code))
            .await
        {
            Ok(_) => false,
            Err(WorkflowStartError::AlreadyStarted { .. }) if request_id.is_some() => true,
            // A random code drawn twice: draw again.
            Err(WorkflowStartError::AlreadyStarted { .. }) => continue,
            Err(e) => return Err(ApiError::engine_unavailable(e)),
        };
        tracing::info!(case = %code, procedure = %definition.id, version = definition.version, existing, "application accepted");
        let links = Links {
            case: format!("/v1/cases/{code}"),
            withdraw: format!("/v1/cases/{code}/withdraw"),
        };
        let body = Accepted {
            case_code: code,
            procedure: definition.id.0.clone(),
            version: definition.version,
            existing,
            links,
        };
        return Ok((StatusCode::ACCEPTED, Json(body)));
    }
    Err(ApiError::engine_unavailable(
        "could not draw an unused case code",
    ))
}

/// A case's status, steps, outputs, deadlines and journal.
#[utoipa::path(get, path = "/v1/cases/{code}", operation_id = "get_case", tag = "cases",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code, e.g. `KS-3AXMP-RTRQT`.")),
    responses(
        (status = 200, description = "The case, masked unless the caller's role grants personal data.", body = crate::openapi::CaseStateDoc),
        (status = 404, description = "`CASE_NOT_FOUND`: no such case, or not one the caller may see.", body = crate::error::ErrorBody),
    ))]
async fn case(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let access = case_access::authorize(&state, &caller, &code).await?;
    let case = case_state(&state, &code).await?;
    let mut body = serde_json::to_value(&case).map_err(ApiError::engine_unavailable)?;
    if access.view == View::Masked {
        case_access::mask_case(&mut body, &state.catalog.agencies());
    } else {
        case_access::record_personal_data_read(&state, &caller, &access, "case state").await?;
    }
    Ok(Json(body))
}

/// A case's current state: its result once completed, else what its workflow answers.
pub(crate) async fn case_state(state: &ApiState, code: &str) -> Result<CaseState, ApiError> {
    let code = code.to_owned();
    let handle = state.client.get_workflow_handle::<CaseWorkflow>(code);
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .map_err(interaction_error)?;
    if description.status() == WorkflowExecutionStatus::Completed {
        // A finished case's result is its final state; no worker needs to replay it.
        if let Ok(state) = handle.get_result(WorkflowGetResultOptions::default()).await {
            return Ok(state);
        }
    }
    let mut case = handle
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await
        .map_err(query_error)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CASE_STARTING",
                "the case is being started; ask again in a moment",
            )
        })?;
    case_view::merge_pending(&mut case, &description.raw().pending_activities);
    Ok(case)
}

/// `01`, or `01-` and an office of up to 16 capital letters or digits.
fn valid_office(office: &str) -> bool {
    let (province, rest) = office.split_at(office.len().min(2));
    province.len() == 2
        && province.bytes().all(|b| b.is_ascii_digit())
        && (rest.is_empty()
            || rest.strip_prefix('-').is_some_and(|o| {
                (1..=16).contains(&o.len())
                    && o.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Withdrawal {
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
async fn withdraw(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<impl IntoResponse, ApiError> {
    case_access::authorize_party(&state, &caller, &code).await?;
    let reason = crate::error::reason(&body.reason)?;
    let handle = running_case(&state, &code).await?;
    // An update, not a signal: the case answers, so a withdrawal that arrives as the case ends
    // is refused with `CASE_CLOSED` instead of being accepted and then ignored.
    let outcome = case_update::answered(
        &state,
        &code,
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
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"case_code": code, "status": outcome.as_str()})),
    ))
}

pub(crate) fn interaction_error(e: WorkflowInteractionError) -> ApiError {
    match e {
        WorkflowInteractionError::NotFound(_) => ApiError::case_not_found(),
        other => ApiError::engine_unavailable(other),
    }
}

pub(crate) fn query_error(e: WorkflowQueryError) -> ApiError {
    match e {
        WorkflowQueryError::NotFound(_) => ApiError::case_not_found(),
        other => ApiError::engine_unavailable(other),
    }
}

/// The handle of a case that is still running: 404 for an unknown code, 409 for an ended case.
pub(crate) async fn running_case(
    state: &ApiState,
    code: &str,
) -> Result<WorkflowHandle<Client, CaseWorkflow>, ApiError> {
    if !case_code::looks_valid(code) {
        return Err(ApiError::case_not_found());
    }
    let handle = state
        .client
        .get_workflow_handle::<CaseWorkflow>(code.to_owned());
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .map_err(interaction_error)?;
    if description.status() != WorkflowExecutionStatus::Running {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CASE_CLOSED",
            "the case has already ended",
        ));
    }
    Ok(handle)
}
