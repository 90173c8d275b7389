//! `/v1/catalogue`: each agency's operations and their contracts, which every definition is
//! checked against. An agency administrator replaces their agency's entry with a YAML document
//! (the format of `definitions/catalogue/*.yaml`).

use axum::{Json, extract::State, http::StatusCode};
use lienthong_definitions::catalogue::{Agency, parse_agency};
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::body::ApiText;
use crate::params::ApiPath;
use crate::{ApiError, ApiState, CatalogError, auth::Caller};
use lienthong_identity::Role;

pub(crate) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show, replace))
}

/// Every agency's operations and their contracts.
#[utoipa::path(get, path = "/v1/catalogue", operation_id = "list_catalogue", tag = "catalogue",
    security(("bearer" = [])),
    responses((status = 200, description = "The catalogue.", body = crate::openapi::AgencyList)))]
async fn list(State(state): State<ApiState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    Ok(Json(
        json!({ "agencies": state.catalog.agencies().agencies() }),
    ))
}

/// One agency's catalogue entry.
#[utoipa::path(get, path = "/v1/catalogue/{agency}", operation_id = "get_catalogue_agency", tag = "catalogue",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "The agency id, e.g. `civil-status`.")),
    responses(
        (status = 200, description = "The entry.", body = crate::openapi::CatalogueAgencyDoc),
        (status = 404, description = "`AGENCY_NOT_FOUND`.", body = crate::error::ErrorBody),
    ))]
async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(agency): ApiPath<String>,
) -> Result<Json<Agency>, ApiError> {
    caller.require_staff()?;
    state
        .catalog
        .agencies()
        .agency(&agency)
        .cloned()
        .map(Json)
        .ok_or_else(unknown)
}

/// Replaces the caller's agency's entry; definitions already published keep running as compiled.
#[utoipa::path(put, path = "/v1/catalogue/{agency}", operation_id = "replace_catalogue_agency", tag = "catalogue",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "The agency id; must be the caller's.")),
    request_body(content = String, content_type = "application/yaml", description = "The entry in the format of `definitions/catalogue/*.yaml` (any content type; read as UTF-8)."),
    responses(
        (status = 200, description = "The entry as stored.", body = crate::openapi::CatalogueAgencyDoc),
        (status = 400, description = "`AGENCY_MISMATCH`: the entry names another agency.", body = crate::error::ErrorBody),
        (status = 403, description = "`NOT_YOUR_AGENCY`.", body = crate::error::ErrorBody),
        (status = 422, description = "`CATALOGUE_ENTRY_INVALID` with `diagnostics`.", body = crate::error::ErrorBody),
    ))]
async fn replace(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(agency): ApiPath<String>,
    ApiText(body): ApiText,
) -> Result<Json<Agency>, ApiError> {
    caller.require(&[Role::AgencyAdmin])?;
    if !caller.0.administers(&agency) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "NOT_YOUR_AGENCY",
            "an agency administrator changes only their own agency's catalogue entry",
        ));
    }
    let actor = caller.0.subject.clone();
    let entry = parse_agency(&body).map_err(|d| {
        let mut error = ApiError::invalid_definition(&d);
        error.code = "CATALOGUE_ENTRY_INVALID";
        error.message =
            "the catalogue entry has problems; see `diagnostics`; nothing was stored".into();
        error
    })?;
    if entry.id != agency {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "AGENCY_MISMATCH",
            // `agency` is one the caller administers; the entry's id is not repeated.
            format!("the entry's `id` is not `{agency}`, the agency in the path"),
        ));
    }
    state
        .catalog
        .put_agency(&entry, &actor)
        .await
        .map_err(|e: CatalogError| ApiError::database(e))?;
    tracing::info!(agency = %entry.id, "catalogue entry replaced");
    Ok(Json(entry))
}

fn unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "AGENCY_NOT_FOUND",
        "no agency has this id in the catalogue; GET /v1/catalogue lists them",
    )
}
