//! Calls an operator API route in-process with the session's token, for the two things
//! `crate::ops` serves only as routes today: the agency board and the audit log's CSV. The
//! answer is exactly the API's, checks and audit included; nothing crosses the network.

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode, header},
};
use serde_json::Value;
use tower::ServiceExt;

use super::problem::Problem;
use crate::ApiState;

/// The most an answer may weigh (the audit CSV holds at most 10,000 entries).
const MAX_BODY: usize = 64 * 1024 * 1024;

pub(crate) struct Answer {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// `GET path_and_query` on the operator API as the session's user.
pub(crate) async fn get(
    state: &ApiState,
    token: &str,
    path_and_query: &str,
) -> Result<Answer, Problem> {
    let unavailable = || {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CONSOLE_FAILED",
            "the console could not ask the API; try again",
        )
    };
    let request = Request::get(path_and_query)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .map_err(|_| unavailable())?;
    let response = crate::ops::routes()
        .with_state(state.clone())
        .oneshot(request)
        .await
        .map_err(|_| unavailable())?;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| unavailable())?;
    if !parts.status.is_success() {
        let json: Value = serde_json::from_slice(&body).unwrap_or_default();
        return Err(Problem::from_body(parts.status, &json));
    }
    Ok(Answer {
        headers: parts.headers,
        body,
    })
}

/// The same, read as JSON.
pub(crate) async fn get_json(
    state: &ApiState,
    token: &str,
    path_and_query: &str,
) -> Result<Value, Problem> {
    let answer = get(state, token, path_and_query).await?;
    serde_json::from_slice(&answer.body).map_err(|_| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CONSOLE_FAILED",
            "the API's answer could not be read",
        )
    })
}
