//! Death registration (khai tử): population records the death and tells the deceased's benefit
//! status, which the answer carries so the engine can route the funeral allowance. A registered
//! death is irreversible, so there is no compensating operation.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::benefit::BenefitStatus;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::operation::{self, Checked};
use crate::population_client::RecordDeath;
use crate::server::AppState;
use crate::validate;

const PLACE_OF_DEATH_CHARS: (usize, usize) = (2, 200);

#[derive(Debug, Deserialize)]
pub(super) struct RegisterDeath {
    deceased_id: String,
    date_of_death: String,
    place_of_death: String,
    declarant_id: String,
    declarant_relationship: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for RegisterDeath {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("deceased_id", &self.deceased_id)?;
        let date_of_death = dates::parse("date_of_death", &self.date_of_death)?;
        let (min, max) = PLACE_OF_DEATH_CHARS;
        validate::text_length("place_of_death", &self.place_of_death, min, max)?;
        validate::personal_id("declarant_id", &self.declarant_id)?;
        validate::different_people(
            "declarant_id",
            &self.declarant_id,
            "deceased_id",
            &self.deceased_id,
        )?;
        validate::relationship("declarant_relationship", &self.declarant_relationship)?;
        if date_of_death > dates::today() {
            return Err(ApiError::refused(
                "DATE_OF_DEATH_IN_FUTURE",
                "the date of death is later than today",
            ));
        }
        Ok(())
    }
}

pub(super) async fn register_death(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let death: RegisterDeath = operation::parse(body)?;

    // Answer replays and second deaths before bothering population.
    {
        let mut conn = state.db.acquire().await?;
        if let Some(reply) = idempotency::prior(&mut conn, request).await? {
            return Ok(reply);
        }
        if let Err(refusal) = already_registered(&mut conn, &death.deceased_id).await {
            // A concurrent request with this very key may have committed between the two reads:
            // its death and its act commit together, so the act is visible now and is replayed.
            return match idempotency::prior(&mut conn, request).await? {
                Some(reply) => Ok(reply),
                None => Err(refusal),
            };
        }
    }

    // Outside the write transaction: the register must not stay locked while another
    // agency's system is slow.
    let population = state.population.as_ref().ok_or_else(ApiError::internal)?;
    let benefit_status = population
        .record_death(
            &format!("{}/population", request.key),
            &RecordDeath {
                personal_id: &death.deceased_id,
                date_of_death: &death.date_of_death,
            },
        )
        .await?;

    idempotency::act(&state.db, request, async |conn| {
        record_death(conn, request, &death, benefit_status).await
    })
    .await
}

async fn already_registered(
    conn: &mut SqliteConnection,
    deceased_id: &str,
) -> Result<(), ApiError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM deaths WHERE deceased_id = ?1")
        .bind(deceased_id)
        .fetch_optional(conn)
        .await?;
    match found {
        Some(_) => Err(ApiError::refused(
            "ALREADY_DECEASED",
            "a death is already registered for this person",
        )),
        None => Ok(()),
    }
}

async fn record_death(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    death: &RegisterDeath,
    benefit_status: BenefitStatus,
) -> Result<(StatusCode, Value), ApiError> {
    already_registered(conn, &death.deceased_id).await?;
    let today = dates::today();
    let number = ids::next_in_sequence(conn, "death_certificate", today.year()).await?;
    // Register book number / year / "KT" (khai tử) and the deceased's registration province.
    let death_certificate_number =
        format!("{number}/{}/KT-{}", today.year(), &death.deceased_id[..3]);
    let registered_on = dates::format(today);
    sqlx::query(
        "INSERT INTO deaths (death_certificate_number, deceased_id, date_of_death, place_of_death,
                             declarant_id, declarant_relationship, benefit_status, registered_on,
                             idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(&death_certificate_number)
    .bind(&death.deceased_id)
    .bind(&death.date_of_death)
    .bind(death.place_of_death.trim())
    .bind(&death.declarant_id)
    .bind(&death.declarant_relationship)
    .bind(benefit_status.as_str())
    .bind(&registered_on)
    .bind(&request.key)
    .execute(&mut *conn)
    .await?;
    Ok((
        StatusCode::CREATED,
        json!({
            "death_certificate_number": death_certificate_number,
            "registered_on": registered_on,
            "benefit_status": benefit_status.as_str(),
        }),
    ))
}
