//! The operator console: server-rendered pages under `/console`, in Vietnamese and English.
//!
//! Each page is a pure function of the data it shows (`render` in each page module), and each
//! handler only fetches that data through [`crate::ops`] and calls it, so pages are tested
//! without a running engine. The session is kept server-side in the engine database (the cookie
//! holds only its random id); every form that changes something carries a CSRF value bound to
//! that session and passes through a confirmation page that asks for a reason.

mod agencies_page;
mod audit_page;
mod batch_page;
mod bulk_page;
mod case_actions;
mod case_list;
mod case_page;
mod charts;
pub(crate) mod csrf;
mod dashboard;
mod filters;
mod i18n;
pub(crate) mod language;
mod layout;
mod login;
mod names;
mod person_search;
pub(crate) mod problem;
mod resolve_form;
pub(crate) mod security;
pub(crate) mod session;
mod static_files;
mod timeline;
pub(crate) mod urls;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vietnamese_pages;

use axum::{
    Router,
    middleware::{from_fn, map_response},
    routing::{get, post},
};

use crate::ApiState;

pub(crate) use session::{cookie, over_https};

/// Opens a console session for a staff member the installation's OIDC issuer signed in, and
/// lands them on `next` (a console path) or their role's first page.
pub(crate) async fn open_session(
    state: &ApiState,
    lang: crate::lang::Lang,
    principal: &lienthong_identity::Principal,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
    next: Option<&str>,
) -> axum::response::Response {
    use axum::extract::FromRef;
    let sessions = session::Sessions::from_ref(state);
    let chrome = layout::Chrome {
        lang,
        here: "/console".to_owned(),
        user: None,
    };
    login::begin(&sessions, &chrome, principal, headers, uri, next, true)
        .await
        .unwrap_or_else(|problem| layout::problem_page(&chrome, &problem))
}

/// Gives this process the console's CSRF key every replica shares: the configured one, or the
/// one kept in the engine database (made by the first replica to start).
pub async fn share_csrf_key(
    store: &lienthong_store::Store,
) -> Result<(), lienthong_store::StoreError> {
    let key = match csrf::configured_key() {
        Some(key) => key,
        None => store
            .installation_key("console-csrf", csrf::random_hex)
            .await?
            .into_bytes(),
    };
    csrf::install_key(key);
    Ok(())
}

pub(crate) fn routes() -> Router<ApiState> {
    let pages = Router::new()
        .route("/console", get(dashboard::show))
        .route("/console/cases", get(case_list::show))
        .route("/console/cases/by-person", post(person_search::find))
        .route("/console/cases/{code}", get(case_page::show))
        .route("/console/cases/{code}/picture.svg", get(case_page::picture))
        .route("/console/cases/{code}/confirm", post(case_actions::confirm))
        .route("/console/cases/{code}/actions", post(case_actions::run))
        .route("/console/agencies", get(agencies_page::show))
        .route(
            "/console/agencies/{agency}/confirm",
            post(agencies_page::confirm),
        )
        .route("/console/agencies/{agency}/act", post(agencies_page::run))
        .route(
            "/console/bulk",
            get(bulk_page::show).post(bulk_page::dry_run),
        )
        .route("/console/bulk/run", post(bulk_page::run))
        .route("/console/batches", get(batch_page::list))
        .route("/console/batches/{id}", get(batch_page::show))
        .route("/console/audit", get(audit_page::show))
        .route("/console/audit.csv", get(audit_page::csv));
    with_layers(pages.merge(session_routes()))
}

/// Sign-in, sign-out and the stylesheet: everything that needs no engine, generic over the
/// state so tests can mount it on a state holding only what sessions need.
fn session_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    session::Sessions: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/console/login", get(login::show).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/static/console.css", get(static_files::css))
}

/// What every console response gets: the security headers and the remembered language.
fn with_layers<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(from_fn(language::remember))
        .layer(map_response(security::headers))
}
