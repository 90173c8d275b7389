//! The frame of every citizen page (header, menu, language switch, sign-out) and the small
//! pieces pages share: the words of the message catalogue, a problem's box, days and times.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, Markup, html};
use time::{
    Date, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339,
    macros::format_description,
};

use crate::{ApiError, lang::Lang, messages};

/// What the frame of a page needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub lang: Lang,
    /// This page's address without `lang`, for the language switch.
    pub here: String,
    pub user: Option<User>,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    /// The CSRF value every form of this session carries.
    pub csrf: String,
}

impl Chrome {
    /// The catalogue's message `id` in the page's language.
    pub(crate) fn t(&self, id: &str) -> String {
        messages::text(self.lang, id, &[])
    }

    /// The catalogue's message `id` with `args`.
    pub(crate) fn t_with(&self, id: &str, args: &[(&str, String)]) -> String {
        messages::text(self.lang, id, args)
    }

    /// Words written in a definition (`{ vi, en }`), in the page's language.
    pub(crate) fn pick<'a>(&self, titles: &'a lienthong_definitions::Titles) -> &'a str {
        self.lang.words(titles)
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
    let t = |id: &str| chrome.t(id);
    html! {
        (DOCTYPE)
        html lang=(chrome.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t("page-brand")) }
                link rel="stylesheet" href="/static/citizen.css";
            }
            body {
                a.skip href="#main" { (t("page-skip")) }
                header.top {
                    a.brand href="/" { (t("page-brand")) }
                    nav.menu aria-label=(t("page-menu")) {
                        a #nav-procedures href="/" { (t("page-nav-procedures")) }
                        @if chrome.user.is_some() {
                            a #nav-cases href="/cases" { (t("page-nav-cases")) }
                        }
                    }
                    div.langs role="group" aria-label=(t("page-language")) {
                        a #lang-vi href=(chrome.lang_href(Lang::Vi)) hreflang="vi" lang="vi"
                            aria-current=[(chrome.lang == Lang::Vi).then_some("true")] { "Tiếng Việt" }
                        a #lang-en href=(chrome.lang_href(Lang::En)) hreflang="en" lang="en"
                            aria-current=[(chrome.lang == Lang::En).then_some("true")] { "English" }
                    }
                    @if chrome.user.is_some() {
                        form #sign-out-form.signout method="post" action="/sign-out" {
                            (chrome.csrf_field())
                            button #sign-out.link type="submit" { (t("page-sign-out")) }
                        }
                    } @else {
                        a #sign-in-link href="/sign-in" { (t("page-sign-in")) }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page answering with `status`.
pub(crate) fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

/// What went wrong, in the citizen's words: the catalogue's sentence for the code when it has
/// one (`problem-<CODE>`), else the error code list's description, else a general sentence. The
/// API's English message is for developers and is not shown.
pub(crate) fn problem_words(lang: Lang, code: &str) -> String {
    let id = format!("problem-{code}");
    let said = messages::text(lang, &id, &[]);
    if said != id {
        return said;
    }
    match (crate::codes::find(code), lang) {
        (Some(listed), Lang::Vi) => listed.vi.to_owned(),
        (Some(listed), Lang::En) => listed.meaning.to_owned(),
        (None, _) => messages::text(lang, "problem-other", &[]),
    }
}

/// A refusal or failure: its words and its stable code (for the help desk).
pub(crate) fn problem_box(chrome: &Chrome, code: &str) -> Markup {
    html! {
        div #problem.problem role="alert" data-code=(code) {
            p { strong { (problem_words(chrome.lang, code)) } }
            p.code { (chrome.t("page-problem-code")) " " code { (code) } }
        }
    }
}

/// A whole page for a problem with code `code`, answered with `status`.
pub(crate) fn problem_page(chrome: &Chrome, status: StatusCode, code: &str) -> Response {
    let body = html! {
        (problem_box(chrome, code))
        p { a href="/" { (chrome.t("page-back-home")) } }
    };
    respond(status, page(chrome, &chrome.t("page-problem-title"), body))
}

/// The page for an error of the API.
pub(crate) fn error_page(chrome: &Chrome, error: &ApiError) -> Response {
    problem_page(chrome, error.status, error.code)
}

fn vietnam() -> UtcOffset {
    UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// A moment in Vietnam's civil time, as people write it: `20/11/2026 14:05`.
pub(crate) fn moment(at: OffsetDateTime) -> Markup {
    let text = at
        .to_offset(vietnam())
        .format(format_description!("[day]/[month]/[year] [hour]:[minute]"))
        .unwrap_or_default();
    let machine = at.format(&Rfc3339).unwrap_or_default();
    html! { time datetime=(machine) { (text) } }
}

/// A day as people write it (`20/11/2026`), from `YYYY-MM-DD` or an RFC 3339 moment; other text
/// as it is.
pub(crate) fn day(text: &str) -> String {
    let format = format_description!("[day]/[month]/[year]");
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return at
            .to_offset(vietnam())
            .date()
            .format(format)
            .unwrap_or_default();
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(|d| d.format(format).ok())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_days_are_written_the_vietnamese_way() {
        let at = OffsetDateTime::parse("2026-11-23T01:02:03Z", &Rfc3339)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            moment(at).into_string(),
            "<time datetime=\"2026-11-23T01:02:03Z\">23/11/2026 08:02</time>"
        );
        assert_eq!(day("2026-11-20"), "20/11/2026");
        assert_eq!(day("2026-11-22T20:00:00Z"), "23/11/2026");
        assert_eq!(day("20/11/2026"), "20/11/2026");
        assert_eq!(day("soon"), "soon");
    }
}
