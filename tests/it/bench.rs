//! `lienthong bench` end to end on a tiny load: it must start its own stack, measure the engine and both forms of the ceiling
//! and stop cleanly, in seconds.

use std::{process::Stdio, time::Duration};

use anyhow::{Context, Result};

/// The value of `key=` in a result line.
pub(crate) fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// Runs `lienthong bench` with `args`; returns its standard output and error.
async fn bench(args: &[&str]) -> Result<(String, String)> {
    bench_within(args, Duration::from_secs(240)).await
}

/// Runs `lienthong bench` with `args`, failing if it takes longer than `within` or does not
/// exit 0; returns its standard output and error.
pub(crate) async fn bench_within(args: &[&str], within: Duration) -> Result<(String, String)> {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .arg("bench")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let output = tokio::time::timeout(within, child.wait_with_output())
        .await
        .context("the bench did not finish in time")??;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    Ok((stdout, stderr))
}

#[tokio::test]
async fn bench_measures_the_engine_and_the_ceiling() -> Result<()> {
    let (stdout, stderr) = bench(&["--cases", "6", "--concurrency", "2"]).await?;
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no `{name}` line in:\n{stdout}\n{stderr}"))
            .to_owned()
    };
    let runs = [line("engine"), line("ceiling"), line("ceiling_local")];
    for run in &runs {
        assert_eq!(field(run, "cases"), Some(6.0), "{run}");
        assert!(field(run, "cases/s").is_some_and(|v| v > 0.0), "{run}");
        assert!(field(run, "p50_ms").is_some_and(|v| v > 0.0), "{run}");
    }
    assert!(runs[0].contains("first_attempt=Local"), "{}", runs[0]);
    // The engine against each form of the ceiling.
    let ratios: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ratio ")).collect();
    assert_eq!(ratios.len(), 2, "{stdout}");
    for ratio in ratios {
        assert!(
            field(ratio, "throughput").is_some_and(|v| v > 0.0),
            "{ratio}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn bench_holds_cases_open_then_completes_them_by_callbacks() -> Result<()> {
    let (stdout, stderr) = bench(&["--open-cases", "8", "--concurrency", "4"]).await?;
    let line = stdout
        .lines()
        .find(|l| l.starts_with("open-cases "))
        .unwrap_or_else(|| panic!("no open-cases line in:\n{stdout}\n{stderr}"));
    assert_eq!(field(line, "cases"), Some(8.0), "{line}");
    assert!(
        field(line, "worker_rss_mb").is_some_and(|v| v > 0.0),
        "{line}"
    );
    assert!(
        field(line, "temporal_rss_mb").is_some_and(|v| v > 0.0),
        "{line}"
    );
    assert!(
        field(line, "completed_per_s").is_some_and(|v| v > 0.0),
        "{line}"
    );
    // What the worker and the API counted: every case was held open by a pending answer, its
    // decision came back as a signed callback the API accepted, and it ended completed.
    let ended = stdout
        .lines()
        .find(|l| l.starts_with("open-cases-ended "))
        .unwrap_or_else(|| panic!("no open-cases-ended line in:\n{stdout}\n{stderr}"));
    for figure in ["completed", "pending_answers", "callbacks_accepted"] {
        assert_eq!(field(ended, figure), Some(8.0), "{figure}: {ended}");
    }
    Ok(())
}

#[tokio::test]
async fn bench_runs_the_worker_on_the_api_client_when_asked() -> Result<()> {
    let (stdout, stderr) = bench(&[
        "--cases",
        "3",
        "--concurrency",
        "1",
        "--skip-ceiling",
        "--in-process-worker",
    ])
    .await?;
    let engine = stdout
        .lines()
        .find(|l| l.starts_with("engine "))
        .unwrap_or_else(|| panic!("no engine line in:\n{stdout}\n{stderr}"));
    assert_eq!(field(engine, "cases"), Some(3.0), "{engine}");
    assert!(engine.contains("worker_process=in-process"), "{engine}");
    assert!(
        !stdout.lines().any(|l| l.starts_with("ceiling")),
        "{stdout}"
    );
    Ok(())
}
