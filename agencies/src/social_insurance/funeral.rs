//! The funeral allowance (trợ cấp mai táng) paid to whoever organised the funeral of a
//! pensioner or insured person. Reversible: cancelling the payment is the compensation, and
//! is safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::rates::FUNERAL_ALLOWANCE_VND;
use crate::server::AppState;
use crate::validate;

use super::insured_person;

pub(crate) const PAY_FUNERAL: &str = "pay-funeral-allowance";
pub(crate) const CANCEL_FUNERAL: &str = "cancel-funeral-allowance";

pub(super) async fn perform_pay(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let payment: Payment = validate::body(body)?;
    payment.check()?;
    idempotency::act(&state.db, request, async |conn| {
        pay(conn, request, &payment).await
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

/// Checks a payment without acting on it, for an act decided later.
pub(super) fn check_pay(body: &Value) -> Result<(), ApiError> {
    validate::body::<Payment>(body.clone())?.check()
}

/// Checks a cancellation without acting on it, for an act decided later.
pub(super) fn check_cancel(body: &Value) -> Result<(), ApiError> {
    validate::body::<Cancellation>(body.clone())?.check()
}

#[derive(Debug, Deserialize)]
struct Payment {
    deceased_id: String,
    death_certificate_number: String,
    date_of_death: String,
    recipient_id: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Payment {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("deceased_id", &self.deceased_id)?;
        validate::required("death_certificate_number", &self.death_certificate_number)?;
        let date_of_death = dates::parse("date_of_death", &self.date_of_death)?;
        if date_of_death > dates::today() {
            return Err(ApiError::invalid(
                "date_of_death must not be later than today",
            ));
        }
        validate::personal_id("recipient_id", &self.recipient_id)?;
        validate::different_people(
            "recipient_id",
            &self.recipient_id,
            "deceased_id",
            &self.deceased_id,
        )
    }
}

async fn pay(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    payment: &Payment,
) -> Result<(StatusCode, Value), ApiError> {
    insured_person(conn, &payment.deceased_id).await?;
    let paid: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM funeral_allowances WHERE deceased_id = ?1 AND status = 'paid'",
    )
    .bind(&payment.deceased_id)
    .fetch_optional(&mut *conn)
    .await?;
    if paid.is_some() {
        return Err(ApiError::refused(
            "ALREADY_PAID",
            "a funeral allowance was already paid for this death",
        ));
    }
    let today = dates::today();
    let number = ids::next_in_sequence(conn, "funeral_allowance", today.year()).await?;
    let payment_id = format!("MT-{}-{number:06}", today.year());
    let decided_on = dates::format(today);
    sqlx::query(
        "INSERT INTO funeral_allowances (payment_id, deceased_id, death_certificate_number,
                                         date_of_death, recipient_id, amount_vnd, decided_on,
                                         status, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'paid', ?8)",
    )
    .bind(&payment_id)
    .bind(&payment.deceased_id)
    .bind(payment.death_certificate_number.trim())
    .bind(&payment.date_of_death)
    .bind(&payment.recipient_id)
    .bind(FUNERAL_ALLOWANCE_VND)
    .bind(&decided_on)
    .bind(&request.key)
    .execute(&mut *conn)
    .await?;
    Ok((
        StatusCode::CREATED,
        json!({
            "payment_id": payment_id,
            "amount_vnd": FUNERAL_ALLOWANCE_VND,
            "decided_on": decided_on,
        }),
    ))
}

#[derive(Debug, Deserialize)]
struct Cancellation {
    payment_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("payment_id", &self.payment_id)?;
        validate::required("reason", &self.reason)
    }
}

async fn cancel(
    conn: &mut SqliteConnection,
    cancellation: &Cancellation,
) -> Result<(StatusCode, Value), ApiError> {
    // An already-cancelled payment keeps its first cancellation date and reason.
    let cancelled_on: Option<String> = sqlx::query_scalar(
        "UPDATE funeral_allowances
         SET status = 'cancelled',
             cancelled_on = COALESCE(cancelled_on, ?2),
             cancel_reason = COALESCE(cancel_reason, ?3)
         WHERE payment_id = ?1
         RETURNING cancelled_on",
    )
    .bind(&cancellation.payment_id)
    .bind(dates::format(dates::today()))
    .bind(cancellation.reason.trim())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(cancelled_on) = cancelled_on else {
        return Err(ApiError::not_found(
            "UNKNOWN_PAYMENT",
            "no funeral allowance has this payment ID",
        ));
    };
    Ok((
        StatusCode::OK,
        json!({
            "payment_id": cancellation.payment_id,
            "status": "cancelled",
            "cancelled_on": cancelled_on,
        }),
    ))
}
