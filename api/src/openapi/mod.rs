//! The public API's OpenAPI 3.1 document, served at `GET /v1/openapi.json`: what a portal team
//! generates its client from.
//!
//! Every route of the public JSON API is registered in [`crate::routes::documented`] through
//! `utoipa_axum::routes!`, which takes the path and method from the handler's `#[utoipa::path]`
//! attribute: the router serves exactly what the document describes. Two parts of what
//! [`crate::router`] serves are not registered there:
//! - the Temporal codec endpoint, `POST /v1/codec/decode`, a service of `lienthong-codec`
//!   nested as it is, described here ([`codec_decode`]); `/encode` is refused to everyone;
//! - the operator console's HTML pages under `/console`, excluded: they are not the JSON API.
//!
//! `/metrics` (Prometheus text, merged in by the `lienthong` binary from `lienthong-telemetry`)
//! is not served by this crate's router and is excluded too. `api/tests/openapi.rs` checks all
//! of this against the source and the running router.

mod answers;

use std::sync::OnceLock;

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, ContentBuilder, RefOr, ResponseBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

pub(crate) use answers::*;

/// The name of the bearer-token security scheme in the document.
pub(crate) const BEARER: &str = "bearer";

const DESCRIPTION: &str = "Lienthong orchestrates Vietnamese linked public-service procedures \
(liên thông): a citizen or a one-stop-shop officer files one application, and lienthong carries \
it through every agency it involves (civil status, residence, social insurance, …) as one \
durable case on Temporal, with retries, deadlines in working days, requests for documents, \
decisions taken later and called back, withdrawal and compensation. This document describes \
the public JSON API: filing and following cases, the agencies' signed callbacks, operators' \
tools (`/v1/ops`), the audit log, and the administration of procedure definitions and the \
agency catalogue. Every request but `/health`, `/v1/procedures`, `/v1/openapi.json` and the \
agencies' callbacks (signed with HMAC headers instead) carries `Authorization: Bearer <JWT>`; \
what a caller may do follows the token's roles (`citizen`, `operator`, `agency-admin`, \
`auditor`). Errors are `{\"error\": {\"code\", \"message\", \"fields\"?, \"diagnostics\"?}}` \
with a stable `code`; a case outside the caller's scope answers the same `404 CASE_NOT_FOUND` \
as a case that does not exist. Not described here: the operator console's HTML pages \
(`/console`) and the Prometheus metrics (`/metrics`).";

#[derive(OpenApi)]
#[openapi(
    info(title = "lienthong", description = DESCRIPTION),
    paths(codec_decode),
    modifiers(&BearerScheme),
    tags(
        (name = "cases", description = "Filing applications and following cases (citizens, officers)."),
        (name = "agencies", description = "Agencies' decisions taken later, called back and signed."),
        (name = "operations", description = "Operators: find, inspect and fix cases; hold and release agencies."),
        (name = "audit", description = "The audit log, for auditors."),
        (name = "definitions", description = "Procedure definitions and their versions, for agency administrators."),
        (name = "catalogue", description = "The agency catalogue every definition is checked against."),
        (name = "codec", description = "The Temporal codec-server protocol: operators read encrypted case history."),
        (name = "system", description = "Health and this document."),
    )
)]
pub(crate) struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT naming the caller (`sub`) and their roles and scopes: HS256 signed \
                         with the installation's key, or RS256/ES256/PS256/EdDSA from the OIDC \
                         issuer the API is configured with.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document the router serves, built once.
pub(crate) fn document() -> &'static openapi::OpenApi {
    static DOCUMENT: OnceLock<openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| finish(crate::routes::documented().into_openapi()))
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi",
    tag = "system",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", body = Object)),
)]
pub(crate) async fn openapi_json() -> Json<&'static openapi::OpenApi> {
    Json(document())
}

/// What every operation shares: any error in the error shape, and the token errors of those
/// that need one.
fn finish(mut doc: openapi::OpenApi) -> openapi::OpenApi {
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(openapi::Ref::from_schema_name("Error"))))
                        .build(),
                )
                .build(),
        )
    };
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert(
        "Error".into(),
        error("An error, with a stable `code` (`INVALID_JSON`, `INVALID_REQUEST`, `BODY_INVALID`, `QUERY_INVALID`, `PATH_INVALID`, `BODY_TOO_LARGE`, `ROUTE_NOT_FOUND`, `DATABASE_UNAVAILABLE`, `ENGINE_UNAVAILABLE`, …); no error repeats a value the request sent."),
    );
    components.responses.insert(
        "BodyTooLarge".into(),
        error("`BODY_TOO_LARGE`: the body is over 256 KiB."),
    );
    components.responses.insert(
        "Unauthorized".into(),
        error("No valid bearer token: `TOKEN_MISSING`, `TOKEN_INVALID` or `TOKEN_EXPIRED`."),
    );
    components.responses.insert(
        "Forbidden".into(),
        error("The token's roles do not allow this (`FORBIDDEN`, or a more precise code)."),
    );
    let refer = |name: &str| RefOr::Ref(openapi::Ref::from_response_name(name));
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let bearer = operation.security.iter().flatten().any(|requirement| {
                serde_json::to_value(requirement).is_ok_and(|r| r.get(BEARER).is_some())
            });
            let malformed = malformed_codes(operation);
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            if !malformed.is_empty() {
                let words = format!(
                    "A request that is not well-formed: {}, with `fields` naming the field and \
                     what it expects.",
                    malformed.join(", ")
                );
                match responses.get_mut("400") {
                    Some(RefOr::T(response)) => {
                        response.description = format!("{} {words}", response.description);
                    }
                    Some(RefOr::Ref(_)) => {}
                    None => {
                        responses.insert("400".into(), error(&words));
                    }
                }
            }
            if has_body {
                responses
                    .entry("413".into())
                    .or_insert_with(|| refer("BodyTooLarge"));
            }
            if bearer {
                responses
                    .entry("401".into())
                    .or_insert_with(|| refer("Unauthorized"));
                responses
                    .entry("403".into())
                    .or_insert_with(|| refer("Forbidden"));
            }
            responses
                .entry("default".into())
                .or_insert_with(|| refer("Error"));
        }
    }
    doc
}

/// The codes a request to `operation` gets when its body, query or path cannot be read
/// (`crate::json`, `crate::body`, `crate::params`). The codec's routes read their own bodies.
fn malformed_codes(operation: &openapi::path::Operation) -> Vec<&'static str> {
    use openapi::path::ParameterIn;
    if operation.tags.iter().flatten().any(|t| t == "codec") {
        return Vec::new();
    }
    let mut codes = Vec::new();
    if let Some(body) = &operation.request_body {
        if body.content.contains_key("application/json") {
            codes.extend(["`INVALID_JSON`", "`INVALID_REQUEST`"]);
        }
        codes.push("`BODY_INVALID` (not UTF-8, or a text holding a NUL character)");
    }
    let within = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    if within(ParameterIn::Query) {
        codes.push("`QUERY_INVALID`");
    }
    if within(ParameterIn::Path) {
        codes.push("`PATH_INVALID`");
    }
    codes
}

/// Decrypts payloads of history for the Temporal CLI and UI.
///
/// Served by `lienthong_codec::codec_router`, nested at `/v1/codec`. Every use, refused or not,
/// is an audit entry (`codec_decode`) with the operator's account.
#[utoipa::path(
    post,
    path = "/v1/codec/decode",
    operation_id = "codec_decode",
    tag = "codec",
    security(("bearer" = [])),
    request_body(content = Payloads, description = "Payloads as read from history."),
    responses(
        (status = 200, description = "The same payloads, opened; payloads that were not encrypted pass through.", body = Payloads),
        (status = 400, description = "A body that is not payloads (`invalid_payloads`), or a payload no listed key opens (`payload_key_unknown`, …).", body = CodecError),
        (status = 403, description = "Needs an operator granted personal data whose scope is every office (`FORBIDDEN`): a payload names no office.", body = crate::error::ErrorBody),
    ),
)]
#[allow(dead_code)] // Only its description is used: the route is the codec crate's.
async fn codec_decode() {}
