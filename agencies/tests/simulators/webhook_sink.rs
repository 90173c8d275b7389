//! The webhook sink checks signatures as agencies do, records each request as a JSON line, and
//! answers as it is told: 503 with Retry-After, or holding a request until released.

use std::time::{Duration, SystemTime};

use lienthong_activities::{AgencyCredential, sign};
use lienthong_agencies::{SinkConfig, SinkFault, WebhookSink, read_received};
use serde_json::{Value, json};

const SECRET: &str = "dev-secret-notify";

async fn sink(dir: &tempfile::TempDir) -> anyhow::Result<WebhookSink> {
    Ok(WebhookSink::start(SinkConfig {
        file: dir.path().join("outbox").join("webhook.jsonl"),
        secret: Some(SECRET.to_owned()),
        listen: "127.0.0.1:0".parse()?,
    })
    .await?)
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    secret: Option<&str>,
) -> anyhow::Result<reqwest::Response> {
    let mut request = http
        .post(url)
        .header("idempotency-key", key)
        .json(&json!({"key": key, "text": "Hồ sơ đã được tiếp nhận."}))
        .build()?;
    if let Some(secret) = secret {
        sign(
            &mut request,
            &AgencyCredential::Hmac(secret.to_owned()),
            SystemTime::now(),
        )?;
    }
    Ok(http.execute(request).await?)
}

#[tokio::test]
async fn signed_requests_are_recorded_and_bad_signatures_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = sink(&dir).await?;
    let http = crate::common::client()?;
    let url = format!("{}/webhook", sink.url());

    assert_eq!(post(&http, &url, "K/1", Some(SECRET)).await?.status(), 200);
    assert_eq!(post(&http, &url, "K/1", Some(SECRET)).await?.status(), 200);
    assert_eq!(post(&http, &url, "K/2", Some("wrong")).await?.status(), 401);
    assert_eq!(post(&http, &url, "K/3", None).await?.status(), 401);

    let lines = sink.received()?;
    assert_eq!(lines, read_received(sink.file())?);
    let summary: Vec<(Value, Value, Value, Value)> = lines
        .iter()
        .map(|l| {
            (
                l["idempotency_key"].clone(),
                l["signature"].clone(),
                l["status"].clone(),
                l["duplicate"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!("K/1"), json!("valid"), json!(200), json!(false)),
            (json!("K/1"), json!("valid"), json!(200), json!(true)),
            (
                json!("K/2"),
                json!("SIGNATURE_INVALID"),
                json!(401),
                json!(false)
            ),
            (
                json!("K/3"),
                json!("SIGNATURE_MISSING"),
                json!(401),
                json!(false)
            ),
        ]
    );
    assert_eq!(lines[0]["path"], "/webhook");
    assert_eq!(lines[0]["body"]["text"], "Hồ sơ đã được tiếp nhận.");

    let over_http: Vec<Value> = http
        .get(format!("{}/admin/received", sink.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(over_http, lines);
    Ok(())
}

#[tokio::test]
async fn told_to_fail_it_answers_503_with_retry_after_then_200() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = sink(&dir).await?;
    let http = crate::common::client()?;
    let fault = http
        .post(format!("{}/admin/faults", sink.url()))
        .json(&json!({"mode": "status", "status": 503, "retry_after_secs": 2, "count": 2}))
        .send()
        .await?;
    assert_eq!(fault.status(), 204);
    let url = format!("{}/sms", sink.url());
    for _ in 0..2 {
        let answer = post(&http, &url, "K/sms", Some(SECRET)).await?;
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers()["retry-after"], "2");
    }
    assert_eq!(
        post(&http, &url, "K/sms", Some(SECRET)).await?.status(),
        200
    );
    let statuses: Vec<Value> = sink
        .received()?
        .iter()
        .map(|l| l["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(503), json!(503), json!(200)]);
    Ok(())
}

#[tokio::test]
async fn a_held_request_is_answered_once_released() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = sink(&dir).await?;
    sink.push_fault(SinkFault::Hold {
        hold_ms: None,
        count: 1,
    });
    let http = crate::common::client()?;
    let url = format!("{}/webhook", sink.url());
    let held = tokio::spawn({
        let http = http.clone();
        let url = url.clone();
        async move { post(&http, &url, "K/held", Some(SECRET)).await }
    });
    // Nothing is recorded while the request is held: it waits for the release.
    let listed = async {
        loop {
            let faults: Value = http
                .get(format!("{}/admin/faults", sink.url()))
                .send()
                .await?
                .json()
                .await?;
            if faults["faults"].as_array().is_some_and(Vec::is_empty) {
                return anyhow::Ok(());
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), listed).await??;
    assert!(sink.received()?.is_empty());
    assert!(!held.is_finished());

    let released = http
        .post(format!("{}/admin/release", sink.url()))
        .send()
        .await?;
    assert_eq!(released.status(), 204);
    let answer = tokio::time::timeout(Duration::from_secs(10), held).await???;
    assert_eq!(answer.status(), 200);
    let lines = sink.received()?;
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["held_ms"].is_u64(), "{lines:?}");
    Ok(())
}
