//! `GET /console/audit`: the audit log for auditors, filtered by case, actor and action, newest
//! first, and its CSV export from the same session.

use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use lienthong_store::{AuditEntry, AuditFilter};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    session::Console,
    urls,
};
use crate::{ApiError, ApiState};

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuditParams {
    pub case: String,
    pub actor: String,
    pub action: String,
    pub before_id: String,
}

fn some(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

impl AuditParams {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("case", self.case.trim()),
            ("actor", self.actor.trim()),
            ("action", self.action.trim()),
        ]
    }

    /// The next page back: the same filters, entries older than `id`.
    fn older(&self, id: i64) -> String {
        let before = id.to_string();
        let mut pairs = self.pairs();
        pairs.push(("before_id", &before));
        urls::with_query("/console/audit", &pairs)
    }
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    console: Console,
    Query(params): Query<AuditParams>,
) -> Response {
    if let Some(refusal) = console.not_auditor() {
        return refusal;
    }
    let filter = AuditFilter {
        case: some(&params.case),
        actor: some(&params.actor),
        action: some(&params.action),
        before_id: params.before_id.trim().parse().ok(),
        limit: PAGE_SIZE,
        ..AuditFilter::default()
    };
    let result = state
        .store
        .audit(&filter)
        .await
        .map_err(|e| Problem::from(ApiError::database(e)));
    let status = result
        .as_ref()
        .map_or_else(|p| p.status, |_| StatusCode::OK);
    layout::respond(status, render(&console.chrome, &params, &result))
}

/// The CSV of `/v1/audit.csv`, for the session's auditor (a link cannot send a bearer token).
pub(crate) async fn csv(
    State(state): State<ApiState>,
    console: Console,
    Query(params): Query<AuditParams>,
) -> Response {
    if let Some(refusal) = console.not_auditor() {
        return refusal;
    }
    let filter = AuditFilter {
        case: some(&params.case),
        actor: some(&params.actor),
        action: some(&params.action),
        limit: 10_000,
        ..AuditFilter::default()
    };
    match state.store.audit(&filter).await {
        Ok(entries) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"lienthong-audit.csv\"",
                ),
            ],
            crate::ops::to_csv(&entries),
        )
            .into_response(),
        Err(e) => layout::problem_page(&console.chrome, &Problem::from(ApiError::database(e))),
    }
}

pub(crate) fn render(
    chrome: &Chrome,
    params: &AuditParams,
    result: &Result<Vec<AuditEntry>, Problem>,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        form #audit-filters.filters method="get" action="/console/audit" aria-label=(t(Text::AuditFilters)) {
            div.field {
                label for="a-case" { (t(Text::CaseCode)) }
                input #a-case type="text" name="case" value=(params.case);
            }
            div.field {
                label for="a-actor" { (t(Text::Actor)) }
                input #a-actor type="text" name="actor" value=(params.actor);
            }
            div.field {
                label for="a-action" { (t(Text::Action)) }
                input #a-action type="text" name="action" value=(params.action);
            }
            div.buttons {
                button #apply-filters type="submit" { (t(Text::Apply)) }
                a href="/console/audit" { (t(Text::Clear)) }
            }
        }
        p { a #audit-csv href=(urls::with_query("/console/audit.csv", &params.pairs())) download { (t(Text::DownloadCsv)) } }
        @match result {
            Err(problem) => (layout::problem_box(chrome, "error", problem)),
            Ok(entries) => {
                table #audit.audit {
                    thead { tr {
                        th scope="col" { (t(Text::Time)) }
                        th scope="col" { (t(Text::Actor)) }
                        th scope="col" { (t(Text::Role)) }
                        th scope="col" { (t(Text::Action)) }
                        th scope="col" { (t(Text::Cases)) }
                        th scope="col" { (t(Text::Reasons)) }
                        th scope="col" { (t(Text::Outcome)) }
                        th scope="col" { (t(Text::Detail)) }
                    } }
                    tbody {
                        @for e in entries {
                            tr data-audit-id=(e.id) data-action=(e.action) {
                                td { (layout::when(&e.at)) }
                                td { (e.actor) }
                                td { (e.role) }
                                td { (lang.term("action", &e.action)) br; small { code { (e.action) } } }
                                td.cases { @for case in &e.cases { code { (case) } " " } }
                                td { (e.reason.as_deref().unwrap_or_default()) }
                                td { code { (e.outcome) } }
                                td { (e.detail.as_deref().unwrap_or_default()) }
                            }
                        }
                    }
                }
                @if entries.is_empty() { p.empty { (t(Text::NoEntries)) } }
                @if i64::try_from(entries.len()).unwrap_or(i64::MAX) >= PAGE_SIZE {
                    @if let Some(last) = entries.last() {
                        nav.paging { a #audit-older href=(params.older(last.id)) { (t(Text::Older)) } }
                    }
                }
            }
        }
    };
    layout::page(chrome, t(Text::Audit), body)
}
