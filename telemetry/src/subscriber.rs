//! The process-wide `tracing` subscriber: logs filtered by `LIENTHONG_LOG` as before, plus spans
//! exported over OTLP when an endpoint is configured.

use opentelemetry::global;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use std::io::IsTerminal as _;

use crate::{
    TelemetryError,
    exporter::{DEFAULT_TRACE_FILTER, otel_layer, tracer_provider, untraced_provider},
    log_format::{JsonLines, LogFormat},
};

/// The environment variable that filters log lines, as it always has.
pub const LOG_ENV: &str = "LIENTHONG_LOG";
/// The standard OpenTelemetry variable naming the collector's base URL.
pub const OTLP_ENDPOINT_ENV: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const DEFAULT_LOG: &str = "info,temporalio=warn";

/// How one process reports: its name in traces, and where traces go (nowhere by default).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TelemetryConfig {
    /// `service.name` of this process's spans: `lienthong-api`, `lienthong-worker`, ...
    pub service_name: String,
    /// Base URL of an OTLP/HTTP collector (`http://localhost:4318`); `None` exports nothing.
    pub otlp_endpoint: Option<String>,
    /// Which spans are exported, as a `tracing` filter directive.
    pub trace_filter: String,
    /// The log filter when `LIENTHONG_LOG` is not set.
    pub default_log: String,
    /// Text or JSON lines (`LIENTHONG_LOG_FORMAT`).
    pub log_format: LogFormat,
}

impl TelemetryConfig {
    /// Traces off; logs as `LIENTHONG_LOG` says.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            otlp_endpoint: None,
            trace_filter: DEFAULT_TRACE_FILTER.to_owned(),
            default_log: DEFAULT_LOG.to_owned(),
            log_format: LogFormat::Text,
        }
    }

    /// Writes log lines in `format`.
    pub fn with_log_format(mut self, format: LogFormat) -> Self {
        self.log_format = format;
        self
    }

    /// Logs `filter` (a `tracing` directive) unless `LIENTHONG_LOG` says otherwise.
    pub fn with_default_log(mut self, filter: impl Into<String>) -> Self {
        self.default_log = filter.into();
        self
    }

    /// Exports traces to `endpoint` when it is given and not empty.
    pub fn with_otlp_endpoint(mut self, endpoint: Option<String>) -> Self {
        self.otlp_endpoint = endpoint.filter(|e| !e.trim().is_empty());
        self
    }

    /// Exports traces to `OTEL_EXPORTER_OTLP_ENDPOINT` when it is set.
    pub fn from_env(service_name: impl Into<String>) -> Self {
        Self::new(service_name).with_otlp_endpoint(std::env::var(OTLP_ENDPOINT_ENV).ok())
    }
}

/// Keeps the exporter alive; dropping it (or [`Telemetry::shutdown`]) sends the spans still
/// buffered. Keep it in `main` until the process ends.
#[derive(Debug)]
#[must_use = "dropping it stops trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn traces_enabled(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends the spans still buffered and stops exporting. Blocks for at most a few seconds.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "could not send the last spans");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Installs the process's subscriber: log lines to stderr filtered by `LIENTHONG_LOG` (default
/// `info,temporalio=warn`), and, when `config` names an OTLP endpoint, the spans selected by its
/// trace filter exported there, with W3C Trace Context as the global propagator.
pub fn init(config: TelemetryConfig) -> Result<Telemetry, TelemetryError> {
    let log_filter =
        EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(&config.default_log));
    let logs = match config.log_format {
        // Colour codes only where a person reads them: never into a file or a log shipper.
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(log_filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .event_format(JsonLines)
            .with_filter(log_filter)
            .boxed(),
    };
    let provider = config
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| tracer_provider(&config.service_name, endpoint))
        .transpose()?;
    // JSON lines carry trace and span ids: spans get them even when none are exported.
    let ids_only = (provider.is_none() && config.log_format == LogFormat::Json)
        .then(|| untraced_provider(&config.service_name));
    let traces = provider
        .as_ref()
        .or(ids_only.as_ref())
        .map(|provider| otel_layer(provider, &config.trace_filter))
        .transpose()?;
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)?;
    if let Some(provider) = &provider {
        global::set_tracer_provider(provider.clone());
        global::set_text_map_propagator(TraceContextPropagator::new());
        tracing::info!(
            service = %config.service_name,
            endpoint = config.otlp_endpoint.as_deref().unwrap_or_default(),
            "exporting traces over OTLP"
        );
    }
    Ok(Telemetry {
        provider: provider.or(ids_only),
    })
}
