//! A citizen reads the API's refusals in their language: on the citizen's routes an error's
//! `message` is the Vietnamese text the code list gives its code (English when the reader
//! prefers it: the message the handler wrote). Field problems are already in the reader's
//! language where they are made (`application::problems`), so only the top-level message
//! changes here.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use serde_json::Value;

use crate::{codes::CODES, lang::Lang};

/// An error body is a few hundred bytes; anything longer is passed on untouched.
const MOST_BYTES: usize = 256 * 1024;

/// Whether `path` (and `method`) is a route citizens call.
fn citizens_route(method: &axum::http::Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/v1/") else {
        return false;
    };
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["procedures"] | ["applications"] => true,
        ["cases", _] => method == axum::http::Method::GET,
        ["cases", _, "withdraw" | "supplements"] => true,
        _ => false,
    }
}

pub(crate) async fn citizen_words(request: Request, next: Next) -> Response {
    if !citizens_route(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let lang = Lang::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    let status = response.status();
    if lang != Lang::Vi || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MOST_BYTES).await else {
        tracing::warn!("an error body could not be read to put it in Vietnamese");
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            in_vietnamese(&mut value);
            serde_json::to_vec(&value).map_or_else(|_| Body::from(bytes), Body::from)
        }
        Err(_) => Body::from(bytes),
    };
    let mut response = Response::from_parts(parts, body);
    // The length changed with the words.
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

/// Puts the code's Vietnamese text in `error.message`.
fn in_vietnamese(value: &mut Value) {
    let Some(error) = value.get_mut("error") else {
        return;
    };
    let Some(code) = error.get("code").and_then(Value::as_str) else {
        return;
    };
    if let Some(listed) = CODES.iter().find(|c| c.code == code) {
        error["message"] = Value::String(listed.vi.replace('`', ""));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::http::Method;
    use serde_json::json;

    use super::*;

    #[test]
    fn only_the_routes_citizens_call_are_read_in_their_language() {
        assert!(citizens_route(&Method::POST, "/v1/applications"));
        assert!(citizens_route(&Method::GET, "/v1/procedures"));
        assert!(citizens_route(&Method::GET, "/v1/cases/KS-ABCDE-12345"));
        assert!(citizens_route(
            &Method::POST,
            "/v1/cases/KS-ABCDE-12345/withdraw"
        ));
        assert!(citizens_route(
            &Method::POST,
            "/v1/cases/KS-ABCDE-12345/supplements"
        ));
        assert!(!citizens_route(&Method::POST, "/v1/cases/KS-ABCDE-12345"));
        assert!(!citizens_route(&Method::GET, "/v1/ops/cases"));
        assert!(!citizens_route(&Method::POST, "/v1/definitions/validate"));
        assert!(!citizens_route(&Method::GET, "/console/cases"));
    }

    #[test]
    fn a_refusal_is_given_the_vietnamese_text_of_its_code() {
        let mut body =
            json!({"error": {"code": "CASE_NOT_FOUND", "message": "no case has this code"}});
        in_vietnamese(&mut body);
        assert_eq!(
            body["error"]["message"],
            "Không có hồ sơ mang mã này, hoặc người gọi không được xem hồ sơ đó."
        );
        let mut unknown = json!({"error": {"code": "unlisted-code", "message": "kept"}});
        in_vietnamese(&mut unknown);
        assert_eq!(unknown["error"]["message"], "kept");
    }
}
