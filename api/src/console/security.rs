//! The headers every console response carries. The policy allows no inline script or style at
//! all, which is why the console has one stylesheet file and no script.

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

const HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // Not `no-referrer`: with it a browser sends `Origin: null` on the console's own form posts,
    // which the origin check must then refuse. `same-origin` still tells other sites nothing.
    (header::REFERRER_POLICY, "same-origin"),
    // Pages show cases and sessions: nothing may be kept by a browser or a proxy.
    (header::CACHE_CONTROL, "no-store"),
];

pub(crate) async fn headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
