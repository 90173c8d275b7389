//! `GET /console/cases/{code}`: one case's state, its step graph, every step with its attempts,
//! errors and deadlines, the journal, the operator actions, and a form for each action.

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{Markup, html};

use super::{
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    session::Console,
    timeline::{StepLine, Timeline},
    urls,
};
use crate::ApiState;

pub(crate) async fn show(
    State(state): State<ApiState>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match crate::ops::timeline(&state, &console.caller, &code).await {
        Ok(body) => layout::respond(
            StatusCode::OK,
            render(&console.chrome, &code, &Timeline::read(&body)),
        ),
        Err(e) => layout::problem_page(&console.chrome, &Problem::from(e)),
    }
}

/// The step graph, served here so the page's `<img>` is fetched with the session cookie.
pub(crate) async fn picture(
    State(state): State<ApiState>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match crate::ops::picture(&state, &console.caller, &code).await {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => layout::problem_page(&console.chrome, &Problem::from(e)),
    }
}

pub(crate) fn render(chrome: &Chrome, code: &str, case: &Timeline) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        dl.facts {
            dt { (t(Text::Status)) }
            dd { span #case-status data-status=(case.status) class={ "badge st-" (case.status) } {
                (lang.term("status", &case.status))
            } }
            dt { (t(Text::Procedure)) }
            dd { (case.procedure) @if let Some(v) = case.version { " (" (t(Text::Version)) " " (v) ")" } }
            dt { (t(Text::Office)) }
            dd { (case.office) }
            dt { (t(Text::Submitted)) }
            dd { (layout::when(&case.submitted_at)) }
            @if let Some(deadline) = &case.deadline {
                dt { (t(Text::Deadline)) }
                dd {
                    (layout::when(deadline))
                    @if case.overdue { " " span.badge.overdue #case-overdue { (t(Text::IsOverdue)) } }
                }
            }
        }
        p.note { (t(if case.personal_data { Text::PersonalShown } else { Text::PersonalMasked })) }
        @if !case.attention.is_empty() {
            section.attention aria-labelledby="case-attention-title" {
                h2 #case-attention-title { (t(Text::Attention)) }
                ul #case-attention {
                    @for a in &case.attention {
                        li.reason data-reason=(a.reason) {
                            strong { (lang.term("reason", &a.reason)) }
                            @if let Some(step) = &a.step { " · " (t(Text::Step)) " " code { (step) } }
                            @if let Some(agency) = &a.agency { " · " (t(Text::Agency)) " " code { (agency) } }
                        }
                    }
                }
            }
        }
        @if let Some(failure) = &case.failure {
            p #case-failure.failure { strong { (t(Text::Failure)) ": " } code { (failure) } }
        }
        @if case.finished() {
            p #case-finished.note { (t(Text::CaseFinished)) }
        }
        figure #picture {
            img src={ (urls::case(code)) "/picture.svg" } alt=(t(Text::StepGraphAlt));
            figcaption { (t(Text::StepGraph)) }
        }
        section #timeline {
            h2 { (t(Text::Steps)) }
            table #steps.steps {
                thead { tr {
                    th scope="col" { (t(Text::Step)) }
                    th scope="col" { (t(Text::Agency)) }
                    th scope="col" { (t(Text::Status)) }
                    th scope="col" { (t(Text::Attempts)) }
                    th scope="col" { (t(Text::LastError)) }
                    th scope="col" { (t(Text::StepDeadline)) }
                    th scope="col" { (t(Text::Reference)) }
                    @if !case.finished() { th scope="col" { (t(Text::Actions)) } }
                } }
                tbody {
                    @for step in &case.steps {
                        (step_row(chrome, code, step, case))
                    }
                }
            }
            h2 { (t(Text::Journal)) }
            @if case.journal_dropped > 0 {
                p.note { (case.journal_dropped) " " (t(Text::OlderDropped)) }
            }
            table #journal.journal {
                thead { tr {
                    th scope="col" { (t(Text::Time)) }
                    th scope="col" { (t(Text::Event)) }
                    th scope="col" { (t(Text::Step)) }
                    th scope="col" { (t(Text::Agency)) }
                    th scope="col" { (t(Text::Detail)) }
                    th scope="col" { (t(Text::Actor)) }
                } }
                tbody {
                    @for entry in &case.journal {
                        tr data-kind=(entry.kind) {
                            td { (layout::when(&entry.at)) }
                            td { (lang.term("event", &entry.kind)) }
                            td { (entry.step.as_deref().unwrap_or_default()) }
                            td { (entry.agency.as_deref().unwrap_or_default()) }
                            td { (entry.detail.as_deref().unwrap_or_default()) }
                            td {
                                @if let Some(actor) = &entry.actor { strong { (actor) } }
                                @if let Some(reason) = &entry.reason { " — " q { (reason) } }
                            }
                        }
                    }
                }
            }
        }
        section #operator-actions {
            h2 { (t(Text::OperatorActions)) }
            @if case.operator_actions.is_empty() {
                p.empty { (t(Text::NoOperatorActions)) }
            } @else {
                table.audit {
                    thead { tr {
                        th scope="col" { (t(Text::Time)) }
                        th scope="col" { (t(Text::Actor)) }
                        th scope="col" { (t(Text::Action)) }
                        th scope="col" { (t(Text::Reasons)) }
                        th scope="col" { (t(Text::Outcome)) }
                        th scope="col" { (t(Text::Detail)) }
                    } }
                    tbody {
                        @for a in &case.operator_actions {
                            tr data-action=(a.action) {
                                td { (layout::when(&a.at)) }
                                td { (a.actor) " (" (a.role) ")" }
                                td { (lang.term("action", &a.action)) }
                                td { (a.reason.as_deref().unwrap_or_default()) }
                                td { code { (a.outcome) } }
                                td { (a.detail.as_deref().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        @if !case.finished() {
            section #case-actions {
                h2 { (t(Text::CaseActions)) }
                p.explain { (t(Text::ExplainCancel)) }
                form.action-cancel method="post" action={ (urls::case(code)) "/confirm" } {
                    (chrome.csrf_field())
                    input type="hidden" name="action" value="cancel";
                    button.danger type="submit" { (lang.term("action", "cancel")) }
                }
            }
        }
    };
    layout::page(chrome, code, body)
}

fn step_row(chrome: &Chrome, code: &str, step: &StepLine, case: &Timeline) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let confirm = format!("{}/confirm", urls::case(code));
    html! {
        tr data-step=(step.id) data-status=(step.status) {
            th scope="row" { code { (step.id) } }
            td { (step.agency.as_deref().unwrap_or_default())
                 @if let Some(op) = &step.operation { br; small { (op) } } }
            td {
                (layout::step_badge(lang, &step.status))
                @if step.long_running { br; small { (t(Text::RetryingNote)) } }
                @if step.sent_unanswered { br; small { (t(Text::UnansweredNote)) } }
            }
            td.num { (step.attempts) @if step.round > 0 { br; small { (t(Text::Round)) " " (step.round) } } }
            td { @if let Some((error, message)) = &step.last_error {
                code { (error) }
                // The engine's own codes are explained; an agency's refusal code has its message.
                @if lang.term("error", error) != error.as_str() { br; (lang.term("error", error)) }
                br; small { (message) } } }
            td {
                @if let Some(deadline) = &step.deadline { (layout::when(deadline)) }
                @if let Some(due) = &step.documents_due { br; small { (t(Text::DueDocuments)) " " (layout::when(due)) } }
            }
            td {
                @if let Some(reference) = &step.decision_reference { code { (reference) } }
                @if let Some((reference, by)) = &step.resolution {
                    code { (reference) } br; small { (t(Text::ResolvedBy)) " " (by) }
                }
            }
            @if !case.finished() {
                td.actions {
                    @if step.retryable() {
                        form.action-retry method="post" action=(confirm) data-step=(step.id) {
                            (chrome.csrf_field())
                            input type="hidden" name="action" value="retry_now";
                            input type="hidden" name="step" value=(step.id);
                            button type="submit" { (lang.term("action", "retry_now")) }
                        }
                    }
                    @if step.resolvable(&case.status) {
                        form.action-resolve method="post" action=(confirm) data-step=(step.id) {
                            (chrome.csrf_field())
                            input type="hidden" name="action" value="resolve";
                            input type="hidden" name="step" value=(step.id);
                            label for={ "reference-" (step.id) } { (t(Text::ResolveReference)) }
                            input id={ "reference-" (step.id) } type="text" name="reference" required;
                            label for={ "output-" (step.id) } { (t(Text::ResolveOutput)) }
                            textarea id={ "output-" (step.id) } name="output" rows="2" spellcheck="false" { "{}" }
                            button type="submit" { (lang.term("action", "resolve")) }
                        }
                    }
                }
            }
        }
    }
}
