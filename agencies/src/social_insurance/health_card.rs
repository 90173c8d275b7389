//! The free health-insurance card of a child under 6. Reversible: revoking the card is the
//! compensation, and is safe to repeat.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;
use time::{Date, Duration};

use crate::api_error::ApiError;
use crate::dates;
use crate::documents::Supplement;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::ids;
use crate::operation::{Act, Checked, Outcome};
use crate::server::AppState;
use crate::validate;

/// Random serials collide rarely; give up long before this would loop for real.
const MAX_NUMBER_ATTEMPTS: usize = 50;

pub(super) async fn perform_issue(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let application: Application = validate::body(body)?;
    let date_of_birth = application.check()?;
    idempotency::act(&state.db, request, async |conn| {
        issue(conn, request, &application, date_of_birth).await
    })
    .await
}

/// Checks an application without acting on it, for an act decided later.
pub(super) fn check_issue(body: &Value) -> Result<(), ApiError> {
    validate::body::<Application>(body.clone())?
        .check()
        .map(drop)
}

#[derive(Debug, Deserialize)]
struct Application {
    personal_id: String,
    full_name: String,
    date_of_birth: String,
    birth_certificate_number: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Application {
    fn check(&self) -> Result<Date, ApiError> {
        validate::personal_id("personal_id", &self.personal_id)?;
        validate::required("full_name", &self.full_name)?;
        let date_of_birth = dates::parse("date_of_birth", &self.date_of_birth)?;
        validate::required("birth_certificate_number", &self.birth_certificate_number)?;
        if date_of_birth > dates::today() {
            return Err(ApiError::refused(
                "DATE_OF_BIRTH_IN_FUTURE",
                "the date of birth is later than today",
            ));
        }
        Ok(date_of_birth)
    }
}

/// The last day of cover: the day before the 6th birthday (for a 29 February birth, the
/// 6th birthday falls on 1 March, so cover ends on 28 February).
pub(crate) fn valid_until(date_of_birth: Date) -> Option<Date> {
    dates::birthday(date_of_birth, 6)?.checked_sub(Duration::days(1))
}

async fn issue(
    conn: &mut SqliteConnection,
    request: &ActRequest,
    application: &Application,
    date_of_birth: Date,
) -> Result<(StatusCode, Value), ApiError> {
    let today = dates::today();
    let valid_until = valid_until(date_of_birth)
        .ok_or_else(|| ApiError::invalid("date_of_birth is outside the supported years"))?;
    if valid_until < today {
        return Err(ApiError::refused(
            "NOT_UNDER_SIX",
            "the child is 6 or older and not covered by the under-6 card",
        ));
    }
    let insured: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM cards WHERE personal_id = ?1 AND status = 'active'")
            .bind(&application.personal_id)
            .fetch_optional(&mut *conn)
            .await?;
    if insured.is_some() {
        return Err(ApiError::refused(
            "ALREADY_INSURED",
            "the child already holds a valid health-insurance card",
        ));
    }
    let province = ids::insurance_province(&application.personal_id);
    let valid_from = dates::format(today);
    let valid_until = dates::format(valid_until);
    for _ in 0..MAX_NUMBER_ATTEMPTS {
        let social_insurance_number = ids::social_insurance_number(province);
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM cards WHERE social_insurance_number = ?1")
                .bind(&social_insurance_number)
                .fetch_optional(&mut *conn)
                .await?;
        if taken.is_some() {
            continue;
        }
        let card_number = ids::child_card_number(province, &social_insurance_number);
        sqlx::query(
            "INSERT INTO cards (card_number, social_insurance_number, personal_id, full_name,
                                date_of_birth, birth_certificate_number, valid_from, valid_until,
                                status, idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active', ?9)",
        )
        .bind(&card_number)
        .bind(&social_insurance_number)
        .bind(&application.personal_id)
        .bind(application.full_name.trim())
        .bind(&application.date_of_birth)
        .bind(application.birth_certificate_number.trim())
        .bind(&valid_from)
        .bind(&valid_until)
        .bind(&request.key)
        .execute(&mut *conn)
        .await?;
        return Ok((
            StatusCode::CREATED,
            json!({
                "card_number": card_number,
                "social_insurance_number": social_insurance_number,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }),
        ));
    }
    tracing::error!("no free social-insurance number found");
    Err(ApiError::internal())
}

#[derive(Debug, Deserialize)]
pub(super) struct Revocation {
    card_number: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Revocation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("card_number", &self.card_number)?;
        validate::required("reason", &self.reason)
    }
}

impl Act for Revocation {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM cards WHERE card_number = ?1")
                .bind(&self.card_number)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(status) = status else {
            return Err(ApiError::not_found(
                "CARD_NOT_FOUND",
                "no health-insurance card has this number",
            ));
        };
        // An already-revoked card keeps its first revocation date and reason.
        if status == "active" {
            sqlx::query(
                "UPDATE cards SET status = 'revoked', revoked_on = ?2, revoke_reason = ?3
                 WHERE card_number = ?1",
            )
            .bind(&self.card_number)
            .bind(dates::format(dates::today()))
            .bind(self.reason.trim())
            .execute(&mut *conn)
            .await?;
        }
        Ok((
            StatusCode::OK,
            json!({ "card_number": self.card_number, "status": "revoked" }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn cover_ends_the_day_before_the_sixth_birthday() {
        assert_eq!(
            valid_until(date!(2024 - 02 - 29)),
            Some(date!(2030 - 02 - 28))
        );
        assert_eq!(
            valid_until(date!(2025 - 03 - 01)),
            Some(date!(2031 - 02 - 28))
        );
        assert_eq!(
            valid_until(date!(2026 - 01 - 01)),
            Some(date!(2031 - 12 - 31))
        );
    }
}
