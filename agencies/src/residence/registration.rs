//! Registering a child's permanent residence at a parent's address. Reversible: cancelling an
//! entry is the compensation, and is safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::ActRequest;
use crate::ids;
use crate::operation::{Act, Checked, Outcome};
use crate::validate;

#[derive(Debug, Deserialize)]
pub(super) struct Registration {
    personal_id: String,
    full_name: String,
    date_of_birth: String,
    parent_id: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Registration {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("personal_id", &self.personal_id)?;
        validate::required("full_name", &self.full_name)?;
        let date_of_birth = dates::parse("date_of_birth", &self.date_of_birth)?;
        validate::personal_id("parent_id", &self.parent_id)?;
        if date_of_birth > dates::today() {
            return Err(ApiError::refused(
                "DATE_OF_BIRTH_IN_FUTURE",
                "the date of birth is later than today",
            ));
        }
        Ok(())
    }
}

pub(super) async fn active_address(
    conn: &mut SqliteConnection,
    personal_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT address_code FROM residence_entries WHERE personal_id = ?1 AND status = 'active'",
    )
    .bind(personal_id)
    .fetch_optional(conn)
    .await
}

impl Act for Registration {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome {
        let Some(address_code) = active_address(conn, &self.parent_id).await? else {
            return Err(ApiError::refused(
                "PARENT_NOT_RESIDENT",
                "the parent has no permanent residence to register the child at",
            ));
        };
        if active_address(conn, &self.personal_id).await?.is_some() {
            return Err(ApiError::refused(
                "ALREADY_RESIDENT",
                "the child already has a permanent residence",
            ));
        }
        let today = dates::today();
        let number = ids::next_in_sequence(conn, "residence_entry", today.year()).await?;
        let entry_id = format!("TT-{}-{number:06}", today.year());
        let registered_on = dates::format(today);
        sqlx::query(
            "INSERT INTO residence_entries (entry_id, personal_id, full_name, date_of_birth,
                                            address_code, relationship, status, registered_on,
                                            idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, 'child', 'active', ?6, ?7)",
        )
        .bind(&entry_id)
        .bind(&self.personal_id)
        .bind(self.full_name.trim())
        .bind(&self.date_of_birth)
        .bind(&address_code)
        .bind(&registered_on)
        .bind(&request.key)
        .execute(&mut *conn)
        .await?;
        Ok((
            StatusCode::CREATED,
            json!({
                "residence_entry_id": entry_id,
                "address_code": address_code,
                "registered_on": registered_on,
            }),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Cancellation {
    residence_entry_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("residence_entry_id", &self.residence_entry_id)?;
        validate::required("reason", &self.reason)
    }
}

impl Act for Cancellation {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM residence_entries WHERE entry_id = ?1")
                .bind(&self.residence_entry_id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(status) = status else {
            return Err(ApiError::not_found(
                "ENTRY_NOT_FOUND",
                "no residence entry has this ID",
            ));
        };
        // An already-cancelled entry keeps its first cancellation date and reason.
        if status == "active" {
            sqlx::query(
                "UPDATE residence_entries
                 SET status = 'cancelled', cancelled_on = ?2, cancel_reason = ?3
                 WHERE entry_id = ?1",
            )
            .bind(&self.residence_entry_id)
            .bind(dates::format(dates::today()))
            .bind(self.reason.trim())
            .execute(&mut *conn)
            .await?;
        }
        Ok((
            StatusCode::OK,
            json!({
                "residence_entry_id": self.residence_entry_id,
                "status": "cancelled",
            }),
        ))
    }
}
