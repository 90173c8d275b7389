//! `lienthong submit`: file an application and follow the case until it ends.

use std::{path::Path, time::Duration};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Submits the application in `file` to the API at `api` and shows the case until it ends.
/// Without `request_id`, the file's content is the request id: submitting the same file again
/// follows the same case instead of filing a second one.
pub async fn submit_and_follow(
    api: &str,
    file: &Path,
    request_id: Option<String>,
) -> Result<Value> {
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
    let http = reqwest::Client::new();
    let api = api.trim_end_matches('/');
    let response = http
        .post(format!("{api}/v1/applications"))
        .json(&body)
        .send()
        .await
        .with_context(|| {
            format!("cannot reach the lienthong API at {api}; is `lienthong dev` running?")
        })?;
    let status = response.status();
    let answer: Value = response
        .json()
        .await
        .context("the API answered with something that is not JSON")?;
    if !status.is_success() {
        bail!(
            "the application was refused ({status}):\n{}",
            serde_json::to_string_pretty(&answer)?
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

/// Polls the case and redraws one line per change until the case ends.
pub async fn follow(http: &reqwest::Client, api: &str, code: &str) -> Result<Value> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    loop {
        let case: Value = http
            .get(format!("{api}/v1/cases/{code}"))
            .send()
            .await?
            .json()
            .await?;
        if case.get("error").is_none() {
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
