//! The citizen page: server-rendered pages at `/` where a citizen signs in, sees the procedures
//! in force, fills in an application made from the procedure's schema and `form:` section,
//! reviews and files it, and follows their cases step by step, answering an agency's request for
//! documents or withdrawing a case. Vietnamese first, English on request, every word from the
//! message catalogue (`api/messages/{vi,en}.ftl`).
//!
//! Built like the console: each page is a pure function of its data, handlers fetch the data
//! through the same functions as the JSON API (`citizen::applications::file`,
//! `citizen::cases::read`, …) and call it. Sessions are the console's, server-side in their own
//! realm and cookie; every form that changes something carries a CSRF value bound to the session;
//! the console's security headers (no script or inline style at all) apply. No JavaScript.

mod apply;
mod case_actions;
mod case_page;
mod fields;
mod form_page;
mod home;
mod language;
mod layout;
mod my_cases;
mod session;
mod sign_in;

use axum::{
    Router,
    http::{HeaderMap, Uri, header},
    middleware::{from_fn, map_response},
    response::Response,
    routing::{get, post},
};
use lienthong_identity::Principal;

use crate::ApiState;

const CSS: &str = include_str!("static/citizen.css");

async fn css() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// Opens a citizen's session for someone the installation's identity provider signed in, and
/// lands them on `next` (a path of ours) or their cases.
pub(crate) async fn open_session(
    state: &ApiState,
    principal: &Principal,
    headers: &HeaderMap,
    uri: &Uri,
    next: Option<&str>,
) -> Response {
    let chrome = layout::Chrome {
        lang: language::of(headers, uri),
        here: "/".to_owned(),
        user: None,
    };
    sign_in::begin(state, &chrome, principal, headers, uri, next).await
}

pub(crate) fn routes() -> Router<ApiState> {
    let pages = Router::new()
        .route("/", get(home::show))
        .route("/apply/{procedure}", get(apply::show))
        .route("/apply/{procedure}/review", post(apply::review))
        .route("/apply/{procedure}/edit", post(apply::edit))
        .route("/apply/{procedure}/submit", post(apply::submit))
        .route("/cases", get(my_cases::show))
        .route("/cases/{code}", get(case_page::show))
        .route("/cases/{code}/documents", post(case_actions::documents))
        .route(
            "/cases/{code}/withdraw",
            get(case_actions::confirm).post(case_actions::withdraw),
        )
        .route("/sign-in", get(sign_in::show).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/static/citizen.css", get(css));
    // What every page gets: the console's security headers and the remembered language.
    pages
        .layer(from_fn(language::remember))
        .layer(map_response(crate::console::security::headers))
}

#[cfg(test)]
mod tests;
