//! Cross-site request forgery: every form that changes something carries
//! `csrf` = HMAC-SHA256(key, session id) in hex, and a POST from another origin is refused.
//!
//! Replicas behind one load balancer need the same key, or a form served by one replica is
//! refused by another: `LIENTHONG_CONSOLE_CSRF_KEY` (at least 32 bytes) sets it, or else the API
//! takes the one kept in the engine database every replica shares ([`install_key`] at start).

use std::sync::OnceLock;

use axum::{
    Form,
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use super::{
    layout,
    problem::Problem,
    session::{Console, Sessions},
};

pub(crate) const KEY_VARIABLE: &str = "LIENTHONG_CONSOLE_CSRF_KEY";

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// The key from `LIENTHONG_CONSOLE_CSRF_KEY` when it is long enough; `None` when unset.
pub fn configured_key() -> Option<Vec<u8>> {
    match std::env::var(KEY_VARIABLE) {
        Ok(key) if key.len() >= 32 => Some(key.into_bytes()),
        Ok(_) => {
            tracing::warn!(
                variable = KEY_VARIABLE,
                "the console's CSRF key is shorter than 32 bytes and is not used"
            );
            None
        }
        Err(_) => None,
    }
}

/// Sets the key for this process, before the first request; a second call changes nothing.
pub fn install_key(key: Vec<u8>) {
    let _ = KEY.set(key);
}

fn key() -> &'static [u8] {
    // Without an installed key (a router built in a test) the process makes its own.
    KEY.get_or_init(|| configured_key().unwrap_or_else(|| rand::random::<[u8; 32]>().to_vec()))
}

fn mac(session_token: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail; the fallback keeps it panic-free.
    let mut mac = Hmac::<Sha256>::new_from_slice(key())
        .unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
    mac.update(b"lienthong-console-csrf\0");
    mac.update(session_token.as_bytes());
    mac
}

/// The value every form of this session carries.
pub(crate) fn token_for(session_token: &str) -> String {
    hex(&mac(session_token).finalize().into_bytes())
}

/// Lowercase hex, as the console writes keys, session ids and CSRF values.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits in hex: a session id or a key.
pub(crate) fn random_hex() -> String {
    hex(&rand::random::<[u8; 32]>())
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `presented` is this session's value (compared in constant time).
pub(crate) fn valid(session_token: &str, presented: &str) -> bool {
    unhex(presented.trim()).is_some_and(|bytes| mac(session_token).verify_slice(&bytes).is_ok())
}

/// A POST's `Origin`, when the browser sent one, must be the console's own host.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, host)| host.trim_end_matches('/'))
    else {
        return false;
    };
    [header::HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|name| headers.get(*name)?.to_str().ok())
        .any(|ours| ours.trim().eq_ignore_ascii_case(host))
}

pub(crate) fn refused() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "CSRF_FAILED",
        "this form did not come from this console session; open the page again and resend it",
    )
}

/// A form that carries the CSRF value.
pub(crate) trait CsrfForm {
    fn csrf(&self) -> &str;
}

/// A posted form of a signed-in user, accepted only from this console session.
pub(crate) struct Checked<T> {
    pub console: Console,
    pub form: T,
}

impl<S, T> FromRequest<S> for Checked<T>
where
    S: Send + Sync,
    Sessions: FromRef<S>,
    T: DeserializeOwned + CsrfForm + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let console = Console::from_request_parts(&mut parts, state).await?;
        let same_origin = same_origin(&parts.headers);
        let request = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(request, state).await.map_err(|e| {
            layout::problem_page(&console.chrome, &Problem::form_invalid(e.body_text()))
        })?;
        if !same_origin || !valid(&console.session, form.csrf()) {
            return Err(layout::problem_page(&console.chrome, &refused()));
        }
        Ok(Self { console, form })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_value_is_bound_to_the_session() {
        let value = token_for("token-a");
        assert_eq!(value.len(), 64);
        assert!(valid("token-a", &value));
        assert!(!valid("token-b", &value));
        assert!(!valid("token-a", ""));
        assert!(!valid("token-a", &value[..62]));
        assert!(!valid("token-a", "zz"));
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    #[test]
    fn only_our_own_origin_may_post() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8780")])));
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8780"),
            ("origin", "http://127.0.0.1:8780"),
        ])));
        assert!(same_origin(&headers(&[
            ("host", "10.0.0.5:8780"),
            ("x-forwarded-host", "console.example.vn"),
            ("origin", "https://console.example.vn"),
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8780"),
            ("origin", "https://evil.example"),
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8780"),
            ("origin", "null"),
        ])));
    }
}
