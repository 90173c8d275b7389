//! Agencies an operator has held during an outage. Running cases learn of a hold by an action
//! sent to each; new cases read the holds in force when they start.

use sqlx::Row;

use crate::{Store, StoreError, definitions::now};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgencyHold {
    pub agency: String,
    pub held_by: String,
    pub reason: String,
    pub held_at: String,
}

impl Store {
    /// Holds `agency`; false when it was already held (the first hold stays).
    pub async fn hold_agency(
        &self,
        agency: &str,
        by: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        if self.holds().await?.iter().any(|h| h.agency == agency) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO agency_holds (agency, held_by, reason, held_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(agency)
        .bind(by)
        .bind(reason)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Lifts the hold on `agency`; false when it was not held.
    pub async fn release_agency(&self, agency: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM agency_holds WHERE agency = $1")
            .bind(agency)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn holds(&self) -> Result<Vec<AgencyHold>, StoreError> {
        let rows = sqlx::query(
            "SELECT agency, held_by, reason, held_at FROM agency_holds ORDER BY agency",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AgencyHold {
                    agency: row.try_get(0)?,
                    held_by: row.try_get(1)?,
                    reason: row.try_get(2)?,
                    held_at: row.try_get(3)?,
                })
            })
            .collect()
    }
}
