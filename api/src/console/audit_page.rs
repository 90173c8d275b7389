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
use time::{Date, UtcOffset, format_description::well_known::Rfc3339, macros::format_description};

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
    /// Days in Vietnam's time (`YYYY-MM-DD`), both included.
    pub from: String,
    pub to: String,
    pub before_id: String,
}

/// Vietnam's offset: the days an auditor names are the office's days.
const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The first moment of `day` in Vietnam, as the log writes moments (RFC 3339, UTC); `None`
/// when `day` is not a date.
fn day_start(day: &str) -> Option<String> {
    let date = Date::parse(day.trim(), format_description!("[year]-[month]-[day]")).ok()?;
    date.midnight()
        .assume_offset(VIETNAM)
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .ok()
}

/// `from` and `to` as the log's bounds: `to` names its whole day, so the bound is the next
/// day's start. A day that is not a date gives no bound and `true` (to say so).
fn day_bounds(params: &AuditParams) -> (Option<String>, Option<String>, bool) {
    let from = some(&params.from);
    let to = some(&params.to);
    let from_bound = from.as_deref().map(day_start);
    let to_bound = to.as_deref().map(|day| {
        Date::parse(day.trim(), format_description!("[year]-[month]-[day]"))
            .ok()
            .and_then(|d| d.next_day())
            .and_then(|d| day_start(&d.to_string()))
    });
    let invalid = matches!(from_bound, Some(None)) || matches!(to_bound, Some(None));
    (from_bound.flatten(), to_bound.flatten(), invalid)
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
            ("from", self.from.trim()),
            ("to", self.to.trim()),
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
    let (from, to, _) = day_bounds(&params);
    let filter = AuditFilter {
        case: some(&params.case),
        actor: some(&params.actor),
        action: some(&params.action),
        from,
        to,
        before_id: params.before_id.trim().parse().ok(),
        limit: PAGE_SIZE,
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
    let (from, to, _) = day_bounds(&params);
    let filter = AuditFilter {
        case: some(&params.case),
        actor: some(&params.actor),
        action: some(&params.action),
        from,
        to,
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

/// `done`, or `refused: CODE` with its code kept for support.
fn outcome(lang: super::i18n::Lang, text: &str) -> String {
    match text.split_once(':') {
        Some((kind, code)) => format!("{} ({})", lang.term("outcome", kind.trim()), code.trim()),
        None => lang.term("outcome", text).to_owned(),
    }
}

/// `operator,auditor` in the reader's words.
fn roles(lang: super::i18n::Lang, role: &str) -> String {
    role.split(',')
        .map(|r| lang.term("role", r.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An entry's detail (a JSON object of counts, codes and ids) as short `key: value` lines in the
/// reader's words rather than one unbroken line of JSON; other text as it is.
fn detail(chrome: &Chrome, text: Option<&str>) -> Markup {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return html! {};
    };
    let t = |text| chrome.t(text);
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => html! {
            dl.detail {
                @for (key, value) in &map {
                    dt data-key=(key) { @match key.as_str() {
                        "found" => (t(Text::DetailFound)),
                        "by" => (t(Text::SearchBy)),
                        "agency" => (t(Text::Agency)),
                        "filter" => (t(Text::Filters)),
                        "cap" => (t(Text::DetailCap)),
                        "batch" => (t(Text::Batch)),
                        "cases" => (t(Text::DetailCases)),
                        other => (other),
                    } }
                    dd { @match value {
                        serde_json::Value::String(s) if s == "personal_id" => (t(Text::PersonalIdNumber)),
                        serde_json::Value::String(s) if s == "certificate_number" => (t(Text::CertificateNumber)),
                        serde_json::Value::String(s) => (s),
                        other => (other.to_string()),
                    } }
                }
            }
        },
        _ => html! { (text) },
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
                select #a-action name="action" {
                    option value="" selected[params.action.trim().is_empty()] { (t(Text::AnyAction)) }
                    @for (code, _) in lang.terms("action") {
                        option value=(code) selected[params.action.trim() == code] { (lang.term("action", code)) }
                    }
                }
            }
            div.field {
                label for="a-from" { (t(Text::FromDay)) }
                input #a-from type="date" name="from" value=(params.from);
            }
            div.field {
                label for="a-to" { (t(Text::ToDay)) }
                input #a-to type="date" name="to" value=(params.to);
            }
            div.buttons {
                button #apply-filters type="submit" { (t(Text::Apply)) }
                a href="/console/audit" { (t(Text::Clear)) }
            }
        }
        @if day_bounds(params).2 {
            p #audit-day-invalid.notice role="alert" { (t(Text::DayInvalid)) }
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
                                td { (roles(lang, &e.role)) }
                                td { (lang.term("action", &e.action)) }
                                td.cases { @for case in &e.cases { a.case-link href=(format!("/console/cases/{case}")) { code { (case) } } " " } }
                                td { (e.reason.as_deref().unwrap_or_default()) }
                                td { (outcome(lang, &e.outcome)) }
                                td.detail { (detail(chrome, e.detail.as_deref())) }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::console::{i18n::Lang, layout::User};

    fn entry() -> AuditEntry {
        AuditEntry {
            id: 7,
            at: "2026-12-05T17:30:00Z".into(),
            actor: "op-1".into(),
            role: "operator,auditor".into(),
            action: "hold_agency".into(),
            cases: vec!["KS-ABCDE-12345".into()],
            reason: Some("bảo trì".into()),
            outcome: "refused: SCOPE_TOO_NARROW".into(),
            detail: Some(r#"{"agency":"residence","cases":3}"#.into()),
        }
    }

    #[test]
    fn a_vietnamese_auditor_reads_each_entry_in_words_with_its_detail_in_lines() {
        let chrome = Chrome {
            lang: Lang::Vi,
            here: "/console/audit".into(),
            user: Some(User {
                subject: "au".into(),
                csrf: "x".into(),
                operator: false,
                auditor: true,
            }),
        };
        let html = render(&chrome, &AuditParams::default(), &Ok(vec![entry()])).into_string();
        for words in [
            "Cán bộ một cửa, Cán bộ giám sát",
            "Tạm dừng gửi đến cơ quan",
            "Không thực hiện (SCOPE_TOO_NARROW)",
            r#"<dt data-key="agency">Cơ quan</dt><dd>residence</dd>"#,
            r#"<dt data-key="cases">Số hồ sơ</dt><dd>3</dd>"#,
            "href=\"/console/cases/KS-ABCDE-12345\"",
            "type=\"date\" name=\"from\"",
            // 17:30 UTC is 00:30 the next day in Vietnam.
            "2026-12-06 00:30:00",
        ] {
            assert!(html.contains(words), "{words} not in {html}");
        }
        assert!(!html.contains(r#"{"agency""#), "no raw JSON: {html}");
    }

    #[test]
    fn the_days_are_vietnams_and_the_last_one_is_included() {
        let params = AuditParams {
            from: "2026-12-01".into(),
            to: "2026-12-06".into(),
            ..AuditParams::default()
        };
        let (from, to, invalid) = day_bounds(&params);
        assert_eq!(from.as_deref(), Some("2026-11-30T17:00:00Z"));
        assert_eq!(to.as_deref(), Some("2026-12-06T17:00:00Z"));
        assert!(!invalid);
        let wrong = AuditParams {
            from: "06/12/2026".into(),
            ..AuditParams::default()
        };
        let (from, _, invalid) = day_bounds(&wrong);
        assert_eq!(from, None);
        assert!(invalid);
    }
}
