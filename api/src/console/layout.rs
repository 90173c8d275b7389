//! The frame of every page (header, menu, language links, sign-out) and the small pieces pages
//! share: status badges, times, refusals.

use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use time::{
    OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description,
};

use super::{
    i18n::{Lang, Text},
    problem::Problem,
    urls,
};

/// What the frame of a page needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub lang: Lang,
    /// This page's address without `lang`, for the language links.
    pub here: String,
    pub user: Option<User>,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub subject: String,
    /// The CSRF value every form of this session carries.
    pub csrf: String,
    pub operator: bool,
    pub auditor: bool,
}

impl Chrome {
    pub(crate) fn t(&self, text: Text) -> &'static str {
        self.lang.t(text)
    }

    /// The hidden CSRF field of a form.
    pub(crate) fn csrf_field(&self) -> Markup {
        let value = self
            .user
            .as_ref()
            .map(|u| u.csrf.as_str())
            .unwrap_or_default();
        html! { input type="hidden" name="csrf" value=(value); }
    }

    fn lang_href(&self, lang: Lang) -> String {
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.here, lang.code())
    }
}

pub(crate) fn page(chrome: &Chrome, title: &str, body: Markup) -> Markup {
    let t = |text| chrome.t(text);
    html! {
        (DOCTYPE)
        html lang=(chrome.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · lienthong" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                header.top {
                    a.brand href="/console" { (t(Text::Console)) }
                    @if let Some(user) = &chrome.user {
                        nav.menu aria-label=(t(Text::MainMenu)) {
                            // An auditor alone has only the audit log; an operator sees its link
                            // too, and a page saying it is for auditors.
                            @if user.operator {
                                a #nav-dashboard href="/console" { (t(Text::Dashboard)) }
                                a #nav-cases href="/console/cases" { (t(Text::Cases)) }
                                a #nav-agencies href="/console/agencies" { (t(Text::Agencies)) }
                                a #nav-bulk href="/console/bulk" { (t(Text::Bulk)) }
                            }
                            a #nav-audit href="/console/audit" { (t(Text::Audit)) }
                        }
                    }
                    div.langs role="group" aria-label=(t(Text::Language)) {
                        a.lang-vi href=(chrome.lang_href(Lang::Vi)) hreflang="vi" lang="vi"
                            aria-current=[(chrome.lang == Lang::Vi).then_some("true")] { "Tiếng Việt" }
                        a.lang-en href=(chrome.lang_href(Lang::En)) hreflang="en" lang="en"
                            aria-current=[(chrome.lang == Lang::En).then_some("true")] { "English" }
                    }
                    @if let Some(user) = &chrome.user {
                        form #logout.signout method="post" action="/console/logout" {
                            span.user { (t(Text::SignedInAs)) " " strong #user { (user.subject) } }
                            (chrome.csrf_field())
                            button #sign-out type="submit" { (t(Text::SignOut)) }
                            button #sign-out-everywhere type="submit" name="everywhere" value="1" { (t(Text::SignOutEverywhere)) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page answering with `status`.
pub(crate) fn respond(status: axum::http::StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

/// A refusal or failure: its code and message, and each field it names.
pub(crate) fn problem_box(chrome: &Chrome, id: &str, problem: &Problem) -> Markup {
    html! {
        div.outcome.refused id=(id) role="alert" data-outcome="refused" data-code=(problem.code) {
            p { strong { (chrome.t(Text::Refused)) } " " code.code { (problem.code) } }
            p.message { (problem.message) }
            @if !problem.fields.is_empty() {
                ul.fields {
                    @for (field, message) in &problem.fields {
                        li { code { (field) } ": " (message) }
                    }
                }
            }
        }
    }
}

/// A whole page for a problem, answered with its status.
pub(crate) fn problem_page(chrome: &Chrome, problem: &Problem) -> Response {
    let body = html! {
        (problem_box(chrome, "error", problem))
        p { a href="/console" { (chrome.t(Text::Dashboard)) } }
    };
    respond(problem.status, page(chrome, chrome.t(Text::Error), body))
}

/// The 403 page of a signed-in user without the role a page needs.
pub(crate) fn forbidden(chrome: &Chrome, why: Text) -> Response {
    let auditor_only = chrome
        .user
        .as_ref()
        .is_some_and(|u| u.auditor && !u.operator);
    let body = html! {
        div #error.outcome.refused role="alert" data-outcome="refused" data-code="FORBIDDEN" {
            p { strong { (chrome.t(Text::Forbidden)) } " " code.code { "FORBIDDEN" } }
            p.message { (chrome.t(why)) }
        }
        ul.links {
            @if auditor_only {
                li { a #go-audit href="/console/audit" { (chrome.t(Text::GoToAudit)) } }
            }
            li { a href="/console/login" { (chrome.t(Text::SignInAgain)) } }
        }
    };
    respond(
        axum::http::StatusCode::FORBIDDEN,
        page(chrome, chrome.t(Text::Forbidden), body),
    )
}

/// A case status as a coloured badge; the code stays in `data-status`.
pub(crate) fn status_badge(lang: Lang, status: Option<&str>) -> Markup {
    let status = status.unwrap_or("unknown");
    html! {
        span class={ "badge st-" (status) } data-status=(status) { (lang.term("status", status)) }
    }
}

/// A step as people call it, by its definition's title, with its id in small type beside it
/// (what the engine's messages, the audit log and the API say); the id alone when the title is
/// not known.
pub(crate) fn step_name(titles: &super::names::StepTitles, id: &str) -> Markup {
    html! {
        @match titles.get(id) {
            Some(title) => span.step-name data-step=(id) { (title) " " small { code { (id) } } },
            None => code data-step=(id) { (id) },
        }
    }
}

/// A step status as a coloured badge.
pub(crate) fn step_badge(lang: Lang, status: &str) -> Markup {
    html! {
        span class={ "badge step-" (status) } data-status=(status) { (lang.term("step", status)) }
    }
}

/// A time in Vietnam's civil time (the engine's legal day), or as given when it is not RFC 3339.
pub(crate) fn when(text: &str) -> Markup {
    let offset = UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC);
    let shown = OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(offset)
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .ok()
        })
        .unwrap_or_else(|| text.to_owned());
    html! { time datetime=(text) { (shown) } }
}

pub(crate) fn case_link(code: &str) -> Markup {
    html! { a.case-link href=(urls::case(code)) { (code) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_vietnam_time() {
        assert_eq!(
            when("2026-11-23T01:02:03.456Z").into_string(),
            "<time datetime=\"2026-11-23T01:02:03.456Z\">2026-11-23 08:02:03</time>"
        );
        assert_eq!(
            when("soon").into_string(),
            "<time datetime=\"soon\">soon</time>"
        );
    }
}
