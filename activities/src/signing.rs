//! The engine's credentials on its calls to agencies.
//!
//! An agency whose catalogue entry says `hmac` gets every request signed:
//! `X-Lienthong-Timestamp: <unix seconds>` and
//! `X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<METHOD> <path>.<body>")>`, where
//! `path` is the URL's path and query exactly as sent and `body` the exact bytes (empty for a
//! `GET`). Method and path are signed with the body so a signature taken from one request cannot
//! be replayed on another operation or act; the timestamp lets the agency refuse old ones.
//! A `bearer` agency gets `Authorization: Bearer <token>`.
//!
//! The signature itself is `lienthong_identity::signature`, the engine's one home for it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

pub use lienthong_identity::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use lienthong_identity::signature::{Signature, request_message};
use reqwest::header::{AUTHORIZATION, HeaderValue};

/// How the engine proves itself to one agency. `Debug` shows the kind only, never the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum AgencyCredential {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// Requests signed with HMAC-SHA256 under this shared secret.
    Hmac(String),
}

impl AgencyCredential {
    /// `bearer` or `hmac`, as the catalogue names the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Bearer(_) => "bearer",
            Self::Hmac(_) => "hmac",
        }
    }
}

impl fmt::Debug for AgencyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Self::Hmac(_) => f.write_str("Hmac(<redacted>)"),
        }
    }
}

/// Why a request could not be given its credentials. Both are configuration mistakes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The body is a stream, so its bytes cannot be signed before they are sent.
    #[error("the request body is a stream and cannot be signed")]
    StreamingBody,
    /// The bearer token holds characters an HTTP header cannot carry.
    #[error("the bearer token is not a valid header value")]
    InvalidToken,
}

/// `sha256=<lowercase hex of HMAC-SHA256(secret, "<timestamp>.<method> <path>.<body>")>`.
pub fn request_signature(
    secret: &str,
    timestamp: u64,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    Signature::of(
        secret,
        &request_message(timestamp, method, path_and_query, body),
    )
    .header_value()
}

/// Adds `credential`'s headers to a request about to be sent, signed at `now`. Call it last:
/// the URL and body must be final.
pub fn sign(
    request: &mut reqwest::Request,
    credential: &AgencyCredential,
    now: SystemTime,
) -> Result<(), SignError> {
    match credential {
        AgencyCredential::Bearer(token) => {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| SignError::InvalidToken)?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        AgencyCredential::Hmac(secret) => {
            let body = match request.body() {
                None => &[][..],
                Some(body) => body.as_bytes().ok_or(SignError::StreamingBody)?,
            };
            let url = request.url();
            let path = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            // A clock before 1970 signs as 0; the agency then refuses it as expired, visibly.
            let timestamp = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            let signature =
                request_signature(secret, timestamp, request.method().as_str(), &path, body);
            let headers = request.headers_mut();
            headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
            // Lowercase hex and ASCII: always a valid header value.
            if let Ok(value) = HeaderValue::from_str(&signature) {
                headers.insert(SIGNATURE_HEADER, value);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SECRET: &str = "dev-secret-residence";
    const TS: u64 = 1_700_000_000;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// A request as the agency client builds it, without a client (no TLS provider needed).
    fn built(
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Request, Box<dyn std::error::Error>> {
        let mut request = reqwest::Request::new(method, reqwest::Url::parse(url)?);
        *request.body_mut() = body.map(|b| b.to_vec().into());
        Ok(request)
    }

    fn header<'a>(request: &'a reqwest::Request, name: &str) -> &'a str {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_method_path_and_body() {
        // From Python: hmac.new(b"dev-secret-residence",
        //   b'1700000000.POST /operations/register-permanent-residence.{"personal_id":"1"}',
        //   hashlib.sha256).hexdigest()
        assert_eq!(
            request_signature(
                SECRET,
                TS,
                "POST",
                "/operations/register-permanent-residence",
                br#"{"personal_id":"1"}"#
            ),
            "sha256=0aaba2608fc78296902e032f9162712797feeda6a58d795a9f50296ae0c1e875"
        );
        // GET with an empty body:
        // hmac.new(b"dev-secret-residence", b"1700000000.GET /acts/KS-1%2Fresidence.", ...)
        assert_eq!(
            request_signature(SECRET, TS, "GET", "/acts/KS-1%2Fresidence", b""),
            "sha256=f330feb651b2730dacd7e6f194b54151e09a602caf43449c3825cbf12ec1a668"
        );
    }

    #[test]
    fn hmac_signs_the_request_as_it_will_be_sent() -> Result<(), Box<dyn std::error::Error>> {
        let body = br#"{"personal_id":"1"}"#;
        let mut request = built(
            reqwest::Method::POST,
            "http://127.0.0.1:8703/operations/register-permanent-residence",
            Some(body),
        )?;
        sign(&mut request, &AgencyCredential::Hmac(SECRET.into()), at(TS))?;
        assert_eq!(header(&request, TIMESTAMP_HEADER), "1700000000");
        assert_eq!(
            header(&request, SIGNATURE_HEADER),
            request_signature(
                SECRET,
                TS,
                "POST",
                "/operations/register-permanent-residence",
                body
            )
        );
        assert!(request.headers().get(AUTHORIZATION).is_none());

        // The path keeps its percent-encoding and its query.
        let mut lookup = built(
            reqwest::Method::GET,
            "http://127.0.0.1:8703/acts/KS-1%2Fresidence?x=1",
            None,
        )?;
        sign(&mut lookup, &AgencyCredential::Hmac(SECRET.into()), at(TS))?;
        assert_eq!(
            header(&lookup, SIGNATURE_HEADER),
            request_signature(SECRET, TS, "GET", "/acts/KS-1%2Fresidence?x=1", b"")
        );
        Ok(())
    }

    #[test]
    fn bearer_sets_authorization_only() -> Result<(), Box<dyn std::error::Error>> {
        let url = "http://127.0.0.1:8703/acts/k";
        let mut get = built(reqwest::Method::GET, url, None)?;
        sign(
            &mut get,
            &AgencyCredential::Bearer("tok-123".into()),
            at(TS),
        )?;
        assert_eq!(header(&get, "authorization"), "Bearer tok-123");
        assert!(get.headers().get(SIGNATURE_HEADER).is_none());

        let mut bad = built(reqwest::Method::GET, url, None)?;
        assert_eq!(
            sign(&mut bad, &AgencyCredential::Bearer("a\nb".into()), at(TS)),
            Err(SignError::InvalidToken)
        );
        Ok(())
    }

    #[test]
    fn debug_shows_the_kind_never_the_secret() {
        let hmac = format!("{:?}", AgencyCredential::Hmac("s3cr3t-value".into()));
        let bearer = format!("{:?}", AgencyCredential::Bearer("t0ken-value".into()));
        assert_eq!(hmac, "Hmac(<redacted>)");
        assert_eq!(bearer, "Bearer(<redacted>)");
    }
}
