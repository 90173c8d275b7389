//! Birth registration: the child's personal ID comes from population. A registered birth is
//! irreversible, so there is no compensating operation.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::population_client::AssignPersonalId;
use crate::server::AppState;
use crate::validate;

/// Checks a request without acting on it, for an act decided later.
pub(super) fn check_request(body: &Value) -> Result<(), ApiError> {
    check(&mut validate::body(body.clone())?)
}

#[derive(Debug, Deserialize)]
struct RegisterBirth {
    child: Child,
    mother_id: String,
    #[serde(default)]
    father_id: Option<String>,
    e_birth_certificate: EBirthCertificate,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

#[derive(Debug, Deserialize)]
struct Child {
    full_name: String,
    date_of_birth: String,
    sex: String,
    place_of_birth: String,
    home_town: String,
    ethnicity: String,
    nationality: String,
}

/// The hospital's electronic birth certificate (giấy chứng sinh).
#[derive(Debug, Deserialize)]
struct EBirthCertificate {
    number: String,
    issued_by: String,
    /// Absent and empty are the same thing: an unsigned certificate, refused as such.
    #[serde(default)]
    signature: Option<String>,
}

fn check(birth: &mut RegisterBirth) -> Result<(), ApiError> {
    let child = &birth.child;
    validate::required("child.full_name", &child.full_name)?;
    let date_of_birth = dates::parse("child.date_of_birth", &child.date_of_birth)?;
    validate::sex("child.sex", &child.sex)?;
    validate::required("child.place_of_birth", &child.place_of_birth)?;
    validate::required("child.home_town", &child.home_town)?;
    validate::required("child.ethnicity", &child.ethnicity)?;
    validate::required("child.nationality", &child.nationality)?;
    validate::personal_id("mother_id", &birth.mother_id)?;
    birth.father_id = birth.father_id.take().filter(|id| !id.is_empty());
    if let Some(father_id) = &birth.father_id {
        validate::personal_id("father_id", father_id)?;
    }
    validate::required(
        "e_birth_certificate.number",
        &birth.e_birth_certificate.number,
    )?;
    validate::required(
        "e_birth_certificate.issued_by",
        &birth.e_birth_certificate.issued_by,
    )?;
    if date_of_birth > dates::today() {
        return Err(ApiError::refused(
            "DATE_OF_BIRTH_IN_FUTURE",
            "the date of birth is later than today",
        ));
    }
    let signed = birth
        .e_birth_certificate
        .signature
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    if !signed {
        return Err(ApiError::refused(
            "E_BIRTH_CERTIFICATE_UNSIGNED",
            "the electronic birth certificate carries no digital signature",
        ));
    }
    Ok(())
}

async fn already_registered(
    conn: &mut SqliteConnection,
    e_birth_certificate_number: &str,
) -> Result<(), ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM births WHERE e_birth_certificate_number = ?1")
            .bind(e_birth_certificate_number)
            .fetch_optional(conn)
            .await?;
    match found {
        Some(_) => Err(ApiError::refused(
            "BIRTH_ALREADY_REGISTERED",
            "a birth was already registered for this electronic birth certificate",
        )),
        None => Ok(()),
    }
}

pub(super) async fn register_birth(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let mut birth: RegisterBirth = validate::body(body)?;
    check(&mut birth)?;

    // Answer replays and duplicates before bothering population.
    {
        let mut conn = state.db.acquire().await?;
        if let Some(reply) = idempotency::prior(&mut conn, request).await? {
            return Ok(reply);
        }
        if let Err(refusal) = already_registered(&mut conn, &birth.e_birth_certificate.number).await
        {
            // A concurrent request with this very key may have committed between the two reads:
            // its birth and its act commit together, so the act is visible now and is replayed.
            return match idempotency::prior(&mut conn, request).await? {
                Some(reply) => Ok(reply),
                None => Err(refusal),
            };
        }
    }

    // Outside the write transaction: the register must not stay locked while another
    // agency's system is slow.
    let population = state.population.as_ref().ok_or_else(ApiError::internal)?;
    let child = &birth.child;
    let personal_id = population
        .assign_personal_id(
            &format!("{}/population", request.key),
            &AssignPersonalId {
                full_name: &child.full_name,
                date_of_birth: &child.date_of_birth,
                sex: &child.sex,
                place_of_birth: &child.place_of_birth,
                mother_id: &birth.mother_id,
                father_id: birth.father_id.as_deref(),
            },
        )
        .await?;

    let mut tx = idempotency::begin(&state.db).await?;
    // A concurrent request with the same key may have finished while population answered.
    if let Some(reply) = idempotency::prior(&mut tx, request).await? {
        return Ok(reply);
    }
    let outcome = record_birth(&mut tx, request, &birth, &personal_id).await;
    idempotency::finish(&state.db, tx, request, outcome).await
}

async fn record_birth(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    birth: &RegisterBirth,
    personal_id: &str,
) -> Result<(StatusCode, Value), ApiError> {
    already_registered(conn, &birth.e_birth_certificate.number).await?;
    let today = dates::today();
    let number = ids::next_in_sequence(conn, "birth_certificate", today.year()).await?;
    // Register book number / year / "KS" (khai sinh) and the registering province.
    let birth_certificate_number =
        format!("{number}/{}/KS-{}", today.year(), &birth.mother_id[..3]);
    let registered_on = dates::format(today);
    let child = &birth.child;
    sqlx::query(
        "INSERT INTO births (birth_certificate_number, personal_id, full_name, date_of_birth, sex,
                             place_of_birth, home_town, ethnicity, nationality, mother_id,
                             father_id, e_birth_certificate_number, registered_on, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .bind(&birth_certificate_number)
    .bind(personal_id)
    .bind(child.full_name.trim())
    .bind(&child.date_of_birth)
    .bind(&child.sex)
    .bind(child.place_of_birth.trim())
    .bind(child.home_town.trim())
    .bind(child.ethnicity.trim())
    .bind(child.nationality.trim())
    .bind(&birth.mother_id)
    .bind(&birth.father_id)
    .bind(&birth.e_birth_certificate.number)
    .bind(&registered_on)
    .bind(&request.key)
    .execute(&mut *conn)
    .await?;
    Ok((
        StatusCode::CREATED,
        json!({
            "birth_certificate_number": birth_certificate_number,
            "personal_id": personal_id,
            "registered_on": registered_on,
        }),
    ))
}
