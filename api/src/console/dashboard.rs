//! `GET /console`: how many cases need attention and which, the figures by status, agency and
//! reason, and the two charts.

use axum::{extract::State, response::Response};
use maud::{Markup, html};

use super::{
    case_list, charts,
    i18n::Text,
    layout::{self, Chrome},
    names::Names,
    problem::Problem,
    session::Console,
    urls,
};
use crate::{
    ApiState,
    ops::{
        CaseFilter,
        cases::{CasePage, Counts, STATUSES},
    },
};

/// How many cases needing attention the dashboard lists; the case list has the rest.
const LISTED: usize = 100;

/// The dashboard reloads itself this often (an HTTP `Refresh` header: no script), so a screen
/// left open in an office shows new cases needing attention.
const REFRESH_SECS: u64 = 30;

pub(crate) async fn show(State(state): State<ApiState>, console: Console) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let filter = CaseFilter {
        reason: Some("any".into()),
        ..CaseFilter::default()
    };
    let (counts, attention, names) = tokio::join!(
        crate::ops::dashboard_counts(&state, &console.caller),
        crate::ops::list_cases(&state, &console.caller, &filter, 1, LISTED),
        Names::read(&state, console.chrome.lang),
    );
    match (counts, attention) {
        (Ok(counts), Ok(attention)) => {
            let mut response = layout::respond(
                axum::http::StatusCode::OK,
                render(&console.chrome, &names, &counts, &attention),
            );
            response
                .headers_mut()
                .insert(axum::http::header::REFRESH, REFRESH_SECS.into());
            response
        }
        (Err(e), _) | (_, Err(e)) => layout::problem_page(&console.chrome, &Problem::from(e)),
    }
}

pub(crate) fn render(
    chrome: &Chrome,
    names: &Names,
    counts: &Counts,
    attention: &CasePage,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        section.attention aria-labelledby="attention-title" {
            h2 #attention-title {
                (t(Text::NeedingAttention)) ": "
                span #attention-count.count { (counts.needing_attention) }
            }
            table #attention-list.cases {
                thead { tr {
                    th scope="col" { (t(Text::CaseCode)) }
                    th scope="col" { (t(Text::Reasons)) }
                    th scope="col" { (t(Text::Agency)) }
                    th scope="col" { (t(Text::Status)) }
                    th scope="col" { (t(Text::Submitted)) }
                } }
                tbody {
                    @for case in &attention.cases {
                        tr data-case=(case.code) {
                            td { (layout::case_link(&case.code)) }
                            td.attention {
                                @for reason in &case.attention {
                                    span.reason data-reason=(reason) { (lang.term("reason", reason)) }
                                }
                            }
                            td.agency {
                                @let agencies = if case.attention_agencies.is_empty() { &case.waiting_on } else { &case.attention_agencies };
                                (case_list::agency_names(names, agencies))
                            }
                            td.status { (layout::status_badge(lang, case.status.as_deref())) }
                            td { @if let Some(at) = &case.submitted_at { (layout::when(at)) } }
                        }
                    }
                }
            }
            @if attention.cases.is_empty() {
                p.empty { (t(Text::NoneNeedAttention)) }
            }
            p { a #see-attention href="/console/cases?reason=any" { (t(Text::SeeAll)) } }
            p.help #dashboard-refreshes { (t(Text::DashboardRefreshes)) }
        }
        section.charts {
            figure {
                (charts::status_per_day(lang, &counts.per_day))
                figcaption { (t(Text::ChartStatus)) }
                (charts::status_legend(lang, STATUSES))
            }
            figure {
                (charts::waiting_per_agency(names, &counts.by_agency))
                figcaption { (t(Text::ChartAgency)) }
            }
        }
        section.figures {
            (figure_table(chrome, "by-status", Text::ByStatus, Text::Status, &counts.by_status, "status", &|code| lang.term("status", code).to_owned()))
            (figure_table(chrome, "by-agency", Text::ByAgency, Text::Agency, &counts.by_agency, "agency", &|code| names.agency(code).to_owned()))
            (figure_table(chrome, "by-reason", Text::ByReason, Text::Reasons, &counts.by_reason, "reason", &|code| lang.term("reason", code).to_owned()))
        }
    };
    layout::page(chrome, t(Text::Dashboard), body)
}

/// One table of figures, each row a link to the cases it counts, by `filter`, with the code's
/// `words`.
fn figure_table(
    chrome: &Chrome,
    id: &str,
    caption: Text,
    column: Text,
    rows: &[(String, i64)],
    filter: &str,
    words: &dyn Fn(&str) -> String,
) -> Markup {
    html! {
        table.figures id=(id) {
            caption { (chrome.t(caption)) }
            thead { tr { th scope="col" { (chrome.t(column)) } th scope="col" { (chrome.t(Text::Count)) } } }
            tbody {
                @for (code, n) in rows {
                    tr data-key=(code) {
                        td { a href=(urls::with_query("/console/cases", &[(filter, code)])) { (words(code)) } }
                        td.num { (n) }
                    }
                }
            }
        }
    }
}
