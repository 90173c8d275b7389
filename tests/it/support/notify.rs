//! Receivers for a stack's citizen notices, started by the test in its own process so it can
//! read what arrived and tell them to fail: a webhook sink (the portal's back end and the SMS
//! gateway) and a mail catcher (the SMTP server).
//!
//! ```ignore
//! let receivers = NotifyReceivers::start().await?;
//! let stack = Stack::start_with_options(receivers.on(StackOptions::default())).await?;
//! // ... file a case, then read receivers.sink.received()? and receivers.mail.messages()?
//! ```

use anyhow::Result;
use lienthong_agencies::{MailCatcher, SinkConfig, WebhookSink};
use lienthong_workflows::Channel;

use super::StackOptions;

/// The secret the stack's workers sign webhooks and SMS with, and a sink checks.
pub const NOTIFY_SECRET: &str = "test-secret-notify";
/// The sender of the stack's e-mails.
pub const NOTIFY_FROM: &str = "Dịch vụ công <no-reply@lienthong.test>";

/// A webhook sink (webhooks on `/webhook`, SMS on `/sms`) and a mail catcher on free loopback
/// ports, with their files in a temp dir of their own. Dropping them stops them.
pub struct NotifyReceivers {
    pub sink: WebhookSink,
    pub mail: MailCatcher,
    pub dir: tempfile::TempDir,
}

impl NotifyReceivers {
    pub async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let loopback: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
        let sink = WebhookSink::start(SinkConfig {
            file: dir.path().join("webhook.jsonl"),
            secret: Some(NOTIFY_SECRET.to_owned()),
            listen: loopback,
        })
        .await?;
        let mail = MailCatcher::start(dir.path().join("mail"), loopback).await?;
        Ok(Self { sink, mail, dir })
    }

    /// `options` with every channel pointing here.
    pub fn on(&self, options: StackOptions) -> StackOptions {
        options
            .notify(Channel::Webhook, format!("{}/webhook", self.sink.url()))
            .notify(Channel::Email, self.mail.url())
            .notify(Channel::Sms, format!("{}/sms", self.sink.url()))
    }

    /// The webhooks received so far (SMS aside), oldest first: each the sink's JSON line.
    pub fn webhooks(&self) -> Result<Vec<serde_json::Value>> {
        self.on_path("/webhook")
    }

    /// The SMS received so far, oldest first.
    pub fn sms(&self) -> Result<Vec<serde_json::Value>> {
        self.on_path("/sms")
    }

    fn on_path(&self, path: &str) -> Result<Vec<serde_json::Value>> {
        Ok(self
            .sink
            .received()?
            .into_iter()
            .filter(|line| line["path"] == path)
            .collect())
    }
}

/// The variables that point a stack's processes at `channels`: the worker's URLs, secrets and
/// sender, and the API's channel list.
pub(super) fn variables(channels: &[(Channel, String)]) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let mut names = Vec::new();
    for (channel, url) in channels {
        let (url_variable, extra) = match channel {
            Channel::Webhook => (
                "LIENTHONG_NOTIFY_WEBHOOK_URL",
                ("LIENTHONG_NOTIFY_WEBHOOK_SECRET", NOTIFY_SECRET),
            ),
            Channel::Sms => (
                "LIENTHONG_NOTIFY_SMS_URL",
                ("LIENTHONG_NOTIFY_SMS_SECRET", NOTIFY_SECRET),
            ),
            Channel::Email => (
                "LIENTHONG_NOTIFY_SMTP_URL",
                ("LIENTHONG_NOTIFY_EMAIL_FROM", NOTIFY_FROM),
            ),
        };
        env.push((url_variable.to_owned(), url.clone()));
        env.push((extra.0.to_owned(), extra.1.to_owned()));
        names.push(channel.as_str());
    }
    if !names.is_empty() {
        env.push(("LIENTHONG_NOTIFY_CHANNELS".to_owned(), names.join(",")));
    }
    env
}
