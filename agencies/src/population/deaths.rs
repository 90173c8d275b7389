//! Recording a death in the population register, on civil status's request. A person dies
//! once: a second death is refused, whichever civil-status office asks.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;
use time::Date;

use crate::api_error::ApiError;
use crate::benefit::BenefitStatus;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::server::AppState;
use crate::validate;

#[derive(Debug, Deserialize)]
struct RecordDeath {
    personal_id: String,
    date_of_death: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl RecordDeath {
    fn check(&self) -> Result<Date, ApiError> {
        validate::personal_id("personal_id", &self.personal_id)?;
        let date_of_death = dates::parse("date_of_death", &self.date_of_death)?;
        if date_of_death > dates::today() {
            return Err(ApiError::refused(
                "DATE_OF_DEATH_IN_FUTURE",
                "the date of death is later than today",
            ));
        }
        Ok(date_of_death)
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(super) fn check_request(body: &Value) -> Result<(), ApiError> {
    validate::body::<RecordDeath>(body.clone())?
        .check()
        .map(drop)
}

pub(super) async fn record_death(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let death: RecordDeath = validate::body(body)?;
    let date_of_death = death.check()?;
    idempotency::act(&state.db, request, async |conn| {
        record(conn, &death, date_of_death).await
    })
    .await
}

#[derive(Debug, sqlx::FromRow)]
struct Living {
    date_of_birth: String,
    benefit_status: String,
    date_of_death: Option<String>,
}

async fn record(
    conn: &mut SqliteConnection,
    death: &RecordDeath,
    date_of_death: Date,
) -> Result<(StatusCode, Value), ApiError> {
    let person: Option<Living> = sqlx::query_as(
        "SELECT date_of_birth, benefit_status, date_of_death FROM citizens WHERE personal_id = ?1",
    )
    .bind(&death.personal_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(person) = person else {
        return Err(ApiError::refused(
            "PERSON_NOT_FOUND",
            "the deceased's personal ID is not in the National Population Database",
        ));
    };
    if person.date_of_death.is_some() {
        return Err(ApiError::refused(
            "ALREADY_DECEASED",
            "a death is already recorded for this person",
        ));
    }
    let born = dates::parse("date_of_birth", &person.date_of_birth).map_err(|_| {
        tracing::error!("a citizen's stored date of birth is malformed");
        ApiError::internal()
    })?;
    if date_of_death < born {
        return Err(ApiError::invalid(
            "date_of_death is earlier than the deceased's date of birth",
        ));
    }
    let benefit_status: BenefitStatus = person.benefit_status.parse().map_err(|_| {
        tracing::error!("a citizen's stored benefit status is unknown");
        ApiError::internal()
    })?;
    let recorded_on = dates::format(dates::today());
    // The `IS NULL` guard keeps the first death even if the check above raced (it cannot under
    // `BEGIN IMMEDIATE`, but the register must never hold two deaths for one person).
    let updated = sqlx::query(
        "UPDATE citizens SET date_of_death = ?2, death_recorded_on = ?3
         WHERE personal_id = ?1 AND date_of_death IS NULL",
    )
    .bind(&death.personal_id)
    .bind(&death.date_of_death)
    .bind(&recorded_on)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(ApiError::conflict(
            "the death was recorded concurrently; retry the request",
        ));
    }
    Ok((
        StatusCode::OK,
        json!({
            "personal_id": death.personal_id,
            "date_of_death": death.date_of_death,
            "benefit_status": benefit_status.as_str(),
            "recorded_on": recorded_on,
        }),
    ))
}
