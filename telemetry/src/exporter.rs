//! The OpenTelemetry tracer provider: spans batched and sent over OTLP/HTTP (protobuf).

use std::time::Duration;

use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider},
};
use tracing_subscriber::{EnvFilter, Layer, registry::LookupSpan};

use crate::{TelemetryError, root_span::CaseIdGenerator};

/// Which spans are exported unless configured otherwise: lienthong's own, not the libraries'.
pub const DEFAULT_TRACE_FILTER: &str = "lienthong=info";

/// A tracer provider that batches spans to the OTLP/HTTP collector at `endpoint`.
///
/// `endpoint` is a base URL, read like `OTEL_EXPORTER_OTLP_ENDPOINT`: `/v1/traces` is appended
/// (`http://collector:4318` → `http://collector:4318/v1/traces`). The provider derives the ids
/// of case root spans from the case code (see [`crate::record_case_span`]).
pub fn tracer_provider(
    service_name: &str,
    endpoint: &str,
) -> Result<SdkTracerProvider, TelemetryError> {
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    // The exporter's HTTP client uses rustls without a default provider; ring is the one the
    // Temporal client already brings. Idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url.clone())
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| TelemetryError::Exporter {
            endpoint: url,
            reason: e.to_string(),
        })?;
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch_config())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_id_generator(CaseIdGenerator::default())
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build())
}

/// A provider that gives spans their ids (the case's trace id included) but exports nothing:
/// JSON log lines then carry ids that match the traces other processes export.
pub fn untraced_provider(service_name: &str) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_id_generator(CaseIdGenerator::default())
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build()
}

/// The `tracing` layer that turns spans selected by `filter` into OpenTelemetry spans of
/// `provider`. Filtered on its own, so `LIENTHONG_LOG` changes what is logged, not what is traced.
pub fn otel_layer<S>(
    provider: &SdkTracerProvider,
    filter: &str,
) -> Result<impl Layer<S> + Send + Sync + 'static, TelemetryError>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    use opentelemetry::trace::TracerProvider as _;
    let filter = EnvFilter::try_new(filter).map_err(|e| TelemetryError::TraceFilter {
        filter: filter.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("lienthong"))
        // Source locations and thread names are noise in a case's trace.
        .with_location(false)
        .with_threads(false)
        .with_filter(filter))
}

/// One second between exports unless `OTEL_BSP_SCHEDULE_DELAY` says otherwise: a case's spans
/// should show up while someone is looking at it, and the batches stay small.
fn batch_config() -> opentelemetry_sdk::trace::BatchConfig {
    let builder = BatchConfigBuilder::default();
    if std::env::var_os("OTEL_BSP_SCHEDULE_DELAY").is_some() {
        builder.build()
    } else {
        builder.with_scheduled_delay(Duration::from_secs(1)).build()
    }
}
