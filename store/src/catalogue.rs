//! The agency catalogue as stored data: one JSON document per agency (its operations and their
//! contracts), replaced whole by the agency's administrator. The definitions crate owns the
//! document's shape; here it is opaque JSON so the database never disagrees with the validator.

use serde_json::Value;
use sqlx::Row;

use crate::definitions::now;
use crate::{Store, StoreError};

impl Store {
    /// Stores `document` as `agency`'s catalogue entry, replacing the previous one.
    pub async fn put_agency(
        &self,
        agency: &str,
        document: &Value,
        by: &str,
    ) -> Result<(), StoreError> {
        let text = document.to_string();
        let now = now();
        let mut tx = self.pool.begin().await?;
        // Delete-then-insert is the one upsert both dialects spell the same way.
        sqlx::query("DELETE FROM catalogue_agencies WHERE agency_id = $1")
            .bind(agency)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO catalogue_agencies (agency_id, document, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(agency)
        .bind(&text)
        .bind(&now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every agency's catalogue entry, by agency id.
    pub async fn agencies(&self) -> Result<Vec<(String, Value)>, StoreError> {
        let rows =
            sqlx::query("SELECT agency_id, document FROM catalogue_agencies ORDER BY agency_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get(0)?;
                let text: String = row.try_get(1)?;
                let document = serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
                    column: "catalogue_agencies.document",
                    value: id.clone(),
                })?;
                Ok((id, document))
            })
            .collect()
    }
}
