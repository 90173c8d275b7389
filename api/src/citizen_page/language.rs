//! Which language a citizen page is in: `?lang=` when given (and then remembered on the whole
//! site), else the remembered one, else Vietnamese. The cookie is the console's, so a language
//! chosen on either is kept on both.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, Uri, header, request::Parts},
    middleware::Next,
    response::Response,
};

use crate::{
    console::session::{cookie, over_https},
    lang::Lang,
};

const LANG_COOKIE: &str = "lienthong_lang";

fn in_query(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
}

/// The language of a request with these headers and address.
pub(crate) fn of(headers: &HeaderMap, uri: &Uri) -> Lang {
    in_query(uri)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default()
}

/// The page's own address without `lang`, for the language switch. A page answering a form
/// cannot be fetched again, so its switch leads to the list of procedures.
pub(crate) fn here(parts: &Parts) -> String {
    if parts.method != Method::GET {
        return "/".into();
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

/// Remembers a language chosen with `?lang=` for the next pages, for a year.
pub(crate) async fn remember(request: Request, next: Next) -> Response {
    let chosen = in_query(request.uri());
    let secure = over_https(request.headers(), request.uri());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; HttpOnly; Max-Age=31536000{}",
            lang.code(),
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
