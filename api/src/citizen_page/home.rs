//! `GET /`: the procedures in force, each with what it gives the citizen and how long it may
//! take, and a way in to file it.

use axum::{extract::State, http::StatusCode, response::Response};
use lienthong_definitions::{Definition, TimeLimit};
use maud::{Markup, html};

use super::{
    layout::{self, Chrome},
    session::Visitor,
};
use crate::{ApiState, console::urls::encode, engine::today};

pub(crate) async fn show(State(state): State<ApiState>, visitor: Visitor) -> Response {
    let chrome = &visitor.chrome;
    match state.catalog.all_in_force(today()).await {
        Ok(procedures) => {
            let definitions: Vec<&Definition> = procedures.iter().map(|p| &p.definition).collect();
            layout::respond(
                StatusCode::OK,
                render(chrome, &definitions, visitor.signed_in),
            )
        }
        Err(e) => layout::error_page(chrome, &e),
    }
}

pub(crate) fn render(chrome: &Chrome, procedures: &[&Definition], signed_in: bool) -> Markup {
    let t = |id: &str| chrome.t(id);
    let body = html! {
        p.lead { (t("page-home-intro")) }
        @if !signed_in {
            p.notice { (t("page-home-sign-in")) " " a #home-sign-in href="/sign-in" { (t("page-sign-in")) } }
        }
        @if procedures.is_empty() {
            p.empty { (t("page-home-none")) }
        }
        ul.procedures {
            @for definition in procedures {
                li.card data-procedure=(definition.id.0) {
                    h2 { (chrome.pick(&definition.title)) }
                    p { (t("page-home-gives")) }
                    ul.gives {
                        @for step in &definition.steps {
                            li {
                                (chrome.pick(&step.title))
                                @if step.when.is_some() { " " span.note { (t("page-home-conditional")) } }
                            }
                        }
                    }
                    @if let Some(TimeLimit::WorkingDays(days)) = definition.deadline {
                        p.deadline { (chrome.t_with("page-home-deadline", &[("days", days.to_string())])) }
                    }
                    @if let Some(basis) = &definition.legal_basis {
                        p.basis { small { (t("page-home-basis")) " " (basis) } }
                    }
                    p {
                        a.button.primary href={ "/apply/" (encode(&definition.id.0)) } {
                            (t("page-home-apply"))
                        }
                    }
                }
            }
        }
    };
    layout::page(chrome, &t("page-home-title"), body)
}
