//! Each role the `lienthong` command can play, alone or together.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result};
use lienthong_agencies::{SimConfig, Simulators};
use lienthong_api::{ApiState, Catalog};
use lienthong_worker::WorkerConfig;
use temporalio_client::Client;
use tokio::net::TcpListener;

use crate::shutdown::Stop;

/// The procedures this installation runs.
pub fn catalog() -> Result<Arc<Catalog>> {
    let definitions =
        lienthong_definitions::shipped_definitions().map_err(|(file, diagnostics)| {
            anyhow::anyhow!("shipped procedure {file} is invalid: {diagnostics}")
        })?;
    Ok(Arc::new(Catalog::new(definitions)?))
}

/// Writes `value` as JSON to `path` in one step, so a reader never sees half a file.
pub fn write_ready_file(path: &Path, value: &serde_json::Value) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Serves the API until `stop`.
pub async fn serve_api(
    listener: TcpListener,
    client: Client,
    task_queue: String,
    stop: Stop,
) -> Result<()> {
    let state = ApiState {
        client,
        catalog: catalog()?,
        task_queue,
    };
    axum::serve(listener, lienthong_api::router(state))
        .with_graceful_shutdown(stop.wait())
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
pub async fn run_worker(
    client: Client,
    task_queue: String,
    agencies: BTreeMap<String, String>,
    stop: Stop,
) -> Result<()> {
    lienthong_worker::run(client, WorkerConfig::new(task_queue, agencies), stop.wait()).await?;
    Ok(())
}

/// Starts the agency simulators with their registers under `data_dir`.
pub async fn start_agencies(data_dir: PathBuf, any_port: bool) -> Result<Simulators> {
    let mut config = SimConfig::new(data_dir);
    if any_port {
        config = config.with_any_free_ports();
    }
    Ok(lienthong_agencies::start(config).await?)
}

/// Parses `name=url` pairs.
pub fn parse_agencies(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (name, url) = pair.split_once('=').with_context(|| {
                format!("`{pair}` should be agency=url, e.g. civil-status=http://127.0.0.1:8702")
            })?;
            Ok((name.trim().to_owned(), url.trim().to_owned()))
        })
        .collect()
}
