//! `lienthong submit`: file an application and follow the case until it ends.

use std::{path::Path, time::Duration};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What `lienthong submit` files, where, and as whom.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    /// The API's base URL.
    pub api: &'a str,
    /// The application file.
    pub file: &'a Path,
    /// The filer's bearer token (a citizen's or an operator's).
    pub token: &'a str,
    /// Idempotency key; `None` uses a hash of the file, so filing the same file again follows
    /// the same case instead of filing a second one.
    pub request_id: Option<String>,
}

/// Submits the application and shows the case until it ends.
pub async fn submit_and_follow(submission: Submission<'_>) -> Result<Value> {
    let Submission {
        api,
        file,
        token,
        request_id,
    } = submission;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut body: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let id = request_id.unwrap_or_else(|| {
        let digest = Sha256::digest(text.as_bytes());
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    });
    if let Some(map) = body.as_object_mut() {
        map.entry("client_request_id").or_insert(Value::String(id));
    }
    // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", token.trim())
                .parse()
                .context("the token holds characters a header cannot carry")?,
        )]))
        .timeout(Duration::from_secs(30))
        .build()?;
    let api = api.trim_end_matches('/');
    let response = http
        .post(format!("{api}/v1/applications"))
        .json(&body)
        .send()
        .await
        .map_err(|e| unreachable_api(api, &e))?;
    let status = response.status();
    let answer: Value = response.json().await.with_context(|| {
        format!("{api} answered with something that is not JSON; is it a lienthong API?")
    })?;
    if !status.is_success() {
        bail!(
            "{}",
            refusal("the application was refused", status, &answer)
        );
    }
    let code = answer["case_code"]
        .as_str()
        .context("the API answered without a case code")?
        .to_owned();
    let note = if answer["existing"].as_bool() == Some(true) {
        " (already filed: following it)"
    } else {
        ""
    };
    println!("Case {code} accepted{note}.");
    follow(&http, api, &code).await
}

fn unreachable_api(api: &str, error: &reqwest::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot reach the lienthong API at {api} ({error}); is `lienthong dev` running? \
         Set --api or LIENTHONG_API"
    )
}

/// One readable paragraph from an error answer: its code and message, every field problem, and
/// what to do about a missing or refused token.
fn refusal(what: &str, status: reqwest::StatusCode, answer: &Value) -> String {
    let error = &answer["error"];
    let code = error["code"].as_str().unwrap_or("?");
    let mut text = format!(
        "{what} ({status}, {code}): {}",
        error["message"].as_str().unwrap_or("")
    );
    for field in error["fields"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "\n  {} {}: {}",
            field["field"].as_str().unwrap_or("?"),
            field["code"].as_str().unwrap_or("?"),
            field["message"].as_str().unwrap_or("")
        ));
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        text.push_str(
            "\n  the token was not accepted: use one the API's key signed (`lienthong dev` prints \
             one per role) and that has not expired",
        );
    }
    text
}

/// Polls the case and redraws one line per change until the case ends.
pub async fn follow(http: &reqwest::Client, api: &str, code: &str) -> Result<Value> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    loop {
        let response = http
            .get(format!("{api}/v1/cases/{code}"))
            .send()
            .await
            .map_err(|e| unreachable_api(api, &e))?;
        let status = response.status();
        let case: Value = response.json().await.unwrap_or(Value::Null);
        // A server that is busy or restarting is waited for; a refusal is final.
        if status.is_client_error() {
            bar.finish_and_clear();
            bail!(
                "{}",
                refusal(&format!("cannot read case {code}"), status, &case)
            );
        }
        if status.is_success() && case.get("error").is_none() {
            bar.set_message(summary(&case));
            let status = case["status"].as_str().unwrap_or("");
            if !matches!(status, "running" | "compensating") {
                bar.finish_and_clear();
                print_outcome(&case);
                return Ok(case);
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn summary(case: &Value) -> String {
    let steps: Vec<String> = case["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let attempts = s["attempts"].as_u64().unwrap_or(0);
            let retry = if attempts > 1 {
                format!(" (attempt {attempts})")
            } else {
                String::new()
            };
            format!(
                "{}: {}{retry}",
                s["id"].as_str().unwrap_or("?"),
                s["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    format!(
        "{} · {}",
        case["status"].as_str().unwrap_or("?"),
        steps.join(" · ")
    )
}

fn print_outcome(case: &Value) {
    println!(
        "Case {} ended: {}",
        case["code"].as_str().unwrap_or("?"),
        case["status"].as_str().unwrap_or("?")
    );
    for step in case["steps"].as_array().into_iter().flatten() {
        println!(
            "  {:<10} {:<20} {}",
            step["id"].as_str().unwrap_or("?"),
            step["status"].as_str().unwrap_or("?"),
            step["agency"].as_str().unwrap_or("")
        );
        if let Some(output) = step["output"].as_object() {
            for (k, v) in output {
                println!(
                    "             {k}: {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                );
            }
        }
        if let Some(error) = step["last_error"].as_object() {
            println!(
                "             error {}: {}",
                error["code"].as_str().unwrap_or("?"),
                error["message"].as_str().unwrap_or("")
            );
        }
    }
    if let Some(failure) = case["failure"].as_object() {
        println!(
            "  because {} ({}) answered {}: {}",
            failure["step"].as_str().unwrap_or("?"),
            failure["agency"].as_str().unwrap_or("?"),
            failure["code"].as_str().unwrap_or("?"),
            failure["message"].as_str().unwrap_or("")
        );
    }
}
