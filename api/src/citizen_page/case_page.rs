//! `GET /cases/{code}`: one case as its citizen follows it, step by step in plain words: what is
//! done and what it issued, which agency it waits on since when, the legal deadlines, the
//! documents an agency asked for (with a form to send them) and, while it runs, a way to
//! withdraw it. The page is a pure function of a [`CaseView`], made from the case's state and
//! the version of the procedure it runs.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use lienthong_definitions::{
    Definition,
    case::{CaseState, JournalEntry, StepStatus},
    catalogue::Catalogue,
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{
    layout::{self, Chrome},
    session::Citizen,
};
use crate::{ApiError, ApiState, citizen::cases, console::urls::encode, lang::Lang, messages};

/// The page of case `code`.
pub(crate) fn href(code: &str) -> String {
    format!("/cases/{}", encode(code))
}

/// A case as its citizen reads it.
#[derive(Debug, Clone)]
pub(crate) struct CaseView {
    pub code: String,
    pub procedure: String,
    pub status: &'static str,
    pub said: String,
    pub submitted_at: OffsetDateTime,
    pub deadline: Option<OffsetDateTime>,
    pub overdue: bool,
    pub running: bool,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone)]
pub(crate) struct StepView {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub said: String,
    pub agency: Option<String>,
    /// When the agency last received it.
    pub since: Option<OffsetDateTime>,
    /// When it was done.
    pub done_at: Option<OffsetDateTime>,
    pub deadline: Option<OffsetDateTime>,
    /// What it issued: the words for each result and its value.
    pub results: Vec<(String, String)>,
    /// What the agency asks for, while it waits for it.
    pub documents: Option<DocumentsView>,
}

#[derive(Debug, Clone)]
pub(crate) struct DocumentsView {
    /// The agency's own words.
    pub message: String,
    pub due: OffsetDateTime,
    /// `(code, title)` of each document asked for.
    pub items: Vec<(String, String)>,
}

/// The last journal entry of `kinds` for `step`.
fn last_at(journal: &[JournalEntry], step: &str, kinds: &[&str]) -> Option<OffsetDateTime> {
    journal
        .iter()
        .rev()
        .find(|e| e.step.as_ref().is_some_and(|s| s.0 == step) && kinds.contains(&e.kind.as_str()))
        .map(|e| e.at)
}

/// A result's value as a person reads it: text as it is, a day as `20/11/2026`.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => layout::day(text),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl CaseView {
    /// The case `case`, running `definition` (if the database still gives it), in `lang`.
    pub(crate) fn of(
        case: &CaseState,
        definition: Option<&Definition>,
        agencies: &Catalogue,
        lang: Lang,
    ) -> Self {
        let pick = |titles: &lienthong_definitions::Titles| lang.words(titles).to_owned();
        let steps = case
            .steps
            .iter()
            .map(|record| {
                let id = record.id.0.as_str();
                let step = definition.and_then(|d| d.step(&record.id));
                let results = record
                    .output
                    .as_ref()
                    .and_then(Value::as_object)
                    .map(|output| {
                        // In the order the route keeps them, and only those the form names
                        // when it names any.
                        let kept: Vec<&String> = step
                            .and_then(|s| record.route.and_then(|r| s.routes.get(r)))
                            .map(|route| route.output.iter().collect())
                            .unwrap_or_else(|| output.keys().collect());
                        let form = definition.map(|d| &d.form);
                        let named = form.is_some_and(|f| !f.results.is_empty());
                        kept.into_iter()
                            .filter_map(|field| {
                                let value = value_text(output.get(field)?);
                                let words = form.and_then(|f| f.result(id, field)).map(pick);
                                match words {
                                    Some(words) => Some((words, value)),
                                    None if named => None,
                                    None => Some((field.clone(), value)),
                                }
                            })
                            .filter(|(_, value)| !value.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let documents = (record.status == StepStatus::AwaitingDocuments)
                    .then_some(record.documents_requested.as_ref())
                    .flatten()
                    .map(|request| DocumentsView {
                        message: request.message.clone(),
                        due: request.due,
                        items: request
                            .documents
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|d| {
                                let code = d.get("code")?.as_str()?.to_owned();
                                let title = d
                                    .get("title")
                                    .and_then(Value::as_str)
                                    .map_or_else(|| code.clone(), str::to_owned);
                                Some((code, title))
                            })
                            .collect(),
                    });
                StepView {
                    id: id.to_owned(),
                    title: step.map_or_else(|| id.to_owned(), |s| pick(&s.title)),
                    status: record.status.as_str(),
                    said: messages::text(lang, &format!("step-{}", record.status.as_str()), &[]),
                    agency: record.agency.as_ref().map(|a| {
                        agencies
                            .agency(a)
                            .map_or_else(|| a.0.clone(), |a| pick(&a.title))
                    }),
                    since: last_at(&case.journal, id, &["step_started"]),
                    done_at: last_at(
                        &case.journal,
                        id,
                        &["step_succeeded", "step_resolved_manually"],
                    )
                    .filter(|_| {
                        matches!(
                            record.status,
                            StepStatus::Succeeded | StepStatus::ResolvedManually
                        )
                    }),
                    deadline: record.deadline,
                    results,
                    documents,
                }
            })
            .collect();
        Self {
            code: case.code.to_string(),
            procedure: definition.map_or_else(|| case.procedure.0.clone(), |d| pick(&d.title)),
            status: case.status.as_str(),
            said: messages::text(lang, &format!("case-{}", case.status.as_str()), &[]),
            submitted_at: case.submitted_at,
            deadline: case.deadline,
            overdue: case.overdue,
            running: !case.status.is_terminal(),
            steps,
        }
    }
}

/// A notice shown once, after what the citizen just did.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    filed: Option<String>,
    #[serde(default)]
    supplied: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
}

impl Done {
    fn notice(&self) -> Option<&'static str> {
        if self.filed.is_some() {
            Some("page-case-filed")
        } else if self.supplied.is_some() {
            Some("page-case-supplied")
        } else if self.withdrawn.is_some() {
            Some("page-case-withdrawn")
        } else {
            None
        }
    }
}

/// What went wrong with the documents just sent: a problem for the whole form and one per
/// document, by its position.
#[derive(Debug, Clone, Default)]
pub(crate) struct SupplementProblems {
    pub code: Option<&'static str>,
    pub documents: Vec<(usize, String)>,
    /// The references as they were typed, by document code.
    pub typed: Vec<(String, String)>,
}

/// The page of a case the caller is a party to; a case they are not a party to does not exist
/// for this page (staff read cases in the console).
pub(crate) async fn read(
    state: &ApiState,
    citizen: &Citizen,
    code: &str,
) -> Result<CaseView, ApiError> {
    let read = cases::read(state, &citizen.caller, code).await?;
    if !read.access.as_party {
        return Err(ApiError::case_not_found());
    }
    Ok(CaseView::of(
        &read.case,
        read.definition.as_ref().map(|p| &p.definition),
        &state.catalog.agencies(),
        citizen.chrome.lang,
    ))
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    citizen: Citizen,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let chrome = &citizen.chrome;
    match read(&state, &citizen, &code).await {
        Ok(case) => layout::respond(
            StatusCode::OK,
            render(
                chrome,
                &case,
                done.notice(),
                &SupplementProblems::default(),
                OffsetDateTime::now_utc(),
            ),
        ),
        Err(e) => layout::error_page(chrome, &e),
    }
}

pub(crate) fn render(
    chrome: &Chrome,
    case: &CaseView,
    notice: Option<&str>,
    problems: &SupplementProblems,
    now: OffsetDateTime,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    let body = html! {
        @if let Some(notice) = notice {
            p #notice.notice role="status" { (chrome.t_with(notice, &[("code", case.code.clone())])) }
        }
        dl.facts {
            dt { (t("page-case-code")) }
            dd #case-code { code { (case.code) } }
            dt { (t("page-case-procedure")) }
            dd { (case.procedure) }
            dt { (t("page-case-submitted")) }
            dd { (layout::moment(case.submitted_at)) }
            dt { (t("page-case-status")) }
            dd {
                span #case-status class={ "badge st-" (case.status) } data-status=(case.status) {
                    (t(&format!("page-status-{}", case.status)))
                }
                " " span.said { (case.said) }
            }
            @if let Some(deadline) = case.deadline {
                dt { (t("page-case-deadline")) }
                dd #case-deadline {
                    (layout::moment(deadline))
                    @if case.overdue && case.running {
                        " " span.badge.overdue { (t("page-overdue")) }
                    }
                }
            }
        }
        h2 #steps-title { (t("page-case-steps")) }
        ol #timeline.timeline aria-labelledby="steps-title" {
            @for (i, step) in case.steps.iter().enumerate() {
                (step_item(chrome, case, i, step, problems, now))
            }
        }
        @if case.running {
            section #withdraw-section aria-labelledby="withdraw-title" {
                h2 #withdraw-title { (t("page-withdraw-title")) }
                p { (t("page-withdraw-intro")) }
                p { a #withdraw.button.danger href={ (href(&case.code)) "/withdraw" } { (t("page-withdraw-start")) } }
            }
        }
        p { a #back-to-cases href="/cases" { (t("page-back-cases")) } }
    };
    layout::page(
        chrome,
        &chrome.t_with("page-case-title", &[("code", case.code.clone())]),
        body,
    )
}

fn step_item(
    chrome: &Chrome,
    case: &CaseView,
    i: usize,
    step: &StepView,
    problems: &SupplementProblems,
    now: OffsetDateTime,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    let waiting = matches!(
        step.status,
        "running" | "awaiting_decision" | "agency_unavailable" | "held" | "awaiting_documents"
    );
    html! {
        li class={ "step step-" (step.status) } data-step=(step.id) data-status=(step.status) {
            h3 { span.number aria-hidden="true" { (i + 1) } " " (step.title) }
            @let badge = t(&format!("page-step-{}", step.status));
            p.said {
                span class={ "badge step-" (step.status) } { (badge) }
                // A sentence that only repeats the badge ("Đã xong.") is left out.
                @if step.said.trim_end_matches('.') != badge { " " (step.said) }
            }
            dl.facts {
                @if let Some(agency) = &step.agency {
                    dt { (t("page-step-agency")) }
                    dd { (agency) }
                }
                @if let (true, Some(since)) = (waiting, step.since) {
                    dt { (t("page-step-since")) }
                    dd { (layout::moment(since)) }
                }
                @if let Some(done) = step.done_at {
                    dt { (t("page-step-done-at")) }
                    dd { (layout::moment(done)) }
                }
                @if let (true, Some(deadline)) = (waiting || step.status == "pending", step.deadline) {
                    dt { (t("page-step-deadline")) }
                    dd {
                        (layout::moment(deadline))
                        @if deadline < now && waiting { " " span.badge.overdue { (t("page-overdue")) } }
                    }
                }
            }
            @if !step.results.is_empty() {
                div.results {
                    h4 { (t("page-step-results")) }
                    dl.facts {
                        @for (words, value) in &step.results {
                            dt { (words) }
                            dd.result { strong { (value) } }
                        }
                    }
                }
            }
            @if let (true, Some(documents)) = (case.running, &step.documents) {
                (documents_form(chrome, case, step, documents, problems))
            }
        }
    }
}

fn documents_form(
    chrome: &Chrome,
    case: &CaseView,
    step: &StepView,
    documents: &DocumentsView,
    problems: &SupplementProblems,
) -> Markup {
    let t = |id: &str| chrome.t(id);
    html! {
        section.documents #documents aria-labelledby={ "documents-" (step.id) } {
            h4 id={ "documents-" (step.id) } { (t("page-documents-title")) }
            p.agency-message { (documents.message) }
            p { (t("page-documents-due")) " " strong { (layout::moment(documents.due)) } }
            @if let Some(code) = problems.code {
                (layout::problem_box(chrome, code))
            }
            form #documents-form method="post" action={ (href(&case.code)) "/documents" } novalidate {
                (chrome.csrf_field())
                input type="hidden" name="step" value=(step.id);
                @for (i, (code, title)) in documents.items.iter().enumerate() {
                    @let id = format!("doc-{i}");
                    @let error = problems.documents.iter().find(|(at, _)| *at == i).map(|(_, m)| m);
                    @let typed = problems.typed.iter().find(|(c, _)| c == code).map_or("", |(_, v)| v.as_str());
                    div class={ "field" @if error.is_some() { " has-error" } } {
                        label for=(id) { (title) " " span.required aria-hidden="true" { "*" } }
                        p.help id={ (id) "-help" } { (t("page-documents-reference-help")) " " code { (code) } }
                        @if let Some(error) = error {
                            p.error id={ (id) "-error" } {
                                span.visually-hidden { (t("page-error-prefix")) " " } (error)
                            }
                        }
                        input type="text" id=(id) name={ "doc:" (code) } value=(typed) required
                            autocomplete="off" aria-invalid=[error.map(|_| "true")]
                            aria-describedby={ (id) "-help" @if error.is_some() { " " (id) "-error" } };
                    }
                }
                div.field {
                    label for="note" { (t("page-documents-note")) }
                    textarea #note name="note" rows="3" maxlength="500" {}
                }
                div.actions {
                    button #send-documents.primary type="submit" { (t("page-documents-send")) }
                }
            }
        }
    }
}
