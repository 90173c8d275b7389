//! `GET /console/batches/{id}`: a hold, release or bulk action carried out as a batch: how far it
//! got and what became of each case. The page asks the browser to reload it every few seconds
//! while the batch runs (an HTTP `Refresh` header: no script). `GET /console/batches` lists the
//! recent ones.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header::HeaderName},
    response::Response,
};
use lienthong_workflows::batch::{BatchReport, Outcome};
use maud::{Markup, html};
use serde_json::Value;

use super::{
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    session::Console,
};
use crate::{ApiState, ops::BatchPage};

/// Seconds between reloads of a running batch's page.
const REFRESH_SECS: &str = "3";
const PAGE: u32 = 100;

/// The page's query: which outcomes to show. Unlike the JSON API's, it lets other parameters
/// pass, since every console page takes `?lang=` (read by the console's language layer).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct PageParams {
    offset: Option<u32>,
    limit: Option<u32>,
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(page): Query<PageParams>,
    console: Console,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let page = BatchPage {
        offset: page.offset,
        limit: Some(page.limit.unwrap_or(PAGE)),
    };
    match crate::ops::batch_report(&state, &console.caller, &id, page).await {
        Ok(report) => {
            let running = report.progress.status == "running";
            let mut response =
                layout::respond(StatusCode::OK, render(&console.chrome, &id, &report));
            if running {
                response.headers_mut().insert(
                    HeaderName::from_static("refresh"),
                    HeaderValue::from_static(REFRESH_SECS),
                );
            }
            response
        }
        Err(error) => layout::problem_page(&console.chrome, &Problem::from(error)),
    }
}

pub(crate) async fn list(State(state): State<ApiState>, console: Console) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match crate::ops::recent_batches(&state, &console.caller).await {
        Ok(answer) => layout::respond(StatusCode::OK, render_list(&console.chrome, &answer)),
        Err(error) => layout::problem_page(&console.chrome, &Problem::from(error)),
    }
}

/// The link to a batch's page.
pub(crate) fn link(id: &str) -> String {
    format!("/console/batches/{id}")
}

pub(crate) fn render(chrome: &Chrome, id: &str, report: &BatchReport) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let p = &report.progress;
    let handled = p.done + p.skipped + p.refused + p.unanswered;
    let shown = u32::try_from(report.outcomes.len()).unwrap_or(u32::MAX);
    let next = report.offset.saturating_add(shown);
    let body = html! {
        dl #batch-summary.facts data-status=(p.status) {
            dt { (t(Text::Action)) } dd data-action=(report.action.name()) { (lang.term("action", report.action.name())) }
            @if let Some(agency) = report.action.agency() { dt { (t(Text::Agency)) } dd { code { (agency) } } }
            dt { (t(Text::Status)) } dd #batch-status { (lang.term("batch_status", &p.status)) }
            dt { (t(Text::BatchBy)) } dd { (report.actor) }
            dt { (t(Text::Reasons)) } dd { q { (report.reason) } }
            dt { (t(Text::Started)) } dd { (layout::when(&p.started_at)) }
            @if let Some(finished) = &p.finished_at { dt { (t(Text::Finished)) } dd { (layout::when(finished)) } }
        }
        p {
            progress #batch-progress value=(handled) max=(p.matched.max(1)) {}
            " " (handled) " / " (p.matched)
        }
        table #batch-counts {
            caption { (t(Text::BatchCounts)) }
            tbody {
                @for (outcome, n) in [(Outcome::Done, p.done), (Outcome::Skipped, p.skipped),
                    (Outcome::Refused, p.refused), (Outcome::Retrying, p.retrying),
                    (Outcome::Unanswered, p.unanswered)] {
                    tr data-outcome=(outcome.as_str()) {
                        th scope="row" { (lang.term("outcome", outcome.as_str())) }
                        td.count { (n) }
                    }
                }
            }
        }
        @if p.capped { p.note #capped { (t(Text::BatchCapped)) } }
        @if p.status == "running" { p.help { (t(Text::BatchRefreshes)) } }
        table #batch-outcomes {
            caption { (t(Text::BulkResults)) }
            thead { tr {
                th scope="col" { (t(Text::CaseCode)) }
                th scope="col" { (t(Text::Outcome)) }
                th scope="col" { (t(Text::Detail)) }
            } }
            tbody {
                @for o in &report.outcomes {
                    tr data-case=(o.case) data-outcome=(o.outcome.as_str()) {
                        td { (layout::case_link(&o.case)) }
                        td { (lang.term("outcome", o.outcome.as_str())) }
                        td {
                            @if let Some(effect) = &o.effect { (lang.term("effect", effect)) }
                            @if let Some(code) = &o.code { code { (code) } " " (o.message.as_deref().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        nav.pages {
            @if report.offset > 0 {
                a #previous-page href={ (link(id)) "?offset=" (report.offset.saturating_sub(PAGE)) } { (t(Text::Previous)) }
                " "
            }
            @if next < report.total {
                a #next-page href={ (link(id)) "?offset=" (next) } { (t(Text::Next)) }
            }
        }
        p { a #all-batches href="/console/batches" { (t(Text::Batches)) } }
    };
    layout::page(chrome, &format!("{} {id}", t(Text::Batch)), body)
}

pub(crate) fn render_list(chrome: &Chrome, answer: &Value) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let batches = answer["batches"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let body = html! {
        @if batches.is_empty() { p { (t(Text::NoEntries)) } }
        @else {
            table #batches {
                thead { tr {
                    th scope="col" { (t(Text::Batch)) }
                    th scope="col" { (t(Text::Status)) }
                    th scope="col" { (t(Text::Started)) }
                } }
                tbody {
                    @for b in batches {
                        @let id = text(&b["batch"]);
                        tr data-batch=(id) {
                            td { a href=(link(&id)) { code { (id) } } }
                            td { (lang.term("batch_status", &text(&b["status"]))) }
                            td { (layout::when(&text(&b["started_at"]))) }
                        }
                    }
                }
            }
        }
    };
    layout::page(chrome, t(Text::Batches), body)
}
