//! Filing: the form (`GET /apply/{procedure}`), its check and review (`POST …/review`), back to
//! the form (`POST …/edit`) and the filing itself (`POST …/submit`), which goes through the same
//! function as the JSON API with a request id drawn when the form was first shown.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use lienthong_definitions::Definition;

use super::{
    fields::{self, ApplicationForm, Values},
    form_page,
    layout::{self, Chrome},
    session::{Checked, Citizen, Fields},
};
use crate::{
    ApiError, ApiState, application,
    citizen::applications::{self, Submission},
    console::csrf::random_hex,
    engine::today,
    error::FieldError,
    procedures::Procedure,
};

/// A request id for one filing: drawn with the form, carried through the review.
fn new_request_id() -> String {
    format!("web-{}", &random_hex()[..32])
}

fn request_id(form: &Fields) -> String {
    form.get("request_id")
        .filter(|id| (1..=128).contains(&id.len()))
        .map_or_else(new_request_id, str::to_owned)
}

async fn in_force(
    state: &ApiState,
    chrome: &Chrome,
    procedure: &str,
) -> Result<Arc<Procedure>, Response> {
    match state.catalog.in_force(procedure, today()).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(layout::problem_page(
            chrome,
            StatusCode::NOT_FOUND,
            "DEFINITION_NOT_FOUND",
        )),
        Err(e) => Err(layout::error_page(chrome, &e)),
    }
}

fn form_response(
    status: StatusCode,
    chrome: &Chrome,
    definition: &Definition,
    values: &Values,
    problems: &[FieldError],
    request_id: &str,
) -> Response {
    let form = ApplicationForm::new(definition, chrome, values, problems);
    layout::respond(
        status,
        form_page::render(chrome, definition, &form, request_id),
    )
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    citizen: Citizen,
    Path(procedure): Path<String>,
) -> Response {
    let chrome = &citizen.chrome;
    let procedure = match in_force(&state, chrome, &procedure).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let definition = &procedure.definition;
    let values = fields::prefilled(definition, citizen.caller.0.personal_id());
    form_response(
        StatusCode::OK,
        chrome,
        definition,
        &values,
        &[],
        &new_request_id(),
    )
}

/// A problem of the whole application (no field), in the citizen's words for `code`.
fn general(lang: crate::lang::Lang, code: &str) -> FieldError {
    FieldError {
        field: String::new(),
        code: String::new(),
        message: layout::problem_words(lang, code),
    }
}

/// The problems filing would find, before anything is filed: the application's own, and an
/// application that does not name the citizen (whom a citizen files for is themselves).
fn problems(
    procedure: &Procedure,
    citizen: &Citizen,
    application: &mut serde_json::Value,
) -> Vec<FieldError> {
    application::normalize_dates(&procedure.definition.application_schema, application);
    let mut found = application::problems(procedure, application, today(), citizen.chrome.lang);
    let names_them = citizen
        .caller
        .0
        .personal_id()
        .is_some_and(|id| crate::case_access::personal_ids(application).contains(&id));
    if found.is_empty() && !names_them {
        found.push(general(citizen.chrome.lang, "NOT_YOUR_APPLICATION"));
    }
    found
}

pub(crate) async fn review(
    State(state): State<ApiState>,
    Path(procedure): Path<String>,
    checked: Checked<Fields>,
) -> Response {
    let Checked { citizen, form } = checked;
    let chrome = &citizen.chrome;
    let procedure = match in_force(&state, chrome, &procedure).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let definition = &procedure.definition;
    let values = fields::posted(&form.0);
    let request_id = request_id(&form);
    let mut application = fields::application(definition, &values);
    let found = problems(&procedure, &citizen, &mut application);
    if !found.is_empty() {
        return form_response(
            StatusCode::BAD_REQUEST,
            chrome,
            definition,
            &values,
            &found,
            &request_id,
        );
    }
    let form = ApplicationForm::new(definition, chrome, &values, &[]);
    layout::respond(
        StatusCode::OK,
        form_page::review(chrome, definition, &form, &request_id),
    )
}

pub(crate) async fn edit(
    State(state): State<ApiState>,
    Path(procedure): Path<String>,
    checked: Checked<Fields>,
) -> Response {
    let Checked { citizen, form } = checked;
    let chrome = &citizen.chrome;
    let procedure = match in_force(&state, chrome, &procedure).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    form_response(
        StatusCode::OK,
        chrome,
        &procedure.definition,
        &fields::posted(&form.0),
        &[],
        &request_id(&form),
    )
}

pub(crate) async fn submit(
    State(state): State<ApiState>,
    Path(procedure): Path<String>,
    checked: Checked<Fields>,
) -> Response {
    let Checked { citizen, form } = checked;
    let chrome = &citizen.chrome;
    let procedure = match in_force(&state, chrome, &procedure).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let definition = &procedure.definition;
    let values = fields::posted(&form.0);
    let request_id = request_id(&form);
    let submission = Submission {
        procedure: definition.id.0.clone(),
        client_request_id: Some(request_id.clone()),
        office: None,
        application: fields::application(definition, &values),
    };
    match applications::file(&state, &citizen.caller.0, chrome.lang, submission, None).await {
        Ok(accepted) => Redirect::to(&format!(
            "{}?filed=1",
            super::case_page::href(&accepted.case_code)
        ))
        .into_response(),
        Err(ApiError { fields, .. }) if !fields.is_empty() => form_response(
            StatusCode::BAD_REQUEST,
            chrome,
            definition,
            &values,
            &fields,
            &request_id,
        ),
        Err(e) if e.code == "NOT_YOUR_APPLICATION" => form_response(
            e.status,
            chrome,
            definition,
            &values,
            &[general(chrome.lang, e.code)],
            &request_id,
        ),
        Err(e) => layout::error_page(chrome, &e),
    }
}
