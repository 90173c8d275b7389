//! Who may see which case. A citizen sees the cases they filed or that name them; an operator
//! the cases of their offices, with personal data masked unless their role grants it. Anyone
//! else gets the same 404 as for a case that does not exist, so existence never leaks.

use axum::http::StatusCode;
use lienthong_identity::{Principal, Role};
use lienthong_store::{CaseRecord, NewAuditEntry};
use serde_json::Value;

use crate::{ApiError, ApiState, auth::Caller, case_code};

/// How much of a case the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// Everything, personal data included.
    Full,
    /// Personal data replaced by a mask.
    Masked,
}

#[derive(Debug)]
pub(crate) struct Access {
    pub record: CaseRecord,
    pub view: View,
    /// The caller sees it as a party to the case (citizen), not as staff.
    pub as_party: bool,
}

/// The caller's access to `code`, or 404.
pub(crate) async fn authorize(
    state: &ApiState,
    caller: &Caller,
    code: &str,
) -> Result<Access, ApiError> {
    let principal = &caller.0;
    if !case_code::looks_valid(code) {
        return Err(ApiError::case_not_found());
    }
    let record = state
        .store
        .case_record(code)
        .await
        .map_err(ApiError::database)?
        .ok_or_else(ApiError::case_not_found)?;
    if principal.has(Role::Citizen) && is_party(state, principal, &record).await? {
        return Ok(Access {
            record,
            view: View::Full,
            as_party: true,
        });
    }
    if principal.covers_office(&record.office) {
        let view = if principal.personal_data {
            View::Full
        } else {
            View::Masked
        };
        return Ok(Access {
            record,
            view,
            as_party: false,
        });
    }
    Err(ApiError::case_not_found())
}

/// Like [`authorize`], for operators' pages and actions: the case must be in the caller's
/// offices even when they are also a party to it.
pub(crate) async fn authorize_operator(
    state: &ApiState,
    caller: &Caller,
    code: &str,
) -> Result<Access, ApiError> {
    caller.require(&[Role::Operator])?;
    let access = authorize(state, caller, code).await?;
    if access.as_party && !caller.0.covers_office(&access.record.office) {
        return Err(ApiError::case_not_found());
    }
    Ok(access)
}

/// Like [`authorize`], for what only the citizen whose case it is may do (withdraw, supplement).
pub(crate) async fn authorize_party(
    state: &ApiState,
    caller: &Caller,
    code: &str,
) -> Result<Access, ApiError> {
    let access = authorize(state, caller, code).await?;
    if access.as_party {
        return Ok(access);
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "only the citizen whose case this is can do this; operators use /v1/ops",
    ))
}

async fn is_party(
    state: &ApiState,
    principal: &Principal,
    record: &CaseRecord,
) -> Result<bool, ApiError> {
    // The store keeps the filer as a salted hash: it compares the caller's subject hashed alike.
    if state
        .store
        .case_filed_by(&record.code, &principal.subject)
        .await
        .map_err(ApiError::database)?
    {
        return Ok(true);
    }
    match principal.personal_id() {
        Some(id) => state
            .store
            .case_names(&record.code, id)
            .await
            .map_err(ApiError::database),
        None => Ok(false),
    }
}

/// Records that an operator saw a case's personal data (Decree 13/2023: access is logged).
pub(crate) async fn record_personal_data_read(
    state: &ApiState,
    caller: &Caller,
    access: &Access,
    what: &str,
) -> Result<(), ApiError> {
    if access.view != View::Full || access.as_party {
        return Ok(());
    }
    state
        .store
        .append_audit(NewAuditEntry {
            actor: caller.0.subject.clone(),
            role: caller.0.role_label(),
            action: "read_personal_data".into(),
            cases: vec![access.record.code.clone()],
            reason: None,
            outcome: "done".into(),
            detail: Some(what.to_owned()),
        })
        .await
        .map_err(ApiError::database)?;
    Ok(())
}

/// Field names whose values are personal data wherever they appear in an answer.
const PERSONAL: &[&str] = &[
    "personal_id",
    "name",
    "date_of_birth",
    "birth_date",
    "address",
    "phone",
    "email",
    "signature",
    "place_of_birth",
    "home_town",
];

fn is_personal(key: &str) -> bool {
    PERSONAL
        .iter()
        .any(|p| key == *p || key.ends_with(&format!("_{p}")))
}

/// Replaces personal values in `value` (any depth) with a mask, keeping its shape.
pub(crate) fn mask(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_personal(key) {
                    mask_all(inner);
                } else {
                    mask(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

fn mask_all(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(mask_all),
        Value::Array(items) => items.iter_mut().for_each(mask_all),
        Value::Null => {}
        other => *other = Value::String("•••".into()),
    }
}

/// The personal ID numbers an application names: every `personal_id` or `*_personal_id`
/// string, at any depth. Procedures name their parties this way.
pub(crate) fn personal_ids(application: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    collect(application, &mut found);
    found
}

fn collect<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    Value::String(id) if key == "personal_id" || key.ends_with("_personal_id") => {
                        found.push(id)
                    }
                    _ => collect(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn personal_values_are_masked_at_any_depth_and_references_are_kept() {
        let mut output = json!({
            "registration_number": "KS-123",
            "child": {"full_name": "Trần Minh An", "personal_id": "001226000001"},
            "members": [{"personal_id": "001190012345"}],
        });
        mask(&mut output);
        assert_eq!(
            output,
            json!({
                "registration_number": "KS-123",
                "child": {"full_name": "•••", "personal_id": "•••"},
                "members": [{"personal_id": "•••"}],
            })
        );
    }

    #[test]
    fn the_parties_of_an_application_are_its_personal_id_fields() {
        let application = json!({
            "applicant": {"personal_id": "1"},
            "residence": {"parent_personal_id": "2"},
            "child": {"full_name": "x"},
        });
        let mut ids = personal_ids(&application);
        ids.sort_unstable();
        assert_eq!(ids, ["1", "2"]);
    }
}
