//! E-mail over SMTP (lettre's async transport on tokio, TLS through rustls): plain UTF-8 text,
//! subject and body from the templates, sent to the one address the notice carries. The
//! `Message-ID` is derived from the notice's key, so a retry after an unknown outcome is the same
//! message and the receiving side can drop the copy.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, SinglePart,
        header::{HeaderName, HeaderValue},
    },
    transport::smtp::authentication::Credentials,
};
use lienthong_workflows::Channel;

use super::{
    error::NotifyError,
    settings::{EmailChannel, smtp_user},
    templates::Rendered,
};

/// Sends one message. An SMTP 5xx reply is a refusal; a 4xx reply, a timeout or no connection
/// are worth retrying. The server's words are never repeated: they may name the address.
pub(crate) async fn send(
    settings: &EmailChannel,
    key: &str,
    to: &str,
    rendered: &Rendered,
    timeout: Duration,
) -> Result<(), NotifyError> {
    let unsendable = |reason| NotifyError::Unsendable {
        channel: Channel::Email,
        reason,
    };
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|_| unsendable("the sender address is not an e-mail address"))?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| unsendable("the application's e-mail address is not a valid address"))?;
    let message = Message::builder()
        .message_id(Some(message_id(key, from.email.domain())))
        .from(from)
        .to(to)
        .subject(rendered.subject.clone())
        // RFC 3834: an automatic message, so auto-responders stay quiet.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        .singlepart(SinglePart::plain(rendered.body.clone()))
        .map_err(|_| unsendable("the message could not be built"))?;
    let transport = transport(settings, timeout)?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(error) => Err(classify(&error)),
    }
}

fn transport(
    settings: &EmailChannel,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    let bad_url = NotifyError::Unsendable {
        channel: Channel::Email,
        reason: "the SMTP URL is not usable (checked at start: was it changed?)",
    };
    let user = smtp_user(&settings.smtp_url).map_err(|_| bad_url.clone())?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
        .map_err(|_| bad_url)?
        .timeout(Some(timeout));
    if let Some(user) = user {
        let password = settings
            .password
            .read()
            .ok_or(NotifyError::CredentialsMissing {
                channel: Channel::Email,
                variable: settings.password.variable,
            })?;
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(builder.build())
}

fn classify(error: &lettre::transport::smtp::Error) -> NotifyError {
    let status = error
        .status()
        .and_then(|code| code.to_string().parse::<u16>().ok());
    match status {
        Some(status) if error.is_permanent() => NotifyError::Refused {
            channel: Channel::Email,
            status,
        },
        Some(status) => NotifyError::Unavailable {
            channel: Channel::Email,
            status,
            retry_after: None,
        },
        // The server lacks what the settings or the message need (STARTTLS, an authentication
        // mechanism, SMTPUTF8 for a non-ASCII address): asking again changes nothing.
        None if error.is_client() => NotifyError::Unsendable {
            channel: Channel::Email,
            reason: "the mail server does not offer what the message or the settings need \
                     (STARTTLS, an authentication mechanism, or SMTPUTF8 for the address)",
        },
        None if error.is_timeout() => NotifyError::NoAnswer {
            channel: Channel::Email,
            reason: "the mail server did not answer in time",
        },
        None if error.is_tls() => NotifyError::NoAnswer {
            channel: Channel::Email,
            reason: "the TLS handshake with the mail server failed",
        },
        None => NotifyError::NoAnswer {
            channel: Channel::Email,
            reason: "the mail server could not be reached",
        },
    }
}

/// `<key@domain>`, the key kept readable: characters a message id may hold stay, any other (a
/// dot too, which may not start, end or double in one) is written `=XX` (its bytes in hex), so
/// two keys never give one id.
pub fn message_id(key: &str, domain: &str) -> String {
    let mut local = String::with_capacity(key.len());
    for byte in key.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$%&'*+-/?^_`{|}~".contains(&byte);
        if keep {
            local.push(char::from(byte));
        } else {
            local.push_str(&format!("={byte:02X}"));
        }
    }
    format!("<{local}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_the_key_readable() {
        assert_eq!(
            message_id("KS-ABCDE-FGHJK/notify/filed/email", "dichvucong.example.vn"),
            "<KS-ABCDE-FGHJK/notify/filed/email@dichvucong.example.vn>"
        );
        assert_eq!(message_id("a b=c.", "x.vn"), "<a=20b=3Dc=2E@x.vn>");
    }
}
