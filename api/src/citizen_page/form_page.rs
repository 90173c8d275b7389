//! The application form and the review page: pure functions of the procedure, the inputs and
//! their problems.

use lienthong_definitions::Definition;
use maud::{Markup, html};

use super::{
    fields::{ApplicationForm, Input, Kind},
    layout::{self, Chrome},
};
use crate::console::urls::encode;

/// Where a procedure's form posts: `/apply/{id}/{what}`.
pub(crate) fn action(definition: &Definition, what: &str) -> String {
    format!("/apply/{}/{what}", encode(&definition.id.0))
}

/// The form, with every problem next to its input and listed at the top with a link to it.
pub(crate) fn render(
    chrome: &Chrome,
    definition: &Definition,
    form: &ApplicationForm,
    request_id: &str,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    let body = html! {
        p.lead { (t("page-form-intro")) }
        @if form.has_problems() {
            (summary(chrome, form))
        }
        form #application method="post" action=(action(definition, "review")) novalidate {
            (chrome.csrf_field())
            input type="hidden" name="request_id" value=(request_id);
            @for section in &form.sections {
                fieldset.section {
                    legend { (section.title) }
                    @if let Some(help) = &section.help {
                        p.help { (help) }
                    }
                    @for input in &section.inputs {
                        (field(chrome, input))
                    }
                }
            }
            div.actions {
                button #review.primary type="submit" { (t("page-form-continue")) }
            }
        }
    };
    layout::page(chrome, chrome.pick(&definition.title), body)
}

/// The problems at the top, each a link to its input (the first place a screen reader lands).
fn summary(chrome: &Chrome, form: &ApplicationForm) -> Markup {
    html! {
        div #error-summary.problem role="alert" tabindex="-1" {
            h2 { (chrome.t("page-form-problems")) }
            ul {
                @for message in &form.general {
                    li { (message) }
                }
                @for input in form.inputs() {
                    @if let Some(error) = &input.error {
                        li { a href={ "#" (input.id()) } { (input.label) ": " (error) } }
                    }
                }
            }
        }
    }
}

fn field(chrome: &Chrome, input: &Input) -> Markup {
    let id = input.id();
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = [
        input.help.as_ref().map(|_| help_id.as_str()),
        input.error.as_ref().map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = input.error.as_ref().map(|_| "true");
    let label = html! {
        (input.label)
        @if input.required {
            span.required aria-hidden="true" { " *" }
        }
    };
    let notes = html! {
        @if let Some(help) = &input.help {
            p.help id=(help_id) { (help) }
        }
        @if let Some(error) = &input.error {
            p.error id=(error_id) {
                span.visually-hidden { (chrome.t("page-error-prefix")) " " }
                (error)
            }
        }
    };
    html! {
        div class={ "field" @if input.error.is_some() { " has-error" } } data-field=(input.pointer) {
            @match &input.kind {
                Kind::Boolean => {
                    div.tick {
                        input type="checkbox" id=(id) name=(input.pointer) value="true"
                            checked[input.value == "true"]
                            aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                        label for=(id) { (label) }
                    }
                    (notes)
                }
                Kind::Choice(choices) => {
                    label for=(id) { (label) }
                    (notes)
                    select id=(id) name=(input.pointer) required[input.required]
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                        option value="" { (chrome.t("page-choose")) }
                        @for choice in choices {
                            option value=(choice.posted) selected[choice.posted == input.value] {
                                (choice.words)
                            }
                        }
                    }
                }
                Kind::Lines => {
                    label for=(id) { (label) }
                    (notes)
                    textarea id=(id) name=(input.pointer) rows="3" required[input.required]
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (input.value) }
                }
                kind => {
                    label for=(id) { (label) }
                    (notes)
                    input type="text" id=(id) name=(input.pointer) value=(input.value)
                        inputmode=[inputmode(kind)]
                        placeholder=[matches!(kind, Kind::Date).then(|| chrome.t("page-date-placeholder"))]
                        autocomplete="off" spellcheck="false" required[input.required]
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                }
            }
        }
    }
}

fn inputmode(kind: &Kind) -> Option<&'static str> {
    match kind {
        Kind::Text { numeric: true } | Kind::Date | Kind::Number { integer: true } => {
            Some("numeric")
        }
        Kind::Number { integer: false } => Some("decimal"),
        _ => None,
    }
}

/// What the citizen is about to file, to check before filing; filing posts the same inputs
/// again with the same request id, so a second click files nothing more.
pub(crate) fn review(
    chrome: &Chrome,
    definition: &Definition,
    form: &ApplicationForm,
    request_id: &str,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    let body = html! {
        p.lead { (t("page-review-intro")) }
        p.procedure { strong { (chrome.pick(&definition.title)) } }
        @for (i, section) in form.sections.iter().enumerate() {
            section.review aria-labelledby={ "review-" (i) } {
                h2 id={ "review-" (i) } { (section.title) }
                dl {
                    @for input in &section.inputs {
                        @let shown = input.shown(chrome);
                        @if !shown.is_empty() || input.required {
                            dt { (input.label) }
                            dd data-field=(input.pointer) {
                                @if shown.is_empty() { (t("page-empty")) } @else { (shown) }
                            }
                        }
                    }
                }
            }
        }
        form #file method="post" action=(action(definition, "submit")) {
            (chrome.csrf_field())
            input type="hidden" name="request_id" value=(request_id);
            @for input in form.inputs() {
                @if !input.value.is_empty() {
                    input type="hidden" name=(input.pointer) value=(input.value);
                }
            }
            p.help { (t("page-review-once")) }
            div.actions {
                button #submit.primary type="submit" { (t("page-review-submit")) }
                button #edit.secondary type="submit" formaction=(action(definition, "edit")) {
                    (t("page-review-edit"))
                }
            }
        }
    };
    layout::page(chrome, &t("page-review-title"), body)
}
