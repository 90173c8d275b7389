use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// One problem with one field of a request, in words the applicant can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer into the request body, e.g. `/application/child/date_of_birth`.
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Every error the API answers with. The code is stable; the message never contains personal
/// data; internal details are logged, not returned.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "APPLICATION_INVALID",
            message: "the application has problems; see `fields`; nothing was started".into(),
            fields,
        }
    }

    pub fn case_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "CASE_NOT_FOUND",
            "no case has this code",
        )
    }

    /// Logs the cause and answers without it: clients see a code, operators see the log.
    pub fn engine_unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "engine call failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ENGINE_UNAVAILABLE",
            "the case engine did not answer; try again shortly",
        )
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                fields: &self.fields,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
