//! `lienthong bench --history N`: N real cases in view, then what an operator and a citizen wait
//! for. The stack is filled through the API, as operators file, in a province's proportions:
//! most cases completed, some waiting on social insurance's decision (a held `decide_later`), a
//! few needing attention (social insurance refuses the card, the residence entry is undone and the
//! registered birth, which is never deleted, becomes a correction for an operator:
//! `correction_needed` on a failed case). Every view is timed twice in the same run: once after a
//! small first share of the cases (the baseline) and once with all N in view, so each figure is
//! also a ratio to the small store. Then the cost of the worker's background gauges on the
//! Temporal server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use lienthong_workflows::{ATTENTION_REASONS, CaseWorkflow, search_attributes as sa};
use serde_json::json;
use temporalio_client::{WorkflowCountOptions, WorkflowGetResultOptions};
use tokio::task::JoinSet;

use super::{BenchWorker, Target, exit_check, metric_sum, metrics_text, tree_cpu_seconds};

/// The share of each kind of case, as a province's register would hold them.
const WAITING_SHARE: f64 = 0.10;
const ATTENTION_SHARE: f64 = 0.05;

/// The baseline is measured once this many cases (or a third of a small run) are in view.
const BASELINE_CASES: usize = 300;

/// Requests per view: lists and reads, then the dashboards (each one is dozens of counts).
const READS: usize = 30;
const DASHBOARD_READS: usize = 10;

/// The worker counts its gauges this often (`WorkerConfig::case_gauges_every`'s default).
const GAUGES_EVERY_S: f64 = 15.0;
/// Refreshes timed back to back to price one.
const GAUGE_REFRESHES: usize = 5;
/// The quiet window over which the server's idle CPU (the worker's gauges included) is read.
const QUIET: Duration = Duration::from_secs(15);

/// Targets from the issue: a list or a count, the dashboard; a case read is held to a list's.
const LIST_MS: f64 = 200.0;
const DASHBOARD_MS: f64 = 500.0;
const GAUGES_PCT: f64 = 5.0;

const PROCEDURE: &str = "birth-residence-insurance";
const CARD: &str = "issue-child-health-card";

/// How one history run is set up.
pub(super) struct History {
    pub cases: usize,
    pub concurrency: usize,
    pub social_insurance: String,
    pub server_pid: Option<u32>,
    /// A citizen's token: the applicant the bench's application names.
    pub citizen_token: String,
    /// The operator's token, for the console's sign-in.
    pub operator_token: String,
}

/// Where views are timed after the baseline: at 10,000 and 30,000 cases on the way to a larger
/// run, and at its end.
fn checkpoints(cases: usize, baseline: usize) -> Vec<usize> {
    [10_000, 30_000]
        .into_iter()
        .filter(|&stop| stop > baseline && stop < cases)
        .chain((cases > baseline).then_some(cases))
        .collect()
}

/// The citizen the bench's application names as its applicant, to read their cases.
pub(super) fn citizen() -> Result<lienthong_identity::Claims> {
    let application: serde_json::Value = serde_json::from_str(super::EXAMPLE)?;
    let personal_id = application["application"]["applicant"]["personal_id"]
        .as_str()
        .context("the bench's application names no applicant")?;
    Ok(lienthong_identity::Claims {
        sub: "bench-citizen".into(),
        roles: vec!["citizen".into()],
        personal_id: Some(personal_id.to_owned()),
        ..lienthong_identity::Claims::default()
    })
}

/// How many cases of each kind a share of the run holds.
#[derive(Debug, Clone, Copy, Default)]
struct Mix {
    completed: usize,
    waiting: usize,
    attention: usize,
}

impl Mix {
    fn of(cases: usize) -> Self {
        let waiting = (cases as f64 * WAITING_SHARE).round() as usize;
        let attention = ((cases as f64 * ATTENTION_SHARE).round() as usize).max(1);
        let attention = attention.min(cases.saturating_sub(waiting + 1));
        Self {
            completed: cases - waiting - attention,
            waiting,
            attention,
        }
    }

    fn total(&self) -> usize {
        self.completed + self.waiting + self.attention
    }

    fn plus(self, other: Self) -> Self {
        Self {
            completed: self.completed + other.completed,
            waiting: self.waiting + other.waiting,
            attention: self.attention + other.attention,
        }
    }
}

/// Case codes of each kind to read pages of.
#[derive(Debug, Default)]
struct Samples(Vec<String>);

impl Samples {
    fn keep(&mut self, codes: &[String]) {
        self.0.extend(codes.iter().take(10).cloned());
    }

    fn nth(&self, i: usize) -> &str {
        &self.0[i % self.0.len()]
    }
}

/// One view timed: its name, target and latencies (sorted, milliseconds).
struct Timed {
    name: String,
    target_ms: f64,
    ms: Vec<f64>,
}

impl Timed {
    fn p(&self, quantile: f64) -> f64 {
        let rank = (quantile * self.ms.len() as f64).ceil() as usize;
        self.ms[rank.clamp(1, self.ms.len()) - 1]
    }
}

/// What the gauges cost the server: CPU seconds per refresh, and idle CPU over a quiet window.
struct GaugeCost {
    refresh_ms: f64,
    cpu_s_per_refresh: f64,
    quiet_pct: f64,
}

impl GaugeCost {
    fn pct(&self) -> f64 {
        self.cpu_s_per_refresh / GAUGES_EVERY_S * 100.0
    }
}

impl History {
    pub(super) async fn run(&self, target: &Arc<Target>, worker: &mut BenchWorker) -> Result<()> {
        worker.pid().context("the worker exited at once")?;
        let base = Mix::of(BASELINE_CASES.min(self.cases / 3).max(1));
        let stops = checkpoints(self.cases, base.total());
        let mut all = base;
        for stop in &stops {
            all = all.plus(Mix::of(stop - all.total()));
        }
        println!(
            "history-mix cases={} completed={} waiting_on_decision={} needing_attention={} baseline_cases={} concurrency={}",
            all.total(),
            all.completed,
            all.waiting,
            all.attention,
            base.total(),
            self.concurrency,
        );
        let mut samples = Samples::default();
        let started = Instant::now();
        self.fill(target, worker, base, Mix::default(), &mut samples, "b")
            .await?;
        let baseline_fill = started.elapsed();
        let baseline = self.views(target, &samples).await?;
        let baseline_gauges = self.gauges(target, Duration::ZERO).await?;
        println!(
            "history-baseline cases={} fill_s={:.1} views={}",
            base.total(),
            baseline_fill.as_secs_f64(),
            baseline.len(),
        );

        // Figures at a few sizes on the way, so a run stopped early still tells how views grow.
        let mut before = base;
        for (i, stop) in stops.into_iter().enumerate() {
            let added = Mix::of(stop - before.total());
            let started = Instant::now();
            self.fill(
                target,
                worker,
                added,
                before,
                &mut samples,
                &format!("h{i}"),
            )
            .await?;
            let fill = started.elapsed();
            before = before.plus(added);
            println!(
                "history-fill cases={} added={} fill_s={:.1} fill_per_s={:.1} filings_sent_again={}",
                before.total(),
                added.total(),
                fill.as_secs_f64(),
                added.total() as f64 / fill.as_secs_f64(),
                target.refused_for_now.load(Ordering::Relaxed),
            );
            let views = self.views(target, &samples).await?;
            for (view, first) in views.iter().zip(&baseline) {
                let met = if view.p(0.95) <= view.target_ms {
                    "met"
                } else {
                    "missed"
                };
                println!(
                    "history-view {} cases={} requests={} p50_ms={:.1} p95_ms={:.1} max_ms={:.1} target_p95_ms={} {met} baseline_cases={} baseline_p95_ms={:.1} ratio_p95={:.2}",
                    view.name,
                    before.total(),
                    view.ms.len(),
                    view.p(0.50),
                    view.p(0.95),
                    view.p(1.0),
                    view.target_ms,
                    base.total(),
                    first.p(0.95),
                    view.p(0.95) / first.p(0.95),
                );
            }
        }
        let gauges = self.gauges(target, QUIET).await?;
        println!(
            "history-gauges cases={} queries_per_refresh={} refresh_ms={:.1} temporal_cpu_ms_per_refresh={:.1} every_s={GAUGES_EVERY_S} temporal_cpu_pct_of_core={:.2} target_pct={GAUGES_PCT} {} quiet_s={} quiet_temporal_cpu_pct_of_core={:.2} baseline_cases={} baseline_pct={:.2} ratio={:.2}",
            all.total(),
            gauge_queries().len(),
            gauges.refresh_ms,
            gauges.cpu_s_per_refresh * 1000.0,
            gauges.pct(),
            if gauges.pct() <= GAUGES_PCT {
                "met"
            } else {
                "missed"
            },
            QUIET.as_secs(),
            gauges.quiet_pct,
            base.total(),
            baseline_gauges.pct(),
            gauges.pct() / baseline_gauges.pct().max(f64::MIN_POSITIVE),
        );
        Ok(())
    }

    /// Files `mix` (on top of `before`, already in view) and waits until every case is where it
    /// belongs: completed, waiting on the held decision, or failed needing correction.
    async fn fill(
        &self,
        target: &Arc<Target>,
        worker: &mut BenchWorker,
        mix: Mix,
        before: Mix,
        samples: &mut Samples,
        label: &str,
    ) -> Result<()> {
        let after = before.plus(mix);
        let deadline = |n: usize| Instant::now() + Duration::from_secs(120 + n as u64 / 5);

        // Completed: each client runs its case to the end before filing the next, as the
        // engine bench does, so the stack never holds more than `concurrency` in flight.
        let codes = exit_check(
            file(target, mix.completed, self.concurrency, label, "c", true).await,
            worker,
        )?;
        samples.keep(&codes);

        // Waiting on social insurance's decision, held until the run ends.
        self.fault(
            target,
            json!({"operation": CARD, "mode": "decide_later", "hold": true, "delay_ms": 0,
                   "decision": "approve", "count": mix.waiting}),
        )
        .await?;
        let codes = exit_check(
            file(target, mix.waiting, self.concurrency, label, "w", false).await,
            worker,
        )?;
        samples.keep(&codes);
        let pending = [
            r#"agency="social-insurance""#,
            r#"outcome="pending""#,
            r#"operation="issue-child-health-card""#,
        ];
        wait_for(
            deadline(mix.waiting),
            worker,
            "pending decisions",
            || async {
                let text = metrics_text(&target.http, &target.worker_metrics)
                    .await
                    .unwrap_or_default();
                metric_sum(&text, "lienthong_step_attempts_total", &pending) >= after.waiting as f64
            },
        )
        .await?;

        // Needing attention: social insurance refuses, the birth becomes a correction.
        if mix.attention > 0 {
            self.fault(
                target,
                json!({"operation": CARD, "mode": "reject", "reason_code": "BENCH_REFUSED",
                       "count": mix.attention}),
            )
            .await?;
        }
        let codes = exit_check(
            file(target, mix.attention, self.concurrency, label, "a", false).await,
            worker,
        )?;
        samples.keep(&codes);
        let corrections = format!(
            "WorkflowType = '{}' AND {} = 'correction_needed'",
            CaseWorkflow::name(),
            sa::NEEDS_ATTENTION.name()
        );
        wait_for(deadline(mix.attention), worker, "corrections", || async {
            count(target, &corrections).await.unwrap_or(0) >= after.attention as u64
        })
        .await?;
        // Visibility agrees with the worker: every completed case is in view as completed.
        let completed = format!(
            "WorkflowType = '{}' AND {} = 'completed'",
            CaseWorkflow::name(),
            sa::STATUS.name()
        );
        wait_for(deadline(0), worker, "completed cases in view", || async {
            count(target, &completed).await.unwrap_or(0) >= after.completed as u64
        })
        .await
    }

    async fn fault(&self, target: &Target, fault: serde_json::Value) -> Result<()> {
        target
            .http
            .post(format!("{}/admin/faults", self.social_insurance))
            .json(&fault)
            .send()
            .await?
            .error_for_status()
            .context("social insurance refused a fault")?;
        Ok(())
    }

    /// Every view, timed in turn by one reader.
    async fn views(&self, target: &Target, samples: &Samples) -> Result<Vec<Timed>> {
        // Signed in afresh each time: the console ends a session left unused while the stack
        // fills (`--console-idle-minutes`), and would answer with its sign-in page.
        let session = &console_session(target, &self.operator_token).await?;
        let today = vietnam_date(0);
        let tomorrow = vietnam_date(1);
        let lists: Vec<(String, String)> = [
            "",
            "status=running",
            "status=completed",
            "status=failed",
            &format!("procedure={PROCEDURE}"),
            "agency=social-insurance",
            "reason=any",
            "reason=correction_needed",
            "overdue=true",
            "office=01",
            &format!("submitted_from={today}&submitted_to={tomorrow}"),
            "page=10",
            "page_size=200",
        ]
        .iter()
        .map(|q| {
            let name = if q.is_empty() { "all" } else { q };
            (format!("list:{name}"), format!("/v1/ops/cases?{q}"))
        })
        .collect();
        let mut timed = Vec::new();
        for (name, path) in lists {
            let url = format!("{}{path}", target.api);
            timed.push(time(&name, LIST_MS, READS, |_| target.http.get(&url)).await?);
        }
        let console_list = format!("{}/console/cases?status=running", target.api);
        timed.push(
            time("console:cases?status=running", LIST_MS, READS, |_| {
                target.http.get(&console_list).header("cookie", session)
            })
            .await?,
        );
        let running = format!(
            "WorkflowType = '{}' AND {} = 'running'",
            CaseWorkflow::name(),
            sa::STATUS.name()
        );
        timed.push(time_count("count:status=running", target, &running).await?);
        let counts = format!("{}/v1/ops/counts", target.api);
        timed.push(
            time("counts", DASHBOARD_MS, DASHBOARD_READS, |_| {
                target.http.get(&counts)
            })
            .await?,
        );
        let dashboard = format!("{}/console", target.api);
        timed.push(
            time("console:dashboard", DASHBOARD_MS, DASHBOARD_READS, |_| {
                target.http.get(&dashboard).header("cookie", session)
            })
            .await?,
        );
        timed.push(
            time("case:ops", LIST_MS, READS, |i| {
                let url = format!("{}/v1/ops/cases/{}", target.api, samples.nth(i));
                target.http.get(url)
            })
            .await?,
        );
        timed.push(
            time("console:case", DASHBOARD_MS, READS, |i| {
                let url = format!("{}/console/cases/{}", target.api, samples.nth(i));
                target.http.get(url).header("cookie", session)
            })
            .await?,
        );
        let citizen = format!("Bearer {}", self.citizen_token);
        timed.push(
            time("case:citizen", LIST_MS, READS, |i| {
                let url = format!("{}/v1/cases/{}", target.api, samples.nth(i));
                target
                    .http
                    .get(url)
                    .header(reqwest::header::AUTHORIZATION, &citizen)
            })
            .await?,
        );
        Ok(timed)
    }

    /// The gauges' queries timed back to back, the server's CPU read around them; with a quiet
    /// window, the server's idle CPU too (the worker keeps counting its own gauges then), which
    /// is taken off the refreshes' share.
    async fn gauges(&self, target: &Target, quiet: Duration) -> Result<GaugeCost> {
        let cpu = || self.server_pid.map_or(0.0, tree_cpu_seconds);
        let mut idle_per_s = 0.0;
        if !quiet.is_zero() {
            let before = cpu();
            // Nothing is asked of the stack for the whole window: that is what is measured.
            tokio::time::sleep(quiet).await;
            idle_per_s = (cpu() - before) / quiet.as_secs_f64();
        }
        let queries = gauge_queries();
        let before = cpu();
        let started = Instant::now();
        for _ in 0..GAUGE_REFRESHES {
            for query in &queries {
                count(target, query).await?;
            }
        }
        let wall = started.elapsed().as_secs_f64();
        let spent = (cpu() - before - idle_per_s * wall).max(0.0);
        Ok(GaugeCost {
            refresh_ms: wall * 1000.0 / GAUGE_REFRESHES as f64,
            cpu_s_per_refresh: spent / GAUGE_REFRESHES as f64,
            quiet_pct: idle_per_s * 100.0,
        })
    }
}

/// The worker's gauge queries (`worker/src/case_gauges.rs`): open cases by status, and cases
/// by needs-attention reason, one count each.
fn gauge_queries() -> Vec<String> {
    let cases = format!("WorkflowType = '{}'", CaseWorkflow::name());
    let open = ["running", "compensating"].map(|status| {
        format!(
            "{cases} AND ExecutionStatus = 'Running' AND {} = '{status}'",
            sa::STATUS.name()
        )
    });
    let attention = ATTENTION_REASONS
        .iter()
        .map(|reason| format!("{cases} AND {} = '{reason}'", sa::NEEDS_ATTENTION.name()));
    open.into_iter().chain(attention).collect()
}

async fn count(target: &Target, query: &str) -> Result<u64> {
    let counted = target
        .client
        .count_workflows(query.to_owned(), WorkflowCountOptions::default())
        .await
        .map_err(|e| anyhow::anyhow!("visibility refused a count: {e}"))?;
    Ok(u64::try_from(counted.count()).unwrap_or(0))
}

/// Files `cases` applications with `concurrency` clients; returns their case codes. With
/// `to_end`, each client waits for its case's final state before the next.
async fn file(
    target: &Arc<Target>,
    cases: usize,
    concurrency: usize,
    label: &str,
    kind: &str,
    to_end: bool,
) -> Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = JoinSet::new();
    for _ in 0..concurrency.min(cases) {
        let (target, next) = (target.clone(), next.clone());
        // The certificate number this becomes holds at most 40 characters.
        let prefix = format!("{}-H{label}{kind}", target.tag);
        clients.spawn(async move {
            let mut codes = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= cases {
                    return Ok::<_, anyhow::Error>(codes);
                }
                let code = target.submit(&format!("{prefix}-{index}")).await?;
                if to_end {
                    let handle = target.client.get_workflow_handle::<CaseWorkflow>(&code);
                    let ended = handle.get_result(WorkflowGetResultOptions::default());
                    tokio::time::timeout(super::CASE_TIMEOUT, ended)
                        .await
                        .context("a case did not end in time")?
                        .map_err(|e| anyhow::anyhow!("case {code} failed: {e}"))?;
                }
                codes.push(code);
            }
        });
    }
    let mut codes = Vec::with_capacity(cases);
    while let Some(client) = clients.join_next().await {
        codes.extend(client??);
    }
    Ok(codes)
}

/// Polls `done` until it holds, the worker dies or the deadline passes.
async fn wait_for<F, Fut>(
    deadline: Instant,
    worker: &mut BenchWorker,
    what: &str,
    mut done: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        exit_check(Ok(()), worker)?;
        if done().await {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{what} did not all arrive in time");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `reads` requests one after another; each must answer 200 and is timed to its last byte.
async fn time<F>(name: &str, target_ms: f64, reads: usize, request: F) -> Result<Timed>
where
    F: Fn(usize) -> reqwest::RequestBuilder,
{
    let mut ms = Vec::with_capacity(reads);
    for i in 0..reads {
        let (client, request) = request(i).build_split();
        let request = request?;
        let asked = request.url().path().to_owned();
        let started = Instant::now();
        let response = client.execute(request).await?;
        let status = response.status();
        let answered = response.url().path().to_owned();
        let body = response.bytes().await?;
        if !status.is_success() {
            bail!(
                "{name} answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        // A page that sent the reader elsewhere (the console's sign-in) timed another page.
        if answered != asked {
            bail!("{name} was redirected from {asked} to {answered}");
        }
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(Timed {
        name: name.to_owned(),
        target_ms,
        ms,
    })
}

/// One count as visibility answers it, without the API around it.
async fn time_count(name: &str, target: &Target, query: &str) -> Result<Timed> {
    let mut ms = Vec::with_capacity(READS);
    for _ in 0..READS {
        let started = Instant::now();
        count(target, query).await?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(Timed {
        name: name.to_owned(),
        target_ms: LIST_MS,
        ms,
    })
}

/// Signs the operator in to the console; returns the session cookie (`name=value`).
async fn console_session(target: &Target, token: &str) -> Result<String> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser
        .post(format!("{}/console/login", target.api))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await?;
    let cookie = answer
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .with_context(|| format!("the console refused the sign-in ({})", answer.status()))?;
    Ok(cookie.to_owned())
}

/// A day in Vietnam (UTC+7), `days` from today, as `YYYY-MM-DD`.
fn vietnam_date(days: i64) -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil(((seconds + 7 * 3600) / 86_400) + days)
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_split_in_a_provinces_proportions() {
        let mix = Mix::of(100_000);
        assert_eq!(
            (mix.completed, mix.waiting, mix.attention),
            (85_000, 10_000, 5_000)
        );
        let small = Mix::of(20);
        assert_eq!(small.total(), 20);
        assert!(small.attention >= 1 && small.waiting >= 1, "{small:?}");
    }

    #[test]
    fn views_are_timed_on_the_way_to_a_large_run() {
        assert_eq!(checkpoints(100_000, 300), vec![10_000, 30_000, 100_000]);
        assert_eq!(checkpoints(20_000, 300), vec![10_000, 20_000]);
        assert_eq!(checkpoints(60, 20), vec![60]);
    }

    #[test]
    fn days_become_dates() {
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(20_794), "2026-12-07");
        assert_eq!(civil(19_782), "2024-02-29");
    }
}
