//! `GET /v1/audit` and `GET /v1/audit.csv`: the audit log for auditors, filtered by case, actor,
//! action and time, newest first, exportable as CSV.

use axum::{Json, extract::State, http::header, response::IntoResponse};
use lienthong_identity::Role;
use lienthong_store::{AuditEntry, AuditFilter};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::params::ApiQuery;
use crate::{ApiError, ApiState, auth::Caller};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// Entries about this case code.
    case: Option<String>,
    /// Entries by this account.
    actor: Option<String>,
    /// Entries of this action (`retry_step`, `hold_agency`, `read_personal_data`, …).
    action: Option<String>,
    /// At or after (RFC 3339).
    from: Option<String>,
    /// Before (RFC 3339).
    to: Option<String>,
    /// Entries older than this id: the previous page's `next_before_id`.
    before_id: Option<i64>,
    /// At most this many (default 100, or 10 000 for CSV).
    limit: Option<i64>,
}

async fn entries(
    state: &ApiState,
    caller: &Caller,
    query: AuditQuery,
    default_limit: i64,
) -> Result<Vec<AuditEntry>, ApiError> {
    caller.require(&[Role::Auditor])?;
    state
        .store
        .audit(&AuditFilter {
            case: query.case,
            actor: query.actor,
            action: query.action,
            from: query.from,
            to: query.to,
            before_id: query.before_id,
            limit: query.limit.unwrap_or(default_limit).clamp(1, 10_000),
        })
        .await
        .map_err(ApiError::database)
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/v1/audit", operation_id = "list_audit", tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "One page of entries.", body = crate::openapi::AuditPage)))]
pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let entries = entries(&state, &caller, query, 100).await?;
    let next = entries.last().map(|e| e.id);
    Ok(Json(json!({ "entries": entries, "next_before_id": next })))
}

/// The audit log as CSV (RFC 4180; formulas defused).
#[utoipa::path(get, path = "/v1/audit.csv", operation_id = "export_audit_csv", tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "`id,at,actor,role,action,cases,reason,outcome,detail`.", body = String, content_type = "text/csv")))]
pub(crate) async fn csv(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let entries = entries(&state, &caller, query, 10_000).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lienthong-audit.csv\"",
            ),
        ],
        to_csv(&entries),
    ))
}

/// RFC 4180: every field quoted, quotes doubled; a leading `=`, `+`, `-` or `@` is prefixed with
/// `'` so a spreadsheet never runs a reason text as a formula.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    fn field(value: &str) -> String {
        let safe = if value.starts_with(['=', '+', '-', '@']) {
            format!("'{value}")
        } else {
            value.to_owned()
        };
        format!("\"{}\"", safe.replace('"', "\"\""))
    }
    let mut out = String::from("id,at,actor,role,action,cases,reason,outcome,detail\r\n");
    for e in entries {
        let row = [
            e.id.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.role.clone(),
            e.action.clone(),
            e.cases.join(" "),
            e.reason.clone().unwrap_or_default(),
            e.outcome.clone(),
            e.detail.clone().unwrap_or_default(),
        ];
        out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_every_field_and_defuses_formulas() {
        let entry = AuditEntry {
            id: 7,
            at: "2026-11-23T01:00:00Z".into(),
            actor: "op".into(),
            role: "operator".into(),
            action: "retry_step".into(),
            cases: vec!["KS-A".into(), "KS-B".into()],
            reason: Some("=HYPERLINK(\"x\")".into()),
            outcome: "done".into(),
            detail: None,
        };
        let csv = to_csv(&[entry]);
        assert_eq!(
            csv.lines().nth(1).unwrap_or_default(),
            "\"7\",\"2026-11-23T01:00:00Z\",\"op\",\"operator\",\"retry_step\",\"KS-A KS-B\",\"'=HYPERLINK(\"\"x\"\")\",\"done\",\"\""
        );
    }
}
