//! Each role started on its own, as an operations team runs them against a cluster: they set up
//! a bare namespace's search attributes, wait for a Temporal that is not there yet, give up on
//! one that never comes with one clear line, report readiness truthfully, reconnect after a
//! Temporal outage, write JSON logs when asked, and stop cleanly on SIGTERM.

use std::{process::Stdio, time::Duration};

use anyhow::{Context, Result, anyhow};
use lienthong::temporal_dev::{DevServer, DevServerOptions};
use serde_json::Value;

use crate::support::{
    Stack, StackOptions, eventually, example_submission, free_port, lienthong, ports_for_later,
};

async fn get(url: &str) -> Result<(u16, Value)> {
    let response = reqwest::get(url).await?;
    Ok((response.status().as_u16(), response.json().await?))
}

/// Polls `url` until it answers `status`, or fails with the last answer after `within`.
async fn wait_status(url: &str, status: u16, within: Duration) -> Result<Value> {
    let mut last = None;
    eventually(&format!("{url} to answer {status}"), within, async || {
        // A role not listening yet is waited out too.
        match get(url).await {
            Ok((code, body)) if code == status => return Ok(Some(body)),
            Ok(other) => last = Some(format!("{other:?}")),
            Err(e) => last = Some(e.to_string()),
        }
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last: {last:?}"))
}

async fn wait_log(stack_dir: &std::path::Path, log: &str, needle: &str) -> Result<String> {
    let mut last = String::new();
    eventually(
        &format!("{log} to say `{needle}`"),
        Duration::from_secs(60),
        async || {
            let text = std::fs::read_to_string(stack_dir.join(log)).unwrap_or_default();
            if text.contains(needle) {
                return Ok(Some(text));
            }
            last = text;
            Ok(None)
        },
    )
    .await
    .map_err(|e| anyhow!("{e:#}:\n{last}"))
}

#[tokio::test]
async fn roles_register_a_bare_namespaces_search_attributes_and_cases_complete() -> Result<()> {
    let stack = Stack::start_with_options(StackOptions::default().bare_namespace()).await?;
    let code = stack.submit_ok(&example_submission("bare")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    // Whichever role came first registered them; the other found them there.
    let logs = stack.log("api.log") + &stack.log("worker.log");
    let registered = logs
        .lines()
        .find(|line| line.contains(": registered Lienthong"))
        .with_context(|| format!("no role registered the search attributes:\n{logs}"))?;
    assert!(
        registered.contains("LienthongProcedure, LienthongStatus"),
        "{registered}"
    );

    let output = lienthong(stack.dir.path(), "setup.log", &[])
        .args(["setup", "--temporal-address"])
        .arg(stack.temporal.address().to_string())
        .stdout(Stdio::piped())
        .output()
        .await?;
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("all 7 search attributes were already registered"),
        "{said}"
    );
    Ok(())
}

#[tokio::test]
async fn a_worker_waits_for_temporal_and_a_role_gives_up_with_one_clear_line() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // Temporal starts on this port only after the worker has waited for it.
    let port = ports_for_later(1);
    let metrics = format!("127.0.0.1:{}", free_port());
    let env = vec![(
        "LIENTHONG_PAYLOAD_KEYS".to_owned(),
        lienthong_codec::generate_key_entry("wait")?,
    )];
    let mut worker = lienthong(dir.path(), "worker.log", &env)
        .args(["worker", "--dev-agency-secrets", "--temporal-address"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--metrics-listen", &metrics])
        .spawn()?;
    wait_log(dir.path(), "worker.log", "Temporal is not reachable yet").await?;
    assert!(
        worker.try_wait()?.is_none(),
        "the worker waits instead of exiting"
    );

    let mut options = DevServerOptions::new(dir.path().join("temporal.db"), port, None);
    options.search_attributes = false;
    let temporal = DevServer::start(options).await?;
    let ready = wait_status(
        &format!("http://{metrics}/ready"),
        200,
        Duration::from_secs(90),
    )
    .await?;
    assert_eq!(ready["status"], "ready", "{ready}");
    let (health, _) = get(&format!("http://{metrics}/health")).await?;
    assert_eq!(health, 200);

    // SIGTERM: the worker stops polling, finishes what it holds and exits cleanly.
    let pid = worker.id().context("pid")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid)?),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    let status = tokio::time::timeout(Duration::from_secs(60), worker.wait())
        .await
        .context("the worker did not stop within 60 s of SIGTERM")??;
    assert!(status.success(), "{status}");
    let log = std::fs::read_to_string(dir.path().join("worker.log"))?;
    assert!(log.contains("worker stopped"), "{log}");
    assert!(
        log.contains(" INFO ") && !log.contains('\u{1b}'),
        "text logs written to a file carry no colour codes: {log}"
    );
    temporal.stop().await;

    // Nothing ever answers here: one line saying what to do, and an exit, not a hang.
    let nowhere = format!("127.0.0.1:{}", free_port());
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        lienthong(dir.path(), "unused.log", &[])
            .args([
                "setup",
                "--temporal-wait-secs",
                "2",
                "--temporal-address",
                &nowhere,
            ])
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .context("setup hung on an unreachable Temporal")??;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("lienthong: Temporal at"), "{stderr}");
    assert!(last.contains("did not answer within"), "{stderr}");
    assert!(last.contains("--temporal-address"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn ready_tells_the_truth_and_logs_are_json_lines_with_trace_ids() -> Result<()> {
    let mut stack =
        Stack::start_with_options(StackOptions::default().env("LIENTHONG_LOG_FORMAT", "json"))
            .await?;
    let api_ready = format!("{}/ready", stack.api);
    let ready = wait_status(&api_ready, 200, Duration::from_secs(90)).await?;
    for check in ["temporal", "database", "workers"] {
        assert_eq!(ready["checks"][check]["ok"], true, "{ready}");
    }
    let (health, _) = get(&format!("{}/health", stack.api)).await?;
    assert_eq!(health, 200);

    let code = stack.submit_ok(&example_submission("json-logs")).await?;
    stack.wait_ended(&code).await?;
    let trace = lienthong_telemetry::case_trace_id(&code).to_string();
    let worker_log = stack.log("worker.log");
    let mut traced = 0;
    for line in worker_log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            !line.contains('\u{1b}'),
            "no colour codes in a log file: {line}"
        );
        let entry: Value = serde_json::from_str(line)
            .with_context(|| format!("a log line that is not JSON: {line}"))?;
        assert!(
            entry["timestamp"].is_string() && entry["level"].is_string(),
            "{line}"
        );
        if entry["trace_id"] == trace.as_str() {
            traced += 1;
            assert!(
                entry["span_id"].as_str().is_some_and(|id| id.len() == 16),
                "a traced line names its span: {line}"
            );
        }
    }
    assert!(
        traced > 0,
        "the case's lines carry its trace id {trace}:\n{worker_log}"
    );
    let api_log = stack.log("api.log");
    let mut api_lines = 0;
    for line in api_log.lines().filter(|l| !l.trim().is_empty()) {
        let entry: Value = serde_json::from_str(line)
            .with_context(|| format!("an API log line that is not JSON: {line}"))?;
        assert!(entry["level"].is_string(), "{line}");
        api_lines += 1;
    }
    assert!(api_lines > 0, "the API logged in JSON too");
    assert_eq!(
        worker_log.matches("development secrets").count(),
        1,
        "the development-secret warning is written once"
    );

    // An API whose task queue no worker polls is alive but not ready, and says why.
    stack.set_env("LIENTHONG_TASK_QUEUE", "nobody-polls-this");
    let (mut lonely, lonely_url) = stack.start_api_replica("lonely-api").await?;
    let (status, body) = get(&format!("{lonely_url}/ready")).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["workers"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["temporal"]["ok"], true, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "{body}");
    lonely.kill().await?;

    // Temporal gone: neither the API nor the worker is ready, and both say it is Temporal.
    let metrics = format!("127.0.0.1:{}", free_port());
    stack.set_env("LIENTHONG_TASK_QUEUE", lienthong::DEFAULT_TASK_QUEUE);
    let _observed = stack.start_extra_worker("observed-worker", &["--metrics-listen", &metrics])?;
    wait_status(
        &format!("http://{metrics}/ready"),
        200,
        Duration::from_secs(60),
    )
    .await?;
    let pid = stack.temporal.pid().context("temporal pid")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid)?),
        nix::sys::signal::Signal::SIGKILL,
    )?;
    let body = wait_status(&api_ready, 503, Duration::from_secs(30)).await?;
    assert_eq!(body["checks"]["temporal"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "{body}");
    let body = wait_status(
        &format!("http://{metrics}/ready"),
        503,
        Duration::from_secs(30),
    )
    .await?;
    assert_eq!(body["checks"]["temporal"]["ok"], false, "{body}");

    // Temporal back on the same address and history: both reconnect by themselves and cases
    // run again.
    let port = stack.temporal.address().port();
    let history = std::fs::read_dir(stack.dir.path())?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.file_name().is_some_and(|n| {
                n.to_string_lossy().starts_with("temporal-") && n.to_string_lossy().ends_with(".db")
            })
        })
        .context("the stack's Temporal history file")?;
    stack.temporal = DevServer::start(DevServerOptions::new(history, port, None)).await?;
    wait_status(&api_ready, 200, Duration::from_secs(90)).await?;
    wait_status(
        &format!("http://{metrics}/ready"),
        200,
        Duration::from_secs(60),
    )
    .await?;
    let code = stack.submit_ok(&example_submission("after-outage")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    Ok(())
}
