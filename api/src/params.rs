//! `ApiQuery` and `ApiPath`: a route's query string and path parameters, refused in the API's
//! error shape (`400 QUERY_INVALID`, `400 PATH_INVALID`) with a field error that names the
//! parameter and what it expects, never the value sent.

use axum::extract::path::ErrorKind;
use axum::{
    extract::{FromRequestParts, Path, RawPathParams, rejection::PathRejection},
    http::{StatusCode, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    ApiError,
    shape::{self, Place, Segment},
};

/// `axum::extract::Query`, refused with `400 QUERY_INVALID`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        query(parts.uri.query().unwrap_or_default()).map(Self)
    }
}

/// A query string as `T`, or why not.
pub(crate) fn query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(reader).map_err(|e| {
        let field = shape::describe(
            Place::Query,
            &shape::segments(e.path()),
            &e.inner().to_string(),
        );
        let mut error = ApiError::new(
            StatusCode::BAD_REQUEST,
            "QUERY_INVALID",
            "a query parameter is not valid; see `fields`",
        );
        error.fields.push(field);
        error
    })
}

/// `axum::extract::Path`, refused with `400 PATH_INVALID`.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                // A tuple's parameters are numbered: their names are the route's, in order.
                let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(name, _)| name.to_owned()).collect())
                    .unwrap_or_default();
                Err(path_error(e.kind(), &names))
            }
            Err(other) => Err(route_mismatch(&other)),
        }
    }
}

/// What is wrong with a path parameter, from axum's own account of it (whose value is left out).
fn path_error(kind: &ErrorKind, names: &[String]) -> ApiError {
    let (name, expected) = match kind {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => (Some(key.as_str()), Some(*expected_type)),
        ErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => (names.get(*index).map(String::as_str), Some(*expected_type)),
        ErrorKind::ParseError { expected_type, .. } => {
            (names.first().map(String::as_str), Some(*expected_type))
        }
        ErrorKind::InvalidUtf8InPathParam { key } => (Some(key.as_str()), None),
        ErrorKind::DeserializeError { key, .. } => (Some(key.as_str()), None),
        ErrorKind::WrongNumberOfParameters { .. } | ErrorKind::UnsupportedType { .. } => {
            return route_mismatch(kind);
        }
        _ => (None, None),
    };
    let path: Vec<Segment<'_>> = name.map(Segment::Key).into_iter().collect();
    let message = match kind {
        ErrorKind::InvalidUtf8InPathParam { .. } => "invalid value: not UTF-8, expected UTF-8 text",
        _ => "",
    };
    let field = match expected {
        Some(expected) => shape::describe(
            Place::Path,
            &path,
            &format!("invalid type: a value, expected {}", type_words(expected)),
        ),
        None => shape::describe(Place::Path, &path, message),
    };
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "PATH_INVALID",
        "a path parameter is not valid; see `fields`",
    );
    error.fields.push(field);
    error
}

/// A Rust type name (`i64`, `alloc::string::String`) as serde would name what it expects.
fn type_words(type_name: &str) -> &str {
    match type_name.rsplit("::").next().unwrap_or(type_name) {
        "bool" => "a boolean",
        "String" | "str" => "a string",
        name => name,
    }
}

/// The handler reads parameters its route does not have: the API's own mistake.
fn route_mismatch(cause: &dyn std::fmt::Debug) -> ApiError {
    tracing::error!(?cause, "a handler's path parameters do not match its route");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "the API could not read this route's parameters",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::{body::Body, extract::Request, routing::get};
    use serde::Deserialize;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::ops::cases::ListQuery;

    const PERSON: &str = "Nguy%E1%BB%85n%20V%C4%83n%20A%20001190012345";

    fn refused<T: DeserializeOwned + std::fmt::Debug>(q: &str) -> (String, String, String) {
        let error = query::<T>(q).unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::BAD_REQUEST, "QUERY_INVALID")
        );
        let f = &error.fields[0];
        assert!(!f.message.contains("001190012345") && !f.message.contains("maybe"));
        (f.field.clone(), f.code.clone(), f.message.clone())
    }

    #[test]
    fn a_bad_query_parameter_is_named_with_what_it_expects() {
        for (q, expected) in [
            (
                "page=abc",
                (
                    "/page",
                    "WRONG_TYPE",
                    "the query parameter `page` must be a whole number",
                ),
            ),
            (
                "page_size=-1",
                (
                    "/page_size",
                    "WRONG_TYPE",
                    "the query parameter `page_size` must be a whole number",
                ),
            ),
            (
                &format!("page={PERSON}") as &str,
                (
                    "/page",
                    "WRONG_TYPE",
                    "the query parameter `page` must be a whole number",
                ),
            ),
            (
                "overdue=maybe",
                (
                    "/overdue",
                    "WRONG_TYPE",
                    "the query parameter `overdue` must be `true` or `false`",
                ),
            ),
            (
                "page=1&page=2",
                (
                    "/page",
                    "DUPLICATE_FIELD",
                    "the query parameter `page` is given more than once",
                ),
            ),
        ] {
            let got = refused::<ListQuery>(q);
            assert_eq!(
                (got.0.as_str(), got.1.as_str(), got.2.as_str()),
                expected,
                "{q}"
            );
        }
        let got = refused::<crate::ops::BatchPage>(&format!("{PERSON}=1"));
        assert_eq!((got.0.as_str(), got.1.as_str()), ("", "UNKNOWN_FIELD"));
        assert_eq!(
            got.2,
            "a parameter is not one this route takes (expected `offset` or `limit`)"
        );
    }

    #[test]
    fn every_case_filter_is_read_from_a_query_string() {
        // `serde(flatten)` reads a flattened field as text: a boolean there must be read by
        // the outer struct, or `overdue=true` is refused.
        let list: ListQuery = query(
            "procedure=p&status=running&agency=residence&reason=any&overdue=true\
             &submitted_from=2026-11-01&submitted_to=2026-11-30&code=KS-A&office=01&page=2&page_size=3",
        )
        .unwrap();
        assert_eq!(list.overdue, Some(true));
        assert_eq!(list.filter.procedure.as_deref(), Some("p"));
        assert_eq!(list.filter.submitted_to.as_deref(), Some("2026-11-30"));
        assert_eq!(list.filter.office.as_deref(), Some("01"));
        assert_eq!((list.page, list.page_size), (Some(2), Some(3)));
        let list: ListQuery = query("overdue=false").unwrap();
        assert_eq!(list.overdue, Some(false));
    }

    #[derive(Debug, Deserialize)]
    struct Version {
        procedure: String,
        version: i64,
    }

    #[tokio::test]
    async fn a_bad_path_parameter_is_named_with_what_it_expects() {
        let app = axum::Router::new()
            .route(
                "/d/{procedure}/versions/{version}",
                get(|ApiPath((p, v)): ApiPath<(String, i64)>| async move { format!("{p}{v}") }),
            )
            .route(
                "/n/{procedure}/{version}",
                get(|ApiPath(v): ApiPath<Version>| async move {
                    format!("{}{}", v.procedure, v.version)
                }),
            )
            .route(
                "/c/{code}",
                get(|ApiPath(code): ApiPath<String>| async move { code }),
            );
        for uri in [
            "/d/x/versions/abc".to_owned(),
            format!("/d/x/versions/{PERSON}"),
            format!("/n/{PERSON}/{PERSON}"),
        ] {
            let response = app
                .clone()
                .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let answer: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(answer["error"]["code"], "PATH_INVALID", "{uri}");
            assert_eq!(
                answer["error"]["fields"][0],
                serde_json::json!({
                    "field": "/version",
                    "code": "WRONG_TYPE",
                    "message": "the path parameter `version` must be a whole number",
                }),
                "{uri}"
            );
            assert!(!String::from_utf8_lossy(&bytes).contains("001190012345"));
        }
        let response = app
            .clone()
            .oneshot(Request::get("/c/%FF").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(answer["error"]["code"], "PATH_INVALID");
        assert_eq!(answer["error"]["fields"][0]["field"], "/code");
    }
}
