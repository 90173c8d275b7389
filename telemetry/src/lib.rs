//! Seeing and measuring lienthong: one trace per case (OpenTelemetry over OTLP/HTTP, off unless
//! an endpoint is configured) and Prometheus metrics.
//!
//! A case's trace id and root span id are derived from its case code ([`case_span_context`]), so
//! the API request that submitted it, every activity attempt on any worker, every agency call and
//! the agency's own handling all join one trace without context travelling through Temporal. The
//! root ("workflow") span itself is recorded when the case ends ([`record_case_span`]).
//!
//! Span attributes carry identifiers only (`lienthong.case`, `lienthong.procedure`,
//! `lienthong.step`, `lienthong.agency`, `lienthong.operation`, `lienthong.attempt`,
//! `lienthong.outcome`), never application data.

mod case_trace;
mod error;
mod exporter;
mod http;
mod log_format;
mod metrics;
mod propagation;
mod root_span;
mod sdk_meter;
mod subscriber;
#[cfg(feature = "testing")]
pub mod testing;

pub use case_trace::{
    case_context, case_span, case_span_context, case_span_id, case_trace_id, parent_to_case,
};
pub use error::TelemetryError;
pub use exporter::{DEFAULT_TRACE_FILTER, otel_layer, tracer_provider};
pub use http::{instrument_router, metrics_router, serve_metrics, track_http};
pub use log_format::{LOG_FORMAT_ENV, LogFormat};
pub use metrics::Metrics;
pub use propagation::{continue_trace, parse_traceparent, traceparent, traceparent_for_case};
pub use root_span::{CaseSpan, record_case_span};
pub use subscriber::{LOG_ENV, OTLP_ENDPOINT_ENV, Telemetry, TelemetryConfig, init};

/// The OpenTelemetry API types callers need, at the version this crate uses.
pub use opentelemetry::trace::{SpanContext, SpanId, TraceId};
/// The SDK tracer provider returned by [`tracer_provider`].
pub use opentelemetry_sdk::trace::SdkTracerProvider;
