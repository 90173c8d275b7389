//! Which channels one worker sends citizens' notices on, where to, and with what secret. Every
//! channel is optional: a notice for a channel the worker has no settings for is answered
//! `NotConfigured` and nothing is sent.

use std::{fmt, path::PathBuf, time::Duration};

use lettre::message::Mailbox;
use lienthong_workflows::Channel;

/// The variable the webhook's HMAC secret is read from.
pub const WEBHOOK_SECRET_ENV: &str = "LIENTHONG_NOTIFY_WEBHOOK_SECRET";
/// The variable the SMS gateway's HMAC secret is read from.
pub const SMS_SECRET_ENV: &str = "LIENTHONG_NOTIFY_SMS_SECRET";
/// The variable the SMTP password is read from, when the SMTP URL names a user.
pub const SMTP_PASSWORD_ENV: &str = "LIENTHONG_NOTIFY_SMTP_PASSWORD";

/// Every variable a notification channel's secret is read from.
pub const SECRET_VARIABLES: &[&str] = &[WEBHOOK_SECRET_ENV, SMS_SECRET_ENV, SMTP_PASSWORD_ENV];

/// Where one channel's secret is read, at each send so a rotated secret needs no restart: its
/// variable in the environment, else a file of that name in `dir` (as agencies' secrets are),
/// else the value given at start (a development stack's). `Debug` never shows a value.
#[derive(Clone, Default)]
pub struct ChannelSecret {
    pub variable: &'static str,
    pub dir: Option<PathBuf>,
    pub given: Option<String>,
}

impl ChannelSecret {
    /// Read from `variable` (environment, then `dir`).
    pub fn from_variable(variable: &'static str, dir: Option<PathBuf>) -> Self {
        Self {
            variable,
            dir,
            given: None,
        }
    }

    /// `value` itself, whatever the environment says (development stacks and tests).
    pub fn given(variable: &'static str, value: impl Into<String>) -> Self {
        Self {
            variable,
            dir: None,
            given: Some(value.into()),
        }
    }

    pub fn read(&self) -> Option<String> {
        if let Some(value) = &self.given {
            return Some(value.clone());
        }
        lienthong_identity::read_secret(self.variable, self.dir.as_deref())
    }
}

impl fmt::Debug for ChannelSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelSecret")
            .field("variable", &self.variable)
            .field("dir", &self.dir)
            .field("given", &self.given.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A channel reached by a signed JSON `POST` (the webhook, the SMS gateway).
#[derive(Debug, Clone)]
pub struct HttpChannel {
    pub url: String,
    /// The HMAC-SHA256 secret the request is signed with.
    pub secret: ChannelSecret,
}

/// E-mail over SMTP.
#[derive(Debug, Clone)]
pub struct EmailChannel {
    /// `smtp://host:port` (no TLS: a relay on the same host or network),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://host:465` (TLS from the start); a
    /// user name may be given (`smtps://mailer@host:465`), its password never: it is read from
    /// `password`.
    pub smtp_url: String,
    /// The sender, `Dịch vụ công <no-reply@dichvucong.example.vn>` or a bare address.
    pub from: String,
    /// Read when the URL names a user.
    pub password: ChannelSecret,
}

/// One worker's notification channels.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub webhook: Option<HttpChannel>,
    pub email: Option<EmailChannel>,
    pub sms: Option<HttpChannel>,
    /// Where citizens reach the installation: each message links to `{public_url}/cases/{code}`.
    /// Needed as soon as one channel is configured.
    pub public_url: Option<String>,
    /// Upper bound on one delivery attempt; the activity's own deadline may cut it shorter.
    pub timeout: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            webhook: None,
            email: None,
            sms: None,
            public_url: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A configuration mistake found at start; each names the setting to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifySettingsError {
    #[error(
        "notifications need the public URL citizens reach the installation at, for the link in \
         every message: set --public-url (LIENTHONG_PUBLIC_URL)"
    )]
    NoPublicUrl,
    #[error("--public-url `{0}` is not an http(s) URL")]
    PublicUrl(String),
    #[error("the {channel} URL is not an http(s) URL: check {flag}")]
    Url {
        channel: &'static str,
        flag: &'static str,
    },
    #[error(
        "the {channel} channel is on but its secret is missing: set {variable}, or write it to a \
         file of that name in --agency-secrets-dir"
    )]
    SecretMissing {
        channel: &'static str,
        variable: &'static str,
    },
    #[error(
        "the SMTP URL is not smtp://host[:port][?tls=required|opportunistic] or \
         smtps://host[:port]: check --notify-smtp-url"
    )]
    SmtpUrl,
    #[error(
        "the SMTP URL holds a password, which would show wherever the URL does: put the user in \
         the URL and the password in {SMTP_PASSWORD_ENV}"
    )]
    SmtpPasswordInUrl,
    #[error(
        "the sender is neither `Name <address>` nor an address (a name holding parentheses or \
         commas must be in double quotes): check --notify-email-from"
    )]
    From,
    #[error("e-mail needs a sender address: set --notify-email-from")]
    NoFrom,
}

impl NotifySettings {
    /// The channels this worker can send on.
    pub fn channels(&self) -> Vec<Channel> {
        let mut on = Vec::new();
        if self.webhook.is_some() {
            on.push(Channel::Webhook);
        }
        if self.email.is_some() {
            on.push(Channel::Email);
        }
        if self.sms.is_some() {
            on.push(Channel::Sms);
        }
        on
    }

    /// Checks what can be checked before the first message: URLs, the sender, and that each
    /// channel's secret can be read now.
    pub fn check(&self) -> Result<(), NotifySettingsError> {
        if self.channels().is_empty() {
            return Ok(());
        }
        let public = self
            .public_url
            .as_deref()
            .ok_or(NotifySettingsError::NoPublicUrl)?;
        if !is_http_url(public) {
            return Err(NotifySettingsError::PublicUrl(public.to_owned()));
        }
        for (channel, flag, settings) in [
            ("webhook", "--notify-webhook-url", &self.webhook),
            ("SMS gateway", "--notify-sms-url", &self.sms),
        ] {
            let Some(settings) = settings else { continue };
            if !is_http_url(&settings.url) {
                return Err(NotifySettingsError::Url { channel, flag });
            }
            if settings.secret.read().is_none() {
                return Err(NotifySettingsError::SecretMissing {
                    channel,
                    variable: settings.secret.variable,
                });
            }
        }
        if let Some(email) = &self.email {
            let user = smtp_user(&email.smtp_url)?;
            if user.is_some() && email.password.read().is_none() {
                return Err(NotifySettingsError::SecretMissing {
                    channel: "e-mail",
                    variable: email.password.variable,
                });
            }
            if email.from.trim().is_empty() {
                return Err(NotifySettingsError::NoFrom);
            }
            email
                .from
                .parse::<Mailbox>()
                .map_err(|_| NotifySettingsError::From)?;
        }
        Ok(())
    }

    /// The citizen's page of a case.
    pub fn link(&self, case_code: &str) -> String {
        let base = self.public_url.as_deref().unwrap_or_default();
        format!("{}/cases/{case_code}", base.trim_end_matches('/'))
    }
}

fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
}

/// The user an SMTP URL names (percent-decoded), after checking its form.
pub(crate) fn smtp_user(smtp_url: &str) -> Result<Option<String>, NotifySettingsError> {
    let url = reqwest::Url::parse(smtp_url).map_err(|_| NotifySettingsError::SmtpUrl)?;
    if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
        return Err(NotifySettingsError::SmtpUrl);
    }
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v);
    if url.scheme() == "smtp"
        && !matches!(tls.as_deref(), None | Some("required" | "opportunistic"))
    {
        return Err(NotifySettingsError::SmtpUrl);
    }
    if url.password().is_some() {
        return Err(NotifySettingsError::SmtpPasswordInUrl);
    }
    let user = percent_decoded(url.username()).ok_or(NotifySettingsError::SmtpUrl)?;
    Ok(Some(user).filter(|user| !user.is_empty()))
}

/// `%40` and the like back to their characters; `None` for a broken escape or non-UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str) -> NotifySettings {
        NotifySettings {
            webhook: Some(HttpChannel {
                url: url.to_owned(),
                secret: ChannelSecret::given(WEBHOOK_SECRET_ENV, "s"),
            }),
            public_url: Some("https://dichvucong.example.vn/".to_owned()),
            ..NotifySettings::default()
        }
    }

    #[test]
    fn nothing_configured_needs_nothing() {
        assert_eq!(NotifySettings::default().check(), Ok(()));
        assert!(NotifySettings::default().channels().is_empty());
    }

    #[test]
    fn a_channel_needs_a_public_url_a_valid_address_and_its_secret() {
        assert_eq!(webhook("https://portal.example.vn/hooks").check(), Ok(()));
        let mut no_public = webhook("https://portal.example.vn/hooks");
        no_public.public_url = None;
        assert_eq!(no_public.check(), Err(NotifySettingsError::NoPublicUrl));
        assert!(matches!(
            webhook("portal.example.vn").check(),
            Err(NotifySettingsError::Url { .. })
        ));
        let mut no_secret = webhook("https://portal.example.vn/hooks");
        if let Some(channel) = no_secret.webhook.as_mut() {
            channel.secret = ChannelSecret::from_variable(
                "LIENTHONG_NOTIFY_WEBHOOK_SECRET_UNIT_TEST_UNSET",
                None,
            );
        }
        assert!(matches!(
            no_secret.check(),
            Err(NotifySettingsError::SecretMissing { .. })
        ));
    }

    #[test]
    fn links_go_to_the_citizens_case_page() {
        assert_eq!(
            webhook("https://portal.example.vn").link("KS-ABCDE-FGHJK"),
            "https://dichvucong.example.vn/cases/KS-ABCDE-FGHJK"
        );
    }

    #[test]
    fn smtp_urls_name_a_user_but_never_a_password() {
        assert_eq!(smtp_user("smtp://127.0.0.1:2525"), Ok(None));
        assert_eq!(
            smtp_user("smtps://mailer%40example.vn@smtp.example.vn:465"),
            Ok(Some("mailer@example.vn".to_owned()))
        );
        assert_eq!(
            smtp_user("smtp://smtp.example.vn:587?tls=required"),
            Ok(None)
        );
        assert_eq!(
            smtp_user("smtps://mailer:hunter2@smtp.example.vn"),
            Err(NotifySettingsError::SmtpPasswordInUrl)
        );
        assert_eq!(
            smtp_user("http://smtp.example.vn"),
            Err(NotifySettingsError::SmtpUrl)
        );
        assert_eq!(
            smtp_user("smtp://smtp.example.vn?tls=sometimes"),
            Err(NotifySettingsError::SmtpUrl)
        );
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let text = format!("{:?}", ChannelSecret::given(WEBHOOK_SECRET_ENV, "s3cr3t"));
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
