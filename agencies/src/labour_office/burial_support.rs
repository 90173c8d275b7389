//! Burial support for a social-protection beneficiary or a person with meritorious services,
//! paid to whoever organised the funeral. Reversible: cancelling the decision is the
//! compensation, and is safe to repeat.

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
use crate::rates::{BURIAL_SUPPORT_MERITORIOUS_VND, BURIAL_SUPPORT_SOCIAL_PROTECTION_VND};
use crate::validate;

#[derive(Debug, Deserialize)]
pub(super) struct Application {
    deceased_id: String,
    death_certificate_number: String,
    recipient_id: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Application {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("deceased_id", &self.deceased_id)?;
        validate::required("death_certificate_number", &self.death_certificate_number)?;
        validate::personal_id("recipient_id", &self.recipient_id)?;
        validate::different_people(
            "recipient_id",
            &self.recipient_id,
            "deceased_id",
            &self.deceased_id,
        )
    }
}

/// The amount owed for a beneficiary of this register category.
fn amount_vnd(category: &str) -> Option<i64> {
    match category {
        "social_protection" => Some(BURIAL_SUPPORT_SOCIAL_PROTECTION_VND),
        "meritorious" => Some(BURIAL_SUPPORT_MERITORIOUS_VND),
        _ => None,
    }
}

impl Act for Application {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome {
        let category: Option<String> =
            sqlx::query_scalar("SELECT category FROM beneficiaries WHERE personal_id = ?1")
                .bind(&self.deceased_id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(amount_vnd) = category.as_deref().and_then(amount_vnd) else {
            return Err(ApiError::refused(
                "NOT_ELIGIBLE",
                "the deceased was neither a social-protection beneficiary nor a person with \
                 meritorious services",
            ));
        };
        let granted: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM burial_support WHERE deceased_id = ?1 AND status = 'granted'",
        )
        .bind(&self.deceased_id)
        .fetch_optional(&mut *conn)
        .await?;
        if granted.is_some() {
            return Err(ApiError::refused(
                "ALREADY_GRANTED",
                "burial support was already granted for this death",
            ));
        }
        let today = dates::today();
        let number = ids::next_in_sequence(conn, "burial_support", today.year()).await?;
        // Decision number / year / "QD-HTMT" (quyết định hỗ trợ mai táng), in ASCII like the
        // other numbers the simulators issue.
        let decision_number = format!("{number}/{}/QD-HTMT", today.year());
        let decided_on = dates::format(today);
        sqlx::query(
            "INSERT INTO burial_support (decision_number, deceased_id, death_certificate_number,
                                         recipient_id, amount_vnd, decided_on, status,
                                         idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'granted', ?7)",
        )
        .bind(&decision_number)
        .bind(&self.deceased_id)
        .bind(self.death_certificate_number.trim())
        .bind(&self.recipient_id)
        .bind(amount_vnd)
        .bind(&decided_on)
        .bind(&request.key)
        .execute(&mut *conn)
        .await?;
        Ok((
            StatusCode::CREATED,
            json!({
                "decision_number": decision_number,
                "amount_vnd": amount_vnd,
                "decided_on": decided_on,
            }),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Cancellation {
    decision_number: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("decision_number", &self.decision_number)?;
        validate::required("reason", &self.reason)
    }
}

impl Act for Cancellation {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let register = Cancellable {
            table: "burial_support",
            id_column: "decision_number",
            unknown: (
                "UNKNOWN_DECISION",
                "no burial support decision has this number",
            ),
        };
        cancel_record(conn, &register, &self.decision_number, &self.reason).await
    }
}
