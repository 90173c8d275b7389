//! Checking that a call comes from the engine: `POST /operations/*` and `GET /acts/*` must carry
//! `X-Lienthong-Timestamp: <unix seconds>` and
//! `X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<METHOD> <path>.<body>")>`,
//! where `path` is the request's path and query as received and `body` its exact bytes (empty
//! for a `GET`). Method and path are signed with the body, so a signature seen on one request
//! cannot be reused on another operation or act; a timestamp more than five minutes from now is
//! refused, so an old one cannot be replayed later.
//!
//! `/health` and `/admin/*` stay open: they are the test harness's control plane on loopback.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::api_error::ApiError;
use crate::callback::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::server::AppState;

/// How far a call's timestamp may be from the simulator's clock, either way.
const WINDOW: Duration = Duration::from_secs(300);

/// The largest body read before its signature is checked: axum's own default limit.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// The secret one simulator checks calls with. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct CallSecret(pub Arc<str>);

impl std::fmt::Debug for CallSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallSecret(<redacted>)")
    }
}

/// Middleware for the signed routes: refuses an unsigned or badly signed call with `401` before
/// any handler sees it. A simulator without a secret (population) lets every call through.
pub(crate) async fn require(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(secret) = state.call_secret.clone() else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::invalid("the request body could not be read (at most 2 MiB)")
            .into_response();
    };
    if let Err(refusal) = verify(
        &secret.0,
        &parts.method,
        &parts.uri,
        &parts.headers,
        &bytes,
        SystemTime::now(),
    ) {
        tracing::warn!(
            agency = state.agency.as_str(),
            method = parts.method.as_str(),
            code = refusal.code.as_ref(),
            "call refused: signature"
        );
        return refusal.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Checks one call's signature against `secret` at `now`.
pub(crate) fn verify(
    secret: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(timestamp), Some(signature)) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER))
    else {
        return Err(unauthorized(
            "SIGNATURE_MISSING",
            "sign the call: X-Lienthong-Timestamp (unix seconds) and X-Lienthong-Signature: \
             sha256=<hex HMAC-SHA256(secret, \"<timestamp>.<METHOD> <path>.<body>\")>",
        ));
    };
    let sent = timestamp.trim().parse::<u64>().map_err(|_| {
        unauthorized(
            "SIGNATURE_INVALID",
            "X-Lienthong-Timestamp must be unix seconds",
        )
    })?;
    let sent = UNIX_EPOCH + Duration::from_secs(sent);
    let skew = now.duration_since(sent).unwrap_or_else(|e| e.duration());
    if skew > WINDOW {
        return Err(unauthorized(
            "SIGNATURE_EXPIRED",
            "the timestamp is more than 5 minutes from the agency's clock",
        ));
    }
    let digest = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(hex)
        .ok_or_else(|| unauthorized("SIGNATURE_INVALID", "the signature is not sha256=<hex>"))?;
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    mac(secret, timestamp.trim(), method.as_str(), path, body)
        .verify_slice(&digest)
        .map_err(|_| {
            unauthorized(
                "SIGNATURE_INVALID",
                "the signature does not match this agency's secret",
            )
        })
}

/// HMAC-SHA256 over `"<timestamp>.<method> <path>.<body>"`.
fn mac(secret: &str, timestamp: &str, method: &str, path: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    for part in [
        timestamp.as_bytes(),
        b".",
        method.as_bytes(),
        b" ",
        path.as_bytes(),
        b".",
        body,
    ] {
        mac.update(part);
    }
    mac
}

fn unauthorized(code: &'static str, message: &'static str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const SECRET: &str = "dev-secret-residence";
    const PATH: &str = "/operations/register-permanent-residence";
    const BODY: &[u8] = br#"{"personal_id":"1"}"#;
    // The engine's own test vector (lienthong-activities, signing.rs), from Python:
    // hmac.new(b"dev-secret-residence",
    //   b'1700000000.POST /operations/register-permanent-residence.{"personal_id":"1"}',
    //   hashlib.sha256).hexdigest()
    const SIGNATURE: &str =
        "sha256=0aaba2608fc78296902e032f9162712797feeda6a58d795a9f50296ae0c1e875";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn headers(timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [(TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        headers
    }

    fn code(result: Result<(), ApiError>) -> String {
        result
            .err()
            .map(|e| e.code.into_owned())
            .unwrap_or_default()
    }

    #[test]
    fn the_engines_test_vector_is_accepted_within_five_minutes() {
        let uri = Uri::from_static(PATH);
        let signed = headers("1700000000", SIGNATURE);
        for now in [1_700_000_000, 1_700_000_300, 1_699_999_700] {
            assert!(verify(SECRET, &Method::POST, &uri, &signed, BODY, at(now)).is_ok());
        }
        assert_eq!(
            code(verify(
                SECRET,
                &Method::POST,
                &uri,
                &signed,
                BODY,
                at(1_700_000_301)
            )),
            "SIGNATURE_EXPIRED"
        );
    }

    #[test]
    fn anything_changed_is_invalid_and_nothing_sent_is_missing() {
        let now = at(1_700_000_000);
        let uri = Uri::from_static(PATH);
        let signed = headers("1700000000", SIGNATURE);
        let other_op = Uri::from_static("/operations/cancel-permanent-residence");
        for result in [
            verify("another-secret", &Method::POST, &uri, &signed, BODY, now),
            verify(SECRET, &Method::PUT, &uri, &signed, BODY, now),
            verify(SECRET, &Method::POST, &other_op, &signed, BODY, now),
            verify(SECRET, &Method::POST, &uri, &signed, b"{}", now),
            verify(
                SECRET,
                &Method::POST,
                &uri,
                &headers("1700000001", SIGNATURE),
                BODY,
                now,
            ),
            verify(
                SECRET,
                &Method::POST,
                &uri,
                &headers("1700000000", "sha256=zz"),
                BODY,
                now,
            ),
        ] {
            assert_eq!(code(result), "SIGNATURE_INVALID");
        }
        assert_eq!(
            code(verify(
                SECRET,
                &Method::POST,
                &uri,
                &HeaderMap::new(),
                BODY,
                now
            )),
            "SIGNATURE_MISSING"
        );
    }
}
