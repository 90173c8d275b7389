//! Filing an application: the procedures in force, and a submission that starts one case.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use lienthong_definitions::AgencyId;
use lienthong_definitions::contact::Contact;
use lienthong_workflows::{
    CaseInput, CaseWorkflow, Channel, NotifyInput, Recipient, search_attributes as sa,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporalio_client::{WorkflowStartOptions, errors::WorkflowStartError};
use temporalio_common::search_attributes::SearchAttributes;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tracing::Instrument;
use utoipa::ToSchema;

use crate::lang::Language;
use crate::{
    ApiError, application,
    auth::Caller,
    case_access::{self},
    case_code,
    error::FieldError,
    json::ApiJson,
};
use crate::{ApiState, engine::today};
use lienthong_identity::Role;
use lienthong_store::CaseRecord;

/// The procedures a citizen can file today, each in the version new cases get.
#[utoipa::path(get, path = "/v1/procedures", operation_id = "list_procedures", tag = "cases",
    responses((status = 200, description = "Every procedure in force today.", body = crate::openapi::ProcedureList)))]
pub(crate) async fn procedures(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
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
pub(crate) struct Submission {
    /// A procedure id from `GET /v1/procedures`.
    pub(crate) procedure: String,
    /// The same id always answers with the same case (1 to 128 characters); or send an
    /// `Idempotency-Key` header.
    #[serde(default)]
    pub(crate) client_request_id: Option<String>,
    /// The one-stop-shop office receiving the application (`01-HK`); the installation's default
    /// when absent.
    #[serde(default)]
    pub(crate) office: Option<String>,
    /// The application, checked against the procedure's JSON Schema and rules.
    pub(crate) application: Value,
}

/// The case the application started (or had already started).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Accepted {
    pub(crate) case_code: String,
    pub(crate) procedure: String,
    pub(crate) version: u32,
    /// True when this request id had already created the case.
    pub(crate) existing: bool,
    pub(crate) links: Links,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CaseLinks)]
pub(crate) struct Links {
    case: String,
    withdraw: String,
}

/// Whom the case tells what: each channel of the installation the citizen can be reached on,
/// with the one address it needs from where the procedure's `contact:` points (the webhook
/// needs none; a channel whose address the application leaves out is left out), in the
/// language they filed in. `None` when no channel reaches them.
fn notify_input(
    channels: &[Channel],
    contact: &Contact,
    application: &Value,
    lang: crate::lang::Lang,
) -> Option<NotifyInput> {
    let recipients: Vec<Recipient> = channels
        .iter()
        .filter_map(|&channel| {
            let to = match channel {
                Channel::Webhook => None,
                Channel::Email => Some(contact.email_in(application)?),
                Channel::Sms => Some(contact.phone_in(application)?),
            };
            Some(Recipient { channel, to })
        })
        .collect();
    (!recipients.is_empty()).then(|| NotifyInput {
        lang: lang.code().to_owned(),
        recipients,
        window_secs: None,
        attempt_secs: None,
    })
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
pub(crate) async fn submit(
    State(state): State<ApiState>,
    caller: Caller,
    Language(lang): Language,
    headers: HeaderMap,
    ApiJson(submission): ApiJson<Submission>,
) -> Result<impl IntoResponse, ApiError> {
    let principal = caller.require(&[Role::Citizen, Role::Operator])?;
    let header_id = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = file(&state, principal, lang, submission, header_id).await?;
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// Files `submission` for `principal`: every check the API makes, the case's access record,
/// then the case's start. The JSON API and the citizen page both file through here.
/// `header_id` is a request id given outside the body (the `Idempotency-Key` header).
pub(crate) async fn file(
    state: &ApiState,
    principal: &lienthong_identity::Principal,
    lang: crate::lang::Lang,
    mut submission: Submission,
    header_id: Option<String>,
) -> Result<Accepted, ApiError> {
    state.limits.submissions.check(&principal.subject)?;
    let office = submission
        .office
        .clone()
        .unwrap_or_else(|| state.config.default_office.clone());
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
    let request_id = submission.client_request_id.clone().or(header_id);
    if let Some(id) = &request_id
        && (id.is_empty() || id.len() > 128)
    {
        return Err(ApiError::invalid(vec![FieldError {
            field: "/client_request_id".into(),
            code: "INVALID_FORMAT".into(),
            message: "must be 1 to 128 characters".into(),
        }]));
    }
    application::normalize_dates(
        &procedure.definition.application_schema,
        &mut submission.application,
    );
    let problems = application::problems(&procedure, &submission.application, today(), lang);
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
    let holds: Vec<AgencyId> = state
        .store
        .holds()
        .await
        .map_err(ApiError::database)?
        .into_iter()
        .map(|h| AgencyId(h.agency))
        .collect();

    let definition = &procedure.definition;
    let agencies = state
        .catalog
        .access_for(definition)
        .await
        .map_err(ApiError::database)?;
    let notify = notify_input(
        &state.config.notify_channels,
        &definition.contact,
        &submission.application,
        lang,
    );
    let submitted_at = OffsetDateTime::now_utc();
    // The engine database keeps the moment as the case's history writes it.
    let submitted_text = submitted_at.format(&Rfc3339).unwrap_or_default();
    let prefix = &definition.case_code_prefix;
    for _ in 0..3 {
        let code = match &request_id {
            Some(id) => case_code::for_request(prefix, &definition.id.0, &principal.subject, id),
            None => case_code::random(prefix),
        };
        let input = CaseInput {
            code: code.clone(),
            definition: carried(definition),
            calendar: (*state.calendar).clone(),
            application: submission.application.clone(),
            submitted_at,
            held_agencies: holds.clone(),
            attention_after_secs: state.config.attention_after_secs,
            first_attempt: state.config.first_attempt,
            agencies: agencies.clone(),
            notify: notify.clone(),
            issued_tags: state.issued_tag_key(),
        };
        // Who may see the case is recorded before it exists, so it is never visible to no one.
        state
            .store
            .record_case(
                &CaseRecord {
                    code: code.to_string(),
                    procedure: definition.id.0.clone(),
                    office: office.clone(),
                    filed_by: principal.subject.clone(),
                    submitted_at: submitted_text.clone(),
                },
                &parties,
            )
            .await
            .map_err(ApiError::database)?;
        let options = WorkflowStartOptions::new(state.config.task_queue.clone(), code.to_string())
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
            case_code: code.into_string(),
            procedure: definition.id.0.clone(),
            version: definition.version,
            existing,
            links,
        };
        return Ok(body);
    }
    Err(ApiError::engine_unavailable(
        "could not draw an unused case code",
    ))
}

/// `01`, or `01-` and an office of up to 16 capital letters or digits.
fn valid_office(office: &str) -> bool {
    // Checked: a split inside a multi-byte character (`1é`) would panic, and a panic drops the
    // caller's connection instead of answering.
    let Some((province, rest)) = office.split_at_checked(2) else {
        return false;
    };
    province.bytes().all(|b| b.is_ascii_digit())
        && (rest.is_empty()
            || rest.strip_prefix('-').is_some_and(|o| {
                (1..=16).contains(&o.len())
                    && o.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }))
}

/// The definition as a case carries it: the form's sections (how the citizen page lays the
/// application out, about 4 KB of labels and help in two languages) left out, since the case
/// never reads them and every byte of its input is encrypted, written to history and read back
/// at every replay. The words for what steps issue stay: the case hashes those numbers.
fn carried(definition: &lienthong_definitions::Definition) -> lienthong_definitions::Definition {
    let mut carried = definition.clone();
    carried.form.sections.clear();
    carried
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_case_carries_its_definition_without_the_forms_layout_but_with_its_words_for_results() {
        let definition = lienthong_definitions::shipped_definitions()
            .expect("shipped definitions parse")
            .into_iter()
            .find(|d| !d.form.sections.is_empty() && !d.form.results.is_empty())
            .expect("a shipped definition with a form");
        let carried = super::carried(&definition);
        assert!(carried.form.sections.is_empty());
        assert_eq!(carried.form.results, definition.form.results);
        assert_eq!(carried.steps, definition.steps);
        let size =
            |d: &lienthong_definitions::Definition| serde_json::to_vec(d).map_or(0, |v| v.len());
        assert!(
            size(&carried) + 3000 < size(&definition),
            "{} vs {}",
            size(&carried),
            size(&definition)
        );
    }

    use super::valid_office;

    #[test]
    fn an_office_is_a_province_and_an_optional_office_and_any_other_text_is_refused() {
        for good in ["01", "01-HK", "79-Q1"] {
            assert!(valid_office(good), "{good}");
        }
        for bad in [
            "",
            "0",
            "1é",
            "é",
            "0é-HK",
            "01-",
            "01-hk",
            "01-ABCDEFGHIJKLMNOPQ",
            "AB-HK",
        ] {
            assert!(!valid_office(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod notify_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_channel_gets_only_its_own_address_and_a_channel_without_one_is_left_out() {
        let contact = Contact {
            email: Some("/applicant/email".into()),
            phone: Some("/applicant/phone".into()),
        };
        let all = [Channel::Webhook, Channel::Email, Channel::Sms];
        let application = json!({"applicant": {"email": "me@example.vn"}});
        let notify = notify_input(&all, &contact, &application, crate::lang::Lang::En)
            .expect("the webhook and e-mail reach the citizen");
        assert_eq!(notify.lang, "en");
        assert_eq!(
            notify.recipients,
            [
                Recipient {
                    channel: Channel::Webhook,
                    to: None
                },
                Recipient {
                    channel: Channel::Email,
                    to: Some("me@example.vn".into())
                },
            ],
            "no phone given: no SMS"
        );
        assert_eq!(
            notify_input(
                &[Channel::Sms],
                &contact,
                &application,
                crate::lang::Lang::Vi
            ),
            None
        );
        assert_eq!(
            notify_input(&[], &contact, &application, crate::lang::Lang::Vi),
            None
        );
    }
}
