//! Co-approval of definition versions: each agency a version calls approves putting that exact
//! text in force (or taking it out), through one of its administrators.

use sqlx::Row;

use crate::{Store, StoreError, definitions::now};

/// What an approval is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalAction {
    /// Putting a draft in force.
    Publish,
    /// Taking a published version out of force.
    Retire,
}

impl ApprovalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Retire => "retire",
        }
    }
}

/// One agency's approval of one version's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub agency: String,
    pub approved_by: String,
    pub approved_at: String,
}

impl Store {
    /// Records that `by` approves `action` on the version whose text has `text_sha256`, for each
    /// of `agencies` (theirs). Approving again replaces the earlier approval of that agency.
    pub async fn approve(
        &self,
        procedure: &str,
        version: i64,
        action: ApprovalAction,
        agencies: &[String],
        text_sha256: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        for agency in agencies {
            sqlx::query(
                "INSERT INTO definition_approvals \
                 (procedure_id, version, action, agency, text_sha256, approved_by, approved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (procedure_id, version, action, agency) DO UPDATE SET \
                 text_sha256 = excluded.text_sha256, approved_by = excluded.approved_by, \
                 approved_at = excluded.approved_at",
            )
            .bind(procedure)
            .bind(version)
            .bind(action.as_str())
            .bind(agency)
            .bind(text_sha256)
            .bind(by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The approvals of `action` that name this exact text, by agency. An approval of another
    /// text of the same version (a draft since replaced) does not count.
    pub async fn approvals(
        &self,
        procedure: &str,
        version: i64,
        action: ApprovalAction,
        text_sha256: &str,
    ) -> Result<Vec<Approval>, StoreError> {
        let rows = sqlx::query(
            "SELECT agency, approved_by, approved_at FROM definition_approvals \
             WHERE procedure_id = $1 AND version = $2 AND action = $3 AND text_sha256 = $4 \
             ORDER BY agency",
        )
        .bind(procedure)
        .bind(version)
        .bind(action.as_str())
        .bind(text_sha256)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Approval {
                    agency: row.try_get(0)?,
                    approved_by: row.try_get(1)?,
                    approved_at: row.try_get(2)?,
                })
            })
            .collect()
    }
}
