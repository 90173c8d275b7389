//! `/v1/definitions`: agency administrators check, store, publish and retire procedure versions.
//!
//! Reading needs a staff role; a change needs the agency-admin role of an agency the definition
//! calls, and the database records the administrator's account with it.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_store::{NewAuditEntry, NewDraft, StoreError, VersionRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::body::ApiText;
use crate::dry_run::DryRunReport;
use crate::error::DiagnosticView;
use crate::json::ApiJson;
use crate::params::{ApiPath, ApiQuery};
use crate::{ApiError, ApiState, application, auth::Caller, engine::today, procedures};
use lienthong_definitions::Definition;
use lienthong_identity::Role;

pub(crate) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, save_draft))
        .routes(routes!(validate))
        .routes(routes!(dry_run))
        .routes(routes!(plan_svg))
        .routes(routes!(show))
        .routes(routes!(publish))
        .routes(routes!(retire))
}

/// A stored version as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DefinitionVersion)]
pub(crate) struct VersionView {
    procedure: String,
    version: i64,
    /// `draft`, `published` or `retired`.
    status: &'static str,
    effective_from: String,
    /// True for the version new cases get today.
    in_force: bool,
    created_at: String,
    created_by: String,
    published_at: Option<String>,
    published_by: Option<String>,
    retired_at: Option<String>,
    retired_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

impl VersionView {
    fn new(record: VersionRecord, in_force: bool, with_source: bool) -> Self {
        Self {
            procedure: record.procedure_id,
            version: record.version,
            status: record.status.as_str(),
            effective_from: record.effective_from,
            in_force,
            created_at: record.created_at,
            created_by: record.created_by,
            published_at: record.published_at,
            published_by: record.published_by,
            retired_at: record.retired_at,
            retired_by: record.retired_by,
            source: with_source.then_some(record.source),
        }
    }
}

/// Checks a definition without storing it.
#[utoipa::path(post, path = "/v1/definitions/validate", operation_id = "validate_definition", tag = "definitions",
    security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", description = "A definition's YAML text (any content type; read as UTF-8)."),
    responses(
        (status = 200, description = "Whether it is valid, and every diagnostic.", body = crate::openapi::ValidationAnswer),
        (status = 429, description = "`RATE_LIMITED`: too many validations from this account; `Retry-After` says when to try again.", body = crate::error::ErrorBody),
    ))]
async fn validate(
    State(state): State<ApiState>,
    caller: Caller,
    ApiText(body): ApiText,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    state.limits.validations.check(&caller.0.subject)?;
    Ok(match state.catalog.parse(&body) {
        Ok(d) => Json(json!({
            "valid": true,
            "procedure": d.id,
            "version": d.version,
            "diagnostics": [],
        })),
        Err(diagnostics) => Json(json!({
            "valid": false,
            "diagnostics": diagnostics.0.iter().map(DiagnosticView::from).collect::<Vec<_>>(),
        })),
    })
}

/// Stores a valid definition as a draft of its version (replacing an earlier draft).
#[utoipa::path(post, path = "/v1/definitions", operation_id = "save_definition_draft", tag = "definitions",
    security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", description = "A definition's YAML text (any content type; read as UTF-8)."),
    responses(
        (status = 201, description = "Stored as a draft.", body = VersionView),
        (status = 403, description = "`NOT_YOUR_AGENCY`: the definition calls none of the caller's agencies.", body = crate::error::ErrorBody),
        (status = 409, description = "`VERSION_IMMUTABLE`: that version is published or retired.", body = crate::error::ErrorBody),
        (status = 422, description = "`DEFINITION_INVALID` with `diagnostics`; nothing stored.", body = crate::error::ErrorBody),
    ))]
async fn save_draft(
    State(state): State<ApiState>,
    caller: Caller,
    ApiText(body): ApiText,
) -> Result<(StatusCode, Json<VersionView>), ApiError> {
    caller.require(&[Role::AgencyAdmin])?;
    let definition = state
        .catalog
        .parse(&body)
        .map_err(|d| ApiError::invalid_definition(&d))?;
    let actor = administrator_of(&caller, &definition)?;
    let invalid = |e: procedures::CatalogError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "DEFINITION_INVALID",
            e.to_string(),
        )
    };
    procedures::compile(&definition).map_err(invalid)?;
    let compiled = procedures::definition_json(&definition).map_err(invalid)?;
    let record = state
        .catalog
        .store()
        .save_draft(NewDraft {
            procedure_id: &definition.id.0,
            version: i64::from(definition.version),
            effective_from: &definition.effective_from,
            source: &body,
            compiled: &compiled,
            by: &actor,
        })
        .await
        .map_err(store_error)?;
    tracing::info!(procedure = %record.procedure_id, version = record.version, "definition draft saved");
    Ok((
        StatusCode::CREATED,
        Json(VersionView::new(record, false, false)),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only this procedure's versions.
    procedure: Option<String>,
}

/// Every stored version: status, effective date, whether it is in force, who did what.
#[utoipa::path(get, path = "/v1/definitions", operation_id = "list_definition_versions", tag = "definitions",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "The versions, without their text.", body = crate::openapi::VersionList)))]
async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    let store = state.catalog.store();
    let records = store
        .versions(query.procedure.as_deref())
        .await
        .map_err(store_error)?;
    let mut views = Vec::with_capacity(records.len());
    for record in records {
        let in_force = is_in_force(&state, &record).await?;
        views.push(VersionView::new(record, in_force, false));
    }
    Ok(Json(json!({ "versions": views })))
}

/// One stored version, with its YAML text.
#[utoipa::path(get, path = "/v1/definitions/{procedure}/versions/{version}", operation_id = "get_definition_version", tag = "definitions",
    security(("bearer" = [])),
    params(("procedure" = String, Path, description = "The procedure id."), ("version" = i64, Path, description = "The version number.")),
    responses(
        (status = 200, description = "The version and its `source`.", body = VersionView),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
    ))]
async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath((procedure, version)): ApiPath<(String, i64)>,
) -> Result<Json<VersionView>, ApiError> {
    caller.require_staff()?;
    let record = state
        .catalog
        .store()
        .version(&procedure, version)
        .await
        .map_err(store_error)?;
    let in_force = is_in_force(&state, &record).await?;
    Ok(Json(VersionView::new(record, in_force, true)))
}

/// Draft → published: cases filed from its effective date get it.
///
/// Every agency the version calls must have approved its text (the caller's own agencies by this
/// request).
#[utoipa::path(post, path = "/v1/definitions/{procedure}/versions/{version}/publish", operation_id = "publish_definition_version", tag = "definitions",
    security(("bearer" = [])),
    params(("procedure" = String, Path, description = "The procedure id."), ("version" = i64, Path, description = "The version number.")),
    responses(
        (status = 200, description = "Published.", body = VersionView),
        (status = 403, description = "`NOT_YOUR_AGENCY`: the procedure calls none of the caller's agencies.", body = crate::error::ErrorBody),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`WRONG_VERSION_STATUS`: not a draft; `APPROVALS_MISSING`: an agency it calls has not approved this text.", body = crate::error::ErrorBody),
    ))]
async fn publish(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath((procedure, version)): ApiPath<(String, i64)>,
) -> Result<Json<VersionView>, ApiError> {
    let actor = crate::approvals::cleared(
        &state,
        &caller,
        &procedure,
        version,
        crate::approvals::Action::Publish,
    )
    .await?;
    let record = state
        .catalog
        .store()
        .publish(&procedure, version, &actor)
        .await
        .map_err(store_error)?;
    tracing::info!(procedure = %procedure, version, "definition published");
    let in_force = is_in_force(&state, &record).await?;
    Ok(Json(VersionView::new(record, in_force, false)))
}

/// Published → retired: no new case gets it; cases filed under it keep it.
///
/// Every agency the version calls must have approved taking it out (the caller's own by this
/// request).
#[utoipa::path(post, path = "/v1/definitions/{procedure}/versions/{version}/retire", operation_id = "retire_definition_version", tag = "definitions",
    security(("bearer" = [])),
    params(("procedure" = String, Path, description = "The procedure id."), ("version" = i64, Path, description = "The version number.")),
    responses(
        (status = 200, description = "Retired.", body = VersionView),
        (status = 403, description = "`NOT_YOUR_AGENCY`: the procedure calls none of the caller's agencies.", body = crate::error::ErrorBody),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`WRONG_VERSION_STATUS`: not published; `APPROVALS_MISSING`: an agency it calls has not approved taking it out.", body = crate::error::ErrorBody),
    ))]
async fn retire(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath((procedure, version)): ApiPath<(String, i64)>,
) -> Result<Json<VersionView>, ApiError> {
    let actor = crate::approvals::cleared(
        &state,
        &caller,
        &procedure,
        version,
        crate::approvals::Action::Retire,
    )
    .await?;
    let record = state
        .catalog
        .store()
        .retire(&procedure, version, &actor)
        .await
        .map_err(store_error)?;
    tracing::info!(procedure = %procedure, version, "definition retired");
    Ok(Json(VersionView::new(record, false, false)))
}

async fn is_in_force(state: &ApiState, record: &VersionRecord) -> Result<bool, ApiError> {
    let current = state
        .catalog
        .store()
        .in_force(&record.procedure_id, &today().to_string())
        .await
        .map_err(store_error)?;
    Ok(current.is_some_and(|c| c.version == record.version))
}

/// What to dry-run: a definition's text, or a stored version; and an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DryRunRequest {
    /// A definition's YAML text; or name a stored version with `procedure` and `version`.
    #[serde(default)]
    definition: Option<String>,
    #[serde(default)]
    procedure: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    application: Value,
    /// Fields to put in a step's made answer, by step id (e.g. `{"death": {"benefit_status":
    /// "pensioner"}}`), to follow a route the first allowed values would not take.
    #[serde(default)]
    answers: std::collections::BTreeMap<String, Value>,
}

/// Runs a definition against the agencies' published contracts, contacting no agency.
///
/// The real planner drives it: each request is checked against the operation's request schema
/// and the step goes on with an answer made from its response schema, so no register changes.
#[utoipa::path(post, path = "/v1/definitions/dry-run", operation_id = "dry_run_definition", tag = "definitions",
    security(("bearer" = [])),
    request_body = DryRunRequest,
    responses(
        (status = 200, description = "Every step's request, whether the agency's contract accepts it, the answer it went on with, and how the case would end.", body = crate::dry_run::DryRunReport),
        (status = 400, description = "`APPLICATION_INVALID` with `fields`, or `DRY_RUN_TARGET`.", body = crate::error::ErrorBody),
        (status = 403, description = "`NOT_YOUR_AGENCY`.", body = crate::error::ErrorBody),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 422, description = "`DEFINITION_INVALID` with `diagnostics`.", body = crate::error::ErrorBody),
        (status = 429, description = "`RATE_LIMITED`: too many dry runs from this account; `Retry-After` says when to try again.", body = crate::error::ErrorBody),
    ))]
async fn dry_run(
    State(state): State<ApiState>,
    caller: Caller,
    crate::lang::Language(lang): crate::lang::Language,
    ApiJson(mut request): ApiJson<DryRunRequest>,
) -> Result<Json<DryRunReport>, ApiError> {
    caller.require(&[Role::AgencyAdmin])?;
    state.limits.dry_runs.check(&caller.0.subject)?;
    let definition = match (&request.definition, &request.procedure, request.version) {
        (Some(text), None, None) => state
            .catalog
            .parse(text)
            .map_err(|d| ApiError::invalid_definition(&d))?,
        (None, Some(procedure), Some(version)) => {
            let record = state
                .catalog
                .store()
                .version(procedure, version)
                .await
                .map_err(store_error)?;
            state.catalog.compiled(&record)?.definition.clone()
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "DRY_RUN_TARGET",
                "give either `definition` (YAML text) or `procedure` and `version`",
            ));
        }
    };
    let actor = administrator_of(&caller, &definition)?;
    let procedure = procedures::compile(&definition).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "DEFINITION_INVALID",
            e.to_string(),
        )
    })?;
    application::normalize_dates(&definition.application_schema, &mut request.application);
    let problems = application::problems(&procedure, &request.application, today(), lang);
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let run_id = crate::case_code::random("DR");
    tracing::info!(procedure = %definition.id, version = definition.version, %run_id, %actor, "dry run");
    let report = crate::dry_run::dry_run(
        &definition,
        &request.application,
        &state.catalog.agencies(),
        &request.answers,
        &run_id,
    );
    // Who tried which procedure and how it ended; never the application, which may name people.
    state
        .store
        .append_audit(NewAuditEntry {
            actor,
            role: caller.0.role_label(),
            action: "definition_dry_run".to_owned(),
            outcome: report.status.clone(),
            detail: Some(format!(
                "{} version {} ({run_id})",
                definition.id, definition.version
            )),
            ..NewAuditEntry::default()
        })
        .await
        .map_err(ApiError::database)?;
    Ok(Json(report))
}

/// The step graph of a stored version as an SVG picture in the caller's language.
///
/// Titles and words follow `Accept-Language`: Vietnamese unless English is preferred.
#[utoipa::path(get, path = "/v1/definitions/{procedure}/versions/{version}/plan.svg", operation_id = "get_definition_plan_svg", tag = "definitions",
    security(("bearer" = [])),
    params(("procedure" = String, Path, description = "The procedure id."), ("version" = i64, Path, description = "The version number.")),
    responses(
        (status = 200, description = "The picture.", body = String, content_type = "image/svg+xml"),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
    ))]
async fn plan_svg(
    State(state): State<ApiState>,
    caller: Caller,
    crate::lang::Language(lang): crate::lang::Language,
    ApiPath((procedure, version)): ApiPath<(String, i64)>,
) -> Result<([(axum::http::HeaderName, &'static str); 2], String), ApiError> {
    caller.require_staff()?;
    let record = state
        .catalog
        .store()
        .version(&procedure, version)
        .await
        .map_err(store_error)?;
    let compiled = state.catalog.compiled(&record)?;
    let language = match lang {
        crate::lang::Lang::Vi => lienthong_definitions::picture::Language::Vi,
        crate::lang::Lang::En => lienthong_definitions::picture::Language::En,
    };
    let graph = lienthong_definitions::plan_graph_in(&compiled.definition, None, language);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CONTENT_LANGUAGE, lang.code()),
        ],
        lienthong_definitions::picture::to_svg(&graph),
    ))
}

/// The caller's account, when they administer an agency `definition` calls: an agency manages
/// the linked procedures its system takes part in.
fn administrator_of(caller: &Caller, definition: &Definition) -> Result<String, ApiError> {
    let uses_theirs = definition
        .steps
        .iter()
        .flat_map(|step| &step.routes)
        .any(|route| caller.0.administers(&route.agency));
    if uses_theirs {
        return Ok(caller.0.subject.clone());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "NOT_YOUR_AGENCY",
        "an agency administrator manages only the procedures that call their agency",
    ))
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        // The id is the caller's (a path or a dry run's body): not repeated.
        StoreError::NotFound { .. } => ApiError::new(
            StatusCode::NOT_FOUND,
            "DEFINITION_NOT_FOUND",
            "no stored version has this procedure id and number; GET /v1/definitions lists them",
        ),
        StoreError::Immutable {
            procedure,
            version,
            status,
        } => ApiError::new(
            StatusCode::CONFLICT,
            "VERSION_IMMUTABLE",
            format!(
                "`{procedure}` version {version} is {status}; raise `version` to change the procedure"
            ),
        ),
        StoreError::WrongStatus {
            procedure,
            version,
            status,
            expected,
        } => ApiError::new(
            StatusCode::CONFLICT,
            "WRONG_VERSION_STATUS",
            format!("`{procedure}` version {version} is {status}; this action needs it {expected}"),
        ),
        other => ApiError::database(other),
    }
}
