//! The console's one stylesheet, compiled into the binary: no build step, nothing fetched.

use axum::http::header;

const CSS: &str = include_str!("static/console.css");

pub(crate) async fn css() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}
