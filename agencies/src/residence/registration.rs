//! Registering a child's permanent residence at a parent's address. Reversible: cancelling an
//! entry is the compensation, and is safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::server::AppState;
use crate::validate;

pub(crate) const REGISTER: &str = "register-permanent-residence";
pub(crate) const CANCEL: &str = "cancel-permanent-residence";

pub(super) async fn perform_register(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let registration: Registration = validate::body(body)?;
    registration.check()?;
    idempotency::act(&state.db, request, async |conn| {
        register(conn, request, &registration).await
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

/// Checks a registration without acting on it, for an act decided later.
pub(super) fn check_register(body: &Value) -> Result<(), ApiError> {
    validate::body::<Registration>(body.clone())?.check()
}

/// Checks a cancellation without acting on it, for an act decided later.
pub(super) fn check_cancel(body: &Value) -> Result<(), ApiError> {
    validate::body::<Cancellation>(body.clone())?.check()
}

#[derive(Debug, Deserialize)]
struct Registration {
    personal_id: String,
    full_name: String,
    date_of_birth: String,
    parent_id: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Registration {
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

async fn register(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    registration: &Registration,
) -> Result<(StatusCode, Value), ApiError> {
    let Some(address_code) = active_address(conn, &registration.parent_id).await? else {
        return Err(ApiError::refused(
            "PARENT_NOT_RESIDENT",
            "the parent has no permanent residence to register the child at",
        ));
    };
    if active_address(conn, &registration.personal_id)
        .await?
        .is_some()
    {
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
    .bind(&registration.personal_id)
    .bind(registration.full_name.trim())
    .bind(&registration.date_of_birth)
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

#[derive(Debug, Deserialize)]
struct Cancellation {
    residence_entry_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("residence_entry_id", &self.residence_entry_id)?;
        validate::required("reason", &self.reason)
    }
}

async fn cancel(
    conn: &mut SqliteConnection,
    cancellation: &Cancellation,
) -> Result<(StatusCode, Value), ApiError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM residence_entries WHERE entry_id = ?1")
            .bind(&cancellation.residence_entry_id)
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
        .bind(&cancellation.residence_entry_id)
        .bind(dates::format(dates::today()))
        .bind(cancellation.reason.trim())
        .execute(&mut *conn)
        .await?;
    }
    Ok((
        StatusCode::OK,
        json!({
            "residence_entry_id": cancellation.residence_entry_id,
            "status": "cancelled",
        }),
    ))
}
