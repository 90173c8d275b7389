//! The funeral allowance (trợ cấp mai táng) paid to whoever organised the funeral of a
//! pensioner or insured person. Reversible: cancelling the payment is the compensation, and
//! is safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::ActRequest;
use crate::ids;
use crate::operation::{Act, Cancellable, Checked, Outcome, cancel_record};
use crate::rates::FUNERAL_ALLOWANCE_VND;
use crate::validate;

use super::insured_person;

#[derive(Debug, Deserialize)]
pub(super) struct Payment {
    deceased_id: String,
    death_certificate_number: String,
    date_of_death: String,
    recipient_id: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Payment {
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

impl Act for Payment {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome {
        insured_person(conn, &self.deceased_id).await?;
        let paid: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM funeral_allowances WHERE deceased_id = ?1 AND status = 'paid'",
        )
        .bind(&self.deceased_id)
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
        .bind(&self.deceased_id)
        .bind(self.death_certificate_number.trim())
        .bind(&self.date_of_death)
        .bind(&self.recipient_id)
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
}

#[derive(Debug, Deserialize)]
pub(super) struct Cancellation {
    payment_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("payment_id", &self.payment_id)?;
        validate::required("reason", &self.reason)
    }
}

impl Act for Cancellation {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let register = Cancellable {
            table: "funeral_allowances",
            id_column: "payment_id",
            unknown: (
                "UNKNOWN_PAYMENT",
                "no funeral allowance has this payment ID",
            ),
        };
        cancel_record(conn, &register, &self.payment_id, &self.reason).await
    }
}
