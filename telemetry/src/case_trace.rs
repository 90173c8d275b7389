//! One case, one trace. The trace id and the id of the case's root span are derived from the case
//! code, so the API, every worker that runs a piece of the case and every agency land in the same
//! trace without any context travelling through Temporal.

use opentelemetry::{
    Context,
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
};
use sha2::{Digest, Sha256};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The trace id of a case: the first 16 bytes of SHA-256 over the case code.
pub fn case_trace_id(case_code: &str) -> TraceId {
    let digest = Sha256::digest(case_code.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    TraceId::from_bytes(bytes)
}

/// The id of the case's root span (the "workflow" span the worker emits when the case ends).
/// Derived from a different part of the digest than the trace id, never zero.
pub fn case_span_id(case_code: &str) -> SpanId {
    let digest = Sha256::digest(format!("{case_code}/case").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    if bytes == [0; 8] {
        bytes[7] = 1;
    }
    SpanId::from_bytes(bytes)
}

/// The case's root span as a remote parent: spans parented to it join the case's trace, under
/// the workflow span.
pub fn case_span_context(case_code: &str) -> SpanContext {
    SpanContext::new(
        case_trace_id(case_code),
        case_span_id(case_code),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    )
}

/// An OpenTelemetry context whose current span is the case's root span.
pub fn case_context(case_code: &str) -> Context {
    Context::new().with_remote_span_context(case_span_context(case_code))
}

/// Makes `span` a child of the case's root span. Call it right after creating the span, before
/// entering it; afterwards (or when traces are off) it does nothing.
pub fn parent_to_case(span: &tracing::Span, case_code: &str) {
    // Errors mean: no OpenTelemetry layer (traces off), span filtered out, or already started.
    // None of them is worth failing a request or an activity for.
    let _ = span.set_parent(case_context(case_code));
}

/// A span for work on a case outside an activity (the API submitting it, a callback deciding a
/// step): a child of the case's root span, linked to the span current here (the HTTP request's,
/// which has a trace of its own). Enter it or `.instrument(...)` with it.
pub fn case_span(name: &'static str, case_code: &str) -> tracing::Span {
    let span = tracing::info_span!("case work", otel.name = name, lienthong.case = %case_code);
    parent_to_case(&span, case_code);
    let current = tracing::Span::current().context();
    span.add_link(current.span().span_context().clone());
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_case_one_trace_and_one_root() {
        let a = case_span_context("KS-ABCDE-FGHJK");
        let b = case_span_context("KS-ABCDE-FGHJK");
        let other = case_span_context("KS-OTHER-CASE1");
        assert!(a.is_valid() && a.is_remote() && a.is_sampled());
        assert_eq!((a.trace_id(), a.span_id()), (b.trace_id(), b.span_id()));
        assert_ne!(a.trace_id(), other.trace_id());
        assert_ne!(a.span_id(), other.span_id());
    }

    #[test]
    fn trace_id_is_the_one_agencies_have_always_seen() {
        // The activity's `traceparent` used this derivation before traces were exported; keeping
        // it keeps old agency logs joinable with new traces.
        let digest = Sha256::digest(b"KS-ABCDE-FGHJK");
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(case_trace_id("KS-ABCDE-FGHJK").to_string(), hex);
    }
}
