//! Deleting a deceased person's permanent residence (xóa đăng ký thường trú). Reversible:
//! restoring the entry is the compensation, and is safe to repeat.

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

use super::registration::active_address;

#[derive(Debug, Deserialize)]
pub(super) struct Deletion {
    personal_id: String,
    death_certificate_number: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Deletion {
    fn check(&self) -> Result<(), ApiError> {
        validate::personal_id("personal_id", &self.personal_id)?;
        validate::required("death_certificate_number", &self.death_certificate_number)
    }
}

impl Act for Deletion {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome {
        let Some(address_code) = active_address(conn, &self.personal_id).await? else {
            return Err(ApiError::refused(
                "NO_PERMANENT_RESIDENCE",
                "the person has no permanent residence to delete",
            ));
        };
        let today = dates::today();
        let number = ids::next_in_sequence(conn, "residence_deletion", today.year()).await?;
        let deletion_id = format!("XTT-{}-{number:06}", today.year());
        let deleted_on = dates::format(today);
        let entry_id: String = sqlx::query_scalar(
            "UPDATE residence_entries SET status = 'deleted'
             WHERE personal_id = ?1 AND status = 'active'
             RETURNING entry_id",
        )
        .bind(&self.personal_id)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO residence_deletions (deletion_id, entry_id, personal_id,
                                              death_certificate_number, deleted_on, status,
                                              idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, 'deleted', ?6)",
        )
        .bind(&deletion_id)
        .bind(&entry_id)
        .bind(&self.personal_id)
        .bind(self.death_certificate_number.trim())
        .bind(&deleted_on)
        .bind(&request.key)
        .execute(&mut *conn)
        .await?;
        Ok((
            StatusCode::CREATED,
            json!({
                "deletion_id": deletion_id,
                "address_code": address_code,
                "deleted_on": deleted_on,
            }),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Restoration {
    deletion_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Restoration {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("deletion_id", &self.deletion_id)?;
        validate::required("reason", &self.reason)
    }
}

#[derive(Debug, sqlx::FromRow)]
struct StoredDeletion {
    entry_id: String,
    personal_id: String,
    status: String,
    restored_on: Option<String>,
}

impl Act for Restoration {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let stored: Option<StoredDeletion> = sqlx::query_as(
            "SELECT entry_id, personal_id, status, restored_on
             FROM residence_deletions WHERE deletion_id = ?1",
        )
        .bind(&self.deletion_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(stored) = stored else {
            return Err(ApiError::not_found(
                "UNKNOWN_DELETION",
                "no residence deletion has this ID",
            ));
        };
        // An already-restored deletion keeps its first restoration date and reason.
        let restored_on = match (stored.status.as_str(), stored.restored_on) {
            ("restored", Some(restored_on)) => restored_on,
            _ => restore_entry(conn, self, &stored.entry_id, &stored.personal_id).await?,
        };
        Ok((
            StatusCode::OK,
            json!({
                "deletion_id": self.deletion_id,
                "status": "restored",
                "restored_on": restored_on,
            }),
        ))
    }
}

async fn restore_entry(
    conn: &mut SqliteConnection,
    restoration: &Restoration,
    entry_id: &str,
    personal_id: &str,
) -> Result<String, ApiError> {
    // The person may have registered elsewhere since (a wrongly registered death); a person
    // has one permanent residence at a time, so the old one cannot come back.
    if active_address(conn, personal_id).await?.is_some() {
        return Err(ApiError::refused(
            "ALREADY_RESIDENT",
            "the person has registered another permanent residence since the deletion",
        ));
    }
    let restored_on = dates::format(dates::today());
    sqlx::query("UPDATE residence_entries SET status = 'active' WHERE entry_id = ?1")
        .bind(entry_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE residence_deletions
         SET status = 'restored', restored_on = ?2, restore_reason = ?3
         WHERE deletion_id = ?1",
    )
    .bind(&restoration.deletion_id)
    .bind(&restored_on)
    .bind(restoration.reason.trim())
    .execute(&mut *conn)
    .await?;
    Ok(restored_on)
}
