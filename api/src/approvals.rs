//! Co-approval: a version that calls several agencies is put in force, or taken out, only when
//! an administrator of every agency it calls has approved that exact text. Each agency decides
//! what its own system is sent; no other agency's administrator can decide it for them.
//!
//! An approval names the SHA-256 of the version's text, so a draft replaced with other text has
//! none. The administrator who publishes (or retires) approves for their own agencies by doing
//! so. Approving, publishing and retiring are written to the audit log.

use std::collections::BTreeSet;

use axum::{Json, extract::State, http::StatusCode};
use lienthong_identity::Role;
use lienthong_store::{ApprovalAction, NewAuditEntry, VersionRecord, VersionStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::definition_versions::store_error;
use crate::params::{ApiPath, ApiQuery};
use crate::{ApiError, ApiState, auth::Caller};

pub(crate) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(approve))
}

/// What an approval is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// Putting a draft in force.
    #[default]
    Publish,
    /// Taking a published version out of force.
    Retire,
}

impl Action {
    fn stored(self) -> ApprovalAction {
        match self {
            Self::Publish => ApprovalAction::Publish,
            Self::Retire => ApprovalAction::Retire,
        }
    }

    /// The status a version must have for this action.
    fn required_status(self) -> VersionStatus {
        match self {
            Self::Publish => VersionStatus::Draft,
            Self::Retire => VersionStatus::Published,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveQuery {
    /// `publish` (the default) or `retire`.
    #[serde(default)]
    #[param(inline)]
    action: Action,
}

/// One agency's approval.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApprovalLine {
    agency: String,
    approved_by: String,
    approved_at: String,
}

/// Where a version's co-approval stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApprovalsView {
    procedure: String,
    version: i64,
    /// `publish` or `retire`.
    action: &'static str,
    /// The agencies that approved this exact text, with who and when.
    approved: Vec<ApprovalLine>,
    /// The agencies the version calls that have not approved it yet.
    waiting_for: Vec<String>,
}

/// Approves a version's exact text, for the caller's agencies among those it calls.
///
/// `publish` (the default) agrees to put a draft in force, `retire` to take a published version
/// out; the version is changed only by `…/publish` or `…/retire`, once every agency agreed.
#[utoipa::path(post, path = "/v1/definitions/{procedure}/versions/{version}/approve", operation_id = "approve_definition_version", tag = "definitions",
    security(("bearer" = [])),
    params(("procedure" = String, Path, description = "The procedure id."), ("version" = i64, Path, description = "The version number."), ApproveQuery),
    responses(
        (status = 200, description = "Recorded: every agency's approval so far and those still awaited.", body = ApprovalsView),
        (status = 403, description = "`NOT_YOUR_AGENCY`: the version calls none of the caller's agencies.", body = crate::error::ErrorBody),
        (status = 404, description = "`DEFINITION_NOT_FOUND`.", body = crate::error::ErrorBody),
        (status = 409, description = "`WRONG_VERSION_STATUS`: not a draft (to publish) or not published (to retire).", body = crate::error::ErrorBody),
    ))]
async fn approve(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath((procedure, version)): ApiPath<(String, i64)>,
    ApiQuery(query): ApiQuery<ApproveQuery>,
) -> Result<Json<ApprovalsView>, ApiError> {
    let (record, called) = version_and_agencies(&state, &caller, &procedure, version).await?;
    let action = query.action;
    if record.status != action.required_status() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "WRONG_VERSION_STATUS",
            format!(
                "version {version} is {}; only a {} version can be approved to {}",
                record.status.as_str(),
                action.required_status().as_str(),
                action.stored().as_str()
            ),
        ));
    }
    let mine = theirs(&caller, &called)?;
    let store = state.catalog.store();
    let text = text_sha256(&record);
    store
        .approve(
            &procedure,
            version,
            action.stored(),
            &mine,
            &text,
            &caller.0.subject,
        )
        .await
        .map_err(ApiError::database)?;
    audit(
        &state,
        &caller,
        "definition_approve",
        &record,
        action,
        &mine,
    )
    .await?;
    let view = standing(&state, &record, action, &called).await?;
    tracing::info!(procedure = %procedure, version, action = action.stored().as_str(), waiting = view.waiting_for.len(), "definition approved");
    Ok(Json(view))
}

/// The caller's account and the version, when every agency the version calls has approved
/// `action` on its exact text (the caller's own agencies by this very request); else
/// `409 APPROVALS_MISSING` naming the agencies still to approve. Records the caller's approvals
/// and audits the action only when it may go ahead.
pub(crate) async fn cleared(
    state: &ApiState,
    caller: &Caller,
    procedure: &str,
    version: i64,
    action: Action,
) -> Result<String, ApiError> {
    let (record, called) = version_and_agencies(state, caller, procedure, version).await?;
    let mine = theirs(caller, &called)?;
    let view = standing(state, &record, action, &called).await?;
    let waiting: Vec<&String> = view
        .waiting_for
        .iter()
        .filter(|agency| !mine.contains(agency))
        .collect();
    if !waiting.is_empty() {
        let waiting: Vec<&str> = waiting.iter().map(|a| a.as_str()).collect();
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "APPROVALS_MISSING",
            format!(
                "this version also calls agencies that have not approved it ({}); an administrator of each approves it first (`lienthong definitions approve {procedure} {version}`, or POST …/approve{})",
                waiting.join(", "),
                if action == Action::Retire {
                    "?action=retire"
                } else {
                    ""
                }
            ),
        ));
    }
    state
        .catalog
        .store()
        .approve(
            procedure,
            version,
            action.stored(),
            &mine,
            &text_sha256(&record),
            &caller.0.subject,
        )
        .await
        .map_err(ApiError::database)?;
    let name = match action {
        Action::Publish => "definition_publish",
        Action::Retire => "definition_retire",
    };
    audit(state, caller, name, &record, action, &mine).await?;
    Ok(caller.0.subject.clone())
}

async fn version_and_agencies(
    state: &ApiState,
    caller: &Caller,
    procedure: &str,
    version: i64,
) -> Result<(VersionRecord, BTreeSet<String>), ApiError> {
    caller.require(&[Role::AgencyAdmin])?;
    let record = state
        .catalog
        .store()
        .version(procedure, version)
        .await
        .map_err(store_error)?;
    let called = state
        .catalog
        .compiled(&record)?
        .definition
        .steps
        .iter()
        .flat_map(|step| &step.routes)
        .map(|route| route.agency.to_string())
        .collect();
    Ok((record, called))
}

/// The agencies among `called` the caller administers; `403 NOT_YOUR_AGENCY` when none.
fn theirs(caller: &Caller, called: &BTreeSet<String>) -> Result<Vec<String>, ApiError> {
    let mine: Vec<String> = called
        .iter()
        .filter(|agency| caller.0.administers(agency))
        .cloned()
        .collect();
    if mine.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "NOT_YOUR_AGENCY",
            "an agency administrator approves, publishes and retires only the procedures that call their agency",
        ));
    }
    Ok(mine)
}

async fn standing(
    state: &ApiState,
    record: &VersionRecord,
    action: Action,
    called: &BTreeSet<String>,
) -> Result<ApprovalsView, ApiError> {
    let approved = state
        .catalog
        .store()
        .approvals(
            &record.procedure_id,
            record.version,
            action.stored(),
            &text_sha256(record),
        )
        .await
        .map_err(ApiError::database)?;
    let waiting_for = called
        .iter()
        .filter(|agency| !approved.iter().any(|a| &a.agency == *agency))
        .cloned()
        .collect();
    Ok(ApprovalsView {
        procedure: record.procedure_id.clone(),
        version: record.version,
        action: action.stored().as_str(),
        approved: approved
            .into_iter()
            // An agency taken out of the version since (a replaced draft) no longer counts.
            .filter(|a| called.contains(&a.agency))
            .map(|a| ApprovalLine {
                agency: a.agency,
                approved_by: a.approved_by,
                approved_at: a.approved_at,
            })
            .collect(),
        waiting_for,
    })
}

fn text_sha256(record: &VersionRecord) -> String {
    Sha256::digest(record.source.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn audit(
    state: &ApiState,
    caller: &Caller,
    name: &str,
    record: &VersionRecord,
    action: Action,
    agencies: &[String],
) -> Result<(), ApiError> {
    state
        .store
        .append_audit(NewAuditEntry {
            actor: caller.0.subject.clone(),
            role: caller.0.role_label(),
            action: name.to_owned(),
            outcome: "accepted".to_owned(),
            detail: Some(format!(
                "{} version {} ({}) for {}",
                record.procedure_id,
                record.version,
                action.stored().as_str(),
                agencies.join(", ")
            )),
            ..NewAuditEntry::default()
        })
        .await
        .map_err(ApiError::database)?;
    Ok(())
}
