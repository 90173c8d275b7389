//! Which language a page is in: `?lang=` when given (and then remembered in a cookie), else the
//! remembered one, else Vietnamese.

use axum::{
    extract::Request,
    http::{HeaderValue, Uri, header, request::Parts},
    middleware::Next,
    response::Response,
};

use super::{
    i18n::Lang,
    session::{cookie, over_https},
};

pub(crate) const LANG_COOKIE: &str = "lienthong_lang";

fn in_query(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
}

pub(crate) fn of(parts: &Parts) -> Lang {
    in_query(&parts.uri)
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default()
}

/// The page's own address without `lang`, for the language links. A page answering a form
/// cannot be fetched again, so its links lead to the dashboard.
pub(crate) fn here(parts: &Parts) -> String {
    if parts.method != axum::http::Method::GET {
        return "/console".into();
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

/// Remembers a language chosen with `?lang=` for the next pages.
pub(crate) async fn remember(request: Request, next: Next) -> Response {
    let chosen = in_query(request.uri());
    let secure = over_https(request.headers(), request.uri());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/console; SameSite=Strict; HttpOnly; Max-Age=31536000{}",
            lang.code(),
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
