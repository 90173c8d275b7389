//! The JSON error answer every simulator gives: `{"code": "UPPER_SNAKE", "message": "..."}`.
//!
//! Messages name fields and rules only, never the values sent, so they can be logged and shown
//! without leaking personal data.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

const CONFLICT: &str = "CONFLICT";

#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: Cow<'static, str>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    /// A business refusal: the request was understood but the agency will not act on it.
    pub fn refused(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// Another writer got there first; [`crate::idempotency::finish`] replays its answer.
    pub fn conflict(message: &'static str) -> Self {
        Self::new(StatusCode::CONFLICT, CONFLICT, message)
    }

    /// A unique constraint fired: another writer got there first.
    pub fn is_conflict(&self) -> bool {
        self.code == CONFLICT
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the agency register could not be read or written",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if error
            .as_database_error()
            .is_some_and(|db| db.is_unique_violation())
        {
            return ApiError::new(
                StatusCode::CONFLICT,
                CONFLICT,
                "the register changed concurrently; retry the request",
            );
        }
        // SQLite messages name tables and columns, not the values stored in them.
        tracing::error!(error = %error, "register access failed");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "code": self.code, "message": self.message })),
        )
            .into_response()
    }
}
