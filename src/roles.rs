//! Each role the `lienthong` command can play, alone or together.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result};
use lienthong_agencies::{Agency, SimConfig, Simulators};
use lienthong_api::{ApiState, Catalog};
use lienthong_identity::{DevKey, Verifier};
use lienthong_store::Store;
use lienthong_telemetry::{Metrics, instrument_router, metrics_router};
use lienthong_worker::{AgencyCredential, WorkerConfig};
use temporalio_client::Client;
use tokio::net::TcpListener;

use crate::shutdown::Stop;

/// The definition files this installation publishes at start: the shipped ones, plus every
/// `*.yaml` in `extra` (an agency's own procedures; their `*.test.yaml` tests aside), in name
/// order.
pub fn definition_files(extra: Option<&Path>) -> Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = lienthong_definitions::SHIPPED
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    if let Some(dir) = extra {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the procedures folder {}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            // A procedure's tests (`<procedure>.test.yaml`) live beside it; they are not one.
            .filter(|path| {
                !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".test.yaml") || n.ends_with(".test.yml"))
            })
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            files.push((path.display().to_string(), text));
        }
    }
    Ok(files)
}

/// Opens the engine database (creating a SQLite file's folder) and publishes the definitions
/// it does not hold yet. Any invalid file stops the start with its diagnostics.
pub async fn catalog(database_url: &str, extra: Option<&Path>) -> Result<Arc<Catalog>> {
    if let Some(path) = database_url.strip_prefix("sqlite://")
        && let Some(dir) = Path::new(path.split('?').next().unwrap_or(path)).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let store = Store::connect(database_url).await?;
    let catalog = Catalog::open(store).await?;
    for (id, version) in catalog.install(&definition_files(extra)?).await? {
        tracing::info!(procedure = %id, version, "definition published at start");
    }
    Ok(Arc::new(catalog))
}

/// Agency addresses from `agency=url` pairs and, optionally, a JSON file `{"agency": "url"}`
/// (as `agency-sim --ready-file` writes it); the file's entries win.
pub fn agency_urls(pairs: &[String], file: Option<&Path>) -> Result<BTreeMap<String, String>> {
    let mut agencies = parse_agencies(pairs)?;
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let urls: BTreeMap<String, String> = serde_json::from_str(&text)
            .with_context(|| format!("{} is not {{\"agency\": \"url\"}}", file.display()))?;
        // Two addresses for one agency is a mistake to fix, not a choice to make silently.
        for (agency, url) in urls {
            match agencies.get(&agency) {
                Some(given) if given != &url => anyhow::bail!(
                    "agency `{agency}` is given two addresses: --agency {agency}={given} and \
                     {url} in {}; name it in one place",
                    file.display()
                ),
                _ => {
                    agencies.insert(agency, url);
                }
            }
        }
    }
    Ok(agencies)
}

/// Writes `value` as JSON to `path` in one step, so a reader never sees half a file.
pub fn write_ready_file(path: &Path, value: &serde_json::Value) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The development callback secrets (`dev-secret-<agency>`), which the simulators also use by
/// default. Never for production: `lienthong api --callback-secret agency=secret` sets real ones.
pub fn dev_callback_secrets() -> BTreeMap<String, String> {
    Agency::ALL
        .iter()
        .map(|a| (a.as_str().to_owned(), format!("dev-secret-{}", a.as_str())))
        .collect()
}

/// The engine's credential for each agency of the shipped catalogue, from the variable it names
/// (`LIENTHONG_SECRET_<AGENCY>`). Missing ones stop the start unless `dev`, which puts the
/// simulators' `dev-secret-<agency>` in their place.
pub fn agency_credentials(dev: bool) -> Result<BTreeMap<String, AgencyCredential>> {
    let catalogue = lienthong_definitions::catalogue::Catalogue::shipped()
        .map_err(|(file, diagnostics)| anyhow::anyhow!("{file}: {diagnostics}"))?;
    Ok(lienthong_worker::agency_credentials(
        &catalogue,
        |name| std::env::var(name).ok(),
        dev,
    )?)
}

/// How the API checks tokens: an OIDC issuer's published keys, or the installation's own key
/// (`--token-key`, or the development key `lienthong dev` keeps in its data folder).
pub fn verifier(
    token_key: Option<&str>,
    token_key_file: Option<&Path>,
    oidc_issuer: Option<&str>,
    oidc_audience: Option<String>,
) -> Result<Arc<Verifier>> {
    // A variable set but empty (as a compose file passes one it does not use) is unset.
    let token_key = token_key.filter(|v| !v.trim().is_empty());
    let oidc_issuer = oidc_issuer.filter(|v| !v.trim().is_empty());
    let oidc_audience = oidc_audience.filter(|v| !v.trim().is_empty());
    let token_key_file = token_key_file.filter(|p| !p.as_os_str().is_empty());
    let verifier = match (token_key, token_key_file, oidc_issuer) {
        (None, None, Some(issuer)) => {
            let Some(audience) = oidc_audience else {
                anyhow::bail!(
                    "--oidc-issuer needs --oidc-audience (LIENTHONG_OIDC_AUDIENCE): the client id \
                     the issuer names in `aud` of tokens meant for lienthong; without it a token \
                     the issuer made for any other application would be accepted"
                )
            };
            Verifier::oidc(issuer, &audience)?
        }
        (Some(text), None, None) => DevKey::from_text(text)?.verifier()?,
        (None, Some(file), None) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the token key {}", file.display()))?;
            DevKey::from_text(&text)?.verifier()?
        }
        (None, None, None) => anyhow::bail!(
            "no way to check callers' tokens: set --oidc-issuer (a deployment's identity provider) \
             or --token-key / --token-key-file (base64, 32 bytes or more); `lienthong dev` makes a \
             development key and prints a token for each role"
        ),
        _ => anyhow::bail!("choose one of --oidc-issuer, --token-key and --token-key-file"),
    };
    Ok(Arc::new(verifier))
}

/// What the API serves with: its settings, and the parts a process makes once.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    pub config: lienthong_api::ApiConfig,
    /// Served on `GET /metrics`, with the API's request latencies recorded in it.
    pub metrics: Metrics,
    /// Checks callers' bearer tokens.
    pub verifier: Arc<Verifier>,
    /// The history cipher, served to operators at `/v1/codec`.
    pub payload_cipher: Arc<lienthong_codec::PayloadCipher>,
}

/// Serves the API until `stop`; `on_serving` runs once the engine database is open and requests
/// are answered (where a ready file is written or a demo starts filing).
pub async fn serve_api(
    listener: TcpListener,
    client: Client,
    options: ApiOptions,
    stop: Stop,
    on_serving: impl FnOnce() -> Result<()>,
) -> Result<()> {
    serve_api_until(listener, client, options, stop.wait(), on_serving).await
}

/// Serves the API and a worker on the API's own Temporal client (so new cases start eagerly)
/// until `stop`, when the API stops accepting and the worker finishes its tasks in flight.
/// Whichever of the two ends first ends the other, and an error of either is the result: an API
/// whose worker died would take cases nothing in this process runs.
pub async fn serve_api_with_worker(
    listener: TcpListener,
    client: Client,
    options: ApiOptions,
    worker: WorkerConfig,
    stop: Stop,
    on_serving: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let (ended, ending) = tokio::sync::watch::channel(false);
    let either = |stop: Stop| {
        let mut ending = ending.clone();
        async move {
            tokio::select! {
                () = stop.wait() => {}
                _ = ending.wait_for(|ended| *ended) => {}
            }
        }
    };
    // The SDK's worker future is not `Send`: both run in this task rather than spawned.
    let worker = async {
        let result = lienthong_worker::run(client.clone(), worker, either(stop.clone())).await;
        ended.send_replace(true);
        result.context("the worker in this process stopped")
    };
    let api = async {
        let result = serve_api_until(
            listener,
            client.clone(),
            options,
            either(stop.clone()),
            on_serving,
        )
        .await;
        ended.send_replace(true);
        result
    };
    let (worker, api) = tokio::join!(worker, api);
    if let Err(error) = &worker {
        tracing::error!(error = %format!("{error:#}"), "the worker stopped; stopping the API");
    }
    worker.and(api)
}

/// Serves the API until `shutdown` resolves, then answers the requests it holds and returns.
async fn serve_api_until(
    listener: TcpListener,
    client: Client,
    options: ApiOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_serving: impl FnOnce() -> Result<()>,
) -> Result<()> {
    // Agency health checks and OIDC discovery go over HTTPS with ring, as the Temporal client's
    // TLS does; idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = options.config;
    let catalog = catalog(&config.database_url, config.procedures.as_deref()).await?;
    lienthong_api::share_csrf_key(catalog.store())
        .await
        .context("cannot read the console's key from the engine database")?;
    let state = ApiState::new(
        client,
        catalog,
        options.verifier,
        options.payload_cipher,
        config,
    );
    let app = instrument_router(lienthong_api::router(state), &options.metrics)
        .merge(metrics_router(options.metrics.clone()));
    on_serving()?;
    // With each connection's address: console sign-ins are limited per client address.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("the API server stopped with an error")
}

/// Binds the API's address, with a message that says what to do when it is taken.
pub async fn bind_api(address: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(address).await.with_context(|| {
        format!(
            "cannot listen on {address}; is another lienthong running? choose another with --listen"
        )
    })
}

/// Runs a worker until `stop`.
pub async fn run_worker(client: Client, config: WorkerConfig, stop: Stop) -> Result<()> {
    lienthong_worker::run(client, config, stop.wait()).await?;
    Ok(())
}

/// Starts the agency simulators with their registers under `data_dir`, on five consecutive
/// ports from `first_port`, on free ports (`any_port`), or on their defaults (8701-8705);
/// decisions taken later are called back to the API at `callback_url`.
pub async fn start_agencies(
    data_dir: PathBuf,
    first_port: Option<u16>,
    any_port: bool,
    callback_url: Option<String>,
) -> Result<Simulators> {
    // The same variables the worker reads: a simulator checks calls with what the engine signs.
    let mut config = SimConfig::new(data_dir).with_secrets_from(|name| std::env::var(name).ok());
    if any_port {
        config = config.with_any_free_ports();
    } else if let Some(first) = first_port {
        config.ports = Agency::ALL.into_iter().zip(first..).collect();
    }
    config.callback_url = callback_url;
    Ok(lienthong_agencies::start(config).await?)
}

/// Where `lienthong dev` sends citizens' notices: a mail catcher keeping each e-mail as an
/// `.eml` file, and a webhook sink recording each webhook and SMS as a JSON line, both under
/// `<data-dir>/outbox`.
pub struct DevOutbox {
    pub mail: lienthong_agencies::MailCatcher,
    pub sink: lienthong_agencies::WebhookSink,
}

/// The secret the development webhook and SMS gateway check signatures with.
pub const DEV_NOTIFY_SECRET: &str = "dev-secret-notify";

impl DevOutbox {
    /// Starts both on free loopback ports.
    pub async fn start(data_dir: &Path) -> Result<Self> {
        let outbox = data_dir.join("outbox");
        let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
        let mail = lienthong_agencies::MailCatcher::start(outbox.join("mail"), loopback)
            .await
            .with_context(|| format!("cannot start the mail catcher in {}", outbox.display()))?;
        let sink = lienthong_agencies::WebhookSink::start(lienthong_agencies::SinkConfig {
            file: outbox.join("webhook.jsonl"),
            secret: Some(DEV_NOTIFY_SECRET.to_owned()),
            listen: loopback,
        })
        .await
        .with_context(|| format!("cannot start the webhook sink in {}", outbox.display()))?;
        Ok(Self { mail, sink })
    }

    /// The worker's channels: every one, to these receivers, links to `public_url`.
    pub fn worker_settings(&self, public_url: &str) -> lienthong_activities::NotifySettings {
        use lienthong_activities::notify::{
            ChannelSecret, EmailChannel, HttpChannel, SMS_SECRET_ENV, SMTP_PASSWORD_ENV,
            WEBHOOK_SECRET_ENV,
        };
        let http = |path: &str, variable| HttpChannel {
            url: format!("{}/{path}", self.sink.url()),
            secret: ChannelSecret::given(variable, DEV_NOTIFY_SECRET),
        };
        lienthong_activities::NotifySettings {
            webhook: Some(http("webhook", WEBHOOK_SECRET_ENV)),
            sms: Some(http("sms", SMS_SECRET_ENV)),
            email: Some(EmailChannel {
                smtp_url: self.mail.url(),
                from: "Dịch vụ công – thử nghiệm <no-reply@lienthong.localhost>".to_owned(),
                password: ChannelSecret::from_variable(SMTP_PASSWORD_ENV, None),
            }),
            public_url: Some(public_url.to_owned()),
            ..lienthong_activities::NotifySettings::default()
        }
    }

    /// The channels the API tells new cases to use: all three.
    pub fn channels() -> Vec<lienthong_workflows::Channel> {
        use lienthong_workflows::Channel;
        vec![Channel::Webhook, Channel::Email, Channel::Sms]
    }
}

/// A port free on loopback at the moment of asking.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Parses `name=url` pairs.
pub fn parse_agencies(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (name, url) = pair.split_once('=').with_context(|| {
                format!("`{pair}` should be agency=value, e.g. civil-status=http://127.0.0.1:8702")
            })?;
            Ok((name.trim().to_owned(), url.trim().to_owned()))
        })
        .collect()
}

/// Loads faults from a JSON file `{"residence": [{fault}, ...], ...}` into running simulators
/// through their admin endpoints, so a demo or a load test can start misbehaving from the first
/// request. The same endpoints change them at run time.
pub async fn apply_fault_file(path: &Path, urls: &BTreeMap<String, String>) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let faults: BTreeMap<String, Vec<serde_json::Value>> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not {{\"agency\": [fault, ...]}}", path.display()))?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    for (agency, list) in faults {
        let url = urls
            .get(&agency)
            .with_context(|| format!("{}: no simulator called `{agency}`", path.display()))?;
        for fault in list {
            let response = http
                .post(format!("{url}/admin/faults"))
                .json(&fault)
                .send()
                .await?;
            if !response.status().is_success() {
                anyhow::bail!(
                    "{}: {agency} refused a fault: {}",
                    path.display(),
                    response.text().await?
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dev_sends_every_channel_to_its_outbox_with_settings_a_worker_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = DevOutbox::start(dir.path()).await.unwrap();
        let settings = outbox.worker_settings("http://127.0.0.1:8780");
        assert_eq!(settings.check(), Ok(()));
        assert_eq!(settings.channels(), DevOutbox::channels());
        assert!(outbox.mail.dir().starts_with(dir.path().join("outbox")));
        assert!(outbox.sink.file().starts_with(dir.path().join("outbox")));
    }

    #[test]
    fn a_procedures_folder_publishes_procedures_not_their_tests() {
        let dir = tempfile::tempdir().unwrap();
        let (_, text) = lienthong_definitions::SHIPPED[0];
        std::fs::write(dir.path().join("extra.yaml"), text).unwrap();
        std::fs::write(dir.path().join("extra.test.yaml"), "scenarios: []").unwrap();
        let files = definition_files(Some(dir.path())).unwrap();
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert!(names.iter().any(|n| n.ends_with("extra.yaml")), "{names:?}");
        assert!(
            !names.iter().any(|n| n.ends_with(".test.yaml")),
            "{names:?}"
        );
    }

    #[test]
    fn an_agency_given_two_addresses_is_an_error_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agencies.json");
        std::fs::write(
            &file,
            r#"{"residence": "http://127.0.0.1:8703", "population": "http://127.0.0.1:8701"}"#,
        )
        .unwrap();
        let error = agency_urls(&["residence=http://10.0.0.7:80".to_owned()], Some(&file))
            .expect_err("two addresses for residence");
        let text = error.to_string();
        assert!(
            text.contains("`residence` is given two addresses"),
            "{text}"
        );
        assert!(text.contains("http://10.0.0.7:80") && text.contains("http://127.0.0.1:8703"));

        // The same address in both places, and agencies named once, are fine.
        let urls =
            agency_urls(&["residence=http://127.0.0.1:8703".to_owned()], Some(&file)).unwrap();
        assert_eq!(urls.len(), 2);
    }
}
