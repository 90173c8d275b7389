//! `lienthong bench` end to end on a tiny load: it must start its own stack, measure both runs
//! and stop cleanly, in seconds.

use std::{process::Stdio, time::Duration};

use anyhow::{Context, Result};

/// The value of `key=` in a result line.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn bench_measures_the_engine_and_the_ceiling() -> Result<()> {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .args(["bench", "--cases", "6", "--concurrency", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let output = tokio::time::timeout(Duration::from_secs(240), child.wait_with_output())
        .await
        .context("the bench did not finish in time")??;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no `{name}` line in:\n{stdout}\n{stderr}"))
            .to_owned()
    };
    let (engine, ceiling, ratio) = (line("engine"), line("ceiling"), line("ratio"));
    for run in [&engine, &ceiling] {
        assert_eq!(field(run, "cases"), Some(6.0), "{run}");
        assert!(field(run, "cases/s").is_some_and(|v| v > 0.0), "{run}");
    }
    assert!(
        field(&engine, "p50_ms").is_some_and(|v| v > 0.0),
        "{engine}"
    );
    assert!(
        field(&ratio, "throughput").is_some_and(|v| v > 0.0),
        "{ratio}"
    );
    Ok(())
}
