//! Which language a citizen page is in: the console's reading (`?lang=`, else the remembered
//! choice, else Vietnamese), remembered on the whole site, so a language chosen on either is
//! kept on both.

use axum::{
    extract::Request,
    http::{HeaderMap, Uri, request::Parts},
    middleware::Next,
    response::Response,
};

use crate::{
    console::language::{self as pages, Pages},
    lang::Lang,
};

const CITIZEN: Pages = Pages {
    home: "/",
    // Lax: a citizen arrives from an e-mail's link or the portal, another site.
    same_site: "Lax",
};

/// The language of a request with these headers and address.
pub(crate) fn of(headers: &HeaderMap, uri: &Uri) -> Lang {
    pages::of_request(headers, uri)
}

/// The page's own address without `lang`, for the language switch. A page answering a form
/// cannot be fetched again, so its switch leads to the list of procedures.
pub(crate) fn here(parts: &Parts) -> String {
    pages::here_in(parts, CITIZEN)
}

/// Remembers a language chosen with `?lang=` for the next pages, for a year.
pub(crate) async fn remember(request: Request, next: Next) -> Response {
    pages::remember_in(CITIZEN, request, next).await
}
