//! Which language a page is in: `?lang=` when given (and then remembered in a cookie), else the
//! remembered one, else Vietnamese. The console and the citizen page both read it here; each
//! remembers the choice under its own path.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, Uri, header, request::Parts},
    middleware::Next,
    response::Response,
};

use super::{
    i18n::Lang,
    session::{cookie, over_https},
};

pub(crate) const LANG_COOKIE: &str = "lienthong_lang";

/// Where a set of pages lives, for the language cookie and the switch's links.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pages {
    /// The cookie's `Path` and where a page answering a form sends its language links.
    pub home: &'static str,
    pub same_site: &'static str,
}

pub(crate) const CONSOLE: Pages = Pages {
    home: "/console",
    same_site: "Strict",
};

fn in_query(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
}

/// The language of a request with these headers and address.
pub(crate) fn of_request(headers: &HeaderMap, uri: &Uri) -> Lang {
    in_query(uri)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default()
}

pub(crate) fn of(parts: &Parts) -> Lang {
    of_request(&parts.headers, &parts.uri)
}

/// The page's own address without `lang`, for the language links. A page answering a form
/// cannot be fetched again, so its links lead to `pages.home`.
pub(crate) fn here_in(parts: &Parts, pages: Pages) -> String {
    if parts.method != Method::GET {
        return pages.home.into();
    }
    let rest: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .collect();
    if rest.is_empty() {
        parts.uri.path().to_owned()
    } else {
        format!("{}?{}", parts.uri.path(), rest.join("&"))
    }
}

pub(crate) fn here(parts: &Parts) -> String {
    here_in(parts, CONSOLE)
}

/// Remembers a language chosen with `?lang=` for the next pages under `pages.home`, for a year.
pub(crate) async fn remember_in(pages: Pages, request: Request, next: Next) -> Response {
    let chosen = in_query(request.uri());
    let secure = over_https(request.headers(), request.uri());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path={}; SameSite={}; HttpOnly; Max-Age=31536000{}",
            lang.code(),
            pages.home,
            pages.same_site,
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

pub(crate) async fn remember(request: Request, next: Next) -> Response {
    remember_in(CONSOLE, request, next).await
}
