//! An action on one case: the case page's form leads to a confirmation page that repeats the
//! action and asks for a reason; only that page's form calls [`crate::ops::act`]. A step resolved
//! by hand comes with one typed input per output field ([`super::resolve_form`]): checked before
//! the confirmation page, and a bad one shown again with each problem next to its input. The
//! confirmation page then carries the output as the JSON object the API's `resolve` takes.

use std::collections::BTreeMap;

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
    names::{self, StepTitles},
    problem::Problem,
    resolve_form::{self, ResolveFields, Values},
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
    /// Everything else posted: the typed output fields are those named `out.<field>`.
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
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
    /// The typed output fields, by field name.
    fn typed(&self) -> Values {
        self.rest
            .iter()
            .filter_map(|(name, value)| {
                let field = name.strip_prefix(resolve_form::PREFIX)?;
                Some((field.to_owned(), value.clone()))
            })
            .collect()
    }

    /// A resolution typed in the console's form rather than given as JSON.
    fn typed_resolution(&self) -> bool {
        self.action.trim() == "resolve" && self.output.trim().is_empty()
    }

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

pub(crate) async fn confirm(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    posted: Checked<ActionForm>,
) -> Response {
    let Checked { console, mut form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let chrome = &console.chrome;
    let titles = names::case_step_titles(&state, &console.caller, &code, chrome.lang).await;
    let mut fields = None;
    if form.typed_resolution() {
        let loaded = resolve_form::load(&state, &console.caller, &code, form.step.trim()).await;
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(problem) => return layout::problem_page(chrome, &problem),
        };
        let typed = form.typed();
        match loaded.check(&form.reference, &typed) {
            Ok(output) => form.output = output.to_string(),
            Err(errors) => {
                let page = resolve_form::render_again(
                    chrome,
                    &code,
                    &loaded,
                    &form.reference,
                    &typed,
                    &errors,
                );
                return layout::respond(StatusCode::BAD_REQUEST, page);
            }
        }
        fields = Some(loaded);
    }
    match form.request() {
        Ok(_) => layout::respond(
            StatusCode::OK,
            render_confirm(chrome, &code, &form, fields.as_ref(), &titles),
        ),
        Err(problem) => layout::respond(
            problem.status,
            render_result(chrome, &code, &form, &Err(problem), &titles),
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
    let titles = names::case_step_titles(&state, &console.caller, &code, console.chrome.lang).await;
    layout::respond(
        status,
        render_result(&console.chrome, &code, &form, &result, &titles),
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

/// What is about to be done, in words; a resolution's output field by field, labelled as its
/// form was when `fields` are known.
fn summary(
    chrome: &Chrome,
    code: &str,
    form: &ActionForm,
    fields: Option<&ResolveFields>,
    titles: &StepTitles,
) -> Markup {
    let t = |text| chrome.t(text);
    html! {
        dl #confirm-summary.facts {
            dt { (t(Text::CaseCode)) } dd { code { (code) } }
            dt { (t(Text::Action)) } dd data-action=(form.action) { (chrome.lang.term("action", &form.action)) }
            @if !form.step.is_empty() { dt { (t(Text::Step)) } dd { (layout::step_name(titles, &form.step)) } }
            @if !form.reference.is_empty() { dt { (t(Text::Reference)) } dd { code { (form.reference) } } }
            @if !form.output.trim().is_empty() { dt { (t(Text::ResolveOutput)) } dd { (output(chrome, &form.output, fields)) } }
        }
        p.explain { (t(explain(&form.action))) }
    }
}

/// A resolution's output: each field with its words and value, or the text as sent when it is
/// not an object.
fn output(chrome: &Chrome, text: &str, fields: Option<&ResolveFields>) -> Markup {
    let Ok(Value::Object(values)) = serde_json::from_str::<Value>(text) else {
        return html! { pre { (text) } };
    };
    let label = |name: &str| {
        fields
            .and_then(|f| f.fields.iter().find(|field| field.name == name))
            .map(|field| field.label(chrome.lang).to_owned())
    };
    html! {
        dl #confirm-output.facts {
            @for (name, value) in &values {
                dt { @if let Some(label) = label(name) { (label) " " } small { code { (name) } } }
                dd data-field=(name) { @match value { Value::String(s) => (s), other => (other.to_string()) } }
            }
        }
    }
}

pub(crate) fn render_confirm(
    chrome: &Chrome,
    code: &str,
    form: &ActionForm,
    fields: Option<&ResolveFields>,
    titles: &StepTitles,
) -> Markup {
    let body = html! {
        (summary(chrome, code, form, fields, titles))
        (confirm_form(chrome, code, form))
    };
    layout::page(chrome, chrome.t(Text::Confirm), body)
}

pub(crate) fn render_result(
    chrome: &Chrome,
    code: &str,
    form: &ActionForm,
    result: &Result<ActionOutcome, Problem>,
    titles: &StepTitles,
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
                                @if i > 0 { ", " } (layout::step_name(titles, &step.0))
                            }
                        }
                    }
                }
            }
            Err(problem) => (layout::problem_box(chrome, "outcome", problem)),
        }
        @if again {
            (summary(chrome, code, form, None, titles))
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

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        extract::{Form, FromRequest},
        http::{Request, header},
    };
    use lienthong_definitions::{Catalogue, shipped_definitions};
    use serde_json::json;

    use super::*;
    use crate::console::{i18n::Lang, layout::User};

    fn chrome() -> Chrome {
        Chrome {
            lang: Lang::Vi,
            here: "/console/cases/KS-1/confirm".into(),
            user: Some(User {
                subject: "op".into(),
                csrf: "abc".into(),
                operator: true,
                auditor: false,
            }),
        }
    }

    async fn posted(body: &'static str) -> ActionForm {
        let request = Request::post("/console/cases/KS-1/confirm")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a request");
        let Form(form) = Form::<ActionForm>::from_request(request, &())
            .await
            .expect("the form reads");
        form
    }

    /// The shipped birth, residence and insurance procedure.
    fn birth_procedure() -> lienthong_definitions::Definition {
        shipped_definitions()
            .expect("the shipped definitions parse")
            .into_iter()
            .find(|d| d.id.0 == "birth-residence-insurance")
            .expect("the birth procedure ships")
    }

    /// Its step titles in Vietnamese.
    fn titles() -> StepTitles {
        names::step_titles_of(&birth_procedure(), Lang::Vi)
    }

    fn birth() -> ResolveFields {
        let agencies = Catalogue::shipped().expect("the shipped catalogue parses");
        ResolveFields::of(&birth_procedure(), &agencies, "birth", None).expect("the birth step")
    }

    #[tokio::test]
    async fn a_typed_resolution_reaches_the_confirmation_as_the_json_object_the_api_takes() {
        let mut form = posted(
            "csrf=abc&action=resolve&step=birth&reference=HT-2026-77\
             &out.birth_certificate_number=123%2F2026&out.personal_id=001226000123\
             &out.registered_on=2026-11-20",
        )
        .await;
        assert!(form.typed_resolution());
        let fields = birth();
        let output = fields
            .check(&form.reference, &form.typed())
            .expect("a clean form");
        form.output = output.to_string();
        let request = form.request().expect("the action request");
        assert_eq!(request.action, "resolve");
        assert_eq!(request.step.as_deref(), Some("birth"));
        assert_eq!(request.reference.as_deref(), Some("HT-2026-77"));
        assert_eq!(
            request.output,
            Some(json!({
                "birth_certificate_number": "123/2026",
                "personal_id": "001226000123",
                "registered_on": "2026-11-20",
            }))
        );
        // The confirmation carries the object to the run, and shows it field by field.
        let html = render_confirm(&chrome(), "KS-1", &form, Some(&fields), &titles()).into_string();
        let hidden = maud::html! { input type="hidden" name="output" value=(form.output); };
        assert!(html.contains(&hidden.into_string()), "{html}");
        assert!(html.contains("Số giấy khai sinh"), "{html}");
        assert!(
            html.contains(r#"<dd data-field="personal_id">001226000123</dd>"#),
            "{html}"
        );
        assert!(!html.contains("<pre>"), "{html}");
        assert!(
            html.contains(r#"<span class="step-name" data-step="birth">Đăng ký khai sinh <small><code>birth</code></small></span>"#),
            "the step is named by its title, its id beside it: {html}"
        );
    }

    #[tokio::test]
    async fn an_action_done_names_the_steps_it_changed_by_their_titles() {
        let form = posted("csrf=abc&action=retry_now&step=residence&reason=back").await;
        let outcome: ActionOutcome = serde_json::from_value(json!({
            "action": "retry_now", "effect": "resumed", "steps": ["residence"],
        }))
        .expect("an outcome");
        let html = render_result(&chrome(), "KS-1", &form, &Ok(outcome), &titles()).into_string();
        assert!(html.contains("Đăng ký thường trú"), "{html}");
        let unnamed = render_result(
            &chrome(),
            "KS-1",
            &form,
            &Err(Problem::new(StatusCode::CONFLICT, "CAUSE_PERSISTS", "x")),
            &StepTitles::new(),
        )
        .into_string();
        assert!(
            unnamed.contains(r#"<code data-step="residence">residence</code>"#),
            "without the definition the id is shown: {unnamed}"
        );
    }

    #[tokio::test]
    async fn json_given_as_before_is_not_a_typed_resolution() {
        let form = posted(
            "csrf=abc&action=resolve&step=birth&reference=HT-1&output=%7B%22personal_id%22%3A%22001226000123%22%7D",
        )
        .await;
        assert!(!form.typed_resolution());
        assert_eq!(
            form.request().expect("the request").output,
            Some(json!({"personal_id": "001226000123"}))
        );
        let retry = posted("csrf=abc&action=retry_now&step=birth").await;
        assert!(!retry.typed_resolution());
    }
}
