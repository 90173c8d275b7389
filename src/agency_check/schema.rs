//! The catalogue's JSON Schemas as the kit reads them. A sample is the user's own file, so its
//! problems are told in the validator's words, values included; an agency's answer may hold
//! personal data, so its mismatches name only the path and the rule broken.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::report::see;

/// Where `sample` breaks `schema`, one line each (`  at /personal_id: …`). A required
/// top-level field for which `may_miss` holds is not reported (it is filled in later).
pub fn sample_problems(
    schema: &Value,
    sample: &Value,
    may_miss: impl Fn(&str) -> bool,
) -> Vec<String> {
    let validator = match compile(schema) {
        Ok(validator) => validator,
        Err(problem) => return vec![problem],
    };
    validator
        .iter_errors(sample)
        .filter(|error| {
            let at_top = error.instance_path().as_str().is_empty();
            !matches!(error.kind(), ValidationErrorKind::Required { property }
                if at_top && property.as_str().is_some_and(&may_miss))
        })
        .map(|error| format!("  at {}: {error}", shown(error.instance_path().as_str())))
        .collect()
}

/// Where an answer breaks the schema its operation promises: paths and rules, never a value.
pub fn answer_mismatches(schema: &Value, answer: &Value) -> Vec<String> {
    let validator = match compile(schema) {
        Ok(validator) => validator,
        Err(problem) => return vec![problem],
    };
    validator
        .iter_errors(answer)
        .map(|error| {
            let at = shown(error.instance_path().as_str());
            match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or("a required field");
                    let parent = at.trim_end_matches('/');
                    format!("{parent}/{name} is missing")
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    format!(
                        "{at} has fields the schema does not allow: {}",
                        unexpected.join(", ")
                    )
                }
                ValidationErrorKind::Type { .. } => format!("{at} is not of the schema's type"),
                ValidationErrorKind::Format { format } => format!("{at} is not a valid {format}"),
                ValidationErrorKind::Pattern { .. } => format!("{at} does not match its pattern"),
                ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
                    format!("{at} is not one of the allowed values")
                }
                _ => {
                    let rule = error
                        .schema_path()
                        .as_str()
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    format!("{at} breaks `{rule}`")
                }
            }
        })
        .collect()
}

/// The top-level fields of `answer` that `schema` does not list under `properties`: allowed by an
/// open schema, but unclassified (always masked for operators) and unknown to dry runs.
pub fn unlisted_fields(schema: &Value, answer: &Value) -> Vec<String> {
    let listed = property_names(schema);
    answer
        .as_object()
        .map(|fields| {
            fields
                .keys()
                .filter(|name| !listed.contains(name))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// What an `ok` line adds when a result carries fields its schema does not list.
pub fn unlisted_note(schema: &Value, output: &Value) -> String {
    let unlisted = unlisted_fields(schema, output);
    if unlisted.is_empty() {
        return String::new();
    }
    format!(
        "; note: the schema does not list {}, so operators always see it masked and dry runs \
         never make it: list and classify it {}",
        unlisted.join(", "),
        see("2")
    )
}

/// The fields an object schema lists under `properties`.
pub fn property_names(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// The fields an object schema lists under `required`.
pub fn required_names(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Formats are checked as the engine's validator checks them (`date` is a date).
fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("  the catalogue's schema does not compile: {e}"))
}

/// A JSON pointer as the report shows it: `/` for the whole body.
fn shown(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}
