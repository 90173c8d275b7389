//! `/v1/catalogue`: each agency's operations and their contracts, which every definition is
//! checked against. An agency administrator replaces their agency's entry with a YAML document
//! (the format of `definitions/catalogue/*.yaml`).

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use lienthong_definitions::catalogue::{Agency, parse_agency};
use serde_json::{Value, json};

use crate::{ApiError, ApiState, CatalogError, auth::Caller};
use lienthong_identity::Role;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/catalogue", get(list))
        .route("/v1/catalogue/{agency}", get(show).put(replace))
}

async fn list(State(state): State<ApiState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    Ok(Json(
        json!({ "agencies": state.catalog.agencies().agencies() }),
    ))
}

async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    Path(agency): Path<String>,
) -> Result<Json<Agency>, ApiError> {
    caller.require_staff()?;
    state
        .catalog
        .agencies()
        .agency(&agency)
        .cloned()
        .map(Json)
        .ok_or_else(|| unknown(&agency))
}

async fn replace(
    State(state): State<ApiState>,
    caller: Caller,
    Path(agency): Path<String>,
    body: String,
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
            format!(
                "the entry describes `{}` but was sent to /v1/catalogue/{agency}",
                entry.id
            ),
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

fn unknown(agency: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "AGENCY_NOT_FOUND",
        format!("no agency `{agency}` in the catalogue; GET /v1/catalogue lists them"),
    )
}
