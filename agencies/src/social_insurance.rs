//! Vietnam Social Security (BHXH): issues a child's free health-insurance card, pays the
//! funeral allowance of a pensioner or insured person and grants their survivors' benefit.
//! Each is reversible by a compensation safe to repeat.

mod funeral;
mod health_card;
mod survivor;

use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::operation::Operation;

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        name: "issue-child-health-card",
        check: health_card::check_issue,
        perform: |state, request, body| Box::pin(health_card::perform_issue(state, request, body)),
    },
    Operation::act::<health_card::Revocation>("revoke-child-health-card"),
    Operation::act::<funeral::Payment>("pay-funeral-allowance"),
    Operation::act::<funeral::Cancellation>("cancel-funeral-allowance"),
    Operation::act::<survivor::Application>("grant-survivor-benefit"),
    Operation::act::<survivor::Cancellation>("cancel-survivor-benefit"),
];

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
