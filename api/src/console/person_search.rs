//! Finding a citizen's cases by their personal ID number or by a number a case issued (a birth
//! certificate's, an insurance card's): a form on the case list posts the number (never in a
//! URL), and the page lists the cases of the operator's offices that carry it. The search goes
//! through [`crate::ops::people`], which audits it.

use axum::{extract::State, http::StatusCode, response::Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    csrf::{Checked, CsrfForm},
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
};
use crate::{
    ApiState,
    ops::people::{PersonCase, PersonSearch},
};

#[derive(Deserialize)]
pub(crate) struct PersonForm {
    #[serde(default)]
    csrf: String,
    /// `personal_id` or `certificate_number`.
    #[serde(default)]
    by: String,
    #[serde(default)]
    number: String,
}

impl CsrfForm for PersonForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The search box, shown above the case list; `by_certificate` keeps the choice made for the
/// last search (never the number).
pub(crate) fn form(chrome: &Chrome, by_certificate: bool) -> Markup {
    let t = |text| chrome.t(text);
    html! {
        form #person-search.filters method="post" action="/console/cases/by-person" aria-label=(t(Text::FindByPerson)) {
            (chrome.csrf_field())
            fieldset.field {
                legend { (t(Text::SearchBy)) }
                label.choice {
                    input #by-personal-id type="radio" name="by" value="personal_id" checked[!by_certificate];
                    " " (t(Text::PersonalIdNumber))
                }
                label.choice {
                    input #by-certificate type="radio" name="by" value="certificate_number" checked[by_certificate];
                    " " (t(Text::CertificateNumber))
                }
            }
            div.field {
                label for="person-number" { (t(Text::NumberSought)) }
                input #person-number type="text" name="number" maxlength="64"
                    autocomplete="off" required aria-describedby="person-number-help";
                p.help #person-number-help { (t(Text::PersonSearchHelp)) }
            }
            div.buttons { button #find-person type="submit" { (t(Text::Find)) } }
        }
    }
}

pub(crate) async fn find(State(state): State<ApiState>, posted: Checked<PersonForm>) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let number = Some(form.number);
    let by_certificate = form.by == "certificate_number";
    let search = if by_certificate {
        PersonSearch {
            certificate_number: number,
            ..PersonSearch::default()
        }
    } else {
        PersonSearch {
            personal_id: number,
            ..PersonSearch::default()
        }
    };
    let mut result = crate::ops::people::cases_naming(&state, &console.caller, &search)
        .await
        .map_err(Problem::from);
    // People read procedures' names, not their ids.
    if let Ok(cases) = &mut result {
        let titles = super::case_list::procedure_titles(&state, console.chrome.lang).await;
        for case in cases.iter_mut() {
            if let Some(title) = titles.get(&case.procedure) {
                case.procedure.clone_from(title);
            }
        }
    }
    let status = result
        .as_ref()
        .map_or_else(|p| p.status, |_| StatusCode::OK);
    layout::respond(status, render(&console.chrome, by_certificate, &result))
}

pub(crate) fn render(
    chrome: &Chrome,
    by_certificate: bool,
    result: &Result<Vec<PersonCase>, Problem>,
) -> Markup {
    let t = |text| chrome.t(text);
    let body = html! {
        (form(chrome, by_certificate))
        @match result {
            Err(problem) => (layout::problem_box(chrome, "person-problem", problem)),
            Ok(cases) if cases.is_empty() => p #person-none.empty { (t(Text::NoCaseNamesPerson)) },
            Ok(cases) => {
                table #person-cases.cases {
                    thead { tr {
                        th scope="col" { (t(Text::CaseCode)) }
                        th scope="col" { (t(Text::Procedure)) }
                        th scope="col" { (t(Text::Office)) }
                        th scope="col" { (t(Text::Submitted)) }
                    } }
                    tbody {
                        @for case in cases {
                            tr data-case=(case.code) {
                                td { (layout::case_link(&case.code)) }
                                td { (case.procedure) }
                                td { (case.office) }
                                td { (layout::when(&case.submitted_at)) }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/console/cases" { (t(Text::BackToCases)) } }
    };
    layout::page(chrome, t(Text::FindByPerson), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{i18n::Lang, layout::User};

    #[test]
    fn the_found_cases_are_listed_with_links_and_the_number_is_never_shown_back() {
        let chrome = Chrome {
            lang: Lang::Vi,
            here: "/console/cases/by-person".into(),
            user: Some(User {
                subject: "op".into(),
                csrf: "x".into(),
                operator: true,
                auditor: false,
            }),
        };
        let found = vec![PersonCase {
            code: "KS-ABCDE-12345".into(),
            procedure: "birth-residence-insurance".into(),
            office: "01-HK".into(),
            submitted_at: "2026-12-06T01:00:00Z".into(),
        }];
        let html = render(&chrome, false, &Ok(found)).into_string();
        assert!(
            html.contains("href=\"/console/cases/KS-ABCDE-12345\""),
            "{html}"
        );
        assert!(html.contains("Tìm hồ sơ theo số định danh hoặc số giấy tờ"));
        // The form comes back empty: the number searched for is not written into the page.
        assert!(!html.contains("value=\"0011"), "{html}");
        let none = render(&chrome, true, &Ok(Vec::new())).into_string();
        assert!(
            none.contains(r#"value="certificate_number" checked"#),
            "{none}"
        );
        assert!(none.contains("person-none"));
    }
}
