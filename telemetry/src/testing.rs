//! Test support: an in-process OTLP/HTTP trace receiver, and capturing one thread's spans into it.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use lienthong_telemetry::testing::OtlpReceiver;
//! let receiver = OtlpReceiver::start()?;
//! // Child processes: OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint().
//! // This thread:
//! let capture = receiver.capture("test")?;
//! tracing::info_span!("work").in_scope(|| {});
//! capture.flush();
//! let spans = receiver.wait_for(std::time::Duration::from_secs(5), |s| !s.is_empty());
//! # Ok(()) }
//! ```

use std::{
    collections::BTreeMap,
    net::TcpListener,
    sync::{Arc, Condvar, Mutex, OnceLock, PoisonError},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{StatusCode, header::CONTENT_TYPE},
    response::IntoResponse,
    routing::post,
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse},
    common::v1::{AnyValue, KeyValue, any_value::Value},
    trace::v1::span::SpanKind,
};
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message;
use tracing::subscriber::NoSubscriber;
use tracing_subscriber::layer::SubscriberExt;

use crate::{TelemetryError, exporter::otel_layer, tracer_provider};

/// While only one dispatcher is registered, tracing-core decides whether a callsite is enabled
/// from the subscriber of whichever thread reaches it first. A test thread without a capture could
/// then switch a capture's spans off for good. With this permanent second dispatcher registered,
/// every callsite is decided with all captures alive taken into account.
static ALWAYS_REGISTERED: OnceLock<tracing::Dispatch> = OnceLock::new();

/// One span as a collector received it; ids in lowercase hex, attribute values as text.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    pub service_name: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// `None` for a root span.
    pub parent_span_id: Option<String>,
    /// `internal`, `server`, `client`, `producer`, `consumer`.
    pub kind: &'static str,
    pub attributes: BTreeMap<String, String>,
    /// Span ids this span links to.
    pub links: Vec<String>,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub is_error: bool,
}

#[derive(Default)]
struct Store {
    spans: Mutex<Vec<ReceivedSpan>>,
    arrived: Condvar,
}

/// A collector on a loopback port, on a thread and runtime of its own so exporters that block
/// (force-flush, shutdown) never wait on the runtime of the test that is waiting for them.
pub struct OtlpReceiver {
    endpoint: String,
    store: Arc<Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl OtlpReceiver {
    /// Listens on a free loopback port.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let store = Arc::new(Store::default());
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(store.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("otlp-receiver".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        Ok(Self {
            endpoint,
            store,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL to configure exporters with (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Every span received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.lock().clone()
    }

    /// Blocks until `done` holds for the spans received, or `timeout` passes. Returns the spans
    /// either way; the caller asserts on them.
    pub fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        let mut spans = self.lock();
        while !done(&spans) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            spans = self
                .store
                .arrived
                .wait_timeout(spans, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        spans.clone()
    }

    /// Exports the spans of the current thread (those `filter` selects, default
    /// [`crate::DEFAULT_TRACE_FILTER`]) to this receiver as `service_name`, until the returned
    /// capture is dropped. Use a current-thread runtime so every span of the test is on it.
    pub fn capture(&self, service_name: &str) -> Result<Capture, TelemetryError> {
        self.capture_filtered(service_name, crate::DEFAULT_TRACE_FILTER)
    }

    /// [`Self::capture`] with a filter of one's own.
    pub fn capture_filtered(
        &self,
        service_name: &str,
        filter: &str,
    ) -> Result<Capture, TelemetryError> {
        let provider = tracer_provider(service_name, &self.endpoint)?;
        let subscriber = tracing_subscriber::registry().with(otel_layer(&provider, filter)?);
        ALWAYS_REGISTERED.get_or_init(|| tracing::Dispatch::new(NoSubscriber::default()));
        let guard = tracing::subscriber::set_default(subscriber);
        Ok(Capture {
            provider,
            _guard: guard,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ReceivedSpan>> {
        self.store
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// This thread's spans going to a receiver; see [`OtlpReceiver::capture`].
pub struct Capture {
    provider: SdkTracerProvider,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Capture {
    /// Sends every span ended so far. Blocks until the receiver has answered.
    pub fn flush(&self) {
        let _ = self.provider.force_flush();
    }

    /// Makes this capture's provider the global one, which [`crate::record_case_span`] uses.
    /// Process-wide: only for a test binary that captures once.
    pub fn set_global(&self) {
        opentelemetry::global::set_tracer_provider(self.provider.clone());
    }
}

async fn receive(State(store): State<Arc<Store>>, body: Bytes) -> impl IntoResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (StatusCode::BAD_REQUEST, Vec::new()).into_response();
    };
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service_name = resource_spans
            .resource
            .as_ref()
            .and_then(|r| attribute(&r.attributes, "service.name"))
            .unwrap_or_default();
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                received.push(ReceivedSpan {
                    service_name: service_name.clone(),
                    name: span.name,
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: (!span.parent_span_id.is_empty())
                        .then(|| hex(&span.parent_span_id)),
                    kind: kind_name(span.kind),
                    attributes: span
                        .attributes
                        .iter()
                        .filter_map(|kv| Some((kv.key.clone(), text(kv.value.as_ref()?)?)))
                        .collect(),
                    links: span.links.iter().map(|l| hex(&l.span_id)).collect(),
                    start_unix_nanos: span.start_time_unix_nano,
                    end_unix_nanos: span.end_time_unix_nano,
                    // 2 = STATUS_CODE_ERROR
                    is_error: span.status.is_some_and(|s| s.code == 2),
                });
            }
        }
    }
    store
        .spans
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(received);
    store.arrived.notify_all();
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
        .into_response()
}

fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| text(kv.value.as_ref()?))
}

fn text(value: &AnyValue) -> Option<String> {
    Some(match value.value.as_ref()? {
        Value::StringValue(s) => s.clone(),
        Value::BoolValue(b) => b.to_string(),
        Value::IntValue(i) => i.to_string(),
        Value::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    })
}

fn kind_name(kind: i32) -> &'static str {
    match SpanKind::try_from(kind) {
        Ok(SpanKind::Server) => "server",
        Ok(SpanKind::Client) => "client",
        Ok(SpanKind::Producer) => "producer",
        Ok(SpanKind::Consumer) => "consumer",
        _ => "internal",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
