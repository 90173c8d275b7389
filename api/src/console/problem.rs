//! A refusal or failure as the console shows it: the API's stable code and message, never a
//! stack trace. Kept apart from [`ApiError`] because some come back as JSON from an API route.

use axum::http::StatusCode;

use crate::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// `(field, message)` for each field the request got wrong.
    pub fields: Vec<(String, String)>,
    /// Seconds to wait before trying again, for a refusal that passes (`RATE_LIMITED`).
    pub retry_after: Option<u64>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub(crate) fn form_invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "FORM_INVALID", message)
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        Self {
            status: e.status,
            code: e.code.to_owned(),
            message: e.message,
            fields: e.fields.into_iter().map(|f| (f.field, f.message)).collect(),
            retry_after: e.retry_after,
        }
    }
}
