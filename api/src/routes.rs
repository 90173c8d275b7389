//! The API's route table: every public JSON route registered with its OpenAPI description,
//! the codec, the console, and the layers every answer passes through.

use axum::{Json, Router};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::ApiState;

pub fn router(state: ApiState) -> Router {
    let codec = lienthong_codec::codec_router(state.payload_cipher.clone()).layer(
        axum::middleware::from_fn_with_state(state.clone(), crate::codec_access::require_decoder),
    );
    Router::new()
        .nest_service("/v1/codec", codec)
        .merge(documented())
        .merge(crate::console::routes())
        .merge(crate::citizen_page::routes())
        .merge(crate::oidc_login::routes())
        .fallback(crate::error::no_route)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::limits::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(crate::error::in_error_shape))
        .layer(axum::middleware::from_fn(
            crate::error_language::citizen_words,
        ))
        .layer(axum::middleware::from_fn(crate::limits::security_headers))
        .with_state(state)
}

/// The public JSON API: each route registered with its description in the OpenAPI document
/// (`crate::openapi`), from the handler's `#[utoipa::path]`.
pub(crate) fn documented() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(crate::readiness::ready))
        .routes(routes!(crate::openapi::openapi_json))
        .routes(routes!(crate::citizen::applications::procedures))
        .merge(crate::definition_versions::routes())
        .merge(crate::approvals::routes())
        .merge(crate::catalogue_routes::routes())
        .merge(crate::ops::routes())
        .routes(routes!(crate::citizen::applications::submit))
        .routes(routes!(crate::citizen::cases::case))
        .routes(routes!(crate::citizen::cases::withdraw))
        .routes(routes!(crate::citizen::supplements::supplement))
        .routes(routes!(crate::callbacks::receive))
}

/// Whether the API is up (no token needed).
#[utoipa::path(get, path = "/health", operation_id = "health", tag = "system",
    responses((status = 200, description = "The API answers.", body = crate::openapi::Health)))]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
