//! The process subscriber: with an OTLP endpoint, spans go there and the last ones are sent at
//! shutdown; a second installation is refused.

use std::time::Duration;

use lienthong_telemetry::{TelemetryConfig, TelemetryError, init, testing::OtlpReceiver};

#[test]
fn init_exports_to_the_endpoint_and_flushes_at_shutdown() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let mut config = TelemetryConfig::new("lienthong-api")
        .with_otlp_endpoint(Some(format!("{}/", receiver.endpoint())));
    // This test's own spans stand in for lienthong's.
    config.trace_filter = "init=info".to_owned();
    let telemetry = init(config).expect("installed");
    assert!(telemetry.traces_enabled());
    assert!(matches!(
        init(TelemetryConfig::new("again")),
        Err(TelemetryError::AlreadyInstalled)
    ));

    tracing::info_span!("unit of work").in_scope(|| tracing::info!("inside"));
    telemetry.shutdown();
    let spans = receiver.wait_for(Duration::from_secs(10), |s| !s.is_empty());
    assert_eq!(spans.len(), 1, "{spans:#?}");
    assert_eq!(spans[0].name, "unit of work");
    assert_eq!(spans[0].service_name, "lienthong-api");
}

#[test]
fn an_empty_endpoint_means_traces_off() {
    let config = TelemetryConfig::new("lienthong-api").with_otlp_endpoint(Some("  ".into()));
    assert_eq!(config.otlp_endpoint, None);
}
