//! Finding the cases that name a person: an operator gives a personal ID number, the engine
//! database answers through the salted hash it keeps of every party's number (never the number
//! itself), and only cases of the operator's offices come back. Every search is audited, with
//! how many cases it found and never the number searched for. The number travels in a POST body,
//! never in a URL a log or a browser's history would keep.

use axum::{Json, extract::State, http::StatusCode};
use lienthong_identity::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use futures::StreamExt;
use lienthong_workflows::search_attributes as sa;
use temporalio_client::WorkflowListOptions;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{actions::audit, filter::CaseFilter};
use crate::{ApiError, ApiState, auth::Caller, error::FieldError, json::ApiJson};

/// How many cases naming one person a search looks at.
const MOST: i64 = 200;

/// What to search by: exactly one of the two.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonSearch {
    /// The person's 12-digit personal ID number, as any application named it.
    #[serde(default)]
    pub personal_id: Option<String>,
    /// A number one of the case's steps issued (a birth certificate's, a card's), as printed;
    /// spaces and letter case do not matter.
    #[serde(default)]
    pub certificate_number: Option<String>,
}

/// One refusal naming one field of the search.
fn invalid_search(field: &str, message: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST",
        "the search is not valid; see `fields`",
    );
    error.fields = vec![FieldError {
        field: format!("/{field}"),
        code: "INVALID_FORMAT".into(),
        message: message.into(),
    }];
    error
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

/// The cases of the operator's offices that the search names, newest first; the search is
/// audited either way, with what it was by and never the number.
pub async fn cases_naming(
    state: &ApiState,
    caller: &Caller,
    search: &PersonSearch,
) -> Result<Vec<PersonCase>, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let personal_id = search.personal_id.as_deref().map(str::trim);
    let certificate = search.certificate_number.as_deref().map(str::trim);
    let by = match (personal_id, certificate) {
        (Some(_), None) => "personal_id",
        (None, Some(_)) => "certificate_number",
        _ => "",
    };
    let result = match (personal_id, certificate) {
        (Some(id), None) => by_personal_id(state, principal, id).await,
        (None, Some(number)) => by_certificate(state, principal, number).await,
        _ => Err(invalid_search(
            "personal_id",
            "give a personal ID number or a certificate number, one of the two",
        )),
    };
    let cases = result
        .as_ref()
        .map(|found| found.iter().map(|c| c.code.clone()).collect())
        .unwrap_or_default();
    let detail = match &result {
        Ok(found) => format!("{{\"found\":{},\"by\":\"{by}\"}}", found.len()),
        Err(_) => String::new(),
    };
    audit(state, caller, "find_by_person", cases, "", &result, detail).await?;
    result
}

/// Through the engine database's salted hashes of every party's number.
async fn by_personal_id(
    state: &ApiState,
    principal: &lienthong_identity::Principal,
    personal_id: &str,
) -> Result<Vec<PersonCase>, ApiError> {
    {
        if !valid_personal_id(personal_id) {
            return Err(invalid_search(
                "personal_id",
                "a personal ID number is 12 digits",
            ));
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
}

/// Through visibility: the keyed hashes of the numbers the case's steps issued
/// (`LienthongIssued`), under every payload key's search key, within the operator's offices.
async fn by_certificate(
    state: &ApiState,
    principal: &lienthong_identity::Principal,
    number: &str,
) -> Result<Vec<PersonCase>, ApiError> {
    let tags: Vec<String> = state
        .issued_tag_keys()
        .iter()
        .filter_map(|key| key.tag(number))
        .collect();
    if tags.is_empty() {
        return Err(invalid_search(
            "certificate_number",
            "a certificate number has 6 to 64 letters, digits, `-`, `/` or `.`, with a digit",
        ));
    }
    // Tags are hex, so quoting them cannot change the query's shape.
    let issued = tags
        .iter()
        .map(|tag| format!("{} = '{tag}'", sa::ISSUED.name()))
        .collect::<Vec<_>>()
        .join(" OR ");
    let query = format!("{} AND ({issued})", CaseFilter::default().query(principal)?);
    let options = WorkflowListOptions::builder().limit(MOST as usize).build();
    let mut stream = state.client.list_workflows(query, options);
    let mut found = Vec::new();
    while let Some(item) = stream.next().await {
        let execution = item.map_err(ApiError::engine_unavailable)?;
        let attributes = execution.search_attributes();
        found.push(PersonCase {
            code: execution.id().to_owned(),
            procedure: attributes.get(&sa::PROCEDURE).unwrap_or_default(),
            office: attributes.get(&sa::OFFICE).unwrap_or_default(),
            submitted_at: execution
                .start_time()
                .and_then(|t| OffsetDateTime::from(t).format(&Rfc3339).ok())
                .unwrap_or_default(),
        });
    }
    Ok(found)
}

/// The cases of the operator's offices naming a person or carrying a certificate number.
///
/// Give a personal ID number or a number one of the case's steps issued (a birth certificate's,
/// an insurance card's), not both.
///
/// The engine keeps no such number in clear: a personal ID is matched through the salted hash
/// recorded for every number an application names, a certificate number through the keyed hash
/// each case keeps of the numbers its steps issued. Each search is audited (how many cases it
/// found and what it was by, never the number).
#[utoipa::path(post, path = "/v1/ops/people/cases", operation_id = "cases_naming_person", tag = "operations",
    security(("bearer" = [])),
    request_body = PersonSearch,
    responses(
        (status = 200, description = "The cases of the operator's offices naming the person, newest first.", body = PersonCases),
        (status = 400, description = "`INVALID_REQUEST`: neither or both numbers given, a personal ID number that is not 12 digits, or a certificate number that cannot be one (see `fields`).", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn post(
    State(state): State<ApiState>,
    caller: Caller,
    ApiJson(search): ApiJson<PersonSearch>,
) -> Result<Json<PersonCases>, ApiError> {
    let cases = cases_naming(&state, &caller, &search).await?;
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
