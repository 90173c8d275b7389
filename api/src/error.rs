use axum::{
    Json,
    extract::Request,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    middleware::Next,
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
    /// Seconds to wait before asking again (`Retry-After`), for a refusal that passes.
    pub retry_after: Option<u64>,
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
    /// What to do about it, when there is something specific ("did you mean `birth`?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Another place involved: the first definition of a duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<RelatedView>,
}

/// A second place a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DiagnosticRelated)]
pub struct RelatedView {
    pub path: String,
    pub line: u64,
    pub column: u64,
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
            help: d.help.clone(),
            related: d.related.as_ref().map(|r| RelatedView {
                path: r.path.clone(),
                line: r.line,
                column: r.column,
                message: r.message.clone(),
            }),
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
            retry_after: None,
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "APPLICATION_INVALID",
            message: "the application has problems; see `fields`; nothing was started".into(),
            fields,
            diagnostics: Vec::new(),
            retry_after: None,
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

/// The reason a request gives (trimmed, 1 to 500 characters), or `400 REASON_REQUIRED` naming
/// the field: the one check for withdrawals, operator actions, holds and bulk actions.
pub(crate) fn reason(text: &str) -> Result<lienthong_definitions::Reason, ApiError> {
    lienthong_definitions::Reason::parse(text).map_err(|problem| {
        let mut error = ApiError::new(
            StatusCode::BAD_REQUEST,
            "REASON_REQUIRED",
            "say why (1 to 500 characters); it is kept with the case and in the audit log",
        );
        error.fields = vec![FieldError {
            field: "/reason".into(),
            code: match problem {
                lienthong_definitions::ReasonError::Missing => "REQUIRED",
                lienthong_definitions::ReasonError::TooLong => "TOO_LONG",
            }
            .into(),
            message: problem.to_string(),
        }];
        error
    })
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
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The last word on every answer under `/v1/`: an error not already in the error shape (the
/// router's own `404` and `405`, a rejection by an extractor the API does not own, a layer's
/// refusal) is put in it, with its status and headers kept and its text (which may quote the
/// request) dropped. The handlers' own errors are `ApiError`s already; the console's pages are
/// not touched.
pub(crate) async fn in_error_shape(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/v1/");
    let response = next.run(request).await;
    let status = response.status();
    if !api
        || !(status.is_client_error() || status.is_server_error())
        || is_json(response.headers())
    {
        return response;
    }
    let error = match status {
        // A nested service's own 404.
        StatusCode::NOT_FOUND => ApiError::new(
            status,
            "ROUTE_NOT_FOUND",
            "no route has this path; GET /v1/openapi.json lists them",
        ),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "METHOD_NOT_ALLOWED",
            "this route does not take this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => crate::body::too_large(),
        s if s.is_client_error() => {
            ApiError::new(status, "INVALID_REQUEST", "the request was not accepted")
        }
        _ => {
            tracing::error!(
                status = status.as_u16(),
                "an answer outside the error shape"
            );
            ApiError::new(
                status,
                "INTERNAL_ERROR",
                "the API could not answer; try again shortly",
            )
        }
    };
    let (parts, _text) = response.into_parts();
    let mut answer = error.into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// What no route serves: under `/v1/`, `404 ROUTE_NOT_FOUND` in the error shape. A fallback of
/// its own (not the router's default), so a router this one is merged into (the binary adds
/// `/metrics`) keeps it.
pub(crate) async fn no_route(uri: Uri) -> Response {
    if uri.path().starts_with("/v1/") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
            "no route has this path; GET /v1/openapi.json lists them",
        )
        .into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.contains("+json"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::{
        body::Body,
        routing::{get, post},
    };
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn every_error_under_v1_answers_in_the_error_shape() {
        let app = axum::Router::new()
            .route(
                "/v1/plain",
                post(|| async { (StatusCode::BAD_REQUEST, "bad value `Nguyễn Văn A`") }),
            )
            .route("/v1/ok", get(|| async { "fine" }))
            .route("/v1/coded", get(|| async { ApiError::case_not_found() }))
            .route(
                "/console/page",
                get(|| async { (StatusCode::BAD_REQUEST, "a page") }),
            )
            .layer(axum::middleware::from_fn(in_error_shape));
        let send = |method: &'static str, uri: &'static str| {
            let app = app.clone();
            async move {
                let response = app
                    .oneshot(
                        Request::builder()
                            .method(method)
                            .uri(uri)
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let allow = response.headers().get(header::ALLOW).cloned();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let body = String::from_utf8_lossy(&bytes).into_owned();
                let code = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
                (status, code, body, allow)
            }
        };
        let (status, code, body, _) = send("POST", "/v1/plain").await;
        assert_eq!((status, code.as_deref()), (400, Some("INVALID_REQUEST")));
        assert!(!body.contains("Nguy"), "{body}");
        let (status, code, _, _) = send("GET", "/v1/nowhere").await;
        assert_eq!((status, code.as_deref()), (404, Some("ROUTE_NOT_FOUND")));
        let (status, code, _, allow) = send("DELETE", "/v1/ok").await;
        assert_eq!((status, code.as_deref()), (405, Some("METHOD_NOT_ALLOWED")));
        assert!(allow.is_some(), "the router's `Allow` header is kept");
        let (status, code, _, _) = send("GET", "/v1/coded").await;
        assert_eq!((status, code.as_deref()), (404, Some("CASE_NOT_FOUND")));
        let (status, _, body, _) = send("GET", "/v1/ok").await;
        assert_eq!((status, body.as_str()), (200, "fine"));
        let (status, code, body, _) = send("GET", "/console/page").await;
        assert_eq!((status, code, body.as_str()), (400, None, "a page"));
    }

    #[tokio::test]
    async fn a_path_no_route_serves_answers_in_the_error_shape_after_a_merge() {
        let api = axum::Router::new()
            .fallback(no_route)
            .layer(axum::middleware::from_fn(in_error_shape));
        // As the binary adds `/metrics`: the merged router keeps this fallback.
        let app = axum::Router::new()
            .nest_service("/metrics", get(|| async { "metrics" }))
            .merge(api);
        for (uri, expected) in [
            (
                "/v1/Nguy%E1%BB%85n",
                (404, Some("ROUTE_NOT_FOUND".to_owned())),
            ),
            ("/elsewhere", (404, None)),
        ] {
            let response = app
                .clone()
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let code = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
            assert!(!String::from_utf8_lossy(&bytes).contains("Nguy"));
            assert_eq!((status, code), expected, "{uri}");
        }
    }

    #[test]
    fn every_reason_is_checked_in_characters_and_refused_naming_the_field() {
        // A citizen's withdrawal and an operator's action take the same check: 400 Vietnamese
        // characters (over 800 bytes) pass for both.
        assert!(reason(&"ố".repeat(400)).is_ok());
        for (text, field_code) in [("  ", "REQUIRED"), (&*"a".repeat(501), "TOO_LONG")] {
            let refused = reason(text).unwrap_err();
            assert_eq!(refused.code, "REASON_REQUIRED");
            assert_eq!(refused.fields[0].field, "/reason");
            assert_eq!(refused.fields[0].code, field_code);
        }
    }
}
