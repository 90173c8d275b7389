//! Who may see which case. A citizen sees the cases they filed or that name them; an operator
//! the cases of their offices, with personal data masked unless their role grants it. Anyone
//! else gets the same 404 as for a case that does not exist, so existence never leaks.

use axum::http::StatusCode;
use lienthong_definitions::{CaseCode, Catalogue, catalogue::Operation};
use lienthong_identity::{Principal, Role};
use lienthong_store::{CaseRecord, NewAuditEntry};
use serde_json::Value;

use crate::{ApiError, ApiState, auth::Caller};

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
    if !CaseCode::is_well_formed(code) {
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

/// Masks a case's state for a caller who may not see personal data. Each agency's answer
/// follows its operation's contract in the catalogue: a field classified `x-personal: true`, or
/// not classified at all, is masked; only a field declared `x-personal: false` shows. Whatever
/// else the state holds is masked by the names of personal fields.
pub(crate) fn mask_case(case: &mut Value, catalogue: &Catalogue) {
    if let Some(steps) = case["steps"].as_array_mut() {
        for step in steps {
            let agency = step["agency"].as_str().and_then(|a| catalogue.agency(a));
            let operation = step["operation"].as_str().unwrap_or_default().to_owned();
            let forward = agency.and_then(|a| a.operation(&operation));
            let undo = agency.and_then(|a| a.undo_of(&operation));
            mask_answer(&mut step["output"], forward);
            mask_answer(&mut step["compensation_output"], undo);
        }
    }
    mask(case);
}

/// Masks every field of an agency's answer its operation does not declare public.
fn mask_answer(answer: &mut Value, operation: Option<&Operation>) {
    let Value::Object(fields) = answer else {
        return;
    };
    for (name, value) in fields.iter_mut() {
        let public = operation
            .and_then(|o| o.response["properties"][name.as_str()]["x-personal"].as_bool())
            == Some(false);
        if !public {
            mask_all(value);
        }
    }
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
#[allow(clippy::unwrap_used)]
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
    fn every_answer_field_of_every_shipped_contract_declares_whether_it_is_personal() {
        let catalogue = Catalogue::shipped().unwrap();
        let mut undeclared = Vec::new();
        for agency in catalogue.agencies() {
            for operation in &agency.operations {
                let properties = operation.response["properties"].as_object();
                for (name, schema) in properties.into_iter().flatten() {
                    if !schema["x-personal"].is_boolean() {
                        undeclared.push(format!("{}/{}.{name}", agency.id, operation.name));
                    }
                }
            }
        }
        assert!(undeclared.is_empty(), "{undeclared:?}");
    }

    /// Every output field of every step (each route, forward and undo) of every shipped
    /// procedure, as a case state shows it to an operator without personal data.
    #[test]
    fn every_output_field_of_every_shipped_procedure_is_masked_by_its_classification() {
        let catalogue = Catalogue::shipped().unwrap();
        let mut checked = 0;
        for definition in lienthong_definitions::shipped_definitions().unwrap() {
            for step in &definition.steps {
                for route in &step.routes {
                    let agency = catalogue.agency(&route.agency).unwrap();
                    let forward = agency.operation(&route.operation).unwrap();
                    let made = |operation: &Operation| -> Value {
                        let properties = operation.response["properties"].as_object();
                        Value::Object(
                            properties
                                .into_iter()
                                .flatten()
                                .map(|(name, _)| (name.clone(), json!(format!("value-{name}"))))
                                .collect(),
                        )
                    };
                    let undo = agency.undo_of(&route.operation);
                    let mut case = json!({"steps": [{
                        "agency": route.agency, "operation": route.operation,
                        "output": made(forward),
                        "compensation_output": undo.map_or(Value::Null, made),
                    }]});
                    mask_case(&mut case, &catalogue);
                    for (operation, shown) in [
                        (Some(forward), &case["steps"][0]["output"]),
                        (undo, &case["steps"][0]["compensation_output"]),
                    ] {
                        let Some(operation) = operation else { continue };
                        for (name, schema) in operation.response["properties"]
                            .as_object()
                            .into_iter()
                            .flatten()
                        {
                            let personal = schema["x-personal"] != json!(false);
                            let masked = shown[name.as_str()] == json!("•••");
                            assert_eq!(
                                personal, masked,
                                "{}/{}.{name} in step {} of {}",
                                route.agency, operation.name, step.id, definition.id
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 30, "only {checked} fields walked");
    }

    #[test]
    fn identifiers_of_a_health_card_are_masked_and_an_unclassified_field_too() {
        let catalogue = Catalogue::shipped().unwrap();
        let mut case = json!({"steps": [{
            "agency": "social-insurance", "operation": "issue-child-health-card",
            "output": {"card_number": "HC-1", "social_insurance_number": "SI-1",
                       "valid_from": "2026-12-06", "added_later": "x"},
            "compensation_output": null,
        }]});
        mask_case(&mut case, &catalogue);
        assert_eq!(
            case["steps"][0]["output"],
            json!({"card_number": "•••", "social_insurance_number": "•••",
                   "valid_from": "2026-12-06", "added_later": "•••"})
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
