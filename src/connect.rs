//! Reaching Temporal with the SDK's standard settings: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
//! TLS and API-key variables, or a `temporal.toml` profile, exactly as other Temporal tools read them.

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
}

/// Connects using the standard configuration; `address` (host:port) overrides where to connect.
pub async fn connect(address: Option<&str>) -> Result<Client, ConnectError> {
    connect_with(address, None).await
}

/// As [`connect`], recording the client's request metrics in `metrics`.
pub async fn connect_with(
    address: Option<&str>,
    metrics: Option<&lienthong_telemetry::Metrics>,
) -> Result<Client, ConnectError> {
    let (mut connection, client) =
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
