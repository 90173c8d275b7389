//! How log lines look: text for a person at a terminal, or one JSON object per line for a log
//! shipper, with the OpenTelemetry trace and span ids so a line leads to its case's trace.

use std::fmt;

use opentelemetry::trace::TraceContextExt as _;
use serde_json::{Map, Value};
use tracing::{Event, Subscriber, field::Field};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{
    fmt::{FmtContext, FormatEvent, FormatFields, format::Writer},
    registry::LookupSpan,
};

use crate::TelemetryError;

/// The variable that chooses the log format: `text` (the default) or `json`.
pub const LOG_FORMAT_ENV: &str = "LIENTHONG_LOG_FORMAT";

/// The shape of each log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines; coloured only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`, the event's other
    /// fields under `fields`, the current span's name, and `trace_id` / `span_id` when the line
    /// was written inside a traced span.
    Json,
}

impl LogFormat {
    /// Reads [`LOG_FORMAT_ENV`]; unset or empty is text, anything but `text` or `json` an error.
    pub fn from_env() -> Result<Self, TelemetryError> {
        match std::env::var(LOG_FORMAT_ENV) {
            Ok(value) => Self::parse(&value),
            Err(_) => Ok(Self::Text),
        }
    }

    pub fn parse(value: &str) -> Result<Self, TelemetryError> {
        match value.trim() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(TelemetryError::LogFormat(other.to_owned())),
        }
    }
}

/// Writes each event as one JSON object.
pub(crate) struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut fields = FieldsVisitor::default();
        event.record(&mut fields);
        let mut line = Map::new();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        line.insert("timestamp".into(), Value::String(now));
        line.insert("level".into(), Value::String(metadata.level().to_string()));
        line.insert("target".into(), Value::String(metadata.target().to_owned()));
        line.insert(
            "message".into(),
            fields.message.take().map_or(Value::Null, Value::String),
        );
        if !fields.fields.is_empty() {
            line.insert("fields".into(), Value::Object(fields.fields));
        }
        if let Some(span) = ctx.lookup_current() {
            line.insert("span".into(), Value::String(span.name().to_owned()));
        }
        // The OpenTelemetry layer keeps each span's context; its ids are the trace's.
        let context = tracing::Span::current().context();
        let span_context = context.span().span_context().clone();
        if span_context.is_valid() {
            line.insert(
                "trace_id".into(),
                Value::String(span_context.trace_id().to_string()),
            );
            line.insert(
                "span_id".into(),
                Value::String(span_context.span_id().to_string()),
            );
        }
        let text = serde_json::to_string(&Value::Object(line)).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

#[derive(Default)]
struct FieldsVisitor {
    message: Option<String>,
    fields: Map<String, Value>,
}

impl FieldsVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl tracing::field::Visit for FieldsVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_and_json_are_formats() {
        assert_eq!(LogFormat::parse("json").ok(), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("").ok(), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("text").ok(), Some(LogFormat::Text));
        let error = LogFormat::parse("yaml").expect_err("yaml is no log format");
        assert!(
            error.to_string().contains("LIENTHONG_LOG_FORMAT"),
            "{error}"
        );
    }
}
