/// Why telemetry could not be set up. Texts name only configuration, never case data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The OTLP trace exporter could not be built, e.g. the endpoint is not a URL.
    #[error("cannot export traces to `{endpoint}`: {reason}")]
    Exporter { endpoint: String, reason: String },
    /// The filter that selects exported spans is not a valid `tracing` filter directive.
    #[error("invalid trace filter `{filter}`: {reason}")]
    TraceFilter { filter: String, reason: String },
    /// `LIENTHONG_LOG_FORMAT` names no log format.
    #[error("LIENTHONG_LOG_FORMAT is `{0}`: write `text` or `json`")]
    LogFormat(String),
    /// This process already has a global `tracing` subscriber.
    #[error("a tracing subscriber is already installed in this process")]
    AlreadyInstalled,
}
