//! W3C Trace Context on the wire: the `traceparent` header agencies receive, and reading it back
//! on the server side so an agency's span continues the caller's trace.

use std::collections::HashMap;

use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{SpanContext, TraceContextExt},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::case_trace::case_trace_id;

/// The `traceparent` naming `span` as the parent, or `None` when the span is not traced (traces
/// off, or the span filtered out).
pub fn traceparent(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_ref = context.span();
    let span_context = span_ref.span_context();
    span_context
        .is_valid()
        .then(|| format_traceparent(span_context))
}

/// The `traceparent` for a call made inside `span` on behalf of `case_code`: the span's own when
/// it is traced; otherwise the case's trace id with a fresh span id, so agency logs still group
/// by case when traces are off.
pub fn traceparent_for_case(span: &tracing::Span, case_code: &str) -> String {
    traceparent(span).unwrap_or_else(|| {
        let span_id: u64 = rand::random::<u64>() | 1;
        format!("00-{}-{span_id:016x}-01", case_trace_id(case_code))
    })
}

/// Reads a W3C `traceparent` (and `tracestate`) header value into the remote span it names.
pub fn parse_traceparent(traceparent: &str, tracestate: Option<&str>) -> Option<SpanContext> {
    let mut carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
    if let Some(state) = tracestate {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let context = TraceContextPropagator::new().extract(&carrier);
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// Makes `span` a child of the remote span named by the request's `traceparent` header, if any.
/// Returns whether it did. Call before entering the span.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(parent) =
        header("traceparent").and_then(|tp| parse_traceparent(tp, header("tracestate")))
    else {
        return false;
    };
    span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent))
        .is_ok()
}

fn format_traceparent(span_context: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        span_context.trace_flags().to_u8()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_trace::case_span_context;

    #[test]
    fn without_traces_the_header_still_carries_the_case_trace_id() {
        let header = traceparent_for_case(&tracing::Span::none(), "KS-ABCDE-FGHJK");
        let parts: Vec<&str> = header.split('-').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0], "00");
        assert_eq!(parts[1], case_trace_id("KS-ABCDE-FGHJK").to_string());
        assert_eq!((parts[2].len(), parts[3]), (16, "01"));
        assert!(parse_traceparent(&header, None).is_some());
    }

    #[test]
    fn a_formatted_context_parses_back_to_itself() {
        let original = case_span_context("KS-ABCDE-FGHJK");
        let parsed = parse_traceparent(&format_traceparent(&original), None);
        let parsed = parsed.expect("valid header");
        assert_eq!(
            (parsed.trace_id(), parsed.span_id(), parsed.is_sampled()),
            (original.trace_id(), original.span_id(), true)
        );
        assert!(parse_traceparent("00-not-a-header-01", None).is_none());
    }
}
