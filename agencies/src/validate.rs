//! Field checks shared by the simulators. Every message names the field, never its value.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api_error::ApiError;

/// Deserializes a request body into its typed form.
pub(crate) fn body<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| {
        // serde's own messages quote the offending value, which may be personal data; only the
        // "missing field `x`" form is safe to pass on.
        let text = error.to_string();
        if text.starts_with("missing field") {
            ApiError::invalid(text)
        } else {
            ApiError::invalid("the request body does not have the expected fields and types")
        }
    })
}

pub(crate) fn required(field: &'static str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        Err(ApiError::invalid(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

pub(crate) fn is_personal_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn personal_id(field: &'static str, value: &str) -> Result<(), ApiError> {
    if is_personal_id(value) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("{field} must be 12 digits")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

pub(crate) fn sex(field: &'static str, value: &str) -> Result<Sex, ApiError> {
    match value {
        "male" => Ok(Sex::Male),
        "female" => Ok(Sex::Female),
        _ => Err(ApiError::invalid(format!(
            "{field} must be \"male\" or \"female\""
        ))),
    }
}

/// A free-text field whose trimmed length, in characters, must be within `min..=max`.
pub(crate) fn text_length(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ApiError> {
    let length = value.trim().chars().count();
    if (min..=max).contains(&length) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{field} must be {min} to {max} characters long"
        )))
    }
}

/// Two personal IDs of one request that must name different people (the deceased cannot
/// declare their own death or receive their own allowance).
pub(crate) fn different_people(
    field: &'static str,
    value: &str,
    other_field: &'static str,
    other: &str,
) -> Result<(), ApiError> {
    if value == other {
        Err(ApiError::invalid(format!(
            "{field} must differ from {other_field}"
        )))
    } else {
        Ok(())
    }
}

/// How a declarant or representative is related to the deceased.
pub(crate) const RELATIONSHIPS: &[&str] =
    &["spouse", "child", "parent", "sibling", "relative", "other"];

pub(crate) fn relationship(field: &'static str, value: &str) -> Result<(), ApiError> {
    if RELATIONSHIPS.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{field} must be one of {}",
            RELATIONSHIPS.join(", ")
        )))
    }
}
