//! The survivor benefit (trợ cấp tuất) of a pensioner or insured person, asked for by a
//! representative of the family. Monthly when the deceased was a pensioner or had contributed
//! for 15 years or more, one-time otherwise; the simulator assumes the family has a relative
//! the monthly benefit is for. Reversible: cancelling the benefit is the compensation, and is
//! safe to repeat.

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
use crate::rates::MONTHLY_SURVIVOR_MIN_YEARS;
use crate::validate;

use super::{InsuredPerson, insured_person};

#[derive(Debug, Deserialize)]
pub(super) struct Application {
    deceased_id: String,
    death_certificate_number: String,
    representative_id: String,
    representative_relationship: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Application {
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

impl Act for Application {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome {
        let person = insured_person(conn, &self.deceased_id).await?;
        let granted: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM survivor_benefits WHERE deceased_id = ?1 AND status = 'granted'",
        )
        .bind(&self.deceased_id)
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
        .bind(&self.deceased_id)
        .bind(self.death_certificate_number.trim())
        .bind(&self.representative_id)
        .bind(&self.representative_relationship)
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
}

#[derive(Debug, Deserialize)]
pub(super) struct Cancellation {
    benefit_id: String,
    reason: String,
    #[serde(default, rename = "supplement")]
    _supplement: Option<Supplement>,
}

impl Checked for Cancellation {
    fn check(&self) -> Result<(), ApiError> {
        validate::required("benefit_id", &self.benefit_id)?;
        validate::required("reason", &self.reason)
    }
}

impl Act for Cancellation {
    async fn act(&self, conn: &mut SqliteConnection, _request: &ActRequest) -> Outcome {
        let register = Cancellable {
            table: "survivor_benefits",
            id_column: "benefit_id",
            unknown: ("UNKNOWN_BENEFIT", "no survivor benefit has this ID"),
        };
        cancel_record(conn, &register, &self.benefit_id, &self.reason).await
    }
}
