//! How the engine and an agency system prove themselves to each other with a shared secret: the
//! one home of the engine's signing (its requests to agencies) and verifying (agencies' callbacks).
//!
//! A signature is `X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, message)>` beside
//! `X-Lienthong-Timestamp: <unix seconds>`, where the message starts with the timestamp:
//! - a request to an agency signs `"<ts>.<METHOD> <path?query>.<body>"`, so a signature taken
//!   from one request cannot be replayed on another operation or act;
//! - a callback from an agency signs `"<ts>.<body>"`.
//!
//! The simulators keep a copy of their own on purpose: they play outside systems, which implement
//! this from the documentation, not from our code.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "x-lienthong-timestamp";
pub const SIGNATURE_HEADER: &str = "x-lienthong-signature";

/// How far a signed timestamp may be from the receiver's clock.
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(300);

/// The message a request to an agency is signed over.
pub fn request_message(timestamp: u64, method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}.{method} {path_and_query}.").into_bytes();
    message.extend_from_slice(body);
    message
}

/// The message an agency's callback is signed over; `timestamp` is the header's text as sent.
pub fn callback_message(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    message
}

/// An HMAC-SHA256, known by its bytes: however an agency spells the hex (upper or lower case),
/// the same signature is the same value, so a replay memory keyed by it cannot be fooled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature([u8; 32]);

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the fallback only keeps this free of panics.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()))
}

impl Signature {
    /// The signature of `message` under `secret`.
    pub fn of(secret: &str, message: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(message);
        Self(mac.finalize().into_bytes().into())
    }

    /// The signature a header names, or `None` for anything but `sha256=` and exactly 64 hex
    /// digits (in either case).
    pub fn parse(header: &str) -> Option<Self> {
        let digits = header.strip_prefix("sha256=")?.as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(Self(bytes))
    }

    /// Whether this is `message`'s signature under `secret`, compared in constant time.
    pub fn matches(&self, secret: &str, message: &[u8]) -> bool {
        let mut mac = mac(secret);
        mac.update(message);
        mac.verify_slice(&self.0).is_ok()
    }

    /// The header value: `sha256=` and lowercase hex, one text per signature.
    pub fn header_value(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_checked_against_its_message_and_secret() {
        let message = callback_message("1800000000", br#"{"outcome":"done"}"#);
        let signed = Signature::of("s3cret", &message);
        assert!(signed.matches("s3cret", &message));
        assert!(!signed.matches("other", &message));
        assert!(!signed.matches("s3cret", &callback_message("1800000001", b"{}")));
        assert_eq!(Signature::parse(&signed.header_value()), Some(signed));
    }

    #[test]
    fn a_signature_is_known_by_its_bytes_whatever_case_its_hex_is_in() {
        let lower = format!("sha256={}", "0a1b".repeat(16));
        let key = Signature::parse(&lower).expect("valid").header_value();
        assert_eq!(key, lower);
        for spelling in [
            format!("sha256={}", "0A1B".repeat(16)),
            format!("sha256={}", "0A1b".repeat(16)),
        ] {
            assert_eq!(
                Signature::parse(&spelling).map(|s| s.header_value()),
                Some(key.clone()),
                "{spelling}"
            );
        }
        for bad in [
            format!("sha256={}", "0a1b".repeat(15)),
            format!("sha256={}00", "0a1b".repeat(16)),
            format!("sha256={}0", "0a1b".repeat(16)),
            format!("sha256={}zz", "0a1b".repeat(15) + "0a"),
            // A sign is not a digit, though `u8::from_str_radix("+a", 16)` reads 0x0a.
            format!("sha256=+a{}", "1b".to_owned() + &"0a1b".repeat(15)),
            format!("sha256= a{}", "1b".to_owned() + &"0a1b".repeat(15)),
            format!("SHA256={}", "0a1b".repeat(16)),
            "0a1b".repeat(16),
            // Multi-byte characters of the right byte length.
            format!("sha256=é{}", "0a".repeat(31)),
        ] {
            assert_eq!(Signature::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_request_signs_its_method_path_and_body_after_the_timestamp() {
        assert_eq!(
            request_message(7, "POST", "/operations/register-birth", b"{}"),
            b"7.POST /operations/register-birth.{}".to_vec()
        );
        assert_eq!(callback_message("7", b"{}"), b"7.{}".to_vec());
    }
}
