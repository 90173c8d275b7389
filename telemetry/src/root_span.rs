//! The case's root span, the "workflow" span: recorded once, when the case ends, by the worker
//! that runs its last step. A case can live for weeks across many workers, so no process could
//! hold it open; instead it is emitted afterwards with the case's own start and end times and the
//! span id every other span of the case already names as its parent.

use std::{cell::Cell, time::SystemTime};

use opentelemetry::{
    Context, KeyValue, global,
    trace::{Span, SpanId, SpanKind, Status, TraceId, Tracer},
};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

use crate::case_trace::{case_span_id, case_trace_id};

/// A case that ended, as the worker saw it. Nothing here is personal data.
#[derive(Debug, Clone)]
pub struct CaseSpan<'a> {
    pub case_code: &'a str,
    pub procedure: &'a str,
    /// The final status: `completed`, `partially_completed`, `failed`, `withdrawn`, `cancelled`.
    pub status: &'a str,
    /// Whether completed steps were undone.
    pub compensated: bool,
    /// When the case started and ended, in the workflow's own (replay-stable) time.
    pub started: SystemTime,
    pub ended: SystemTime,
}

/// Records the case's root span on the global tracer provider (a no-op when traces are off).
pub fn record_case_span(case: &CaseSpan<'_>) {
    let tracer = global::tracer("lienthong");
    let builder = tracer
        .span_builder(format!("case {}", case.procedure))
        .with_kind(SpanKind::Internal)
        .with_start_time(case.started)
        .with_attributes([
            KeyValue::new("lienthong.case", case.case_code.to_owned()),
            KeyValue::new("lienthong.procedure", case.procedure.to_owned()),
            KeyValue::new("lienthong.status", case.status.to_owned()),
            KeyValue::new("lienthong.compensated", case.compensated),
        ]);
    let mut span = {
        let _ids = NextIds::set(case_trace_id(case.case_code), case_span_id(case.case_code));
        // An empty parent: the case span is the root of its trace, whatever span is current.
        tracer.build_with_context(builder, &Context::new())
    };
    if matches!(case.status, "failed" | "cancelled") {
        span.set_status(Status::error(case.status.to_owned()));
    }
    span.end_with_timestamp(case.ended);
}

thread_local! {
    /// Ids the next span built on this thread must take; set only around one `build` call.
    static NEXT_IDS: Cell<Option<(TraceId, SpanId)>> = const { Cell::new(None) };
}

struct NextIds;

impl NextIds {
    fn set(trace_id: TraceId, span_id: SpanId) -> Self {
        NEXT_IDS.with(|next| next.set(Some((trace_id, span_id))));
        Self
    }
}

impl Drop for NextIds {
    fn drop(&mut self) {
        NEXT_IDS.with(|next| next.set(None));
    }
}

/// Random ids, except for a case's root span, whose ids come from its case code. The SDK's span
/// builder ignores ids it is given, so the generator is where they can be chosen.
#[derive(Debug, Default)]
pub(crate) struct CaseIdGenerator {
    random: RandomIdGenerator,
}

impl IdGenerator for CaseIdGenerator {
    fn new_trace_id(&self) -> TraceId {
        NEXT_IDS
            .with(Cell::get)
            .map_or_else(|| self.random.new_trace_id(), |(trace_id, _)| trace_id)
    }

    fn new_span_id(&self) -> SpanId {
        NEXT_IDS
            .with(Cell::get)
            .map_or_else(|| self.random.new_span_id(), |(_, span_id)| span_id)
    }
}
