//! `lienthong bench --drain N`: N cases parked on one agency's outage, then drained at the pace
//! the agency declares in the catalogue, through two workers.
//!
//! The agency's administrator declares `max_per_second`; the agency goes down; N applications
//! are filed and each case's call to the agency fails and waits to be retried. The outage ends
//! and an operator asks every case to retry now, as one would once the agency is back: the
//! whole backlog is on the agency's queue at once. The figures come from the agency's own
//! register (`GET /admin/acts`): when it acted, how often in its busiest second, and whether any
//! case was acted on twice or not at all.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use lienthong_codec::{KEYS_ENV, WRITE_KEY_ENV};
use lienthong_workflows::CaseWorkflow;
use serde_json::{Value, json};
use temporalio_client::WorkflowGetResultOptions;
use tokio::task::JoinSet;

use super::{BenchWorker, Target, exit_check};

/// The agencies a drain can be run on, with the step of the shipped procedure that calls each.
const STEPS: [(&str, &str); 3] = [
    ("civil-status", "birth"),
    ("residence", "residence"),
    ("social-insurance", "insurance"),
];

/// How one drain is set up.
pub(super) struct Drain {
    pub cases: usize,
    pub rate: f64,
    pub agency: String,
    pub concurrency: usize,
    pub agencies: BTreeMap<String, String>,
    /// What the second worker is started with: the run's folder, the agencies file, the
    /// Temporal address and the payload key entry.
    pub dir: PathBuf,
    pub agencies_file: PathBuf,
    pub address: String,
    pub key_entry: String,
}

/// What the agency's register says.
struct Register {
    /// When each act was recorded, milliseconds since 1970, in order.
    times: Vec<i64>,
    /// Acts by case code.
    by_case: BTreeMap<String, usize>,
}

impl Drain {
    /// The step of the shipped procedure that calls `agency`, or an error naming the choices.
    pub(super) fn step_of(agency: &str) -> Result<&'static str> {
        STEPS
            .iter()
            .find(|(a, _)| *a == agency)
            .map(|(_, step)| *step)
            .with_context(|| {
                let names: Vec<&str> = STEPS.iter().map(|(a, _)| *a).collect();
                format!("--agency is one of {}", names.join(", "))
            })
    }

    pub(super) async fn run(&self, target: &Arc<Target>, worker: &mut BenchWorker) -> Result<()> {
        let step = Self::step_of(&self.agency)?;
        let agency_url = self
            .agencies
            .get(&self.agency)
            .cloned()
            .context("the agency's simulator is not running")?;
        self.declare_pace(target).await?;
        let mut second = self.spawn_second_worker()?;
        let result = self
            .measure(target, worker, &mut second, step, &agency_url)
            .await;
        let _ = second.kill().await;
        result
    }

    async fn measure(
        &self,
        target: &Arc<Target>,
        worker: &mut BenchWorker,
        second: &mut tokio::process::Child,
        step: &str,
        agency_url: &str,
    ) -> Result<()> {
        // One outage window lasts at most 10 minutes, and parking N cases takes at least
        // N / rate seconds (failed attempts are paced too): the outage is renewed until then.
        let faults = format!("{agency_url}/admin/faults");
        begin_outage(target.http.clone(), faults.clone()).await?;
        // Dropped on every way out, which stops the renewals.
        let mut renewing = JoinSet::new();
        renewing.spawn({
            let http = target.http.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(300)).await;
                    if let Err(error) = begin_outage(http.clone(), faults.clone()).await {
                        eprintln!("could not renew the outage: {error:#}");
                    }
                }
            }
        });
        let filed = Instant::now();
        let codes = exit_check(self.submit_all(target).await, worker)?;
        let submitted_s = filed.elapsed().as_secs_f64();
        exit_check(self.wait_parked(target, &codes, step).await, worker)?;
        if let Some(status) = second.try_wait()? {
            bail!("the second worker stopped: {status}");
        }
        let parked_s = filed.elapsed().as_secs_f64();
        renewing.abort_all();
        while renewing.join_next().await.is_some() {}
        if !self.register(target, agency_url).await?.times.is_empty() {
            bail!("the agency acted during its outage");
        }

        target
            .http
            .delete(format!("{agency_url}/admin/faults"))
            .send()
            .await?
            .error_for_status()
            .context("the outage did not end")?;
        let back = Instant::now();
        let back_ms = unix_ms();
        let asked = self.retry_all(target, &codes, step).await?;
        let completed = exit_check(self.wait_ended(target, &codes).await, worker)?;
        let ended_s = back.elapsed().as_secs_f64();

        let register = self.register(target, agency_url).await?;
        let twice = register.by_case.values().filter(|n| **n > 1).count();
        let lost = codes
            .iter()
            .filter(|code| !register.by_case.contains_key(*code))
            .count()
            .max(self.cases - completed);
        let (first, last) = match (register.times.first(), register.times.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => bail!("the agency recorded no act"),
        };
        let peak = busiest(&register.times, 1000) as f64;
        let sustained = if register.times.len() > 1 && last > first {
            (register.times.len() - 1) as f64 / ((last - first) as f64 / 1000.0)
        } else {
            register.times.len() as f64
        };
        println!(
            "drain cases={} agency={} rate_declared={} workers=2 submitted_s={submitted_s:.1} parked_s={parked_s:.1} retry_now_asked={asked} drain_s={:.1} first_act_after_s={:.2} peak_per_s={peak} peak_ratio={:.2} sustained_per_s={sustained:.2} sustained_ratio={:.3} busiest_5s={} completed={completed} ended_s={ended_s:.1} lost={lost} registered_twice={twice}",
            self.cases,
            self.agency,
            self.rate,
            (last - back_ms) as f64 / 1000.0,
            (first - back_ms) as f64 / 1000.0,
            peak / self.rate,
            sustained / self.rate,
            busiest(&register.times, 5000),
        );
        Ok(())
    }

    /// The agency's administrator writes the pace into its catalogue entry.
    async fn declare_pace(&self, target: &Target) -> Result<()> {
        let url = format!("{}/v1/catalogue/{}", target.api, self.agency);
        let mut entry: Value = target
            .http
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        entry["max_per_second"] = json!(self.rate);
        let response = target.http.put(&url).body(entry.to_string()).send().await?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "the catalogue refused the pace ({status}): {}",
                response.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// A second worker beside the bench's own, on the same queues: the pace must hold for both
    /// together.
    fn spawn_second_worker(&self) -> Result<tokio::process::Child> {
        let log = std::fs::File::create(self.dir.join("worker-2.log"))?;
        tokio::process::Command::new(std::env::current_exe()?)
            .args(["worker", "--dev-agency-secrets", "--agencies-file"])
            .arg(&self.agencies_file)
            .args(["--temporal-address", &self.address])
            .env(
                "LIENTHONG_LOG",
                std::env::var("LIENTHONG_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .env(KEYS_ENV, &self.key_entry)
            .env_remove(WRITE_KEY_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the second worker")
    }

    /// Files every application; returns the case codes.
    async fn submit_all(&self, target: &Arc<Target>) -> Result<Vec<String>> {
        let tag = target.tag.clone();
        self.each(target, (0..self.cases).collect(), move |target, index| {
            let id = format!("{tag}-drain-{index}");
            async move { target.submit(&id).await }
        })
        .await
    }

    /// Waits until every case's call to the agency has failed at least once.
    async fn wait_parked(&self, target: &Arc<Target>, codes: &[String], step: &str) -> Result<()> {
        // Every attempt is paced, failed ones too: each case's first attempt waits its turn
        // behind the retries of the cases before it (measured: about a third of the pace goes
        // to first attempts while the backlog builds).
        let deadline = Instant::now()
            + Duration::from_secs(120)
            + Duration::from_secs_f64(self.cases as f64 / self.rate * 4.0);
        let step = step.to_owned();
        self.each(target, codes.to_vec(), move |target, code| {
            let step = step.clone();
            async move {
                loop {
                    let case: Value = target
                        .http
                        .get(format!("{}/v1/ops/cases/{code}", target.api))
                        .send()
                        .await?
                        .json()
                        .await
                        .unwrap_or_default();
                    // A second attempt means the first failed; `last_error` shows once the
                    // step's attempts are spent.
                    let failed = case["case"]["steps"]
                        .as_array()
                        .and_then(|steps| steps.iter().find(|s| s["id"] == step.as_str()))
                        .is_some_and(|s| {
                            s["attempts"].as_u64().is_some_and(|n| n >= 2)
                                || !s["last_error"].is_null()
                        });
                    if failed {
                        return Ok(());
                    }
                    if Instant::now() > deadline {
                        bail!("case {code} never reached the agency: {case}");
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        })
        .await
        .map(|_| ())
    }

    /// An operator asks every case to send its call again now; returns how many were taken
    /// (a case whose retry timer fired first has nothing left to retry).
    async fn retry_all(&self, target: &Arc<Target>, codes: &[String], step: &str) -> Result<usize> {
        let step = step.to_owned();
        let taken = self
            .each(target, codes.to_vec(), move |target, code| {
                // `force`: the API's health check looks at the catalogue's address, not the simulator's.
                let body = json!({
                    "action": "retry_now", "step": step, "reason": "the agency is back", "force": true,
                });
                async move {
                    let response = target
                        .http
                        .post(format!("{}/v1/ops/cases/{code}/actions", target.api))
                        .json(&body)
                        .send()
                        .await?;
                    Ok(response.status().is_success())
                }
            })
            .await?;
        Ok(taken.into_iter().filter(|t| *t).count())
    }

    /// Waits for every case's end; returns how many completed.
    async fn wait_ended(&self, target: &Arc<Target>, codes: &[String]) -> Result<usize> {
        let within =
            Duration::from_secs(300) + Duration::from_secs_f64(self.cases as f64 / self.rate * 2.0);
        let ended = self
            .each(target, codes.to_vec(), move |target, code| async move {
                let state = tokio::time::timeout(
                    within,
                    target
                        .client
                        .get_workflow_handle::<CaseWorkflow>(&code)
                        .get_result(WorkflowGetResultOptions::default()),
                )
                .await
                .with_context(|| format!("case {code} did not end in time"))?
                .map_err(|e| anyhow::anyhow!("case {code} failed: {e}"))?;
                Ok(serde_json::to_value(&state)?["status"] == "completed")
            })
            .await?;
        Ok(ended.into_iter().filter(|c| *c).count())
    }

    /// The agency's successful acts, from its own register.
    async fn register(&self, target: &Target, agency_url: &str) -> Result<Register> {
        let listed: Value = target
            .http
            .get(format!("{agency_url}/admin/acts"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut register = Register {
            times: Vec::new(),
            by_case: BTreeMap::new(),
        };
        for act in listed["acts"].as_array().context("no acts listed")? {
            let ok = act["status_code"]
                .as_i64()
                .is_some_and(|s| (200..300).contains(&s));
            // Only this run's cases: an undo or a refusal is not a registration.
            let (Some(key), Some(at), true) =
                (act["idempotency_key"].as_str(), act["at_ms"].as_i64(), ok)
            else {
                continue;
            };
            let code = key.split('/').next().unwrap_or(key).to_owned();
            register.times.push(at);
            *register.by_case.entry(code).or_default() += 1;
        }
        register.times.sort_unstable();
        Ok(register)
    }

    /// Runs `one` on every item, `concurrency` at a time; results in the items' order.
    async fn each<I, T, F, Fut>(
        &self,
        target: &Arc<Target>,
        items: Vec<I>,
        one: F,
    ) -> Result<Vec<T>>
    where
        I: Clone + Send + Sync + 'static,
        T: Send + 'static,
        F: Fn(Arc<Target>, I) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T>> + Send,
    {
        let items = Arc::new(items);
        let one = Arc::new(one);
        let next = Arc::new(AtomicUsize::new(0));
        let mut clients = JoinSet::new();
        for _ in 0..self.concurrency.clamp(1, items.len().max(1)) {
            let (target, items, one, next) =
                (target.clone(), items.clone(), one.clone(), next.clone());
            clients.spawn(async move {
                let mut done = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        return Ok::<_, anyhow::Error>(done);
                    };
                    done.push((index, one(target.clone(), item.clone()).await?));
                }
            });
        }
        let mut all = Vec::with_capacity(items.len());
        while let Some(client) = clients.join_next().await {
            all.extend(client??);
        }
        all.sort_by_key(|(index, _)| *index);
        Ok(all.into_iter().map(|(_, t)| t).collect())
    }
}

/// Cuts the agency off for 10 minutes from now (the longest window a simulator takes).
async fn begin_outage(http: reqwest::Client, faults: String) -> Result<()> {
    let outage = json!({"operation": "*", "mode": "outage", "duration_ms": 600_000});
    http.post(faults)
        .json(&outage)
        .send()
        .await?
        .error_for_status()
        .context("the simulator refused the outage")?;
    Ok(())
}

/// The most acts in any window of `width_ms` that starts at an act.
fn busiest(times: &[i64], width_ms: i64) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t - times[i] < width_ms)
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_window_counts_the_acts_within_it() {
        assert_eq!(busiest(&[], 1000), 0);
        assert_eq!(busiest(&[0, 400, 999, 1000, 1500, 1999], 1000), 3);
        assert_eq!(busiest(&[0, 2000, 4000], 1000), 1);
    }

    #[test]
    fn a_drain_runs_on_an_agency_the_shipped_procedure_calls() {
        assert_eq!(Drain::step_of("social-insurance").ok(), Some("insurance"));
        assert!(Drain::step_of("population").is_err());
    }
}
