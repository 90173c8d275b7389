//! `GET /console/cases`: every filter of the operator API as a form, the matching cases a page
//! at a time.

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::Response,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    filters::{self, FilterParams},
    i18n::Text,
    layout::{self, Chrome},
    names::Names,
    problem::Problem,
    session::Console,
    urls,
};
use crate::{ApiState, ops::cases::CasePage};

const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListParams {
    #[serde(flatten)]
    pub filters: FilterParams,
    pub page: String,
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    console: Console,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let names = Names::read(&state, console.chrome.lang).await;
    let Ok(Query(params)) = query else {
        let problem = Problem::form_invalid("the address's filters could not be read");
        let markup = render(
            &console.chrome,
            &FilterParams::default(),
            1,
            &Err(problem.clone()),
            &names,
        );
        return layout::respond(problem.status, markup);
    };
    let page = params.page.trim().parse::<usize>().unwrap_or(1).max(1);
    let result = crate::ops::list_cases(
        &state,
        &console.caller,
        &params.filters.to_filter(),
        page,
        PAGE_SIZE,
    )
    .await
    .map_err(Problem::from);
    let status = result
        .as_ref()
        .map_or_else(|p| p.status, |_| StatusCode::OK);
    layout::respond(
        status,
        render(&console.chrome, &params.filters, page, &result, &names),
    )
}

/// Each procedure in force today, by id, with its title in `lang`.
pub(crate) async fn procedure_titles(
    state: &ApiState,
    lang: super::i18n::Lang,
) -> std::collections::BTreeMap<String, String> {
    let Ok(procedures) = state.catalog.all_in_force(crate::engine::today()).await else {
        return std::collections::BTreeMap::new();
    };
    procedures
        .iter()
        .map(|p| {
            let words = lang.words(&p.definition.title);
            (p.definition.id.0.clone(), words.to_owned())
        })
        .collect()
}

pub(crate) fn render(
    chrome: &Chrome,
    params: &FilterParams,
    page: usize,
    result: &Result<CasePage, Problem>,
    names: &Names,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        (super::person_search::form(chrome, false))
        form #filters.filters method="get" action="/console/cases" aria-label=(t(Text::Filters)) {
            (filters::inputs(chrome, params, "reason", true, names))
            div.buttons {
                button #apply-filters type="submit" { (t(Text::Apply)) }
                a #clear-filters href="/console/cases" { (t(Text::Clear)) }
            }
        }
        @match result {
            Err(problem) => (layout::problem_box(chrome, "error", problem)),
            Ok(cases) => {
                table #cases.cases {
                    thead { tr {
                        th scope="col" { (t(Text::CaseCode)) }
                        th scope="col" { (t(Text::Procedure)) }
                        th scope="col" { (t(Text::Status)) }
                        th scope="col" { (t(Text::WaitingOn)) }
                        th scope="col" { (t(Text::Attention)) }
                        th scope="col" { (t(Text::Office)) }
                        th scope="col" { (t(Text::Submitted)) }
                        th scope="col" { (t(Text::Closed)) }
                    } }
                    tbody {
                        @for case in &cases.cases {
                            tr data-case=(case.code) {
                                td { (layout::case_link(&case.code)) }
                                td.procedure data-procedure=[case.procedure.as_deref()] {
                                    (names.procedure(case.procedure.as_deref().unwrap_or_default()))
                                }
                                td.status { (layout::status_badge(lang, case.status.as_deref())) }
                                td.waiting { (agency_names(names, &case.waiting_on)) }
                                td.attention {
                                    @for reason in &case.attention {
                                        span.reason data-reason=(reason) { (lang.term("reason", reason)) }
                                    }
                                    @if !case.attention_agencies.is_empty() {
                                        " (" (agency_names(names, &case.attention_agencies)) ")"
                                    }
                                }
                                td { (case.office.as_deref().unwrap_or_default()) }
                                td { @if let Some(at) = &case.submitted_at { (layout::when(at)) } }
                                td { @if let Some(at) = &case.closed_at { (layout::when(at)) } }
                            }
                        }
                    }
                }
                @if cases.cases.is_empty() {
                    p.empty { (t(Text::NoCases)) }
                }
                (paging(chrome, params, page, cases.more))
            }
        }
    };
    layout::page(chrome, t(Text::Cases), body)
}

/// Agencies by name, separated by commas, each keeping its id in `data-agency`.
pub(crate) fn agency_names(names: &Names, agencies: &[String]) -> Markup {
    html! {
        @for (i, agency) in agencies.iter().enumerate() {
            @if i > 0 { ", " }
            span.agency data-agency=(agency) { (names.agency(agency)) }
        }
    }
}

fn paging(chrome: &Chrome, params: &FilterParams, page: usize, more: bool) -> Markup {
    let link = |to: usize| {
        let page = to.to_string();
        let mut pairs = params.pairs();
        pairs.push(("page", &page));
        urls::with_query("/console/cases", &pairs)
    };
    html! {
        nav.paging aria-label=(chrome.t(Text::Page)) {
            @if page > 1 {
                a #page-prev rel="prev" href=(link(page - 1)) { (chrome.t(Text::Previous)) }
            }
            span.page { (chrome.t(Text::Page)) " " (page) }
            @if more {
                a #page-next rel="next" href=(link(page + 1)) { (chrome.t(Text::Next)) }
            }
        }
    }
}
