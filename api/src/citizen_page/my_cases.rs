//! `GET /cases`: the cases the citizen filed or that name them, newest first, each with where it
//! stands as the engine's search index last saw it.

use std::collections::BTreeMap;

use axum::{extract::State, http::StatusCode, response::Response};
use futures::StreamExt;
use lienthong_definitions::CaseCode;
use lienthong_workflows::search_attributes as sa;
use maud::{Markup, html};
use temporalio_client::WorkflowListOptions;

use super::{
    case_page,
    layout::{self, Chrome},
    session::Citizen,
};
use crate::{ApiError, ApiState, engine::today};

/// At most this many cases are listed.
const MOST: i64 = 100;

/// One line of the list.
#[derive(Debug, Clone)]
pub(crate) struct CaseLine {
    pub code: String,
    pub procedure: String,
    pub submitted_at: String,
    /// `None` until the search index has seen the case (a moment after it is filed).
    pub status: Option<String>,
    pub waiting_on: Vec<String>,
}

/// Each listed case's status and the agencies it waits on, in one visibility query.
async fn statuses(
    state: &ApiState,
    codes: &[&str],
) -> Result<BTreeMap<String, (Option<String>, Vec<String>)>, ApiError> {
    // Codes come from the engine database, and only well-formed ones go into the query.
    let wanted: Vec<String> = codes
        .iter()
        .filter(|c| CaseCode::is_well_formed(c))
        .map(|c| format!("WorkflowId = '{c}'"))
        .collect();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    let query = wanted.join(" OR ");
    let options = WorkflowListOptions::builder().limit(wanted.len()).build();
    let mut stream = state.client.list_workflows(query, options);
    let mut found = BTreeMap::new();
    while let Some(item) = stream.next().await {
        let execution = item.map_err(ApiError::engine_unavailable)?;
        let attributes = execution.search_attributes();
        found.insert(
            execution.id().to_owned(),
            (
                attributes.get(&sa::STATUS),
                attributes.get(&sa::WAITING_ON).unwrap_or_default(),
            ),
        );
    }
    Ok(found)
}

pub(crate) async fn show(State(state): State<ApiState>, citizen: Citizen) -> Response {
    let chrome = &citizen.chrome;
    let principal = &citizen.caller.0;
    let records = match state
        .store
        .cases_of(&principal.subject, principal.personal_id(), MOST)
        .await
    {
        Ok(records) => records,
        Err(e) => return layout::error_page(chrome, &ApiError::database(e)),
    };
    let codes: Vec<&str> = records.iter().map(|r| r.code.as_str()).collect();
    let mut statuses = match statuses(&state, &codes).await {
        Ok(found) => found,
        Err(e) => return layout::error_page(chrome, &e),
    };
    let agencies = state.catalog.agencies();
    let mut titles = BTreeMap::new();
    for record in &records {
        if !titles.contains_key(&record.procedure) {
            let title = match state.catalog.in_force(&record.procedure, today()).await {
                Ok(Some(p)) => chrome.pick(&p.definition.title).to_owned(),
                _ => record.procedure.clone(),
            };
            titles.insert(record.procedure.clone(), title);
        }
    }
    let lines: Vec<CaseLine> = records
        .iter()
        .map(|record| {
            let (status, waiting_on) = statuses.remove(&record.code).unwrap_or_default();
            CaseLine {
                code: record.code.clone(),
                procedure: titles
                    .get(&record.procedure)
                    .cloned()
                    .unwrap_or_else(|| record.procedure.clone()),
                submitted_at: record.submitted_at.clone(),
                status,
                waiting_on: waiting_on
                    .iter()
                    .map(|a| {
                        agencies
                            .agency(a)
                            .map_or_else(|| a.clone(), |a| chrome.pick(&a.title).to_owned())
                    })
                    .collect(),
            }
        })
        .collect();
    layout::respond(StatusCode::OK, render(chrome, &lines))
}

pub(crate) fn render(chrome: &Chrome, cases: &[CaseLine]) -> Markup {
    let t = |id: &str| chrome.t(id);
    let body = html! {
        @if cases.is_empty() {
            p #no-cases.empty { (t("page-cases-none")) " " a href="/" { (t("page-cases-file")) } }
        } @else {
            ul #cases.cases {
                @for case in cases {
                    li.card data-case=(case.code) {
                        h2 { a href=(case_page::href(&case.code)) { code { (case.code) } } }
                        p { (case.procedure) }
                        p.meta {
                            (t("page-case-submitted")) " " (layout::day(&case.submitted_at))
                        }
                        p {
                            @let status = case.status.as_deref().unwrap_or("running");
                            span class={ "badge st-" (status) } data-status=(status) {
                                (t(&format!("page-status-{status}")))
                            }
                            @if !case.waiting_on.is_empty() {
                                " " span.waiting { (t("page-cases-waiting")) " " (case.waiting_on.join(", ")) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(chrome, &t("page-cases-title"), body)
}
