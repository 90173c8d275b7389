//! An action on one case: the case page's form leads to a confirmation page that repeats the
//! action and asks for a reason; only that page's form calls [`crate::ops::act`].

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use lienthong_definitions::operator::ActionOutcome;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::{
    csrf::{Checked, CsrfForm},
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    urls,
};
use crate::{ApiState, ops::ActionRequest};

/// The fields of an action form, as posted (empty meaning absent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ActionForm {
    pub csrf: String,
    pub action: String,
    pub step: String,
    pub reference: String,
    pub output: String,
    pub reason: String,
    pub force: String,
}

impl CsrfForm for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn some(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

impl ActionForm {
    /// The API request; a refusal when the output is not JSON.
    pub(crate) fn request(&self) -> Result<ActionRequest, Problem> {
        let output = match some(&self.output) {
            None => None,
            Some(text) => Some(serde_json::from_str::<Value>(&text).map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "OUTPUT_INVALID",
                    "the step's output is not JSON; write an object such as {\"number\": \"123\"}",
                )
            })?),
        };
        Ok(ActionRequest {
            action: self.action.trim().to_owned(),
            step: some(&self.step),
            agency: None,
            reference: some(&self.reference),
            output,
            reason: self.reason.clone(),
            force: matches!(self.force.as_str(), "true" | "on"),
        })
    }
}

pub(crate) async fn confirm(Path(code): Path<String>, posted: Checked<ActionForm>) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let chrome = &console.chrome;
    match form.request() {
        Ok(_) => layout::respond(StatusCode::OK, render_confirm(chrome, &code, &form)),
        Err(problem) => layout::respond(
            problem.status,
            render_result(chrome, &code, &form, &Err(problem)),
        ),
    }
}

pub(crate) async fn run(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    posted: Checked<ActionForm>,
) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let result = match form.request() {
        Ok(request) => crate::ops::act(&state, &console.caller, &code, &request)
            .await
            .map_err(Problem::from),
        Err(problem) => Err(problem),
    };
    let status = result
        .as_ref()
        .map_or_else(|p| p.status, |_| StatusCode::OK);
    layout::respond(
        status,
        render_result(&console.chrome, &code, &form, &result),
    )
}

fn explain(action: &str) -> Text {
    match action {
        "resolve" => Text::ExplainResolve,
        "cancel" => Text::ExplainCancel,
        _ => Text::ExplainRetry,
    }
}

/// The confirmation form: the action again, in hidden fields, and the reason asked for.
fn confirm_form(chrome: &Chrome, code: &str, form: &ActionForm) -> Markup {
    let t = |text| chrome.t(text);
    html! {
        form #confirm.card method="post" action={ (urls::case(code)) "/actions" } {
            (chrome.csrf_field())
            input type="hidden" name="action" value=(form.action);
            @if !form.step.is_empty() { input type="hidden" name="step" value=(form.step); }
            @if !form.reference.is_empty() { input type="hidden" name="reference" value=(form.reference); }
            @if !form.output.is_empty() { input type="hidden" name="output" value=(form.output); }
            @if form.action == "retry_now" {
                div.field.check {
                    input #force type="checkbox" name="force" value="true" checked[form.force == "true"];
                    label for="force" { (t(Text::Force)) }
                }
            }
            label for="reason" { (t(Text::ReasonLabel)) }
            textarea #reason name="reason" rows="3" required maxlength="500" { (form.reason) }
            div.buttons {
                button #confirm-button type="submit" { (t(Text::ConfirmButton)) }
                a #cancel-link href=(urls::case(code)) { (t(Text::Cancel)) }
            }
        }
    }
}

/// What is about to be done, in words.
fn summary(chrome: &Chrome, code: &str, form: &ActionForm) -> Markup {
    let t = |text| chrome.t(text);
    html! {
        dl #confirm-summary.facts {
            dt { (t(Text::CaseCode)) } dd { code { (code) } }
            dt { (t(Text::Action)) } dd data-action=(form.action) { (chrome.lang.term("action", &form.action)) }
            @if !form.step.is_empty() { dt { (t(Text::Step)) } dd { code { (form.step) } } }
            @if !form.reference.is_empty() { dt { (t(Text::Reference)) } dd { code { (form.reference) } } }
            @if !form.output.trim().is_empty() { dt { (t(Text::ResolveOutput)) } dd { pre { (form.output) } } }
        }
        p.explain { (t(explain(&form.action))) }
    }
}

pub(crate) fn render_confirm(chrome: &Chrome, code: &str, form: &ActionForm) -> Markup {
    let body = html! {
        (summary(chrome, code, form))
        (confirm_form(chrome, code, form))
    };
    layout::page(chrome, chrome.t(Text::Confirm), body)
}

pub(crate) fn render_result(
    chrome: &Chrome,
    code: &str,
    form: &ActionForm,
    result: &Result<ActionOutcome, Problem>,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    // Refusals the operator can answer on the spot get the confirmation form again.
    let again =
        matches!(result, Err(p) if matches!(p.code.as_str(), "CAUSE_PERSISTS" | "REASON_REQUIRED"));
    let body = html! {
        @match result {
            Ok(outcome) => {
                div #outcome.outcome.done role="status" data-outcome="done" data-effect=(outcome.effect) {
                    p { strong { (t(Text::Done)) } " " (lang.term("action", &outcome.action)) " — "
                        (lang.term("effect", &outcome.effect)) }
                    @if !outcome.steps.is_empty() {
                        p { (t(Text::ChangedSteps)) ": "
                            @for (i, step) in outcome.steps.iter().enumerate() {
                                @if i > 0 { ", " } code { (step.0) }
                            }
                        }
                    }
                }
            }
            Err(problem) => (layout::problem_box(chrome, "outcome", problem)),
        }
        @if again {
            (summary(chrome, code, form))
            (confirm_form(chrome, code, form))
        }
        p { a #back-to-case href=(urls::case(code)) { (t(Text::BackToCase)) } }
    };
    layout::page(
        chrome,
        &format!("{} — {code}", lang.term("action", &form.action)),
        body,
    )
}
