//! Reaching Temporal with the SDK's standard settings: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
//! TLS and API-key variables, or a `temporal.toml` profile, exactly as other Temporal tools read them.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use lienthong_codec::{KeyError, KeyRing, PayloadCipher};
use temporalio_client::{
    Client, ClientOptions, Connection, envconfig::LoadClientConfigProfileOptions,
};
use url::Url;

/// Why no Temporal client could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The environment or `temporal.toml` could not be read.
    #[error("invalid Temporal client configuration: {0}")]
    Config(String),
    /// An address given on the command line is not a valid `host:port`.
    #[error("`{0}` is not a valid Temporal address; write host:port")]
    Address(String),
    /// The server did not accept the connection.
    #[error("could not connect to Temporal at {address}: {reason}")]
    Connect { address: String, reason: String },
    /// The server did not answer within the time the role waits for it at start.
    #[error(
        "Temporal at {address} did not answer within {waited_secs} s ({reason}); is it running? \
         Set TEMPORAL_ADDRESS or --temporal-address, and --temporal-wait-secs to wait longer"
    )]
    Unreachable {
        address: String,
        reason: String,
        waited_secs: u64,
    },
}

/// The payload cipher from `LIENTHONG_PAYLOAD_KEYS` and `LIENTHONG_PAYLOAD_WRITE_KEY`; an error
/// naming them when no key is set, so a deployment never silently writes plaintext history.
pub fn cipher_from_env() -> Result<Arc<PayloadCipher>, KeyError> {
    KeyRing::from_env().map(cipher_of)
}

/// The payload cipher of `lienthong dev`: its key is made once in `data_dir`, beside the history
/// it encrypts.
pub fn dev_cipher(data_dir: &Path) -> Result<Arc<PayloadCipher>, KeyError> {
    KeyRing::load_or_create_dev(data_dir).map(cipher_of)
}

fn cipher_of(ring: KeyRing) -> Arc<PayloadCipher> {
    let keys: Vec<&str> = ring.ids().collect();
    tracing::info!(writer = ring.writer_id(), ?keys, "payload encryption on");
    Arc::new(PayloadCipher::new(ring))
}

/// Connects using the standard configuration; `address` (host:port) overrides where to connect.
/// The client has no payload codec: it can probe and list, but must not start, signal or query
/// cases, whose payloads are encrypted.
pub async fn connect(address: Option<&str>) -> Result<Client, ConnectError> {
    connect_with(address, None, None).await
}

/// As [`connect`], recording the client's request metrics in `metrics` and encrypting every
/// payload it writes (and decrypting every one it reads) with `cipher`. A worker built on this
/// client uses the same codec.
pub async fn connect_with(
    address: Option<&str>,
    metrics: Option<&lienthong_telemetry::Metrics>,
    cipher: Option<&Arc<PayloadCipher>>,
) -> Result<Client, ConnectError> {
    let (mut connection, mut client) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())
            .map_err(|e| ConnectError::Config(e.to_string()))?;
    if let Some(metrics) = metrics {
        connection.metrics_meter = Some(metrics.temporal_client_meter());
    }
    if let Some(address) = address {
        let scheme = if connection.tls_options.is_some() {
            "https"
        } else {
            "http"
        };
        connection.target = Url::parse(&format!("{scheme}://{address}"))
            .map_err(|_| ConnectError::Address(address.to_owned()))?;
    }
    if let Some(cipher) = cipher {
        client.data_converter = cipher.data_converter();
    }
    let target = connection.target.to_string();
    let connection = Connection::connect(connection)
        .await
        .map_err(|e| ConnectError::Connect {
            address: target.clone(),
            reason: e.to_string(),
        })?;
    Client::new(connection, client).map_err(|e| ConnectError::Connect {
        address: target,
        reason: e.to_string(),
    })
}

/// As [`connect_with`], but waits for Temporal: a server that is still starting (or briefly
/// away) is tried again with backoff (0.5 s doubling to 10 s), one progress line per try, for at
/// most `wait`. Configuration mistakes are not retried.
pub async fn connect_waiting(
    address: Option<&str>,
    metrics: Option<&lienthong_telemetry::Metrics>,
    cipher: Option<&Arc<PayloadCipher>>,
    wait: Duration,
) -> Result<Client, ConnectError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match connect_with(address, metrics, cipher).await {
            Ok(client) => return Ok(client),
            Err(ConnectError::Connect { address, reason }) => {
                let waited = started.elapsed();
                if waited + pause > wait {
                    return Err(ConnectError::Unreachable {
                        address,
                        reason,
                        waited_secs: waited.as_secs(),
                    });
                }
                tracing::warn!(
                    %address,
                    %reason,
                    retry_in_ms = pause.as_millis() as u64,
                    gives_up_after_s = wait.as_secs(),
                    "Temporal is not reachable yet; trying again"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            Err(other) => return Err(other),
        }
    }
}
