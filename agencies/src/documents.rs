//! Requests to supplement a dossier, and the supplements that answer them.
//!
//! Real agencies ask for missing documents instead of refusing (residence's form CT05). The
//! simulator does it on demand through the `documents_required` fault: nothing is done and
//! nothing is recorded, because the engine resends the completed dossier under a new
//! idempotency key, with a top-level `supplement` that every operation accepts and ignores.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api_error::ApiError;

/// Said when the fault gives no message of its own.
const DEFAULT_MESSAGE: &str = "additional documents are required before the agency can act";

/// A document the agency asks for, as named in the fault and in the answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RequiredDocument {
    pub code: String,
    pub title: String,
}

/// Checks the documents of a `documents_required` fault.
pub(crate) fn validate(documents: &[RequiredDocument]) -> Result<(), ApiError> {
    if documents.is_empty() {
        return Err(ApiError::invalid(
            "documents must list at least one document",
        ));
    }
    if documents
        .iter()
        .any(|d| d.code.trim().is_empty() || d.title.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "every document needs a non-empty code and title",
        ));
    }
    Ok(())
}

/// The 200 answer that asks for the documents instead of acting.
pub(crate) fn request_body(documents: &[RequiredDocument], message: Option<&str>) -> Value {
    json!({
        "outcome": "documents_required",
        "documents": documents,
        "message": message.unwrap_or(DEFAULT_MESSAGE),
    })
}

/// The documents an applicant supplied after a `documents_required` answer. The simulators
/// only check its shape: what they act on is the rest of the request.
#[derive(Debug, Deserialize)]
// Never read: the field exists so the engine can send it to every operation.
#[allow(dead_code)]
pub(crate) struct Supplement {
    #[serde(default)]
    documents: Vec<SuppliedDocument>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct SuppliedDocument {
    code: String,
    reference: String,
}
