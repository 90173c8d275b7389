//! Why a notice was not delivered, and whether trying again can help.

use std::time::Duration;

use lienthong_workflows::Channel;

/// The stable code of a message its receiver refused, or one that cannot be sent at all.
pub const NOTIFY_REFUSED: &str = "NOTIFY_REFUSED";
/// The stable code of a channel whose secret this worker cannot read.
pub const NOTIFY_CREDENTIALS_MISSING: &str = "NOTIFY_CREDENTIALS_MISSING";

/// Why one attempt of a notice failed. Texts name the channel and a status or a reason, never
/// the recipient's address or number, nor what a receiver answered in words (a mail server's
/// reply may repeat the address).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The receiver is busy or failing (5xx, 408, 429, an SMTP 4xx reply): retried, after
    /// `retry_after` when it said so.
    #[error("the {channel} receiver answered {status}, will retry", channel = channel.as_str())]
    Unavailable {
        channel: Channel,
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused, reset or timed out. Retried under the same key, so a
    /// receiver that did take it sees the same message again and drops it.
    #[error("no answer from the {channel} receiver: {reason}, will retry", channel = channel.as_str())]
    NoAnswer {
        channel: Channel,
        reason: &'static str,
    },
    /// The receiver refused this message for good (another 4xx, an SMTP 5xx reply): sending it
    /// again would be refused again.
    #[error(
        "NOTIFY_REFUSED: the {channel} receiver refused the message ({status})",
        channel = channel.as_str()
    )]
    Refused { channel: Channel, status: u16 },
    /// The message cannot be sent as it is (no address for the channel, an address that is not
    /// one); `reason` says which, without the address.
    #[error("NOTIFY_REFUSED: {reason}")]
    Unsendable {
        channel: Channel,
        reason: &'static str,
    },
    /// The channel's secret is neither in the environment nor in the secrets folder.
    #[error(
        "NOTIFY_CREDENTIALS_MISSING: no secret for the {channel} channel: set {variable} on the \
         workers, or write it to a file of that name in their --agency-secrets-dir",
        channel = channel.as_str()
    )]
    CredentialsMissing {
        channel: Channel,
        variable: &'static str,
    },
}

impl NotifyError {
    /// The stable code of a failure no retry can fix; `None` for those worth retrying.
    pub fn permanent_code(&self) -> Option<&'static str> {
        match self {
            Self::Refused { .. } | Self::Unsendable { .. } => Some(NOTIFY_REFUSED),
            Self::CredentialsMissing { .. } => Some(NOTIFY_CREDENTIALS_MISSING),
            Self::Unavailable { .. } | Self::NoAnswer { .. } => None,
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.permanent_code().is_none()
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// One word for logs and the outcome label.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "unavailable",
            Self::NoAnswer { .. } => "no_answer",
            Self::Refused { .. } => "refused",
            Self::Unsendable { .. } => "unsendable",
            Self::CredentialsMissing { .. } => "credentials_missing",
        }
    }
}

/// Why an HTTP exchange got no answer, in words that carry no URL (a webhook URL may hold a
/// token in its query).
pub(crate) fn no_answer_reason(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "it did not answer in time"
    } else if error.is_connect() {
        "it could not be reached"
    } else {
        "the connection failed"
    }
}
