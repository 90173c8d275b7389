//! The population register's citizens: a newborn's 12-digit personal ID, and the lookup of
//! any citizen.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::server::AppState;
use crate::validate::{self, Sex};

/// Random serials collide rarely; give up long before this would loop for real.
const MAX_ID_ATTEMPTS: usize = 50;

/// Checks a request without acting on it, for an act decided later.
pub(super) fn check_request(body: &Value) -> Result<(), ApiError> {
    check(validate::body(body.clone())?).map(drop)
}

#[derive(Debug, Deserialize)]
struct AssignRequest {
    full_name: String,
    date_of_birth: String,
    sex: String,
    place_of_birth: String,
    mother_id: String,
    #[serde(default)]
    father_id: Option<String>,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

struct Child {
    full_name: String,
    date_of_birth: String,
    birth_year: i32,
    sex: Sex,
    place_of_birth: String,
    mother_id: String,
    father_id: Option<String>,
}

fn check(request: AssignRequest) -> Result<Child, ApiError> {
    validate::required("full_name", &request.full_name)?;
    validate::required("place_of_birth", &request.place_of_birth)?;
    let date_of_birth = dates::parse("date_of_birth", &request.date_of_birth)?;
    if date_of_birth > dates::today() {
        return Err(ApiError::refused(
            "DATE_OF_BIRTH_IN_FUTURE",
            "the date of birth is later than today",
        ));
    }
    if !(1900..2400).contains(&date_of_birth.year()) {
        return Err(ApiError::invalid(
            "date_of_birth must be between 1900 and 2399",
        ));
    }
    let sex = validate::sex("sex", &request.sex)?;
    validate::personal_id("mother_id", &request.mother_id)?;
    let father_id = request.father_id.filter(|id| !id.is_empty());
    if let Some(father_id) = &father_id {
        validate::personal_id("father_id", father_id)?;
    }
    Ok(Child {
        full_name: request.full_name.trim().to_owned(),
        date_of_birth: request.date_of_birth,
        birth_year: date_of_birth.year(),
        sex,
        place_of_birth: request.place_of_birth.trim().to_owned(),
        mother_id: request.mother_id,
        father_id,
    })
}

pub(super) async fn assign_personal_id(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let child = check(validate::body(body)?)?;
    idempotency::act(&state.db, request, async |conn| {
        register_child(conn, &child).await
    })
    .await
}

async fn exists(conn: &mut SqliteConnection, personal_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM citizens WHERE personal_id = ?1")
        .bind(personal_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

async fn register_child(
    conn: &mut SqliteConnection,
    child: &Child,
) -> Result<(StatusCode, Value), ApiError> {
    if !exists(conn, &child.mother_id).await? {
        return Err(ApiError::refused(
            "MOTHER_NOT_FOUND",
            "the mother's personal ID is not in the National Population Database",
        ));
    }
    if let Some(father_id) = &child.father_id
        && !exists(conn, father_id).await?
    {
        return Err(ApiError::refused(
            "FATHER_NOT_FOUND",
            "the father's personal ID is not in the National Population Database",
        ));
    }
    // The province of birth is taken as the mother's registration province: the simulator
    // has no map from free-text places to province codes.
    let province = &child.mother_id[..3];
    let created_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|_| ApiError::internal())?;
    for _ in 0..MAX_ID_ATTEMPTS {
        let personal_id = ids::personal_id(province, child.birth_year, child.sex)
            .ok_or_else(|| ApiError::invalid("date_of_birth is outside the supported years"))?;
        if exists(conn, &personal_id).await? {
            continue;
        }
        sqlx::query(
            "INSERT INTO citizens (personal_id, full_name, date_of_birth, sex, place_of_birth,
                                   mother_id, father_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(&personal_id)
        .bind(&child.full_name)
        .bind(&child.date_of_birth)
        .bind(child.sex.as_str())
        .bind(&child.place_of_birth)
        .bind(&child.mother_id)
        .bind(&child.father_id)
        .bind(&created_at)
        .execute(&mut *conn)
        .await?;
        return Ok((StatusCode::CREATED, json!({ "personal_id": personal_id })));
    }
    tracing::error!("no free personal ID serial found");
    Err(ApiError::internal())
}

#[derive(Debug, sqlx::FromRow)]
struct Citizen {
    personal_id: String,
    full_name: String,
    date_of_birth: String,
    sex: String,
    benefit_status: String,
    date_of_death: Option<String>,
}

pub(super) async fn citizen(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::not_found("CITIZEN_NOT_FOUND", "no citizen has this personal ID");
    let Ok(Path(personal_id)) = path else {
        return Err(not_found());
    };
    if !validate::is_personal_id(&personal_id) {
        return Err(not_found());
    }
    let citizen: Citizen = sqlx::query_as(
        "SELECT personal_id, full_name, date_of_birth, sex, benefit_status, date_of_death
         FROM citizens WHERE personal_id = ?1",
    )
    .bind(&personal_id)
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(not_found)?;
    Ok(Json(json!({
        "personal_id": citizen.personal_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth,
        "sex": citizen.sex,
        "benefit_status": citizen.benefit_status,
        "date_of_death": citizen.date_of_death,
    })))
}
