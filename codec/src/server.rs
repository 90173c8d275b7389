//! A Temporal codec server: the Temporal UI (`--codec-endpoint`) and CLI (`--codec-endpoint` on
//! `temporal workflow show` and friends) send `POST /decode` and `POST /encode` with the protobuf
//! JSON of `Payloads` (`{"payloads":[{"metadata":{k: base64}, "data": base64}]}`) and get the
//! same shape back. It has no authentication of its own: whoever mounts it must restrict it to
//! operators, since `/decode` reveals every citizen's data.

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use serde_json::json;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::{CodecError, PayloadCipher};

/// A history page's payloads can be several times the 2 MiB a single payload may reach.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// `POST /decode`, to be nested under a path the caller protects. There is no `/encode`:
/// nobody outside the engine makes ciphertext under the installation's key.
pub fn codec_router(cipher: Arc<PayloadCipher>) -> Router {
    Router::new()
        .route("/decode", post(decode))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(cipher)
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct WirePayloads {
    #[serde(default)]
    payloads: Vec<WirePayload>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WirePayload {
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    #[serde(default)]
    data: String,
}

async fn decode(
    State(cipher): State<Arc<PayloadCipher>>,
    body: Result<Json<WirePayloads>, JsonRejection>,
) -> Result<Json<WirePayloads>, ServerError> {
    convert(body, |payload| cipher.decrypt(payload))
}

fn convert(
    body: Result<Json<WirePayloads>, JsonRejection>,
    apply: impl Fn(Payload) -> Result<Payload, CodecError>,
) -> Result<Json<WirePayloads>, ServerError> {
    // The rejection's own text may quote the body, which holds personal data: not repeated.
    let Json(body) = body.map_err(|_| ServerError::Request)?;
    let payloads = body
        .payloads
        .into_iter()
        .map(|wire| {
            let payload = from_wire(wire).ok_or(ServerError::Request)?;
            apply(payload).map(to_wire).map_err(ServerError::Codec)
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(WirePayloads { payloads }))
}

fn from_wire(wire: WirePayload) -> Option<Payload> {
    let metadata = wire
        .metadata
        .into_iter()
        .map(|(key, value)| STANDARD.decode(value).ok().map(|value| (key, value)))
        .collect::<Option<_>>()?;
    Some(Payload {
        metadata,
        data: STANDARD.decode(wire.data).ok()?,
        ..Default::default()
    })
}

fn to_wire(payload: Payload) -> WirePayload {
    WirePayload {
        metadata: payload
            .metadata
            .into_iter()
            .map(|(key, value)| (key, STANDARD.encode(value)))
            .collect(),
        data: STANDARD.encode(payload.data),
    }
}

enum ServerError {
    Request,
    Codec(CodecError),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (code, message) = match &self {
            Self::Request => (
                "invalid_payloads",
                "the body must be {\"payloads\": [{\"metadata\": {key: base64}, \"data\": base64}]}"
                    .to_owned(),
            ),
            Self::Codec(error) => {
                tracing::warn!(code = error.code(), "codec server refused a payload");
                (error.code(), error.to_string())
            }
        };
        let body = json!({ "code": code, "message": message });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::{body::Body, http::Request};
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::{KeyRing, generate_key_entry};

    fn router() -> Router {
        let ring = KeyRing::parse(&generate_key_entry("k1").unwrap()).unwrap();
        codec_router(Arc::new(PayloadCipher::new(ring)))
    }

    async fn post(router: &Router, path: &str, body: &Value) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn what_the_engine_sealed_the_server_opens_and_it_seals_nothing() {
        let cipher =
            PayloadCipher::new(KeyRing::parse(&generate_key_entry("k1").unwrap()).unwrap());
        let plain = Payload {
            metadata: std::collections::HashMap::from([(
                "encoding".to_owned(),
                b"json/plain".to_vec(),
            )]),
            data: r#"{"name":"Trần Minh An"}"#.as_bytes().to_vec(),
            ..Payload::default()
        };
        let wire = |p: &Payload| {
            let metadata: serde_json::Map<String, Value> = p
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), json!(STANDARD.encode(v))))
                .collect();
            json!({"payloads": [{"metadata": metadata, "data": STANDARD.encode(&p.data)}]})
        };
        let sealed = cipher.encrypt(&plain).unwrap();
        let router = codec_router(Arc::new(cipher));
        let (status, opened) = post(&router, "/decode", &wire(&sealed)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(opened, wire(&plain));
        let response = router
            .oneshot(
                Request::post("/encode")
                    .header("content-type", "application/json")
                    .body(Body::from(wire(&plain).to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn bad_requests_and_foreign_payloads_get_coded_errors() {
        let router = router();
        let (status, body) = post(&router, "/decode", &json!({"payloads": 3})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_payloads"))
        );
        let not_base64 = json!({"payloads": [{"metadata": {}, "data": "%%%"}]});
        let (status, body) = post(&router, "/decode", &not_base64).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_payloads"))
        );
        let foreign = json!({"payloads": [{
            "metadata": {
                "encoding": STANDARD.encode("binary/encrypted"),
                "encryption-key-id": STANDARD.encode("elsewhere"),
            },
            "data": STANDARD.encode([0u8; 40]),
        }]});
        let (status, body) = post(&router, "/decode", &foreign).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("payload_key_unknown"))
        );
    }
}
