//! Citizens' notifications: the `lienthong.notify` activity. One call sends one notice on one
//! channel (a signed webhook to the portal's or app's back end, an e-mail over SMTP, an SMS
//! through a gateway) under the notice's idempotency key, which the receiver sees on every retry
//! (`Idempotency-Key`, or the e-mail's `Message-ID`) and dedupes on.
//!
//! A message carries the case code, the link to the case's page and words from the templates
//! (`definitions/notifications/{vi,en}.ftl`); never a name or an ID number. The only personal
//! value it holds is the address or number its own channel needs, and that never reaches a log,
//! a span or an error text.
//!
//! What an attempt's end means to Temporal: delivered → `Delivered { attempt }`; a channel this
//! worker has no settings for → `NotConfigured`; no answer, 5xx, 408, 429 or an SMTP 4xx reply →
//! failure `NotifyUnavailable`, retried (after `Retry-After` when the receiver gave one); any
//! other refusal, or a message that cannot be sent as it is → non-retryable failure
//! `NotifyRefused` whose text starts with `NOTIFY_REFUSED` (or `NOTIFY_CREDENTIALS_MISSING`).

mod email;
mod error;
mod settings;
mod signed_post;
mod sms;
mod templates;
mod webhook;

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use lienthong_telemetry::parent_to_case;
use lienthong_workflows::{Channel, Notice, NoticeOutcome, Notify};
use temporalio_macros::activities;
use temporalio_sdk::{
    ApplicationFailure,
    activities::{ActivityContext, ActivityError},
};
use tracing::{Instrument, field::Empty};

pub use email::message_id;
pub use error::{NOTIFY_CREDENTIALS_MISSING, NOTIFY_REFUSED, NotifyError};
pub use settings::{
    ChannelSecret, EmailChannel, HttpChannel, NotifySettings, NotifySettingsError,
    SECRET_VARIABLES, SMS_SECRET_ENV, SMTP_PASSWORD_ENV, WEBHOOK_SECRET_ENV,
};
pub use signed_post::IDEMPOTENCY_KEY_HEADER;
pub use sms::SmsBody;
pub use templates::{NoticeLang, Rendered, due_date, render};
pub use webhook::{WebhookBody, WebhookEvent};

/// The failure type of a notice worth sending again later.
pub const NOTIFY_UNAVAILABLE_TYPE: &str = "NotifyUnavailable";
/// The failure type of a notice no retry can deliver (its text starts with its code).
pub const NOTIFY_REFUSED_TYPE: &str = "NotifyRefused";

/// The notification activity, with this worker's channels.
#[derive(Debug)]
pub struct NotifyActivities {
    settings: NotifySettings,
    http: reqwest::Client,
}

/// Why the notification activity could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifySetupError {
    #[error(transparent)]
    Settings(#[from] NotifySettingsError),
    #[error("could not build the notification HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
}

#[activities]
impl NotifyActivities {
    /// Sends one notice. Delivered and not-configured are answers; everything else is a failure
    /// Temporal retries or, for a refusal, stops at once.
    #[activity(definition = Notify)]
    pub async fn notify(
        self: Arc<Self>,
        ctx: ActivityContext,
        notice: Notice,
    ) -> Result<NoticeOutcome, ActivityError> {
        let info = ctx.info();
        let remaining = info
            .deadline
            .and_then(|deadline| deadline.duration_since(SystemTime::now()).ok());
        self.send(&notice, info.attempt, remaining)
            .await
            .map_err(failure)
    }
}

impl NotifyActivities {
    /// Checks `settings` (see [`NotifySettings::check`]) and builds the HTTP client.
    pub fn new(settings: NotifySettings) -> Result<Self, NotifySetupError> {
        settings.check()?;
        // HTTPS uses ring, as the agency client does; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(settings.timeout)
            .user_agent(concat!("lienthong/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { settings, http })
    }

    /// The channels this worker sends on.
    pub fn channels(&self) -> Vec<Channel> {
        self.settings.channels()
    }

    /// One attempt at one notice, as attempt `attempt`, within `remaining` when the activity has
    /// a deadline. A span in the case's trace and a log line, neither naming the recipient.
    pub async fn send(
        &self,
        notice: &Notice,
        attempt: u32,
        remaining: Option<Duration>,
    ) -> Result<NoticeOutcome, NotifyError> {
        let kind = WebhookEvent::of(&notice.event).kind;
        let span = tracing::info_span!(
            "notify",
            otel.name = %format!("notify {} {kind}", notice.channel.as_str()),
            otel.status_code = Empty,
            lienthong.case = %notice.case_code,
            lienthong.channel = notice.channel.as_str(),
            lienthong.event = kind,
            lienthong.attempt = attempt,
            lienthong.outcome = Empty,
        );
        parent_to_case(&span, notice.case_code.as_str());
        let timeout = remaining.map_or(self.settings.timeout, |r| r.min(self.settings.timeout));
        let result = self
            .deliver(notice, attempt, timeout)
            .instrument(span.clone())
            .await;
        let outcome = match &result {
            Ok(NoticeOutcome::Delivered { .. }) => "delivered",
            Ok(NoticeOutcome::NotConfigured) => "not_configured",
            Err(error) => error.outcome(),
        };
        span.record("lienthong.outcome", outcome);
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        span.in_scope(|| match &result {
            Ok(_) => tracing::info!(key = %notice.key, attempt, outcome, "notice sent"),
            Err(error) if error.is_retryable() => {
                tracing::warn!(key = %notice.key, attempt, %error, "notice not delivered, will retry");
            }
            Err(error) => {
                tracing::error!(key = %notice.key, attempt, %error, "notice refused, not retrying");
            }
        });
        result
    }

    async fn deliver(
        &self,
        notice: &Notice,
        attempt: u32,
        timeout: Duration,
    ) -> Result<NoticeOutcome, NotifyError> {
        let link = self.settings.link(notice.case_code.as_str());
        let rendered = render(notice, &link);
        let recipient = || {
            notice
                .to
                .as_deref()
                .map(str::trim)
                .filter(|to| !to.is_empty())
                .ok_or(NotifyError::Unsendable {
                    channel: notice.channel,
                    reason: "the notice carries no address for its channel",
                })
        };
        match notice.channel {
            Channel::Webhook => {
                let Some(settings) = &self.settings.webhook else {
                    return Ok(NoticeOutcome::NotConfigured);
                };
                let body = webhook::body(notice, &link, &rendered.text);
                let bytes = to_json(&body, notice.channel)?;
                signed_post::post(
                    &self.http,
                    notice.channel,
                    settings,
                    &notice.key,
                    bytes,
                    timeout,
                )
                .await?;
            }
            Channel::Sms => {
                let Some(settings) = &self.settings.sms else {
                    return Ok(NoticeOutcome::NotConfigured);
                };
                let body = SmsBody {
                    key: &notice.key,
                    to: recipient()?,
                    text: &rendered.sms,
                };
                let bytes = to_json(&body, notice.channel)?;
                signed_post::post(
                    &self.http,
                    notice.channel,
                    settings,
                    &notice.key,
                    bytes,
                    timeout,
                )
                .await?;
            }
            Channel::Email => {
                let Some(settings) = &self.settings.email else {
                    return Ok(NoticeOutcome::NotConfigured);
                };
                email::send(settings, &notice.key, recipient()?, &rendered, timeout).await?;
            }
        }
        Ok(NoticeOutcome::Delivered { attempt })
    }
}

fn to_json(body: &impl serde::Serialize, channel: Channel) -> Result<Vec<u8>, NotifyError> {
    serde_json::to_vec(body).map_err(|_| NotifyError::Unsendable {
        channel,
        reason: "the message could not be written as JSON",
    })
}

/// The failure Temporal sees: `NotifyUnavailable` (retried with the policy the workflow gave,
/// after `Retry-After` when the receiver said so) or `NotifyRefused` (never retried).
fn failure(error: NotifyError) -> ActivityError {
    if !error.is_retryable() {
        return ActivityError::application(
            ApplicationFailure::builder(error)
                .type_name(NOTIFY_REFUSED_TYPE.to_owned())
                .non_retryable(true)
                .build(),
        );
    }
    let retry_after = error.retry_after();
    let failure = ApplicationFailure::builder(error).type_name(NOTIFY_UNAVAILABLE_TYPE.to_owned());
    let failure = match retry_after {
        Some(delay) => failure.next_retry_delay(delay).build(),
        None => failure.build(),
    };
    ActivityError::application(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn application(error: ActivityError) -> Option<Box<ApplicationFailure>> {
        match error {
            ActivityError::Application(failure) => Some(failure),
            _ => None,
        }
    }

    #[test]
    fn a_refusal_is_never_retried_and_an_outage_is() {
        let refused = application(failure(NotifyError::Refused {
            channel: Channel::Webhook,
            status: 400,
        }));
        let refused = refused.as_deref();
        assert_eq!(refused.map(|f| f.is_non_retryable()), Some(true));
        assert_eq!(
            refused.and_then(|f| f.type_name()),
            Some(NOTIFY_REFUSED_TYPE)
        );
        let text = refused.map(ToString::to_string).unwrap_or_default();
        assert!(
            text.starts_with("NOTIFY_REFUSED: the webhook receiver refused the message (400)"),
            "{text}"
        );

        let down = application(failure(NotifyError::Unavailable {
            channel: Channel::Sms,
            status: 503,
            retry_after: Some(Duration::from_secs(2)),
        }));
        let down = down.as_deref();
        assert_eq!(down.map(|f| f.is_non_retryable()), Some(false));
        assert_eq!(
            down.and_then(|f| f.type_name()),
            Some(NOTIFY_UNAVAILABLE_TYPE)
        );
    }

    #[test]
    fn the_webhook_names_each_event_as_the_workflow_writes_it() {
        for event in templates::tests::every_event() {
            let written = serde_json::to_value(&event).unwrap_or_default();
            assert_eq!(
                written["kind"].as_str(),
                Some(WebhookEvent::of(&event).kind),
                "{event:?}"
            );
            assert_eq!(
                format!("notice-{}", WebhookEvent::of(&event).kind),
                templates::message_id(&event)
            );
        }
    }
}
