//! Filing one application the way a patient client does: a refusal that passes (`503`, the
//! engine database or engine busy; `429`, a rate limit) is sent again under the same
//! `Idempotency-Key`, so a filing the API did take is answered with its case, never filed twice.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The first pause after a refusal that names no `Retry-After`; it doubles up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// A case the API accepted, and how many times it was turned away for a moment first.
pub(super) struct Filed {
    pub case_code: String,
    pub sent_again: usize,
}

/// Posts `body` to `{api}/v1/applications` under `key` until it is accepted, refused for good,
/// or still refused for a moment after `patience`.
pub(super) async fn file(
    http: &reqwest::Client,
    api: &str,
    body: &Value,
    key: &str,
    patience: Duration,
) -> Result<Filed> {
    let give_up = Instant::now() + patience;
    let mut pause = FIRST_PAUSE;
    let mut sent_again = 0;
    loop {
        let response = http
            .post(format!("{api}/v1/applications"))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .map(Duration::from_secs);
        let answer: Value = response.json().await.unwrap_or_default();
        if status.as_u16() == 202 {
            let case_code = answer["case_code"].as_str().context("no case code")?;
            return Ok(Filed {
                case_code: case_code.to_owned(),
                sent_again,
            });
        }
        let passes = matches!(status.as_u16(), 429 | 503);
        if !passes || Instant::now() > give_up {
            bail!("the API refused the application ({status}): {answer}");
        }
        sent_again += 1;
        tokio::time::sleep(retry_after.unwrap_or(pause)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};

    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use axum::{Json, Router, extract::State, routing::post};
    use serde_json::json;

    use super::*;

    /// Every `Idempotency-Key` the API was sent, in order.
    type Keys = Arc<Mutex<Vec<String>>>;

    /// An API that answers each filing with the next status of `answers` (the last repeats),
    /// and remembers the `Idempotency-Key` of every request.
    async fn api(answers: &[u16]) -> Result<(String, Keys)> {
        let answers: Vec<StatusCode> = answers
            .iter()
            .map(|&code| StatusCode::from_u16(code))
            .collect::<Result<_, _>>()?;
        let keys = Keys::default();
        let handler = |State((answers, keys)): State<(Arc<Vec<StatusCode>>, Keys)>,
                       headers: HeaderMap| async move {
            let key = headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let mut seen = keys.lock().unwrap_or_else(PoisonError::into_inner);
            seen.push(key);
            let status = answers[(seen.len() - 1).min(answers.len() - 1)];
            let mut headers = HeaderMap::new();
            if status == StatusCode::TOO_MANY_REQUESTS {
                headers.insert("retry-after", HeaderValue::from_static("0"));
            }
            let body = json!({"case_code": "KS-TEST", "code": "X"});
            (status, headers, Json(body))
        };
        let app = Router::new()
            .route("/v1/applications", post(handler))
            .with_state((Arc::new(answers), keys.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok((format!("http://{address}"), keys))
    }

    /// A client as the bench builds one (the bench installs the TLS provider first).
    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    fn sent(keys: &Keys) -> Vec<String> {
        keys.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    #[tokio::test]
    async fn a_busy_api_gets_the_same_filing_again_until_it_takes_it() -> Result<()> {
        let (url, keys) = api(&[503, 429, 503, 202]).await?;
        let http = client();
        let filed = file(&http, &url, &json!({}), "k-1", Duration::from_secs(30)).await?;
        assert_eq!(filed.case_code, "KS-TEST");
        assert_eq!(filed.sent_again, 3);
        assert_eq!(sent(&keys), vec!["k-1"; 4]);
        Ok(())
    }

    #[tokio::test]
    async fn a_refusal_for_good_is_not_sent_again() -> Result<()> {
        let (url, keys) = api(&[400]).await?;
        let http = client();
        let refused = file(&http, &url, &json!({}), "k-2", Duration::from_secs(30)).await;
        assert!(refused.is_err_and(|e| e.to_string().contains("400")));
        assert_eq!(sent(&keys).len(), 1);
        Ok(())
    }

    #[tokio::test]
    async fn a_filing_still_refused_after_its_patience_is_given_up() -> Result<()> {
        let (url, keys) = api(&[503]).await?;
        let http = client();
        let refused = file(&http, &url, &json!({}), "k-3", Duration::ZERO).await;
        assert!(refused.is_err_and(|e| e.to_string().contains("503")));
        assert_eq!(sent(&keys).len(), 1);
        Ok(())
    }
}
