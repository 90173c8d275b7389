//! The notification activity against the real receivers it meets in development: the webhook
//! sink (also the SMS gateway) and the mail catcher, on free ports. Each channel delivers, signs,
//! retries what is worth retrying, refuses what is not, and never lets the recipient's address
//! or number reach an error text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{net::SocketAddr, path::Path, time::Duration};

use lienthong_activities::notify::{
    ChannelSecret, EmailChannel, HttpChannel, NOTIFY_REFUSED, NotifyActivities, NotifyError,
    NotifySettings, SMS_SECRET_ENV, SMTP_PASSWORD_ENV, WEBHOOK_SECRET_ENV, message_id,
};
use lienthong_agencies::{MailCatcher, SinkConfig, SinkFault, WebhookSink};
use lienthong_definitions::{StepId, Titles};
use lienthong_workflows::{Channel, Notice, NoticeEvent, NoticeOutcome};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const SECRET: &str = "dev-secret-notify";
const CASE: &str = "KS-ABCDE-FGHJK";
const PUBLIC: &str = "https://dichvucong.example.vn";
const EMAIL: &str = "nguyen.thi.mai@example.vn";
const PHONE: &str = "0912345678";

fn residence() -> (StepId, Titles) {
    (
        StepId("residence".to_owned()),
        Titles {
            vi: "Đăng ký thường trú".to_owned(),
            en: "Permanent residence registration".to_owned(),
        },
    )
}

fn documents_requested() -> NoticeEvent {
    let (step, title) = residence();
    NoticeEvent::DocumentsRequested {
        step,
        title,
        due: "2026-11-20".to_owned(),
    }
}

fn notice(channel: Channel, event: NoticeEvent, to: Option<&str>) -> Notice {
    let case = CASE.parse().unwrap();
    Notice {
        key: Notice::key_for(&case, &event, 1, channel),
        case_code: case,
        channel,
        event,
        lang: "vi".to_owned(),
        to: to.map(str::to_owned),
    }
}

async fn sink(dir: &Path) -> WebhookSink {
    WebhookSink::start(SinkConfig {
        file: dir.join("sink.jsonl"),
        secret: Some(SECRET.to_owned()),
        listen: "127.0.0.1:0".parse().unwrap(),
    })
    .await
    .unwrap()
}

fn http(url: String, variable: &'static str) -> Option<HttpChannel> {
    Some(HttpChannel {
        url,
        secret: ChannelSecret::given(variable, SECRET),
    })
}

fn email(smtp_url: String) -> Option<EmailChannel> {
    Some(EmailChannel {
        smtp_url,
        from: "Dịch vụ công <no-reply@dichvucong.example.vn>".to_owned(),
        password: ChannelSecret::from_variable(SMTP_PASSWORD_ENV, None),
    })
}

fn activities(settings: NotifySettings) -> NotifyActivities {
    NotifyActivities::new(NotifySettings {
        public_url: Some(PUBLIC.to_owned()),
        ..settings
    })
    .unwrap()
}

/// The webhook's JSON Schema, as published for receivers.
fn webhook_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/notification-webhook.schema.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[tokio::test]
async fn the_webhook_is_delivered_signed_keyed_and_as_its_schema_says() {
    let dir = tempfile::tempdir().unwrap();
    let sink = sink(dir.path()).await;
    let notify = activities(NotifySettings {
        webhook: http(format!("{}/webhook", sink.url()), WEBHOOK_SECRET_ENV),
        ..NotifySettings::default()
    });
    let schema = webhook_schema();
    let (step, title) = residence();
    let events = [
        NoticeEvent::Filed,
        NoticeEvent::StepDone { step, title },
        documents_requested(),
        NoticeEvent::Completed,
    ];
    for event in &events {
        let sent = notice(Channel::Webhook, event.clone(), None);
        let outcome = notify.send(&sent, 1, None).await.unwrap();
        assert_eq!(outcome, NoticeOutcome::Delivered { attempt: 1 });
    }

    let received = sink.received().unwrap();
    assert_eq!(received.len(), events.len(), "{received:#?}");
    for line in &received {
        assert_eq!(line["signature"], "valid", "{line}");
        assert_eq!(line["path"], "/webhook");
        assert_eq!(line["idempotency_key"], line["body"]["key"]);
        let errors: Vec<String> = schema
            .iter_errors(&line["body"])
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", line["body"]);
    }
    let documents = &received[2]["body"];
    assert_eq!(
        documents,
        &json!({
            "key": "KS-ABCDE-FGHJK/notify/documents/residence/r1/webhook",
            "case_code": CASE,
            "event": {
                "kind": "documents_requested",
                "step": "residence",
                "title": {"vi": "Đăng ký thường trú", "en": "Permanent residence registration"},
                "due": "2026-11-20",
            },
            "lang": "vi",
            "link": "https://dichvucong.example.vn/cases/KS-ABCDE-FGHJK",
            "text": "Cần bổ sung giấy tờ cho bước «Đăng ký thường trú» của hồ sơ KS-ABCDE-FGHJK trước ngày 20/11/2026.",
        })
    );

    // The schema is not a formality: it refuses a body that names the citizen.
    let mut leaky = documents.clone();
    leaky["name"] = json!("Nguyễn Thị Mai");
    assert!(!schema.is_valid(&leaky));
}

#[tokio::test]
async fn a_receiver_that_is_down_is_tried_again_and_a_refusal_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let sink = sink(dir.path()).await;
    let notify = activities(NotifySettings {
        webhook: http(format!("{}/webhook", sink.url()), WEBHOOK_SECRET_ENV),
        sms: http(format!("{}/sms", sink.url()), SMS_SECRET_ENV),
        ..NotifySettings::default()
    });
    let filed = notice(Channel::Webhook, NoticeEvent::Filed, None);

    sink.push_fault(SinkFault::Status {
        status: 503,
        retry_after_secs: Some(3),
        count: 1,
    });
    let down = notify.send(&filed, 1, None).await.unwrap_err();
    assert_eq!(
        down,
        NotifyError::Unavailable {
            channel: Channel::Webhook,
            status: 503,
            retry_after: Some(Duration::from_secs(3)),
        }
    );
    assert!(down.is_retryable());
    assert_eq!(
        notify.send(&filed, 2, None).await.unwrap(),
        NoticeOutcome::Delivered { attempt: 2 }
    );
    let keys: Vec<(Value, Value)> = sink
        .received()
        .unwrap()
        .iter()
        .map(|l| (l["status"].clone(), l["idempotency_key"].clone()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (json!(503), json!("KS-ABCDE-FGHJK/notify/filed/webhook")),
            (json!(200), json!("KS-ABCDE-FGHJK/notify/filed/webhook")),
        ],
        "the retry carries the same key"
    );

    sink.push_fault(SinkFault::Status {
        status: 422,
        retry_after_secs: None,
        count: 1,
    });
    let sms = notice(Channel::Sms, documents_requested(), Some(PHONE));
    let refused = notify.send(&sms, 1, None).await.unwrap_err();
    assert_eq!(
        refused,
        NotifyError::Refused {
            channel: Channel::Sms,
            status: 422
        }
    );
    assert_eq!(refused.permanent_code(), Some(NOTIFY_REFUSED));
    let text = refused.to_string();
    assert_eq!(
        text,
        "NOTIFY_REFUSED: the sms receiver refused the message (422)"
    );
    assert!(!text.contains(PHONE));

    // A 429 is the receiver asking to be called later, not a refusal.
    sink.push_fault(SinkFault::Status {
        status: 429,
        retry_after_secs: None,
        count: 1,
    });
    assert!(notify.send(&sms, 2, None).await.unwrap_err().is_retryable());
}

#[tokio::test]
async fn no_receiver_listening_is_retried_and_an_unconfigured_channel_sends_nothing() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let notify = activities(NotifySettings {
        webhook: http(format!("http://{closed}/webhook"), WEBHOOK_SECRET_ENV),
        ..NotifySettings::default()
    });
    let error = notify
        .send(&notice(Channel::Webhook, NoticeEvent::Filed, None), 1, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            NotifyError::NoAnswer {
                channel: Channel::Webhook,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert!(!error.to_string().contains(&closed.to_string()), "{error}");

    for (channel, to) in [(Channel::Email, Some(EMAIL)), (Channel::Sms, Some(PHONE))] {
        let outcome = notify
            .send(&notice(channel, NoticeEvent::Completed, to), 1, None)
            .await
            .unwrap();
        assert_eq!(outcome, NoticeOutcome::NotConfigured, "{channel:?}");
    }
}

#[tokio::test]
async fn the_sms_gateway_gets_the_number_and_the_vietnamese_text() {
    let dir = tempfile::tempdir().unwrap();
    let sink = sink(dir.path()).await;
    let notify = activities(NotifySettings {
        sms: http(format!("{}/sms", sink.url()), SMS_SECRET_ENV),
        ..NotifySettings::default()
    });
    let sms = notice(Channel::Sms, documents_requested(), Some(PHONE));
    assert_eq!(
        notify.send(&sms, 1, None).await.unwrap(),
        NoticeOutcome::Delivered { attempt: 1 }
    );
    let received = sink.received().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["signature"], "valid");
    assert_eq!(
        received[0]["body"],
        json!({
            "key": "KS-ABCDE-FGHJK/notify/documents/residence/r1/sms",
            "to": PHONE,
            "text": "Hồ sơ KS-ABCDE-FGHJK cần bổ sung giấy tờ cho bước «Đăng ký thường trú» trước ngày 20/11/2026. Nộp tại https://dichvucong.example.vn/cases/KS-ABCDE-FGHJK",
        })
    );

    let nobody = notice(Channel::Sms, NoticeEvent::Filed, None);
    let error = notify.send(&nobody, 1, None).await.unwrap_err();
    assert_eq!(error.permanent_code(), Some(NOTIFY_REFUSED), "{error}");
}

#[tokio::test]
async fn the_email_arrives_in_vietnamese_with_its_link_and_a_message_id_from_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let catcher = MailCatcher::start(dir.path().join("mail"), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let notify = activities(NotifySettings {
        email: email(catcher.url()),
        ..NotifySettings::default()
    });
    let mail = notice(Channel::Email, documents_requested(), Some(EMAIL));
    assert_eq!(
        notify.send(&mail, 1, None).await.unwrap(),
        NoticeOutcome::Delivered { attempt: 1 }
    );
    // A retry after an unknown outcome is the same message: same Message-ID.
    assert_eq!(
        notify.send(&mail, 2, None).await.unwrap(),
        NoticeOutcome::Delivered { attempt: 2 }
    );

    let messages = catcher.messages().unwrap();
    assert_eq!(messages.len(), 2);
    let expected_id = message_id(&mail.key, "dichvucong.example.vn");
    assert_eq!(
        expected_id,
        "<KS-ABCDE-FGHJK/notify/documents/residence/r1/email@dichvucong.example.vn>"
    );
    for caught in &messages {
        assert_eq!(caught.header("Message-ID"), Some(expected_id.as_str()));
    }
    let caught = &messages[0];
    assert_eq!(caught.envelope_to, vec![EMAIL]);
    assert_eq!(caught.envelope_from, "no-reply@dichvucong.example.vn");
    assert_eq!(
        caught.subject,
        "Hồ sơ KS-ABCDE-FGHJK: cần bổ sung giấy tờ trước ngày 20/11/2026"
    );
    assert!(
        caught.body.starts_with("Kính gửi Quý công dân,\n\nĐể giải quyết bước «Đăng ký thường trú» của hồ sơ KS-ABCDE-FGHJK"),
        "{}",
        caught.body
    );
    assert!(caught.body.contains("Hạn bổ sung: ngày 20/11/2026."));
    assert!(
        caught
            .body
            .contains("https://dichvucong.example.vn/cases/KS-ABCDE-FGHJK")
    );
    assert_eq!(caught.header("Auto-Submitted"), Some("auto-generated"));
    assert!(
        caught
            .header("Content-Type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("charset=utf-8")),
        "{:?}",
        caught.headers
    );
    // The address is where it must be (the envelope and To) and nowhere in the words.
    assert!(!caught.body.contains(EMAIL) && !caught.subject.contains(EMAIL));
    assert!(!caught.body.contains("nguyen") && !caught.body.contains("Nguyễn"));
}

/// An SMTP server that refuses every recipient with `reply`, as a real one does for an unknown
/// mailbox (repeating the address, which must not reach the error).
async fn refusing_smtp(reply: &'static str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 refusing ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let answer = match verb.as_str() {
                        "EHLO" | "HELO" => "250 refusing".to_owned(),
                        "RCPT" => format!("{reply} <{EMAIL}>: recipient rejected"),
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => "250 OK".to_owned(),
                    };
                    write
                        .write_all(format!("{answer}\r\n").as_bytes())
                        .await
                        .ok();
                }
            });
        }
    });
    address
}

#[tokio::test]
async fn a_mail_server_refusal_is_final_for_5xx_and_retried_for_4xx_never_naming_the_address() {
    for (reply, retryable) in [("550", false), ("451", true)] {
        let address = refusing_smtp(reply).await;
        let notify = activities(NotifySettings {
            email: email(format!("smtp://{address}")),
            ..NotifySettings::default()
        });
        let error = notify
            .send(
                &notice(Channel::Email, NoticeEvent::Filed, Some(EMAIL)),
                1,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(error.is_retryable(), retryable, "{reply}: {error:?}");
        let text = error.to_string();
        assert!(text.contains(reply), "{text}");
        assert!(
            !text.contains(EMAIL) && !text.contains("rejected"),
            "{text}"
        );
        if !retryable {
            assert_eq!(
                text,
                "NOTIFY_REFUSED: the email receiver refused the message (550)"
            );
        }
    }

    // A server without STARTTLS, when the settings require it, is a mismatch no retry fixes.
    let dir = tempfile::tempdir().unwrap();
    let catcher = MailCatcher::start(dir.path(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let notify = activities(NotifySettings {
        email: email(format!("{}?tls=required", catcher.url())),
        ..NotifySettings::default()
    });
    let error = notify
        .send(
            &notice(Channel::Email, NoticeEvent::Filed, Some(EMAIL)),
            1,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error.permanent_code(), Some(NOTIFY_REFUSED), "{error}");
    assert!(error.to_string().contains("STARTTLS"), "{error}");
    assert!(catcher.messages().unwrap().is_empty());

    // An address that is not one is refused before any server is asked.
    let notify = activities(NotifySettings {
        email: email("smtp://127.0.0.1:9".to_owned()),
        ..NotifySettings::default()
    });
    let error = notify
        .send(
            &notice(Channel::Email, NoticeEvent::Filed, Some("not an address")),
            1,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error.permanent_code(), Some(NOTIFY_REFUSED));
    assert!(!error.to_string().contains("not an address"));
}
