//! lienthong's Prometheus metrics. Label values are procedure ids, agency and operation names,
//! outcome words, routes and statuses: bounded sets, never case codes or personal data.

use std::{sync::Arc, time::Duration};

use prometheus::{
    HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use temporalio_common::telemetry::{
    TaskQueueLabelStrategy,
    metrics::{CoreMeter, NewAttributes, TemporalMeter},
};

use crate::sdk_meter::SdkMetrics;

/// Agency calls take milliseconds to tens of seconds (the default attempt timeout is 30 s).
const STEP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every metric one process reports, in one registry. Clone freely: clones share it.
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Families>,
}

#[derive(Debug)]
struct Families {
    registry: Registry,
    cases_started: IntCounterVec,
    cases_ended: IntCounterVec,
    cases_compensated: IntCounterVec,
    step_attempts: IntCounterVec,
    step_seconds: HistogramVec,
    cases_open: IntGaugeVec,
    cases_attention: IntGaugeVec,
    http_seconds: HistogramVec,
    http_in_flight: IntGaugeVec,
    sdk: SdkMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let sdk = SdkMetrics::default();
        let families = Families {
            cases_started: counter(
                &registry,
                "lienthong_cases_started_total",
                "Cases that started running, by procedure.",
                &["procedure"],
            ),
            cases_ended: counter(
                &registry,
                "lienthong_cases_ended_total",
                "Cases that ended, by procedure and final status (completed, partially_completed, \
                 failed, withdrawn, cancelled).",
                &["procedure", "status"],
            ),
            cases_compensated: counter(
                &registry,
                "lienthong_cases_compensated_total",
                "Cases that ended after undoing completed steps, by procedure.",
                &["procedure"],
            ),
            step_attempts: counter(
                &registry,
                "lienthong_step_attempts_total",
                "Attempts of agency calls, by agency, operation and outcome.",
                &["agency", "operation", "outcome"],
            ),
            step_seconds: histogram(
                &registry,
                "lienthong_step_duration_seconds",
                "Duration of one attempt of an agency call, by agency, operation and outcome.",
                &["agency", "operation", "outcome"],
                STEP_BUCKETS,
            ),
            cases_open: gauge(
                &registry,
                "lienthong_cases_open",
                "Cases still running, by case status (running, compensating), from Temporal \
                 visibility.",
                &["status"],
            ),
            cases_attention: gauge(
                &registry,
                "lienthong_cases_needing_attention",
                "Cases an operator must look at, by reason, from Temporal visibility.",
                &["reason"],
            ),
            http_seconds: histogram(
                &registry,
                "lienthong_http_request_duration_seconds",
                "HTTP requests served, by method, route template and status code.",
                &["method", "route", "status"],
                HTTP_BUCKETS,
            ),
            http_in_flight: gauge(
                &registry,
                "lienthong_http_requests_in_flight",
                "HTTP requests being served now, by route template (a stopping API drains them).",
                &["route"],
            ),
            sdk: sdk.clone(),
            registry,
        };
        // Registering a collector without descriptors cannot clash with anything; the only
        // possible error is registering it twice, and this is a fresh registry.
        let _ = families.registry.register(Box::new(sdk));
        Self {
            inner: Arc::new(families),
        }
    }

    /// The registry, to add a process's own metrics.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// A meter for the Temporal SDK runtime (`TelemetryOptions::metrics`): the worker's polls,
    /// task slots and task latencies land in this registry, named `temporal_*`.
    pub fn temporal_meter(&self) -> Arc<dyn CoreMeter> {
        self.inner.sdk.meter()
    }

    /// The same, for a Temporal client (`ConnectionOptions::metrics_meter`): its request counts
    /// and latencies (`temporal_request*`).
    pub fn temporal_client_meter(&self) -> TemporalMeter {
        TemporalMeter::new(
            self.temporal_meter(),
            NewAttributes::default(),
            TaskQueueLabelStrategy::UseNormal,
        )
    }

    pub fn case_started(&self, procedure: &str) {
        self.inner
            .cases_started
            .with_label_values(&[procedure])
            .inc();
    }

    /// A case ended with `status`; `compensated` when completed steps were undone.
    pub fn case_ended(&self, procedure: &str, status: &str, compensated: bool) {
        self.inner
            .cases_ended
            .with_label_values(&[procedure, status])
            .inc();
        if compensated {
            self.inner
                .cases_compensated
                .with_label_values(&[procedure])
                .inc();
        }
    }

    /// One attempt of an agency call ended with `outcome` after `elapsed`.
    pub fn step_attempt(&self, agency: &str, operation: &str, outcome: &str, elapsed: Duration) {
        let labels = [agency, operation, outcome];
        self.inner.step_attempts.with_label_values(&labels).inc();
        self.inner
            .step_seconds
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn set_cases_open(&self, status: &str, count: u64) {
        self.inner
            .cases_open
            .with_label_values(&[status])
            .set(clamp(count));
    }

    pub fn set_cases_needing_attention(&self, reason: &str, count: u64) {
        self.inner
            .cases_attention
            .with_label_values(&[reason])
            .set(clamp(count));
    }

    /// An HTTP request answered `status` after `elapsed`. `route` is the route template
    /// (`/v1/cases/{code}`), never the path itself.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.inner
            .http_seconds
            .with_label_values(&[method, route, &status.to_string()])
            .observe(elapsed.as_secs_f64());
    }

    /// A request on `route` (its template) began (`1`) or was answered (`-1`).
    pub fn http_in_flight(&self, route: &str, change: i64) {
        self.inner
            .http_in_flight
            .with_label_values(&[route])
            .add(change);
    }

    /// Everything in the registry, in the Prometheus text format.
    pub fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.inner.registry.gather())
            .unwrap_or_else(|error| format!("# metrics could not be encoded: {error}\n"))
    }
}

fn clamp(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

// The definitions below are constants: valid names, distinct in a fresh registry. A failure is a
// programming error caught by the first test that builds `Metrics`.
fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let vector = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(vector.clone()))
        .expect("metric registered once");
    vector
}

fn gauge(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let vector = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(vector.clone()))
        .expect("metric registered once");
    vector
}

fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: &[f64],
) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    let vector = HistogramVec::new(opts, labels).expect("valid metric");
    registry
        .register(Box::new(vector.clone()))
        .expect("metric registered once");
    vector
}
