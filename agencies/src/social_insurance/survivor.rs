//! The survivor benefit (trợ cấp tuất) of a pensioner or insured person, asked for by a
//! representative of the family. Monthly when the deceased was a pensioner or had contributed
//! for 15 years or more, one-time otherwise; the simulator assumes the family has a relative
//! the monthly benefit is for. Reversible: cancelling the benefit is the compensation, and is
//! safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::rates::MONTHLY_SURVIVOR_MIN_YEARS;
use crate::server::AppState;
use crate::validate;

use super::{InsuredPerson, insured_person};

pub(crate) const GRANT_SURVIVOR: &str = "grant-survivor-benefit";
pub(crate) const CANCEL_SURVIVOR: &str = "cancel-survivor-benefit";

pub(super) async fn perform_grant(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let application: Application = validate::body(body)?;
    application.check()?;
    idempotency::act(&state.db, request, async |conn| {
        grant(conn, request, &application).await
    })
    .await
}

pub(super) async fn perform_cancel(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let cancellation: Cancellation = validate::body(body)?;
    cancellation.check()?;
    idempotency::act(&state.db, request, async |conn| {
        cancel(conn, &cancellation).await
    })
    .await
}

/// Checks an application without acting on it, for an act decided later.
pub(super) fn check_grant(body: &Value) -> Result<(), ApiError> {
    validate::body::<Application>(body.clone())?.check()
}

/// Checks a cancellation without acting on it, for an act decided later.
pub(super) fn check_cancel(body: &Value) -> Result<(), ApiError> {
    validate::body::<Cancellation>(body.clone())?.check()
}

#[derive(Debug, Deserialize)]
struct Application {
    deceased_id: String,
    death_certificate_number: String,
    representative_id: String,
    representative_relationship: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Application {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("deceased_id", &self.deceased_id)?;
        validate::required("death_certificate_number", &self.death_certificate_number)?;
        validate::personal_id("representative_id", &self.representative_id)?;
        validate::different_people(
            "representative_id",
            &self.representative_id,
            "deceased_id",
            &self.deceased_id,
        )?;
        validate::relationship(
            "representative_relationship",
            &self.representative_relationship,
        )
    }
}

fn kind(person: &InsuredPerson) -> &'static str {
    if person.is_pensioner() || person.contribution_years >= MONTHLY_SURVIVOR_MIN_YEARS {
        "monthly"
    } else {
        "one_time"
    }
}

async fn grant(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    application: &Application,
) -> Result<(StatusCode, Value), ApiError> {
    let person = insured_person(conn, &application.deceased_id).await?;
    let granted: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM survivor_benefits WHERE deceased_id = ?1 AND status = 'granted'",
    )
    .bind(&application.deceased_id)
    .fetch_optional(&mut *conn)
    .await?;
    if granted.is_some() {
        return Err(ApiError::refused(
            "ALREADY_GRANTED",
            "a survivor benefit was already granted for this death",
        ));
    }
    let kind = kind(&person);
    let today = dates::today();
    let number = ids::next_in_sequence(conn, "survivor_benefit", today.year()).await?;
    let benefit_id = format!("TU-{}-{number:06}", today.year());
    let granted_on = dates::format(today);
    sqlx::query(
        "INSERT INTO survivor_benefits (benefit_id, deceased_id, death_certificate_number,
                                        representative_id, representative_relationship, kind,
                                        granted_on, status, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'granted', ?8)",
    )
    .bind(&benefit_id)
    .bind(&application.deceased_id)
    .bind(application.death_certificate_number.trim())
    .bind(&application.representative_id)
    .bind(&application.representative_relationship)
    .bind(kind)
    .bind(&granted_on)
    .bind(&request.key)
    .execute(&mut *conn)
    .await?;
    Ok((
        StatusCode::CREATED,
        json!({
            "benefit_id": benefit_id,
            "kind": kind,
            "granted_on": granted_on,
        }),
    ))
}

#[derive(Debug, Deserialize)]
struct Cancellation {
    benefit_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("benefit_id", &self.benefit_id)?;
        validate::required("reason", &self.reason)
    }
}

async fn cancel(
    conn: &mut SqliteConnection,
    cancellation: &Cancellation,
) -> Result<(StatusCode, Value), ApiError> {
    // An already-cancelled benefit keeps its first cancellation date and reason.
    let cancelled_on: Option<String> = sqlx::query_scalar(
        "UPDATE survivor_benefits
         SET status = 'cancelled',
             cancelled_on = COALESCE(cancelled_on, ?2),
             cancel_reason = COALESCE(cancel_reason, ?3)
         WHERE benefit_id = ?1
         RETURNING cancelled_on",
    )
    .bind(&cancellation.benefit_id)
    .bind(dates::format(dates::today()))
    .bind(cancellation.reason.trim())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(cancelled_on) = cancelled_on else {
        return Err(ApiError::not_found(
            "UNKNOWN_BENEFIT",
            "no survivor benefit has this ID",
        ));
    };
    Ok((
        StatusCode::OK,
        json!({
            "benefit_id": cancellation.benefit_id,
            "status": "cancelled",
            "cancelled_on": cancelled_on,
        }),
    ))
}
