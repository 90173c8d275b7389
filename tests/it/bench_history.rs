//! `lienthong bench --history N` on a small N: it fills its own stack in a province's
//! proportions, times every operator and citizen view against a baseline of the same run, prices
//! the background gauges, and stops cleanly.

use std::time::Duration;

use anyhow::Result;

use crate::bench::{bench_within, field};

#[tokio::test]
async fn bench_history_times_every_view_against_a_baseline() -> Result<()> {
    let (stdout, stderr) = bench_within(
        &["--history", "60", "--concurrency", "4"],
        Duration::from_secs(400),
    )
    .await?;
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stdout}\n{stderr}"))
            .to_owned()
    };

    // The proportions add up to the cases asked for, every kind present.
    let mix = line("history-mix ");
    assert_eq!(field(&mix, "cases"), Some(60.0), "{mix}");
    let kinds = ["completed", "waiting_on_decision", "needing_attention"].map(|k| field(&mix, k));
    assert!(kinds.iter().all(|k| k.is_some_and(|n| n >= 1.0)), "{mix}");
    assert_eq!(kinds.iter().flatten().sum::<f64>(), 60.0, "{mix}");
    assert_eq!(field(&mix, "baseline_cases"), Some(20.0), "{mix}");

    let fill = line("history-fill ");
    assert_eq!(field(&fill, "cases"), Some(60.0), "{fill}");
    assert_eq!(field(&fill, "added"), Some(40.0), "{fill}");
    assert!(
        field(&fill, "fill_per_s").is_some_and(|v| v > 0.0),
        "{fill}"
    );

    // One line per view, each with its figures, its target, and its ratio to the baseline.
    for view in [
        "list:all",
        "list:status=running",
        "list:agency=social-insurance",
        "list:reason=correction_needed",
        "list:office=01",
        "count:status=running",
        "counts",
        "console:dashboard",
        "case:ops",
        "console:case",
        "case:citizen",
    ] {
        let line = line(&format!("history-view {view} "));
        assert_eq!(field(&line, "cases"), Some(60.0), "{line}");
        for figure in ["p50_ms", "p95_ms", "max_ms", "baseline_p95_ms"] {
            assert!(
                field(&line, figure).is_some_and(|v| v > 0.0),
                "{figure}: {line}"
            );
        }
        // Printed to two places: a view far faster than its baseline's outlier rounds to 0.00.
        assert!(
            field(&line, "ratio_p95").is_some_and(|v| v >= 0.0),
            "{line}"
        );
        assert!(
            field(&line, "p50_ms") <= field(&line, "p95_ms")
                && field(&line, "p95_ms") <= field(&line, "max_ms"),
            "{line}"
        );
        assert!(
            field(&line, "target_p95_ms").is_some_and(|v| v == 200.0 || v == 500.0),
            "{line}"
        );
        assert!(
            line.contains(" met ") || line.contains(" missed "),
            "{line}"
        );
    }

    let gauges = line("history-gauges ");
    assert_eq!(
        field(&gauges, "queries_per_refresh"),
        Some(11.0),
        "{gauges}"
    );
    assert!(
        field(&gauges, "refresh_ms").is_some_and(|v| v > 0.0),
        "{gauges}"
    );
    for figure in ["temporal_cpu_pct_of_core", "quiet_temporal_cpu_pct_of_core"] {
        assert!(
            field(&gauges, figure).is_some_and(|v| (0.0..=200.0).contains(&v)),
            "{figure}: {gauges}"
        );
    }
    Ok(())
}
