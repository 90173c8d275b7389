//! `lienthong api --with-worker`, run as the README says with no other worker: it files a case
//! and runs it to the end, is ready on its own worker's polling, and stops cleanly on SIGTERM;
//! a worker that cannot run takes the process down with it rather than leaving an API that
//! accepts cases nothing runs.

use std::{path::Path, process::Stdio, time::Duration};

use anyhow::{Context, Result, anyhow, bail};
use lienthong::temporal_dev::{DevServer, DevServerOptions};
use lienthong_identity::DevKey;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::{all_roles, eventually, example_submission, free_port, lienthong, terminate};

/// Temporal, the simulators and the environment an API with its worker runs against.
struct Around {
    dir: tempfile::TempDir,
    temporal: DevServer,
    _sims: Child,
    env: Vec<(String, String)>,
    token_key: DevKey,
}

impl Around {
    async fn start() -> Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir()?;
        let temporal = start_temporal(dir.path()).await?;
        let token_key = DevKey::generate();
        let env = vec![
            (
                "LIENTHONG_PAYLOAD_KEYS".to_owned(),
                lienthong_codec::generate_key_entry("with-worker")?,
            ),
            ("LIENTHONG_TOKEN_KEY".to_owned(), token_key.to_text()),
        ];
        let ready = dir.path().join("agencies.json");
        let mut sims = lienthong(dir.path(), "agencies.log", &env)
            .args(["agency-sim", "--any-port", "--data-dir"])
            .arg(dir.path().join("agencies"))
            .arg("--ready-file")
            .arg(&ready)
            .spawn()?;
        read_json(&ready, &mut sims).await?;
        Ok(Self {
            dir,
            temporal,
            _sims: sims,
            env,
            token_key,
        })
    }

    /// `lienthong api --with-worker` with the stack's agencies, logging to `<name>.log`.
    fn api_with_worker(&self, name: &str, extra: &[&str]) -> Command {
        let dir = self.dir.path();
        let mut command = lienthong(dir, &format!("{name}.log"), &self.env);
        command
            .args([
                "api",
                "--with-worker",
                "--dev-agency-secrets",
                "--dev-callback-secrets",
                "--listen",
                "127.0.0.1:0",
                "--temporal-address",
                &self.temporal.address().to_string(),
            ])
            .arg("--agencies-file")
            .arg(dir.join("agencies.json"))
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("engine.db").display()))
            .arg("--ready-file")
            .arg(dir.join(format!("{name}.json")))
            .args(extra);
        command
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

/// The dev server on a free port, tried again on another if a neighbour took one it needs.
async fn start_temporal(dir: &Path) -> Result<DevServer> {
    let mut last = None;
    for attempt in 0..3 {
        let options = DevServerOptions::new(
            dir.join(format!("temporal-{attempt}.db")),
            free_port(),
            None,
        );
        match DevServer::start(options).await {
            Ok(server) => return Ok(server),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(|| anyhow!("no attempt made"), Into::into))
}

async fn read_json(path: &Path, child: &mut Child) -> Result<Value> {
    eventually(
        &format!("{} to appear", path.display()),
        Duration::from_secs(60),
        async || {
            if let Ok(text) = std::fs::read_to_string(path) {
                return Ok(Some(serde_json::from_str(&text)?));
            }
            if let Some(status) = child.try_wait()? {
                bail!("process exited before it was ready: {status}");
            }
            Ok(None)
        },
    )
    .await
}

#[tokio::test]
async fn an_api_with_its_own_worker_runs_cases_alone_and_stops_cleanly() -> Result<()> {
    let around = Around::start().await?;
    let mut api = around.api_with_worker("api", &[]).spawn()?;
    let url = read_json(&around.dir.path().join("api.json"), &mut api).await?["api"]
        .as_str()
        .context("the API's URL")?
        .to_owned();
    let token = around
        .token_key
        .mint(&all_roles(), Duration::from_secs(3600))?;
    let http = reqwest::Client::builder()
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse()?,
        )]))
        .build()?;
    // Decisions the simulators take later are called back to this API.
    let agencies: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&around.log("agencies.json"))?;
    for agency in agencies.values() {
        http.post(format!("{agency}/admin/callback"))
            .json(&json!({ "url": url }))
            .send()
            .await?
            .error_for_status()?;
    }

    // Ready on its own worker: no other process polls this task queue.
    let mut last = Value::Null;
    let ready = eventually(
        "/ready to answer 200",
        Duration::from_secs(90),
        async || {
            let response = http.get(format!("{url}/ready")).send().await?;
            let status = response.status().as_u16();
            last = response.json().await?;
            Ok((status == 200).then(|| last.clone()))
        },
    )
    .await
    .map_err(|e| anyhow!("{e:#}; last: {last}"))?;
    assert_eq!(ready["checks"]["workers"]["ok"], true, "{ready}");
    assert!(
        ready["checks"]["workers"]["pollers"].as_u64() >= Some(1),
        "{ready}"
    );

    let answer = http
        .post(format!("{url}/v1/applications"))
        .json(&example_submission("with-worker"))
        .send()
        .await?;
    let status = answer.status().as_u16();
    let body: Value = answer.json().await?;
    assert_eq!(status, 202, "{body}");
    let code = body["case_code"].as_str().context("case code")?.to_owned();
    let mut seen = Value::Null;
    let case = eventually("the case to end", Duration::from_secs(60), async || {
        let response = http.get(format!("{url}/v1/cases/{code}")).send().await?;
        if response.status() != 200 {
            return Ok(None);
        }
        seen = response.json().await?;
        let running = matches!(seen["status"].as_str(), Some("running" | "compensating"));
        Ok((!running).then(|| seen.clone()))
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last seen: {seen:#}"))?;
    assert_eq!(case["status"], "completed", "{case:#}");

    // SIGTERM: the API stops accepting, the worker finishes what it holds, the process exits 0.
    let status = terminate(&mut api).await?;
    let log = around.log("api.log");
    assert!(status.success(), "{status}: {log}");
    for said in ["worker polling", "API listening", "worker stopped"] {
        assert!(log.contains(said), "the log does not say `{said}`:\n{log}");
    }
    Ok(())
}

#[tokio::test]
async fn an_api_whose_worker_cannot_run_exits_with_the_reason() -> Result<()> {
    let around = Around::start().await?;
    // A notification channel without its secret: the worker refuses to start.
    let output = tokio::time::timeout(
        Duration::from_secs(90),
        around
            .api_with_worker(
                "broken",
                &[
                    "--notify-webhook-url",
                    "http://127.0.0.1:9/hook",
                    "--public-url",
                    "http://127.0.0.1:9",
                ],
            )
            .env_remove("LIENTHONG_NOTIFY_WEBHOOK_SECRET")
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .context("the API kept running without its worker")??;
    assert!(!output.status.success(), "{}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("lienthong: the worker in this process stopped"),
        "{stderr}"
    );
    assert!(last.contains("LIENTHONG_NOTIFY_WEBHOOK_SECRET"), "{stderr}");
    Ok(())
}
