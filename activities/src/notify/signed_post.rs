//! The one HTTP exchange of the webhook and the SMS gateway: a JSON `POST` carrying the notice's
//! `Idempotency-Key`, signed as the engine signs its calls to agencies (`X-Lienthong-Timestamp`,
//! `X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.POST <path>.<body>")>`), and
//! what its answer means.

use std::time::{Duration, SystemTime};

use lienthong_workflows::Channel;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};

use super::{
    error::{NotifyError, no_answer_reason},
    settings::HttpChannel,
};
use crate::{AgencyCredential, Classified, classify, sign};

/// The header a receiver dedupes on.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Posts `body` to the channel's URL. 2xx is delivered; 5xx, 408, 429 and no answer are worth
/// retrying (after `Retry-After` when given); any other status is a refusal.
pub(crate) async fn post(
    http: &reqwest::Client,
    channel: Channel,
    settings: &HttpChannel,
    key: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(), NotifyError> {
    let secret = settings
        .secret
        .read()
        .ok_or(NotifyError::CredentialsMissing {
            channel,
            variable: settings.secret.variable,
        })?;
    let mut request = http
        .post(&settings.url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .timeout(timeout)
        .body(body)
        .build()
        .map_err(|_| NotifyError::Unsendable {
            channel,
            reason: "the receiver's URL or the message's key cannot be put on a request",
        })?;
    sign(
        &mut request,
        &AgencyCredential::Hmac(secret),
        SystemTime::now(),
    )
    .map_err(|_| NotifyError::Unsendable {
        channel,
        reason: "the request could not be signed",
    })?;
    let response = http
        .execute(request)
        .await
        .map_err(|error| NotifyError::NoAnswer {
            channel,
            reason: no_answer_reason(&error),
        })?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match classify(status, retry_after.as_deref()) {
        Classified::Success => Ok(()),
        Classified::Transient { retry_after } => Err(NotifyError::Unavailable {
            channel,
            status: status.as_u16(),
            retry_after,
        }),
        Classified::Rejection => Err(NotifyError::Refused {
            channel,
            status: status.as_u16(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::request_signature;

    /// The worked example of docs/notifications.md, computed there with Python's `hmac`.
    #[test]
    fn the_documented_signature_is_the_one_sent() {
        assert_eq!(
            request_signature(
                "dev-secret-notify",
                1_700_000_000,
                "POST",
                "/webhook",
                br#"{"key":"KS-ABCDE-FGHJK/notify/filed/webhook"}"#
            ),
            "sha256=25b9155229fc9f9b499dd2ce0f567cee5cd9b13873131c7fc232797b6cf5a63f"
        );
    }
}
