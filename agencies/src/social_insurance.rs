//! Vietnam Social Security (BHXH): issues a child's free health-insurance card, pays the
//! funeral allowance of a pensioner or insured person and grants their survivors' benefit.
//! Each is reversible by a compensation safe to repeat.

mod funeral;
mod health_card;
mod survivor;

use serde_json::Value;
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
use crate::operation;
use crate::server::AppState;

use funeral::{CANCEL_FUNERAL, PAY_FUNERAL};
use health_card::{ISSUE, REVOKE};
use survivor::{CANCEL_SURVIVOR, GRANT_SURVIVOR};

pub(crate) const OPERATIONS: &[&str] = &[
    ISSUE,
    REVOKE,
    PAY_FUNERAL,
    CANCEL_FUNERAL,
    GRANT_SURVIVOR,
    CANCEL_SURVIVOR,
];

pub(crate) async fn perform(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    match request.operation {
        ISSUE => health_card::perform_issue(state, request, body).await,
        REVOKE => operation::perform::<health_card::Revocation>(state, request, body).await,
        PAY_FUNERAL => operation::perform::<funeral::Payment>(state, request, body).await,
        CANCEL_FUNERAL => operation::perform::<funeral::Cancellation>(state, request, body).await,
        GRANT_SURVIVOR => operation::perform::<survivor::Application>(state, request, body).await,
        CANCEL_SURVIVOR => operation::perform::<survivor::Cancellation>(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        ISSUE => health_card::check_issue(body),
        REVOKE => operation::check::<health_card::Revocation>(body),
        PAY_FUNERAL => operation::check::<funeral::Payment>(body),
        CANCEL_FUNERAL => operation::check::<funeral::Cancellation>(body),
        GRANT_SURVIVOR => operation::check::<survivor::Application>(body),
        CANCEL_SURVIVOR => operation::check::<survivor::Cancellation>(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("social-insurance offers {}", OPERATIONS.join(", ")),
    )
}

/// Someone social insurance pays benefits for on their death.
#[derive(Debug, sqlx::FromRow)]
struct InsuredPerson {
    /// `pensioner` or `insured`.
    status: String,
    contribution_years: i64,
}

impl InsuredPerson {
    fn is_pensioner(&self) -> bool {
        self.status == "pensioner"
    }
}

/// The pensioner or insured person with this ID; anyone else is refused both death benefits
/// with `NOT_INSURED`.
async fn insured_person(
    conn: &mut SqliteConnection,
    personal_id: &str,
) -> Result<InsuredPerson, ApiError> {
    let person: Option<InsuredPerson> = sqlx::query_as(
        "SELECT status, contribution_years FROM insured_people WHERE personal_id = ?1",
    )
    .bind(personal_id)
    .fetch_optional(conn)
    .await?;
    person.ok_or_else(|| {
        ApiError::refused(
            "NOT_INSURED",
            "the deceased was neither receiving a pension nor insured by social insurance",
        )
    })
}
