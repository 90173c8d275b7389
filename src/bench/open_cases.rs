//! `lienthong bench --open-cases N`: N cases held open at once, each waiting on social
//! insurance's decision (a `decide_later` fault with `hold`), to measure what open cases cost the
//! worker and the Temporal server; then the decisions are let go in waves (`release_wave`) and
//! called back, and the run ends when all N cases completed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::task::JoinSet;

use super::{BenchWorker, Target, exit_check};

/// How one open-cases run is set up.
pub(super) struct OpenCases {
    pub cases: usize,
    pub concurrency: usize,
    /// The worker's `GET /metrics`, which counts the pending calls and the completed cases.
    pub worker_metrics: String,
    pub social_insurance: String,
    pub server_pid: Option<u32>,
}

const PENDING: &str = r#"lienthong_step_attempts_total{agency="social-insurance",operation="issue-child-health-card",outcome="pending"}"#;
const COMPLETED: &str =
    r#"lienthong_cases_ended_total{procedure="birth-residence-insurance",status="completed"}"#;

impl OpenCases {
    pub(super) async fn run(&self, target: &Arc<Target>, worker: &mut BenchWorker) -> Result<()> {
        let pid = worker.pid().context("the worker exited at once")?;
        let hold = json!({
            "operation": "issue-child-health-card", "mode": "decide_later", "hold": true,
            "delay_ms": 0, "decision": "approve", "count": self.cases,
        });
        target
            .http
            .post(format!("{}/admin/faults", self.social_insurance))
            .json(&hold)
            .send()
            .await?
            .error_for_status()
            .context("social insurance refused the hold fault")?;

        let started = Instant::now();
        exit_check(self.submit_all(target).await, worker)?;
        let submitted = started.elapsed();
        let open_deadline = Instant::now() + Duration::from_secs(60 + self.cases as u64 / 5);
        self.wait_metric(target, PENDING, self.cases, open_deadline, worker)
            .await?;
        let all_open = started.elapsed();
        let worker_rss = rss_mb(&[pid]);
        let server_rss = self.server_pid.and_then(|p| rss_mb(&process_tree(p)));

        let released = Instant::now();
        let wave = release_wave(self.cases);
        let mut let_go = 0;
        while let_go < self.cases {
            let count = wave.min(self.cases - let_go);
            target
                .http
                .post(format!(
                    "{}/admin/decisions/release?count={count}",
                    self.social_insurance
                ))
                .send()
                .await?
                .error_for_status()?;
            let_go += count;
            // The next wave goes once the engine is within half a wave of this one.
            let caught_up = if let_go == self.cases {
                self.cases
            } else {
                let_go - wave / 2
            };
            let deadline = Instant::now() + Duration::from_secs(120 + self.cases as u64 / 5);
            self.wait_metric(target, COMPLETED, caught_up, deadline, worker)
                .await?;
        }
        let completed = released.elapsed();
        let mb = |v: Option<f64>| v.map_or_else(|| "unknown".into(), |v| format!("{v:.1}"));
        println!(
            "open-cases cases={} submitted_s={:.1} all_open_s={:.1} worker_rss_mb={} worker_peak_mb={} temporal_rss_mb={} completed_by_callbacks_s={:.1} completed_per_s={:.1} release_wave={} filings_sent_again={}",
            self.cases,
            submitted.as_secs_f64(),
            all_open.as_secs_f64(),
            mb(worker_rss),
            mb(super::peak_mb(pid)),
            mb(server_rss),
            completed.as_secs_f64(),
            self.cases as f64 / completed.as_secs_f64(),
            release_wave(self.cases),
            target.refused_for_now.load(Ordering::Relaxed),
        );
        Ok(())
    }

    /// Files every application; `concurrency` clients share them.
    async fn submit_all(&self, target: &Arc<Target>) -> Result<()> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut clients = JoinSet::new();
        for _ in 0..self.concurrency.min(self.cases) {
            let (target, next, cases) = (target.clone(), next.clone(), self.cases);
            clients.spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= cases {
                        return Ok::<_, anyhow::Error>(());
                    }
                    target
                        .submit(&format!("{}-open-{index}", target.tag))
                        .await?;
                }
            });
        }
        while let Some(client) = clients.join_next().await {
            client??;
        }
        Ok(())
    }

    /// Waits until the worker's counter `series` reaches `goal`.
    async fn wait_metric(
        &self,
        target: &Target,
        series: &str,
        goal: usize,
        deadline: Instant,
        worker: &mut BenchWorker,
    ) -> Result<()> {
        loop {
            // A dead worker would otherwise leave the run waiting for its whole deadline.
            exit_check(Ok(()), worker)?;
            // The worker may still be starting its metrics listener: count that as zero.
            let text = match target.http.get(&self.worker_metrics).send().await {
                Ok(response) => response.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let value = text
                .lines()
                .find(|l| l.starts_with(series))
                .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .unwrap_or(0.0);
            if value >= goal as f64 {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{series} reached only {value} of {goal}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// How many held decisions social insurance lets go at a time. An office works through a
/// pile; all 100,000 at once sent as many signals to the dev server in a few minutes, its
/// workflow tasks outlived the sticky queue's schedule-to-start timeout and completion fell
/// to about 8 cases a second, while waves of this size complete at the engine's own pace.
fn release_wave(cases: usize) -> usize {
    cases.clamp(1, 5_000)
}

/// The process and all its descendants (the `temporal` command may be a launcher).
pub(super) fn process_tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // ppid is the second field after the `)` that ends the command name.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    tree
}

/// Resident memory of these processes together, in MiB.
fn rss_mb(pids: &[u32]) -> Option<f64> {
    let kib: f64 = pids
        .iter()
        .filter_map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .sum();
    (kib > 0.0).then_some(kib / 1024.0)
}
