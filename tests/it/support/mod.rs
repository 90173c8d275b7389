//! One harness for every integration test: a real Temporal dev server, the agency simulators, a
//! worker and the API, each a separate process on free ports, with registers in a temp dir.

#![allow(dead_code)]

pub mod browser;
pub mod notify;
pub mod oidc_issuer;

use std::{
    collections::BTreeMap,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, Result, anyhow, bail};
use lienthong::temporal_dev::{DevServer, DevServerOptions};
use lienthong_identity::{Claims, DevKey};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub const EXAMPLE: &str =
    include_str!("../../../examples/applications/birth-residence-insurance.json");

/// The example application, with a fresh e-birth-certificate number so cases never collide.
pub fn example_submission(tag: &str) -> Value {
    let mut body: Value = serde_json::from_str(EXAMPLE).expect("the example is valid JSON");
    body["application"]["e_birth_certificate"]["number"] = json!(format!("GCS-TEST-{tag}"));
    body
}

/// Every role at once: a citizen (the example's applicant), an operator of every office who may
/// see personal data, the administrator of every agency, and an auditor.
pub fn all_roles() -> Claims {
    Claims {
        sub: "harness".into(),
        roles: ["citizen", "operator", "agency-admin", "auditor"]
            .map(str::to_owned)
            .to_vec(),
        personal_id: Some("001190012345".into()),
        offices: vec!["*".into()],
        agencies: [
            "population",
            "civil-status",
            "residence",
            "social-insurance",
            "labour-office",
        ]
        .map(str::to_owned)
        .to_vec(),
        personal_data: true,
        exp: None,
    }
}

/// Polls `check` until it yields `Some`, pausing briefly between tries (20 ms at first, doubling
/// up to 100 ms), and fails naming `what` once `within` has passed; `check` runs at least once, and
/// once more at the deadline. An error from `check` fails at once: a check that expects errors
/// while it waits (a process still starting) turns them into `None` itself.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> Result<Option<T>>,
) -> Result<T> {
    let deadline = tokio::time::Instant::now() + within;
    let mut pause = Duration::from_millis(20);
    loop {
        if let Some(found) = check()
            .await
            .with_context(|| format!("while waiting for {what}"))?
        {
            return Ok(found);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            bail!("waited {within:?} for {what}");
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// How a [`Stack`] is started; the default is [`Stack::start`]'s stack. Every stack gets a
/// payload key and a token key of its own and no rate limits, whatever the options; variables
/// set here are applied after those, so a test can replace them.
#[derive(Debug, Default, Clone)]
pub struct StackOptions {
    procedures: Vec<(String, String)>,
    env: Vec<(String, String)>,
    otlp_endpoint: Option<String>,
    queued_first_attempt: bool,
    bare_namespace: bool,
    notify: Vec<(lienthong_workflows::Channel, String)>,
}

impl StackOptions {
    /// The API also accepts this procedure definition (file name, YAML).
    pub fn procedure(mut self, file: impl Into<String>, yaml: impl Into<String>) -> Self {
        self.procedures.push((file.into(), yaml.into()));
        self
    }

    /// The API also accepts the [`FAST`] procedure (see [`fast_procedure`]).
    pub fn fast_procedure(self) -> Self {
        let (file, yaml) = fast_procedure();
        self.procedure(file, yaml)
    }

    /// Every process of the stack gets this environment variable (a key, a setting).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The processes export traces to `endpoint` (every 200 ms) and the worker serves
    /// `/metrics` (its address in [`Stack::worker_metrics`]).
    pub fn otlp(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(endpoint.into());
        self
    }

    /// The API puts every attempt of every agency call on the task queue.
    pub fn queued_first_attempt(mut self) -> Self {
        self.queued_first_attempt = true;
        self
    }

    /// Citizens' notices on `channel` go to `url`: a `WebhookSink`'s `{url}/webhook` or
    /// `{url}/sms` (which must check [`notify::NOTIFY_SECRET`]), or a `MailCatcher`'s
    /// `smtp://…`. The API tells every new case to use the channel, and the workers send there
    /// with links to the stack's API (`LIENTHONG_PUBLIC_URL`, unless [`Self::env`] sets it).
    /// Once per channel; [`notify::NotifyReceivers::on`] sets all three.
    pub fn notify(mut self, channel: lienthong_workflows::Channel, url: impl Into<String>) -> Self {
        self.notify.retain(|(known, _)| *known != channel);
        self.notify.push((channel, url.into()));
        self
    }

    /// Temporal starts with no search attributes registered: the worker and the API must register
    /// them themselves.
    pub fn bare_namespace(mut self) -> Self {
        self.bare_namespace = true;
        self
    }
}

pub struct Stack {
    /// The engine database every API of the stack shares.
    pub database_url: String,
    /// Signs this stack's callers' tokens.
    pub token_key: DevKey,
    /// Set on every process of the stack (e.g. where to export traces).
    env: Vec<(String, String)>,
    /// The worker's `GET /metrics`, when the stack was started observed.
    pub worker_metrics: Option<String>,
    pub dir: tempfile::TempDir,
    pub temporal: DevServer,
    pub api: String,
    pub agencies: BTreeMap<String, String>,
    pub http: reqwest::Client,
    sims: Child,
    worker: Option<Child>,
    api_process: Child,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The first of `count` consecutive ports, free now, for a listener that starts later in the
/// test (a receiver that comes up, a server started after its client). They are taken below the
/// kernel's ephemeral range: a port from `free_port` is from that range, and in the meantime any
/// outgoing connection of the stack may be given it as its local port, so the late bind would
/// fail with "Address already in use".
pub fn ports_for_later(count: u16) -> u16 {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let low = if ephemeral_start > 11_000 {
        10_000
    } else {
        1_024
    };
    let high = ephemeral_start.saturating_sub(count);
    if high <= low {
        // No room below the range on this machine: a port from it, as `free_port` gives.
        return free_port();
    }
    // Spread over the range, so tests in other processes rarely try the same ports.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let span = u32::from(high - low);
    let mut offset = (nanos ^ std::process::id().wrapping_mul(7919)) % span;
    for _ in 0..200 {
        offset = (offset + 4099) % span;
        let base = low + u16::try_from(offset).unwrap_or_default();
        if (base..base + count).all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok()) {
            return base;
        }
    }
    panic!("no {count} consecutive free ports below the ephemeral range")
}

pub fn lienthong(dir: &Path, log: &str, env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lienthong"));
    let log = std::fs::File::create(dir.join(log)).expect("log file");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .env("LIENTHONG_LOG", "info")
        .envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// The dev server on a free port. It also binds ports next to the one it is given, which another
/// test's server may have just taken: a start that fails is tried again on another port. The port
/// is one for later, since a test may stop the server and start it again on the same address.
async fn start_temporal(dir: &Path, search_attributes: bool) -> Result<DevServer> {
    let mut last = None;
    for attempt in 0..3 {
        let mut options = DevServerOptions::new(
            dir.join(format!("temporal-{attempt}.db")),
            ports_for_later(1),
            None,
        );
        options.search_attributes = search_attributes;
        match DevServer::start(options).await {
            Ok(server) => return Ok(server),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(|| anyhow::anyhow!("no attempt made"), Into::into))
}

async fn read_ready(path: &Path, child: &mut Child) -> Result<Value> {
    let what = format!("{} to appear", path.display());
    eventually(&what, Duration::from_secs(30), async || {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Ok(Some(serde_json::from_str(&text)?));
        }
        if let Some(status) = child.try_wait()? {
            bail!("process exited before it was ready: {status}");
        }
        Ok(None)
    })
    .await
}

/// A callback signed as an agency signs it (`X-Lienthong-Signature: sha256=<hex HMAC-SHA256(
/// secret, "<timestamp>.<body>")>`): the same bytes can be sent to any API replica.
#[derive(Clone)]
pub struct SignedCallback {
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl SignedCallback {
    pub fn new(secret: &str, body: &Value) -> Result<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        Self::new_at(secret, body, now)
    }

    /// Signed with `timestamp` (unix seconds) instead of now.
    pub fn new_at(secret: &str, body: &Value, timestamp: u64) -> Result<Self> {
        use hmac::Mac;
        let body = serde_json::to_vec(body)?;
        let timestamp = timestamp.to_string();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())?;
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(&body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            timestamp,
            signature: format!("sha256={hex}"),
            body,
        })
    }

    /// The `X-Lienthong-Signature` value: `sha256=` and lowercase hex.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The same callback sent with `signature` in its `X-Lienthong-Signature` header instead.
    pub fn with_signature(&self, signature: impl Into<String>) -> Self {
        Self {
            signature: signature.into(),
            ..self.clone()
        }
    }

    /// Posts it to `api` as `agency`'s callback: the answer's status and body.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        api: &str,
        agency: &str,
    ) -> Result<(u16, Value)> {
        let response = http
            .post(format!("{api}/v1/agencies/{agency}/callbacks"))
            .header("content-type", "application/json")
            .header("x-lienthong-timestamp", &self.timestamp)
            .header("x-lienthong-signature", &self.signature)
            .body(self.body.clone())
            .send()
            .await?;
        Ok((
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        ))
    }
}

/// How an API process of a stack is started.
struct ApiSpec<'a> {
    dir: &'a Path,
    env: &'a [(String, String)],
    temporal: &'a str,
    database_url: &'a str,
}

impl ApiSpec<'_> {
    /// Starts `lienthong api` on a free port with its log in `<name>.log`, and waits until it
    /// serves: its child process and base URL.
    async fn spawn(&self, name: &str) -> Result<(Child, String)> {
        let ready = self.dir.join(format!("{name}.json"));
        let mut child = lienthong(self.dir, &format!("{name}.log"), self.env)
            .args([
                "api",
                "--listen",
                "127.0.0.1:0",
                "--dev-callback-secrets",
                "--temporal-address",
                self.temporal,
            ])
            .arg("--procedures")
            .arg(self.dir.join("procedures"))
            .arg("--agencies-file")
            .arg(self.dir.join("agencies.json"))
            .arg("--database-url")
            .arg(self.database_url)
            .arg("--ready-file")
            .arg(&ready)
            .spawn()?;
        let url = read_ready(&ready, &mut child).await?["api"]
            .as_str()
            .context("api url")?
            .to_owned();
        Ok((child, url))
    }
}

impl Stack {
    /// A stack with the default options.
    pub async fn start() -> Result<Self> {
        Self::start_with_options(StackOptions::default()).await
    }

    pub async fn start_with_options(options: StackOptions) -> Result<Self> {
        let StackOptions {
            procedures,
            env: extra_env,
            otlp_endpoint,
            queued_first_attempt,
            bare_namespace,
            notify,
        } = options;
        let mut env: Vec<(String, String)> = otlp_endpoint
            .as_ref()
            .map(|endpoint| {
                vec![
                    ("OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), endpoint.clone()),
                    ("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "200".to_owned()),
                ]
            })
            .unwrap_or_default();
        // Every stack encrypts its history under a key of its own, unless the test sets one.
        let key = lienthong_codec::generate_key_entry("stack")?;
        env.push(("LIENTHONG_PAYLOAD_KEYS".to_owned(), key));
        // Callers sign in with tokens of this stack's own key.
        let token_key = DevKey::generate();
        env.push(("LIENTHONG_TOKEN_KEY".to_owned(), token_key.to_text()));
        // The harness files, validates and dry-runs many times from one account; the rate-limit
        // test sets its own limits.
        for limit in [
            "LIENTHONG_SUBMISSIONS_PER_MINUTE",
            "LIENTHONG_CALLBACKS_PER_MINUTE",
            "LIENTHONG_DRY_RUNS_PER_MINUTE",
            "LIENTHONG_VALIDATIONS_PER_MINUTE",
            "LIENTHONG_SIGN_INS_PER_MINUTE",
        ] {
            env.push((limit.to_owned(), "0".to_owned()));
        }
        if queued_first_attempt {
            env.push(("LIENTHONG_FIRST_ATTEMPT".to_owned(), "queued".to_owned()));
        }
        env.extend(notify::variables(&notify));
        env.extend(extra_env);
        // A worker started again listens on it again.
        let worker_metrics = otlp_endpoint.map(|_| format!("127.0.0.1:{}", ports_for_later(1)));
        // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir()?;
        // A stack asked for a bare namespace leaves the search attributes to its roles.
        let temporal = start_temporal(dir.path(), !bare_namespace).await?;

        let sims_ready = dir.path().join("agencies.json");
        let mut sims = lienthong(dir.path(), "agencies.log", &env)
            .args(["agency-sim", "--any-port", "--data-dir"])
            .arg(dir.path().join("agencies"))
            .arg("--ready-file")
            .arg(&sims_ready)
            .spawn()?;
        let agencies: BTreeMap<String, String> =
            serde_json::from_value(read_ready(&sims_ready, &mut sims).await?)?;

        let procedures_dir = dir.path().join("procedures");
        std::fs::create_dir_all(&procedures_dir)?;
        for (name, yaml) in &procedures {
            std::fs::write(procedures_dir.join(name), yaml)?;
        }
        let database_url = env
            .iter()
            .find(|(key, _)| key == "LIENTHONG_DATABASE_URL")
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("engine.db").display()));
        let temporal_address = temporal.address().to_string();
        let api_process_spec = ApiSpec {
            dir: dir.path(),
            env: &env,
            temporal: &temporal_address,
            database_url: &database_url,
        };
        let (api_process, api) = api_process_spec.spawn("api").await?;
        // Notices link to the case's page on this stack's API.
        if !notify.is_empty() && !env.iter().any(|(key, _)| key == "LIENTHONG_PUBLIC_URL") {
            env.push(("LIENTHONG_PUBLIC_URL".to_owned(), api.clone()));
        }

        // The harness's own client acts as an officer holding every role, so a test that is not
        // about identities reads as a user would; identity tests mint narrower tokens.
        let everything = token_key.mint(&all_roles(), Duration::from_secs(3600))?;
        let http = reqwest::Client::builder()
            .default_headers(reqwest::header::HeaderMap::from_iter([(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {everything}").parse()?,
            )]))
            .build()?;
        // Decisions the simulators take later are called back to this API.
        for url in agencies.values() {
            http.post(format!("{url}/admin/callback"))
                .json(&json!({ "url": api }))
                .send()
                .await?
                .error_for_status()?;
        }
        let mut stack = Self {
            database_url,
            token_key,
            dir,
            temporal,
            api,
            agencies,
            http,
            sims,
            worker: None,
            api_process,
            env,
            worker_metrics,
        };
        stack.start_worker()?;
        Ok(stack)
    }

    pub fn start_worker(&mut self) -> Result<()> {
        let metrics: Vec<&str> = self
            .worker_metrics
            .iter()
            .flat_map(|address| ["--metrics-listen", address.as_str()])
            .collect();
        let worker = self.start_extra_worker("worker", &metrics)?;
        self.worker = Some(worker);
        Ok(())
    }

    /// A token for `claims`, valid for an hour.
    pub fn token(&self, claims: &Claims) -> String {
        self.token_key
            .mint(claims, Duration::from_secs(3600))
            .expect("a token")
    }

    /// A client that signs in with `claims` (or, with `None`, sends no token).
    pub fn client_as(&self, claims: Option<&Claims>) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(claims) = claims {
            let value = format!("Bearer {}", self.token(claims));
            headers.insert(
                reqwest::header::AUTHORIZATION,
                value.parse().expect("a header value"),
            );
        }
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("an HTTP client")
    }

    /// Sets an environment variable for the processes started from now on (a restarted worker).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(known, _)| known != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Another API process on the same Temporal, engine database and keys (a replica), with its
    /// log in `<name>.log`: its child process and base URL.
    pub async fn start_api_replica(&self, name: &str) -> Result<(Child, String)> {
        let temporal = self.temporal.address().to_string();
        ApiSpec {
            dir: self.dir.path(),
            env: &self.env,
            temporal: &temporal,
            database_url: &self.database_url,
        }
        .spawn(name)
        .await
    }

    /// A worker on the stack's task queue, with its log in `<name>.log` and `extra` flags; the
    /// stack does not keep it (the test kills it or lets it end with the stack's directory).
    pub fn start_extra_worker(&self, name: &str, extra: &[&str]) -> Result<Child> {
        Ok(
            lienthong(self.dir.path(), &format!("{name}.log"), &self.env)
                .args([
                    "worker",
                    "--dev-agency-secrets",
                    "--temporal-address",
                    &self.temporal.address().to_string(),
                ])
                .arg("--agencies-file")
                .arg(self.dir.path().join("agencies.json"))
                .arg("--agency-secrets-dir")
                .arg(self.agency_secrets_dir())
                .args(extra)
                .spawn()?,
        )
    }

    /// The folder every worker of the stack reads agency secret files from, at each call.
    pub fn agency_secrets_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("agency-secrets")
    }

    /// Gives the stack's workers an agency's secret as an operator would without a restart: a
    /// file named by its variable in their secrets folder, written whole in one step.
    pub fn put_agency_secret(&self, variable: &str, value: &str) -> Result<()> {
        let dir = self.agency_secrets_dir();
        std::fs::create_dir_all(&dir)?;
        let partial = dir.join(format!(".{variable}.partial"));
        std::fs::write(&partial, value)?;
        std::fs::rename(&partial, dir.join(variable))?;
        Ok(())
    }

    /// The text of one of the stack's logs (`worker.log`, `api.log`, a replica's).
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// SIGTERM, as a platform stops a worker: waits (at most 60 s) for it to finish what it holds
    /// and exit, and gives its exit status.
    pub async fn terminate_worker(&mut self) -> Result<std::process::ExitStatus> {
        let mut worker = self.worker.take().context("no worker running")?;
        terminate(&mut worker).await
    }

    /// SIGTERM to the stack's API: waits (at most 60 s) for it to answer what it holds and exit.
    pub async fn terminate_api(&mut self) -> Result<std::process::ExitStatus> {
        terminate(&mut self.api_process).await
    }

    /// SIGKILL: the worker gets no chance to finish anything.
    pub async fn kill_worker(&mut self) -> Result<()> {
        if let Some(mut worker) = self.worker.take() {
            worker.kill().await?;
        }
        Ok(())
    }

    pub fn register(&self, agency: &str) -> PathBuf {
        self.dir
            .path()
            .join("agencies")
            .join(format!("{agency}.db"))
    }

    /// Runs a counting query against an agency's own register.
    pub async fn count(&self, agency: &str, sql: &str, bind: &str) -> Result<i64> {
        let url = format!("sqlite://{}?mode=ro", self.register(agency).display());
        let pool = sqlx::SqlitePool::connect(&url).await?;
        let count: i64 = sqlx::query_scalar(sql).bind(bind).fetch_one(&pool).await?;
        pool.close().await;
        Ok(count)
    }

    /// Runs a query returning one number against an agency's own register.
    pub async fn scalar(&self, agency: &str, sql: &str) -> Result<i64> {
        let url = format!("sqlite://{}?mode=ro", self.register(agency).display());
        let pool = sqlx::SqlitePool::connect(&url).await?;
        let value: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
        pool.close().await;
        Ok(value)
    }

    pub async fn fault(&self, agency: &str, fault: Value) -> Result<()> {
        let response = self
            .http
            .post(format!("{}/admin/faults", self.agencies[agency]))
            .json(&fault)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("fault refused: {}", response.text().await?);
        }
        Ok(())
    }

    /// Waits until every fault queued at `agency` has been used up: a request it delays is then
    /// in flight. Reading the case instead would wait for that very request, since a case's
    /// state is read between its steps.
    pub async fn wait_faults_used(&self, agency: &str) -> Result<()> {
        let mut listed = Value::Null;
        let what = format!("{agency} to use up its faults");
        eventually(&what, Duration::from_secs(30), async || {
            listed = self
                .http
                .get(format!("{}/admin/faults", self.agencies[agency]))
                .send()
                .await?
                .json()
                .await?;
            Ok(listed["faults"]
                .as_array()
                .is_some_and(Vec::is_empty)
                .then_some(()))
        })
        .await
        .map_err(|e| anyhow!("{e:#}; still held: {listed}"))
    }

    pub async fn submit(&self, body: &Value) -> Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}/v1/applications", self.api))
            .json(body)
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// The citizen withdraws the case: the answer's status and body.
    pub async fn withdraw(&self, code: &str, reason: &str) -> Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}/v1/cases/{code}/withdraw", self.api))
            .json(&json!({ "reason": reason }))
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    pub async fn submit_ok(&self, body: &Value) -> Result<String> {
        let (status, answer) = self.submit(body).await?;
        if status != 202 {
            bail!("submission refused ({status}): {answer}");
        }
        Ok(answer["case_code"]
            .as_str()
            .context("case code")?
            .to_owned())
    }

    pub async fn case(&self, code: &str) -> Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}/v1/cases/{code}", self.api))
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// Polls the case until `done` holds, or fails after `within`.
    pub async fn wait_case(
        &self,
        code: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let mut last = Value::Null;
        let what = format!("case {code} to reach the expected state");
        eventually(&what, within, async || {
            // An answer other than the case (the API restarting) is waited out too.
            if let Ok((200, case)) = self.case(code).await {
                if done(&case) {
                    return Ok(Some(case));
                }
                last = case;
            }
            Ok(None)
        })
        .await
        .map_err(|e| anyhow!("{e:#}; last seen: {last:#}"))
    }

    pub async fn wait_ended(&self, code: &str) -> Result<Value> {
        self.wait_case(code, Duration::from_secs(60), |c| {
            !matches!(c["status"].as_str(), Some("running" | "compensating"))
        })
        .await
    }

    /// Polls a batch (as the harness's operator) until it has finished; returns its report with
    /// every outcome.
    pub async fn wait_batch(&self, batch: &str, within: Duration) -> Result<Value> {
        let mut last = Value::Null;
        eventually(&format!("batch {batch} to finish"), within, async || {
            let response = self
                .http
                .get(format!("{}/v1/ops/batches/{batch}?limit=1000", self.api))
                .send()
                .await?;
            if response.status().is_success() {
                let report: Value = response.json().await?;
                if report["progress"]["status"] == "finished" {
                    return Ok(Some(report));
                }
                last = report;
            }
            Ok(None)
        })
        .await
        .map_err(|e| anyhow!("{e:#}; last seen: {last:#}"))
    }

    pub fn logs(&self) -> String {
        ["agencies.log", "worker.log", "api.log"]
            .iter()
            .map(|f| {
                format!(
                    "--- {f}\n{}",
                    std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default()
                )
            })
            .collect()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = self.logs();
            let tail: Vec<&str> = logs.lines().rev().take(80).collect();
            eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        let _ = self.sims.start_kill();
        let _ = self.api_process.start_kill();
        if let Some(worker) = self.worker.as_mut() {
            let _ = worker.start_kill();
        }
    }
}

/// The shipped group-A procedure with short clocks, so waiting behaviour can be seen in seconds:
/// retries give up after three quick attempts and park for a second, the residence step's
/// deadline is two seconds and the citizen has three seconds to supply documents.
pub const FAST: &str = "birth-residence-insurance-fast";

pub fn fast_procedure() -> (&'static str, String) {
    let shipped = include_str!("../../../definitions/procedures/birth-residence-insurance.yaml");
    const FAST_RETRY: &str = "retry: { initial_interval: 200ms, backoff: 2.0, max_interval: 1s, max_attempts: 3, park: 1s }";
    let mut yaml = shipped.to_owned();
    for (production, fast) in [
        ("id: birth-residence-insurance", format!("id: {FAST}")),
        ("case_code_prefix: KS", "case_code_prefix: KF".to_owned()),
        (
            "retry: { initial_interval: 500ms, backoff: 2.0, max_interval: 30s, max_attempts: 8, park: 2m }",
            FAST_RETRY.to_owned(),
        ),
        (
            "    deadline: { working_days: 2 }\n",
            "    deadline: { within: 2s }\n    supplement_within: { within: 3s }\n".to_owned(),
        ),
    ] {
        // A production text that is no longer there would leave the fast procedure on
        // production clocks without a word: the tests would only get slow, or time out.
        assert!(
            yaml.contains(production),
            "the shipped group-A procedure no longer contains {production:?}: update fast_procedure()"
        );
        yaml = yaml.replace(production, &fast);
    }
    // Every step retries on the short clock, not only those spelled as the text above.
    assert_eq!(
        yaml.matches("retry:").count(),
        yaml.matches(FAST_RETRY).count(),
        "a step of the shipped group-A procedure retries on other timings: update fast_procedure()"
    );
    assert_ne!(yaml, shipped);
    ("fast.yaml", yaml)
}

pub fn step<'a>(case: &'a Value, id: &str) -> &'a Value {
    case["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == id))
        .unwrap_or(&Value::Null)
}

/// Sends `child` SIGTERM and waits at most 60 s for it to exit.
pub async fn terminate(child: &mut Child) -> Result<std::process::ExitStatus> {
    let pid = child.id().context("the process has exited already")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid)?),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .context("did not stop within 60 s of SIGTERM")?
        .map_err(Into::into)
}

#[tokio::test]
async fn eventually_yields_what_the_check_found_or_names_what_it_waited_for() -> Result<()> {
    let mut tries = 0;
    let found = eventually("the third try", Duration::from_secs(5), async || {
        tries += 1;
        Ok((tries == 3).then_some(tries))
    })
    .await?;
    assert_eq!(found, 3);

    let never = eventually("nothing", Duration::from_millis(50), async || {
        Ok(None::<()>)
    })
    .await
    .expect_err("a check that never holds fails");
    assert_eq!(never.to_string(), "waited 50ms for nothing");
    Ok(())
}
