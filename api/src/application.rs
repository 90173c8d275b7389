//! Checking an application against its procedure before anything starts.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use lienthong_definitions::checks;
use serde_json::Value;
use time::Date;

use crate::{error::FieldError, lang::Lang, messages, procedures::Procedure};

/// Every problem with the application, each under `/application/...`, in `lang`. Empty means
/// valid.
pub(crate) fn problems(
    procedure: &Procedure,
    application: &Value,
    today: Date,
    lang: Lang,
) -> Vec<FieldError> {
    let mut found: Vec<FieldError> = procedure
        .schema
        .iter_errors(application)
        .flat_map(|e| {
            let at = e.instance_path().as_str().to_owned();
            describe(e.kind(), &at, lang)
        })
        .collect();
    for failure in checks::run(&procedure.definition.checks, application, today) {
        let message = &failure.check.message;
        found.push(FieldError {
            field: format!("/application{}", failure.check.field),
            code: failure.check.code.clone(),
            message: match lang {
                Lang::Vi => message.vi.clone(),
                Lang::En => message.en.clone(),
            },
        });
    }
    found.sort_by(|a, b| a.field.cmp(&b.field));
    found.dedup();
    found
}

/// Dates written the Vietnamese way (`20/11/2026`) where the schema wants a date, rewritten as
/// `2026-11-20` before anything checks them: a citizen types what is on their papers.
pub(crate) fn normalize_dates(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, inner) in map.iter_mut() {
                if let Some(field) = properties.and_then(|p| p.get(key)) {
                    normalize_dates(field, inner);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                items.iter_mut().for_each(|i| normalize_dates(item, i));
            }
        }
        Value::String(text) if schema.get("format").and_then(Value::as_str) == Some("date") => {
            if let Some(iso) = day_month_year(text) {
                *text = iso;
            }
        }
        _ => {}
    }
}

/// `DD/MM/YYYY` (one or two digits for day and month) as `YYYY-MM-DD`; the calendar check that
/// follows still refuses a day that does not exist.
fn day_month_year(text: &str) -> Option<String> {
    let mut parts = text.trim().split('/');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some()
        || !digits(day, 1..=2)
        || !digits(month, 1..=2)
        || !digits(year, 4..=4)
    {
        return None;
    }
    Some(format!("{year}-{month:0>2}-{day:0>2}"))
}

/// Words for a schema violation, from the message catalogue. They describe the rule, never
/// repeat the value sent, so an error text can be logged or shown anywhere without carrying
/// personal data.
fn describe(kind: &ValidationErrorKind, at: &str, lang: Lang) -> Vec<FieldError> {
    let field = |path: String, code: &str, message: String| FieldError {
        field: format!("/application{path}"),
        code: code.to_owned(),
        message,
    };
    let say = |id: &str, args: &[(&str, String)]| messages::text(lang, id, args);
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            vec![field(
                format!("{at}/{name}"),
                "REQUIRED",
                say("field-REQUIRED", &[("name", name.to_owned())]),
            )]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                field(
                    format!("{at}/{name}"),
                    "UNKNOWN_FIELD",
                    say("field-UNKNOWN_FIELD", &[("name", name.clone())]),
                )
            })
            .collect(),
        ValidationErrorKind::Format { format } if format == "date" => {
            vec![field(
                at.to_owned(),
                "INVALID_DATE",
                say("field-INVALID_DATE", &[]),
            )]
        }
        ValidationErrorKind::Format { format } => vec![field(
            at.to_owned(),
            "INVALID_FORMAT",
            say("field-INVALID_FORMAT", &[("format", format.clone())]),
        )],
        ValidationErrorKind::Pattern { .. } => {
            let id = if at.ends_with("personal_id") {
                "field-PERSONAL_ID"
            } else if at.ends_with("phone") {
                "field-PHONE"
            } else {
                "field-PATTERN"
            };
            vec![field(at.to_owned(), "INVALID_FORMAT", say(id, &[]))]
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            vec![field(
                at.to_owned(),
                "NOT_ALLOWED",
                say("field-NOT_ALLOWED", &[("allowed", allowed.join(", "))]),
            )]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => format!("{ts:?}"),
            };
            vec![field(
                at.to_owned(),
                "WRONG_TYPE",
                say("field-WRONG_TYPE", &[("expected", expected)]),
            )]
        }
        ValidationErrorKind::MinLength { limit } => vec![field(
            at.to_owned(),
            "TOO_SHORT",
            say("field-TOO_SHORT", &[("limit", limit.to_string())]),
        )],
        ValidationErrorKind::MaxLength { limit } => vec![field(
            at.to_owned(),
            "TOO_LONG",
            say("field-TOO_LONG", &[("limit", limit.to_string())]),
        )],
        _ => vec![field(at.to_owned(), "INVALID", say("field-INVALID", &[]))],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dates_written_day_first_are_read_where_the_schema_wants_a_date() {
        let schema = json!({"type": "object", "properties": {
            "child": {"type": "object", "properties": {
                "date_of_birth": {"type": "string", "format": "date"},
                "note": {"type": "string"}}},
            "dates": {"type": "array", "items": {"type": "string", "format": "date"}}}});
        let mut application = json!({
            "child": {"date_of_birth": "20/11/2026", "note": "20/11/2026"},
            "dates": ["1/2/2026", "2026-02-03", "31/02/2026x"]});
        normalize_dates(&schema, &mut application);
        assert_eq!(application["child"]["date_of_birth"], "2026-11-20");
        assert_eq!(
            application["child"]["note"], "20/11/2026",
            "not a date field"
        );
        assert_eq!(
            application["dates"],
            json!(["2026-02-01", "2026-02-03", "31/02/2026x"])
        );
    }
}
