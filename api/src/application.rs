//! Checking an application against its procedure before anything starts.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use lienthong_definitions::checks;
use serde_json::Value;
use time::Date;

use crate::{error::FieldError, procedures::Procedure};

/// Every problem with the application, each under `/application/...`. Empty means valid.
pub(crate) fn problems(procedure: &Procedure, application: &Value, today: Date) -> Vec<FieldError> {
    let mut found: Vec<FieldError> = procedure
        .schema
        .iter_errors(application)
        .flat_map(|e| {
            let at = e.instance_path().as_str().to_owned();
            describe(e.kind(), &at)
        })
        .collect();
    for failure in checks::run(&procedure.definition.checks, application, today) {
        found.push(FieldError {
            field: format!("/application{}", failure.check.field),
            code: failure.check.code.clone(),
            message: failure.check.message.en.clone(),
        });
    }
    found.sort_by(|a, b| a.field.cmp(&b.field));
    found.dedup();
    found
}

/// Words for a schema violation. They describe the rule, never repeat the value sent, so an
/// error text can be logged or shown anywhere without carrying personal data.
fn describe(kind: &ValidationErrorKind, at: &str) -> Vec<FieldError> {
    let field = |path: String, code: &str, message: String| FieldError {
        field: format!("/application{path}"),
        code: code.to_owned(),
        message,
    };
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            vec![field(
                format!("{at}/{name}"),
                "REQUIRED",
                format!("`{name}` is required"),
            )]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                field(
                    format!("{at}/{name}"),
                    "UNKNOWN_FIELD",
                    format!("`{name}` is not a field of this application"),
                )
            })
            .collect(),
        ValidationErrorKind::Format { format } if format == "date" => {
            vec![field(
                at.to_owned(),
                "INVALID_DATE",
                "must be a real calendar date written YYYY-MM-DD".into(),
            )]
        }
        ValidationErrorKind::Format { format } => vec![field(
            at.to_owned(),
            "INVALID_FORMAT",
            format!("must be a valid {format}"),
        )],
        ValidationErrorKind::Pattern { .. } => {
            vec![field(at.to_owned(), "INVALID_FORMAT", pattern_message(at))]
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.to_string())
                .collect();
            vec![field(
                at.to_owned(),
                "NOT_ALLOWED",
                format!("must be one of {}", allowed.join(", ")),
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
                format!("must be of type {expected}"),
            )]
        }
        ValidationErrorKind::MinLength { limit } => {
            vec![field(
                at.to_owned(),
                "TOO_SHORT",
                format!("must be at least {limit} characters"),
            )]
        }
        ValidationErrorKind::MaxLength { limit } => {
            vec![field(
                at.to_owned(),
                "TOO_LONG",
                format!("must be at most {limit} characters"),
            )]
        }
        _ => vec![field(
            at.to_owned(),
            "INVALID",
            "does not satisfy the procedure's rules for this field".into(),
        )],
    }
}

/// Patterns in shipped procedures are identifier formats; say which in plain words.
fn pattern_message(at: &str) -> String {
    if at.ends_with("personal_id") {
        "must be a 12-digit personal identification number".into()
    } else if at.ends_with("phone") {
        "must be a 10-digit phone number starting with 0".into()
    } else {
        "does not have the expected format".into()
    }
}
