//! Finding the cases that name a person: an operator gives a personal ID number, the engine
//! database answers through the salted hash it keeps of every party's number (never the number
//! itself), and only cases of the operator's offices come back. Every search is audited, with
//! how many cases it found and never the number searched for. The number travels in a POST body,
//! never in a URL a log or a browser's history would keep.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_identity::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions::audit;
use crate::{ApiError, ApiState, auth::Caller, error::FieldError, json::ApiJson};

/// How many cases naming one person a search looks at.
const MOST: i64 = 200;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonSearch {
    /// The person's 12-digit personal ID number.
    pub personal_id: String,
}

/// One case naming the person, within the operator's offices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonCase {
    pub code: String,
    pub procedure: String,
    pub office: String,
    /// RFC 3339.
    pub submitted_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonCases {
    pub cases: Vec<PersonCase>,
}

fn valid_personal_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The cases of the operator's offices that name `personal_id`, newest first; the search is
/// audited either way.
pub async fn cases_naming(
    state: &ApiState,
    caller: &Caller,
    personal_id: &str,
) -> Result<Vec<PersonCase>, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let personal_id = personal_id.trim();
    let result = async {
        if !valid_personal_id(personal_id) {
            let mut error = ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "the personal ID number is not 12 digits; see `fields`",
            );
            error.fields = vec![FieldError {
                field: "/personal_id".into(),
                code: "INVALID_FORMAT".into(),
                message: "a personal ID number is 12 digits".into(),
            }];
            return Err(error);
        }
        let codes = state
            .store
            .cases_naming(personal_id, MOST)
            .await
            .map_err(ApiError::database)?;
        let mut found = Vec::new();
        for code in codes {
            let Some(record) = state
                .store
                .case_record(&code)
                .await
                .map_err(ApiError::database)?
            else {
                continue;
            };
            if principal.covers_office(&record.office) {
                found.push(PersonCase {
                    code: record.code,
                    procedure: record.procedure,
                    office: record.office,
                    submitted_at: record.submitted_at,
                });
            }
        }
        Ok(found)
    }
    .await;
    let cases = result
        .as_ref()
        .map(|found| found.iter().map(|c| c.code.clone()).collect())
        .unwrap_or_default();
    let detail = match &result {
        Ok(found) => format!("{{\"found\":{}}}", found.len()),
        Err(_) => String::new(),
    };
    audit(state, caller, "find_by_person", cases, "", &result, detail).await?;
    result
}

/// The cases that name a person (by personal ID number), within the operator's offices.
///
/// The engine keeps no personal ID number in clear: it matches the salted hash it recorded for
/// every number an application names. Each search is audited (how many cases it found, never the
/// number).
#[utoipa::path(post, path = "/v1/ops/people/cases", operation_id = "cases_naming_person", tag = "operations",
    security(("bearer" = [])),
    request_body = PersonSearch,
    responses(
        (status = 200, description = "The cases of the operator's offices naming the person, newest first.", body = PersonCases),
        (status = 400, description = "`INVALID_REQUEST`: the personal ID number is not 12 digits (see `fields`).", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn post(
    State(state): State<ApiState>,
    caller: Caller,
    ApiJson(search): ApiJson<PersonSearch>,
) -> Result<Json<PersonCases>, ApiError> {
    let cases = cases_naming(&state, &caller, &search.personal_id).await?;
    Ok(Json(PersonCases { cases }))
}

#[cfg(test)]
mod tests {
    use super::valid_personal_id;

    #[test]
    fn a_personal_id_number_is_twelve_digits() {
        assert!(valid_personal_id("001190012345"));
        assert!(!valid_personal_id("00119001234"));
        assert!(!valid_personal_id("00119001234x"));
        assert!(!valid_personal_id("0011900123456"));
    }
}
