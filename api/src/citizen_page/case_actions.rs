//! What a citizen does to a case from its page: send the documents an agency asked for
//! (`POST /cases/{code}/documents`), and withdraw it after saying why and confirming
//! (`GET` and `POST /cases/{code}/withdraw`). Both go through the functions the JSON API uses.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use time::OffsetDateTime;

use super::{
    case_page::{self, SupplementProblems},
    layout::{self, Chrome},
    session::{Checked, Citizen, Fields},
};
use crate::{
    ApiError, ApiState,
    citizen::{
        cases,
        supplements::{self, Document, Supplement},
    },
};

pub(crate) async fn documents(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    checked: Checked<Fields>,
) -> Response {
    let Checked { citizen, form } = checked;
    let chrome = &citizen.chrome;
    // In the order the page lists them, which is the order the agency asked for them.
    let typed: Vec<(String, String)> = form
        .0
        .iter()
        .filter_map(|(name, value)| {
            let code = name.strip_prefix("doc:")?;
            Some((code.to_owned(), value.trim().to_owned()))
        })
        .collect();
    let supplement = Supplement {
        step: form.get("step").map(str::to_owned),
        documents: typed
            .iter()
            .map(|(code, reference)| Document {
                code: code.clone(),
                reference: reference.clone(),
            })
            .collect(),
        note: form
            .get("note")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    };
    let error = match supplements::answer(&state, &citizen.caller, &code, supplement, chrome.lang)
        .await
    {
        Ok(_) => {
            return Redirect::to(&format!("{}?supplied=1", case_page::href(&code))).into_response();
        }
        Err(error) => error,
    };
    // Shown on the case page again, next to the documents they are about.
    let problems = SupplementProblems {
        code: Some(error.code),
        documents: error
            .fields
            .iter()
            .filter_map(|f| {
                let at = f
                    .field
                    .strip_prefix("/documents/")?
                    .strip_suffix("/reference")?
                    .parse()
                    .ok()?;
                Some((at, f.message.clone()))
            })
            .collect(),
        typed,
    };
    match case_page::read(&state, &citizen, &code).await {
        Ok(case) => layout::respond(
            error.status,
            case_page::render(chrome, &case, None, &problems, OffsetDateTime::now_utc()),
        ),
        Err(e) => layout::error_page(chrome, &e),
    }
}

/// The confirmation page: what withdrawing does, why (required), and a last chance to stay.
pub(crate) fn confirm_page(
    chrome: &Chrome,
    code: &str,
    reason: &str,
    error: Option<&ApiError>,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    let reason_error = error.filter(|e| e.code == "REASON_REQUIRED");
    let body = html! {
        @if let Some(error) = error.filter(|e| e.code != "REASON_REQUIRED") {
            (layout::problem_box(chrome, error.code))
        }
        div.warning role="note" {
            p { (t("page-withdraw-what")) }
        }
        form #withdraw-form method="post" action={ (case_page::href(code)) "/withdraw" } novalidate {
            (chrome.csrf_field())
            div class={ "field" @if reason_error.is_some() { " has-error" } } {
                label for="reason" { (t("page-withdraw-reason")) " " span.required aria-hidden="true" { "*" } }
                p.help #reason-help { (t("page-withdraw-reason-help")) }
                @if reason_error.is_some() {
                    p.error #reason-error {
                        span.visually-hidden { (t("page-error-prefix")) " " }
                        (t("page-withdraw-reason-missing"))
                    }
                }
                textarea #reason name="reason" rows="3" maxlength="500" required
                    aria-invalid=[reason_error.map(|_| "true")]
                    aria-describedby={ "reason-help" @if reason_error.is_some() { " reason-error" } } { (reason) }
            }
            input type="hidden" name="confirm" value="yes";
            div.actions {
                button #confirm-withdraw.danger type="submit" { (t("page-withdraw-confirm")) }
                a #keep-case.button.secondary href=(case_page::href(code)) { (t("page-withdraw-keep")) }
            }
        }
    };
    layout::page(
        chrome,
        &chrome.t_with("page-withdraw-page-title", &[("code", code.to_owned())]),
        body,
    )
}

pub(crate) async fn confirm(
    State(state): State<ApiState>,
    citizen: Citizen,
    Path(code): Path<String>,
) -> Response {
    let chrome = &citizen.chrome;
    // Only a case of theirs that still runs can be withdrawn; anything else is said at once.
    match case_page::read(&state, &citizen, &code).await {
        Ok(case) if case.running => {
            layout::respond(StatusCode::OK, confirm_page(chrome, &case.code, "", None))
        }
        Ok(_) => layout::problem_page(chrome, StatusCode::CONFLICT, "CASE_CLOSED"),
        Err(e) => layout::error_page(chrome, &e),
    }
}

pub(crate) async fn withdraw(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    checked: Checked<Fields>,
) -> Response {
    let Checked { citizen, form } = checked;
    let chrome = &citizen.chrome;
    let reason = form.get("reason").unwrap_or_default();
    // Only from the confirmation page.
    if form.get("confirm") != Some("yes") {
        return Redirect::to(&format!("{}/withdraw", case_page::href(&code))).into_response();
    }
    match cases::withdraw_case(&state, &citizen.caller, &code, reason).await {
        Ok(_) => Redirect::to(&format!("{}?withdrawn=1", case_page::href(&code))).into_response(),
        Err(e) => layout::respond(e.status, confirm_page(chrome, &code, reason, Some(&e))),
    }
}
