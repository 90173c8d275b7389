//! `lienthong bench`: how many cases per second this machine runs end to end, and how far that is
//! from the bare ceiling of Temporal itself (a no-op workflow of the same activity shape).
//!
//! Everything runs locally on 127.0.0.1: the real Temporal dev server, the agency simulators and
//! the API in this process, and the worker as a child process so its CPU time and peak memory can
//! be read from `/proc` without counting the load generator.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use lienthong_codec::{KEYS_ENV, KeyRing, PayloadCipher, WRITE_KEY_ENV, generate_key_entry};
use lienthong_workflows::{CaseWorkflow, CeilingShape, CeilingWorkflow};
use serde_json::{Value, json};
use temporalio_client::{Client, WorkflowGetResultOptions, WorkflowStartOptions};
use tokio::task::JoinSet;

mod agency_time;
mod bench_worker;
mod drain;
mod filing;
mod history;
mod open_cases;

use bench_worker::BenchWorker;

use crate::{
    DEFAULT_TASK_QUEUE,
    connect::connect_with,
    roles,
    shutdown::Stop,
    temporal_dev::{DevServer, DevServerError, DevServerOptions},
};

const EXAMPLE: &str = include_str!("../examples/applications/birth-residence-insurance.json");

/// The agencies a case waits on; population is only called by civil status, so it stays fast.
const FAULTED: [&str; 3] = ["civil-status", "residence", "social-insurance"];

/// The agencies on a case's critical path, stage by stage: birth, then residence and insurance
/// in parallel.
const CRITICAL_PATH: [&[&str]; 2] = [&["civil-status"], &["residence", "social-insurance"]];
/// Workflow steps per case, over which the engine's own overhead is spread.
const STEPS: f64 = 3.0;

/// What `DevServer` is started with, printed so figures from different set-ups are not mixed.
const SERVER: &str = "dev(partitions=1,sqlite=WAL)";

/// No case should take this long even with injected errors; past it the run is reported stuck.
const CASE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long one filing is sent again while the API answers that it is busy.
const RETRY_FILING_FOR: Duration = Duration::from_secs(120);

/// `/proc/<pid>/stat` counts CPU time in USER_HZ ticks, fixed at 100 by the Linux ABI.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Cases (and ceiling workflows) per measured run.
    #[arg(long, default_value_t = 200)]
    pub cases: usize,
    /// Clients submitting at once; each waits for its case to end before the next.
    #[arg(long, default_value_t = 20)]
    pub concurrency: usize,
    /// Latency injected into every civil-status, residence and social-insurance operation.
    #[arg(long, default_value_t = 0)]
    pub agency_latency_ms: u64,
    /// Probability (0 to 1) that those operations answer 503 instead, so the engine retries.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Measure the engine only.
    #[arg(long)]
    pub skip_ceiling: bool,
    /// The `temporal` CLI to run.
    #[arg(long, default_value = "temporal", env = "LIENTHONG_TEMPORAL_BIN")]
    pub temporal_bin: PathBuf,
    /// Cases the worker keeps in memory between steps.
    #[arg(long, default_value_t = lienthong_worker::DEFAULT_MAX_CACHED_WORKFLOWS)]
    pub max_cached_workflows: usize,
    /// Server dynamic configuration `key=value` to set on top of lienthong's tuned settings
    /// (repeatable), e.g. `history.transferProcessorMaxPollRPS=20` to measure the default.
    #[arg(long = "server-config")]
    pub server_config: Vec<String>,
    /// Instead of the throughput runs: leave this many cases open, waiting on social insurance's
    /// decision, report worker and Temporal memory, then complete them all by callbacks.
    #[arg(long)]
    pub open_cases: Option<usize>,
    /// Runs the worker under this command (e.g. `heaptrack` or `perf record -g --`), to profile
    /// it with the load; split on spaces. The worker CPU and memory figures then describe the
    /// wrapper, not the worker.
    #[arg(long)]
    pub worker_wrapper: Option<String>,
    /// Where the engine runs an agency call's first attempt: `local` or `queued`.
    #[arg(long, value_enum, default_value_t = crate::FirstAttempt::Local)]
    pub first_attempt: crate::FirstAttempt,
    /// Runs the worker in this process on the API's Temporal client, as `lienthong dev` does,
    /// so new cases start eagerly; the worker figures then cover this whole process.
    #[arg(long)]
    pub in_process_worker: bool,
    /// Instead of the throughput runs: fill the stack with this many cases (completed, waiting
    /// on a decision, needing attention), then time the operator's and the citizen's views.
    #[arg(long)]
    pub history: Option<usize>,
    /// Instead of the throughput runs: park this many cases on an outage of `--agency`, which
    /// declares `--rate` calls a second, end it, and report how the backlog drained through two
    /// workers (src/bench/drain.rs).
    #[arg(long)]
    pub drain: Option<usize>,
    /// The agency a drain parks its cases on.
    #[arg(long, default_value = "social-insurance")]
    pub agency: String,
    /// The pace the drained agency declares, calls a second.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
}

/// Runs the benchmark and prints one line per run, then the ratio between them.
pub async fn run(args: BenchArgs) -> Result<()> {
    if args.cases == 0 || args.concurrency == 0 {
        bail!("--cases and --concurrency must be at least 1");
    }
    if !(0.0..=1.0).contains(&args.error_rate) {
        bail!("--error-rate is a probability between 0 and 1");
    }
    if args.history == Some(0) {
        bail!("--history must be at least 1");
    }
    if args.drain == Some(0) || !(args.rate.is_finite() && args.rate > 0.0) {
        bail!("--drain must be at least 1 and --rate a positive number");
    }
    if args.in_process_worker
        && (args.open_cases.is_some()
            || args.worker_wrapper.is_some()
            || args.history.is_some()
            || args.drain.is_some())
    {
        bail!(
            "--open-cases, --history and --worker-wrapper measure the worker alone; drop --in-process-worker"
        );
    }
    // The HTTP client's TLS needs a provider even though only plain HTTP is used; idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tag = run_tag();
    let dir = std::env::temp_dir().join(format!("lienthong-bench-{tag}"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let mut options = DevServerOptions::new(dir.join("temporal.db"), free_port()?, None);
    options.binary = args.temporal_bin.clone();
    for pair in &args.server_config {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("`{pair}` should be key=value"))?;
        options
            .dynamic_config
            .insert(key.to_owned(), value.to_owned());
    }
    println!("server  dev(sqlite=WAL) {}", options.dynamic_config_text());
    let result = match start_server(options).await {
        Ok(server) => {
            let result = with_server(&args, &dir, &tag, &server, server.pid()).await;
            server.stop().await;
            result
        }
        Err(e) => Err(e.into()),
    };
    if result.is_err() {
        eprintln!("{}", log_tail(&dir.join("worker.log"), 40));
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Starts the API, simulators and worker on the running server, measures, and stops them all
/// whatever happened.
async fn with_server(
    args: &BenchArgs,
    dir: &Path,
    tag: &str,
    server: &DevServer,
    server_pid: Option<u32>,
) -> Result<()> {
    let address = server.address().to_string();
    let listener = roles::bind_api("127.0.0.1:0".parse()?).await?;
    let api = format!("http://{}", listener.local_addr()?);
    let key = PayloadKey::new()?;
    let token_key = lienthong_identity::DevKey::generate();
    let officer = lienthong_identity::Claims {
        sub: "bench".into(),
        // A drain declares its agency's pace as that agency's administrator.
        roles: vec!["operator".into(), "agency-admin".into()],
        agencies: FAULTED.map(str::to_owned).to_vec(),
        offices: vec!["01".into()],
        ..lienthong_identity::Claims::default()
    };
    let token = token_key.mint(&officer, std::time::Duration::from_secs(24 * 3600))?;
    let citizen = token_key.mint(
        &history::citizen()?,
        std::time::Duration::from_secs(24 * 3600),
    )?;
    // The API gets its own connection, as it would in its own process.
    let api_client = connect_with(Some(&address), None, Some(&key.cipher)).await?;
    let api_task = tokio::spawn(roles::serve_api(
        listener,
        api_client.clone(),
        roles::ApiOptions {
            config: lienthong_api::ApiConfig {
                callback_secrets: roles::dev_callback_secrets(),
                database_url: lienthong_store::Store::sqlite_url(dir),
                first_attempt: args.first_attempt.into(),
                // The load comes from one account on purpose.
                rates: lienthong_api::RatesPerMinute::NONE,
                ..lienthong_api::ApiConfig::default()
            },
            metrics: lienthong_telemetry::Metrics::new(),
            verifier: std::sync::Arc::new(token_key.verifier()?),
            payload_cipher: key.cipher.clone(),
        },
        Stop::on_signals(),
        || Ok(()),
    ));
    let sims = roles::start_agencies(dir.join("agencies"), None, true, Some(api.clone())).await;
    let result = match sims {
        Ok(sims) => {
            let result = with_agencies(
                args,
                (dir, tag),
                (&address, server_pid, &api_client),
                &key,
                (&api, &token, &citizen),
                &sims.urls(),
            )
            .await;
            sims.shutdown().await;
            result
        }
        Err(e) => Err(e),
    };
    api_task.abort();
    result
}

async fn with_agencies(
    args: &BenchArgs,
    (dir, tag): (&Path, &str),
    (address, server_pid, api_client): (&str, Option<u32>, &Client),
    key: &PayloadKey,
    (api, token, citizen): (&str, &str, &str),
    agencies: &BTreeMap<String, String>,
) -> Result<()> {
    let agencies_file = dir.join("agencies.json");
    roles::write_ready_file(&agencies_file, &serde_json::to_value(agencies)?)?;
    // The load is filed by an officer of province 01, where the API files it by default.
    let http = reqwest::Client::builder()
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse()?,
        )]))
        .build()?;
    inject_faults(&http, agencies, args).await?;

    let metrics_address = format!("127.0.0.1:{}", free_port()?);
    // The SDK's worker future is not `Send`: it runs beside the load in this task, not spawned.
    let (mut worker, in_process) = if args.in_process_worker {
        let run = roles::run_worker(
            api_client.clone(),
            lienthong_worker::WorkerConfig {
                agency_credentials: roles::agency_credentials(true)?,
                metrics_listen: Some(metrics_address.parse()?),
                max_cached_workflows: args.max_cached_workflows,
                hosts_bench_ceiling: true,
                ..lienthong_worker::WorkerConfig::new(DEFAULT_TASK_QUEUE, agencies.clone())
            },
            Stop::on_signals(),
        );
        (BenchWorker::InProcess, Some(run))
    } else {
        let child = spawn_worker(args, dir, &agencies_file, address, &metrics_address, key)?;
        (BenchWorker::Child(child), None)
    };
    let target = Arc::new(Target {
        server_pid,
        http,
        api: api.to_owned(),
        client: connect_with(Some(address), None, Some(&key.cipher)).await?,
        worker_metrics: format!("http://{metrics_address}/metrics"),
        tag: tag.to_owned(),
        refused_for_now: AtomicUsize::new(0),
    });
    // Ctrl-C ends the run early; everything started is still stopped below.
    let open = args.open_cases.map(|cases| open_cases::OpenCases {
        cases,
        concurrency: args.concurrency,
        worker_metrics: format!("http://{metrics_address}/metrics"),
        social_insurance: agencies
            .get("social-insurance")
            .cloned()
            .unwrap_or_default(),
        server_pid,
    });
    let history = args.history.map(|cases| history::History {
        cases,
        concurrency: args.concurrency,
        social_insurance: agencies
            .get("social-insurance")
            .cloned()
            .unwrap_or_default(),
        server_pid,
        citizen_token: citizen.to_owned(),
        operator_token: token.to_owned(),
    });
    let drain = args.drain.map(|cases| drain::Drain {
        cases,
        rate: args.rate,
        agency: args.agency.clone(),
        concurrency: args.concurrency,
        agencies: agencies.clone(),
        dir: dir.to_owned(),
        agencies_file: agencies_file.clone(),
        address: address.to_owned(),
        key_entry: key.entry.clone(),
    });
    let result = tokio::select! {
        result = async {
            if let Some(drain) = &drain {
                return drain.run(&target, &mut worker).await;
            }
            if let Some(history) = &history {
                return history.run(&target, &mut worker).await;
            }
            match &open {
                Some(open) => {
                    open.run(&target, &mut worker).await?;
                    callback_figures(&target, open.cases).await
                }
                None => measure(args, &target, &mut worker).await,
            }
        } => result,
        stopped = async {
            match in_process {
                Some(run) => run.await,
                None => std::future::pending().await,
            }
        } => Err(stopped.err().unwrap_or_else(|| anyhow::anyhow!("stopped")).context("the in-process worker stopped")),
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    worker.stop().await;
    result
}

/// After an open-cases run, what the worker and the API counted rather than what was asked:
/// `open-cases-ended completed=N pending_answers=N callbacks_accepted=N`, the cases that ended
/// `completed`, social insurance's `pending` answers that held them open, and the decisions the
/// API took by signed callback (answered 202). The API counts a callback as its answer leaves,
/// just after the decision reached the case, so its count is given a few seconds to catch up
/// with the cases that decision completed.
async fn callback_figures(target: &Target, cases: usize) -> Result<()> {
    const CALLBACKS: &str = "lienthong_http_request_duration_seconds_count";
    let accepted = [
        r#"route="/v1/agencies/{agency}/callbacks""#,
        r#"status="202""#,
    ];
    let api_metrics = format!("{}/metrics", target.api);
    let deadline = Instant::now() + Duration::from_secs(10);
    let callbacks = loop {
        let text = metrics_text(&target.http, &api_metrics).await?;
        let callbacks = metric_sum(&text, CALLBACKS, &accepted);
        if callbacks >= cases as f64 || Instant::now() > deadline {
            break callbacks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let worker = metrics_text(&target.http, &target.worker_metrics).await?;
    let completed = metric_sum(
        &worker,
        "lienthong_cases_ended_total",
        &[r#"status="completed""#],
    );
    let pending = metric_sum(
        &worker,
        "lienthong_step_attempts_total",
        &[r#"agency="social-insurance""#, r#"outcome="pending""#],
    );
    println!(
        "open-cases-ended completed={completed} pending_answers={pending} callbacks_accepted={callbacks}"
    );
    Ok(())
}

/// A `GET /metrics` page, in the Prometheus text format.
async fn metrics_text(http: &reqwest::Client, url: &str) -> Result<String> {
    Ok(http
        .get(url)
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("{url} refused"))?
        .text()
        .await?)
}

/// The sum of the samples of `name` whose labels include every one of `labels`.
fn metric_sum(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let series_labels = series.strip_prefix(name)?.strip_prefix('{')?;
            labels
                .iter()
                .all(|label| series_labels.contains(label))
                .then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

/// The worker as a child process, so its CPU time and memory are its own.
fn spawn_worker(
    args: &BenchArgs,
    dir: &Path,
    agencies_file: &Path,
    address: &str,
    metrics_address: &str,
    key: &PayloadKey,
) -> Result<tokio::process::Child> {
    let log = std::fs::File::create(dir.join("worker.log"))?;
    let exe = std::env::current_exe()?;
    let wrapper: Vec<&str> = args
        .worker_wrapper
        .as_deref()
        .map(|w| w.split_whitespace().collect())
        .unwrap_or_default();
    let mut command = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut command = tokio::process::Command::new(program);
            command.args(rest).arg(&exe);
            command
        }
        None => tokio::process::Command::new(&exe),
    };
    let worker = command
        .args([
            "worker",
            "--dev-agency-secrets",
            "--hosts-bench-ceiling",
            "--agencies-file",
        ])
        .arg(agencies_file)
        .args(["--temporal-address", address])
        .args(["--metrics-listen", metrics_address])
        .args([
            "--max-cached-workflows",
            &args.max_cached_workflows.to_string(),
        ])
        // A log line per act would be measured with the load; LIENTHONG_LOG still wins.
        .env(
            "LIENTHONG_LOG",
            std::env::var("LIENTHONG_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env(KEYS_ENV, &key.entry)
        .env_remove(WRITE_KEY_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        // A group of its own, so `BenchWorker::stop` reaches a wrapper's child too.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the worker")?;
    Ok(worker)
}

/// Warms up, then runs the engine load and (unless skipped) the ceiling load, printing a line
/// for each as soon as it is known.
async fn measure(args: &BenchArgs, target: &Arc<Target>, worker: &mut BenchWorker) -> Result<()> {
    let pid = worker.pid().context("the worker exited at once")?;
    let warmup = args.cases.min(10);
    // Also proves the worker is polling: the first cases wait for it to start.
    exit_check(
        drive(target, Load::Engine, "warm", warmup, args.concurrency).await,
        worker,
    )?;
    let agencies_before = agency_time::AgencyTime::read(target).await;
    let engine = measured(target, Load::Engine, args, pid).await;
    let engine = exit_check(engine, worker)?;
    // What the agencies took on the critical path, measured by the worker around each call.
    let agency_ms = agency_time::AgencyTime::read(target)
        .await
        .critical_path_ms_since(&agencies_before);
    let overhead = (engine.p(0.50) - agency_ms) / STEPS;
    println!(
        "engine  {} agency_critical_path_ms={agency_ms:.1} overhead_per_step_p50_ms={overhead:.1} {} agency_latency_ms={} error_rate={} first_attempt={:?} worker_process={} server={SERVER}",
        engine.figures(),
        engine.worker(),
        args.agency_latency_ms,
        args.error_rate,
        args.first_attempt,
        worker.label(),
    );
    let sent_again = target.refused_for_now.load(Ordering::Relaxed);
    if sent_again > 0 {
        eprintln!(
            "note: the API turned {sent_again} filings away for a moment; they were sent again and their wait is in the latencies"
        );
    }
    if engine.incomplete > 0 {
        eprintln!(
            "note: {} of {} cases did not end `completed` (agency faults exhausted their retries)",
            engine.incomplete, args.cases
        );
    }
    if args.skip_ceiling {
        return Ok(());
    }
    // The bare ceiling in both forms a case's calls can take: every activity on the task
    // queue, and every activity local.
    for (local, name) in [(false, "ceiling"), (true, "ceiling_local")] {
        let load = Load::Ceiling(CeilingShape { local });
        exit_check(
            drive(target, load, "warm", warmup, args.concurrency).await,
            worker,
        )?;
        let ceiling = exit_check(measured(target, load, args, pid).await, worker)?;
        println!(
            "{name:<7} {} overhead_per_step_p50_ms={:.1} {} server={SERVER}",
            ceiling.figures(),
            ceiling.p(0.50) / STEPS,
            ceiling.worker(),
        );
        println!(
            "ratio   engine/{name} throughput={:.2} p50={:.2}",
            engine.per_second() / ceiling.per_second(),
            engine.p(0.50) / ceiling.p(0.50),
        );
    }
    Ok(())
}

/// A failing load usually means the worker died; say so rather than show a timeout.
fn exit_check<T>(result: Result<T>, worker: &mut BenchWorker) -> Result<T> {
    if let Some(how) = worker.ended() {
        bail!("the worker exited ({how}); its log follows");
    }
    result
}

/// One measured run, with the worker's CPU time and peak memory over that run alone.
async fn measured(target: &Arc<Target>, load: Load, args: &BenchArgs, pid: u32) -> Result<Run> {
    // Resets VmHWM to the current RSS: the peak is this run's, not the warm-up's or the engine's.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let cpu_before = cpu_seconds(pid)?;
    // Where the rest of the machine's time goes: the Temporal server, and this process (the
    // API, the agency simulators and the load's own clients).
    let server_before = target.server_pid.map(tree_cpu_seconds);
    let own_before = cpu_seconds(std::process::id())?;
    let started = Instant::now();
    let label = match load {
        Load::Engine => "engine",
        Load::Ceiling(CeilingShape { local: false }) => "ceiling",
        Load::Ceiling(CeilingShape { local: true }) => "ceiling-local",
    };
    let (mut latencies, incomplete) =
        drive(target, load, label, args.cases, args.concurrency).await?;
    let wall = started.elapsed();
    let cpu = cpu_seconds(pid)? - cpu_before;
    let per_case = |seconds: f64| seconds / args.cases as f64;
    let server_cpu = target
        .server_pid
        .zip(server_before)
        .map(|(server, before)| per_case(tree_cpu_seconds(server) - before));
    let own_cpu = per_case(cpu_seconds(std::process::id())? - own_before);
    latencies.sort();
    Ok(Run {
        concurrency: args.concurrency,
        latencies,
        incomplete,
        wall,
        cpu_per_case: per_case(cpu),
        server_cpu_per_case: server_cpu,
        api_and_agencies_cpu_per_case: own_cpu,
        peak_mb: peak_mb(pid),
    })
}

#[derive(Debug, Clone, Copy)]
enum Load {
    /// The example application through the HTTP API and the case workflow.
    Engine,
    /// The no-op workflow started directly.
    Ceiling(CeilingShape),
}

/// The run's own payload key: the API and the load client in this process hold the cipher, the
/// worker child gets the same key through its environment.
struct PayloadKey {
    entry: String,
    cipher: Arc<PayloadCipher>,
}

impl PayloadKey {
    fn new() -> Result<Self> {
        let entry = generate_key_entry("bench")?;
        let cipher = Arc::new(PayloadCipher::new(KeyRing::parse(&entry)?));
        Ok(Self { entry, cipher })
    }
}

/// Where the load goes.
struct Target {
    /// The Temporal server's process, for its CPU time.
    server_pid: Option<u32>,
    http: reqwest::Client,
    api: String,
    client: Client,
    /// The worker's `/metrics`.
    worker_metrics: String,
    /// Makes this run's workflow ids and birth-certificate numbers unique.
    tag: String,
    /// Filings the API turned away for a moment (`503`, `429`) and that were sent again.
    refused_for_now: AtomicUsize,
}

impl Target {
    /// Runs one case to its end; returns its end-to-end latency and whether it completed.
    async fn one(&self, load: Load, label: &str, index: usize) -> Result<(Duration, bool)> {
        let id = format!("{}-{label}-{index}", self.tag);
        let started = Instant::now();
        let completed = match load {
            Load::Engine => self.case(&id).await?,
            Load::Ceiling(shape) => {
                let options =
                    WorkflowStartOptions::new(DEFAULT_TASK_QUEUE, format!("bench-{id}")).build();
                self.client
                    .start_workflow(CeilingWorkflow::run, shape, options)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot start a ceiling workflow: {e}"))?
                    .get_result(WorkflowGetResultOptions::default())
                    .await
                    .map_err(|e| anyhow::anyhow!("ceiling workflow {id} failed: {e}"))?;
                true
            }
        };
        Ok((started.elapsed(), completed))
    }

    /// Files the example through the API; returns the case code. A refusal that passes is sent
    /// again (`filing::file`); the run counts those rather than stopping at the first.
    async fn submit(&self, id: &str) -> Result<String> {
        let mut body: Value = serde_json::from_str(EXAMPLE)?;
        // Civil status refuses a second birth on the same e-birth certificate.
        body["application"]["e_birth_certificate"]["number"] = json!(format!("GCS-BENCH-{id}"));
        let filed = filing::file(&self.http, &self.api, &body, id, RETRY_FILING_FOR).await?;
        self.refused_for_now
            .fetch_add(filed.sent_again, Ordering::Relaxed);
        Ok(filed.case_code)
    }

    /// Files the example through the API and waits for the case's final state.
    async fn case(&self, id: &str) -> Result<bool> {
        let code = self.submit(id).await?;
        let code = code.as_str();
        // A long poll on the workflow's result: the latency carries no polling interval.
        let state = self
            .client
            .get_workflow_handle::<CaseWorkflow>(code)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| anyhow::anyhow!("case {code} failed: {e}"))?;
        Ok(serde_json::to_value(&state)?["status"] == "completed")
    }
}

/// `concurrency` clients share `cases` between them, each running one case at a time. Returns
/// every latency and how many cases did not complete; the first error stops the run.
async fn drive(
    target: &Arc<Target>,
    load: Load,
    label: &'static str,
    cases: usize,
    concurrency: usize,
) -> Result<(Vec<Duration>, usize)> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = JoinSet::new();
    for _ in 0..concurrency.min(cases) {
        let (target, next) = (target.clone(), next.clone());
        clients.spawn(async move {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= cases {
                    return Ok::<_, anyhow::Error>(done);
                }
                let one = tokio::time::timeout(CASE_TIMEOUT, target.one(load, label, index));
                done.push(one.await.context("a case did not end in time")??);
            }
        });
    }
    let (mut latencies, mut incomplete) = (Vec::with_capacity(cases), 0);
    // Dropping the set on an early return aborts the other clients.
    while let Some(client) = clients.join_next().await {
        for (latency, completed) in client?? {
            latencies.push(latency);
            incomplete += usize::from(!completed);
        }
    }
    Ok((latencies, incomplete))
}

/// One measured run's figures.
struct Run {
    concurrency: usize,
    /// Sorted.
    latencies: Vec<Duration>,
    incomplete: usize,
    wall: Duration,
    cpu_per_case: f64,
    /// The Temporal server's CPU seconds per case, when its process is known.
    server_cpu_per_case: Option<f64>,
    /// This process's: the API, the simulators and the load clients.
    api_and_agencies_cpu_per_case: f64,
    peak_mb: Option<f64>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    /// Nearest-rank percentile, in milliseconds.
    fn p(&self, quantile: f64) -> f64 {
        let rank = (quantile * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn figures(&self) -> String {
        format!(
            "cases={} concurrency={} cases/s={:.1} p50_ms={:.1} p95_ms={:.1} p99_ms={:.1}",
            self.latencies.len(),
            self.concurrency,
            self.per_second(),
            self.p(0.50),
            self.p(0.95),
            self.p(0.99),
        )
    }

    fn worker(&self) -> String {
        let peak = self
            .peak_mb
            .map_or_else(|| "unknown".to_owned(), |mb| format!("{mb:.1}"));
        let server = self
            .server_cpu_per_case
            .map_or_else(|| "unknown".to_owned(), |s| format!("{s:.4}"));
        format!(
            "worker_cpu_s_per_case={:.4} worker_peak_mb={peak} temporal_cpu_s_per_case={server} api_agencies_load_cpu_s_per_case={:.4}",
            self.cpu_per_case, self.api_and_agencies_cpu_per_case
        )
    }
}

/// Sets the same fault on every agency a case waits on.
async fn inject_faults(
    http: &reqwest::Client,
    agencies: &BTreeMap<String, String>,
    args: &BenchArgs,
) -> Result<()> {
    // Matching faults share one roll in queue order, each taking a slice as wide as its
    // probability: the error goes first, and the latency (probability 1) covers the rest.
    let mut faults = Vec::new();
    if args.error_rate > 0.0 {
        let p = args.error_rate;
        faults.push(json!({"operation": "*", "mode": "error", "status": 503, "probability": p}));
    }
    if args.agency_latency_ms > 0 {
        let ms = args.agency_latency_ms;
        faults.push(json!({"operation": "*", "mode": "latency", "latency_ms": ms}));
    }
    for agency in FAULTED {
        let url = agencies
            .get(agency)
            .with_context(|| format!("no {agency} simulator"))?;
        for fault in &faults {
            let response = http
                .post(format!("{url}/admin/faults"))
                .json(fault)
                .send()
                .await?;
            if !response.status().is_success() {
                bail!("{agency} refused a fault: {}", response.text().await?);
            }
        }
    }
    Ok(())
}

/// User plus system CPU time the process has used, in seconds.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .context("cannot read the worker's CPU time")?;
    // The command name may contain spaces; the numeric fields start after its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat(5), 11 and 12 after the name.
    let ticks = |i: usize| -> Result<f64> {
        Ok(fields
            .get(i)
            .context("unexpected /proc stat format")?
            .parse::<u64>()? as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
}

/// The process's peak resident memory (VmHWM), in MiB.
/// CPU seconds of a process and its descendants (the `temporal` command may be a launcher).
fn tree_cpu_seconds(root: u32) -> f64 {
    open_cases::process_tree(root)
        .into_iter()
        .filter_map(|pid| cpu_seconds(pid).ok())
        .sum()
}

fn peak_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The dev server also binds ports next to the one it is given, which another process may have
/// just taken: a start that fails is tried again on another free port.
async fn start_server(options: DevServerOptions) -> Result<DevServer, DevServerError> {
    let mut result = DevServer::start(options.clone()).await;
    for _ in 0..2 {
        if result.is_ok() {
            break;
        }
        let mut retry = options.clone();
        retry.port = free_port().unwrap_or(options.port);
        result = DevServer::start(retry).await;
    }
    result
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Unique per invocation, so concurrent benches never share a directory or a workflow id.
fn run_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}-{nanos:09}", std::process::id())
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(lines).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}
