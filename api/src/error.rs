use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field of a request, in words the applicant can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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
    /// Problems found in a procedure definition, each with its code, line and column.
    pub diagnostics: Vec<DiagnosticView>,
}

/// A definition diagnostic as the API shows it, so an editor can point at the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Diagnostic)]
pub struct DiagnosticView {
    pub code: &'static str,
    pub path: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl From<&lienthong_definitions::Diagnostic> for DiagnosticView {
    fn from(d: &lienthong_definitions::Diagnostic) -> Self {
        Self {
            code: d.code.as_str(),
            path: d.path.clone(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
        }
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "APPLICATION_INVALID",
            message: "the application has problems; see `fields`; nothing was started".into(),
            fields,
            diagnostics: Vec::new(),
        }
    }

    /// A definition that does not validate; nothing was stored.
    pub fn invalid_definition(diagnostics: &lienthong_definitions::Diagnostics) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "DEFINITION_INVALID",
            "the definition has problems; see `diagnostics`; nothing was stored",
        );
        error.diagnostics = diagnostics.0.iter().map(DiagnosticView::from).collect();
        error
    }

    pub fn case_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "CASE_NOT_FOUND",
            "no case has this code",
        )
    }

    /// The engine database failed: logged, answered without its details.
    pub fn database(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "engine database call failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "DATABASE_UNAVAILABLE",
            "the engine database did not answer; try again shortly",
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

/// Every error answer: `{"error": {"code", "message", "fields"?, "diagnostics"?}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct Body<'a> {
    error: Inner<'a>,
}

/// The OpenAPI document names the error answer by this.
pub(crate) type ErrorBody = Body<'static>;

#[derive(Serialize, ToSchema)]
#[schema(as = ErrorDetail)]
struct Inner<'a> {
    /// Stable: clients branch on it (`CASE_NOT_FOUND`, `TOKEN_MISSING`, …).
    code: &'a str,
    /// For people; never contains personal data.
    message: &'a str,
    /// Each problem with a field of the request, when there are any.
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
    /// Each problem found in a definition or catalogue entry, with its line and column.
    #[serde(skip_serializing_if = "<[DiagnosticView]>::is_empty")]
    diagnostics: &'a [DiagnosticView],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                fields: &self.fields,
                diagnostics: &self.diagnostics,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
