//! Reading a request's body: within the size limit, valid UTF-8, no NUL character (the engine
//! database refuses one inside a text). Every body extractor of the API reads through here, so
//! each refusal has one code: `413 BODY_TOO_LARGE`, `400 BODY_INVALID`.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::StatusCode,
};

use crate::{ApiError, limits::MAX_BODY_BYTES};

/// The body as UTF-8 text (a definition's or a catalogue entry's YAML), in the API's error
/// shape when it cannot be read.
#[derive(Debug)]
pub struct ApiText(pub String);

impl<S: Send + Sync> FromRequest<S> for ApiText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read(req, state).await?;
        let text = utf8(&bytes)?;
        if text.contains('\0') {
            return Err(invalid(
                "the body contains a NUL character, which no text may hold",
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

/// The body's bytes, at most [`MAX_BODY_BYTES`].
pub(crate) async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            invalid("the body could not be read")
        }
    })
}

/// The body as text, or why not.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|_| invalid("the body is not valid UTF-8"))
}

/// `413 BODY_TOO_LARGE`.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BODY_TOO_LARGE",
        format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024),
    )
}

/// `400 BODY_INVALID`: the body cannot be taken as text at all.
pub(crate) fn invalid(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "BODY_INVALID", message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::{body::Body, extract::DefaultBodyLimit, routing::post};
    use tower::ServiceExt;

    use super::*;

    async fn send(body: Vec<u8>) -> (StatusCode, serde_json::Value) {
        let app = axum::Router::new()
            .route(
                "/",
                post(|ApiText(text): ApiText| async move { text.len().to_string() }),
            )
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
        let response = app
            .oneshot(Request::post("/").body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn a_text_body_is_refused_in_the_error_shape() {
        let (status, answer) = send(vec![b'a'; 10 * 1024 * 1024]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(answer["error"]["code"], "BODY_TOO_LARGE");
        assert_eq!(
            answer["error"]["message"],
            "the body is larger than 256 KiB"
        );

        let (status, answer) = send(b"id: \xff\xfe".to_vec()).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("BODY_INVALID"))
        );

        let (status, answer) = send(b"id: a\0b".to_vec()).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("BODY_INVALID"))
        );

        let (status, _) = send("id: Nguyễn".as_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::OK);
    }
}
