//! Definition versions and their life: draft → published → retired.
//!
//! A published version never changes: cases pin the version in force when they were filed (the
//! definition travels in the workflow input), so a new version only ever affects new cases.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Store, StoreError};

/// Where a version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    /// Being written: may be replaced, never used for cases.
    Draft,
    /// Used for new cases from its effective date until a later version takes over.
    Published,
    /// No longer used for new cases; cases already running keep it.
    Retired,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Retired => "retired",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "retired" => Ok(Self::Retired),
            other => Err(StoreError::Corrupt {
                column: "definition_versions.status",
                value: other.to_owned(),
            }),
        }
    }
}

/// One stored version of a procedure definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub procedure_id: String,
    pub version: i64,
    pub status: VersionStatus,
    /// ISO date from which the version applies to new cases.
    pub effective_from: String,
    /// The YAML exactly as submitted.
    pub source: String,
    /// The validated definition as JSON, as the engine runs it.
    pub compiled: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub published_at: Option<String>,
    pub published_by: Option<String>,
    pub retired_at: Option<String>,
    pub retired_by: Option<String>,
}

/// A definition the caller has already validated, to be kept as a draft.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub procedure_id: &'a str,
    pub version: i64,
    pub effective_from: &'a str,
    pub source: &'a str,
    /// The validated definition as JSON.
    pub compiled: &'a str,
    pub by: &'a str,
}

const COLUMNS: &str = "procedure_id, version, status, effective_from, source, compiled, created_at, \
    created_by, published_at, published_by, retired_at, retired_by";

impl Store {
    /// Keeps a draft, replacing an earlier draft of the same version. A published or retired
    /// version is refused: its text is what running cases were filed under.
    pub async fn save_draft(&self, draft: NewDraft<'_>) -> Result<VersionRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query(
            "SELECT status, source FROM definition_versions \
             WHERE procedure_id = $1 AND version = $2",
        )
        .bind(draft.procedure_id)
        .bind(draft.version)
        .fetch_optional(&mut *tx)
        .await?;
        let now = now();
        match existing {
            None => {
                sqlx::query(
                    "INSERT INTO definition_versions (procedure_id, version, status, \
                     effective_from, source, created_at, created_by, compiled) \
                     VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7)",
                )
                .bind(draft.procedure_id)
                .bind(draft.version)
                .bind(draft.effective_from)
                .bind(draft.source)
                .bind(&now)
                .bind(draft.by)
                .bind(draft.compiled)
                .execute(&mut *tx)
                .await?;
            }
            Some(row) => {
                let status = VersionStatus::parse(row.try_get::<String, _>(0)?.as_str())?;
                if status != VersionStatus::Draft {
                    return Err(StoreError::Immutable {
                        procedure: draft.procedure_id.to_owned(),
                        version: draft.version,
                        status: status.as_str(),
                    });
                }
                sqlx::query(
                    "UPDATE definition_versions SET effective_from = $3, source = $4, \
                     created_at = $5, created_by = $6, compiled = $7 \
                     WHERE procedure_id = $1 AND version = $2 AND status = 'draft'",
                )
                .bind(draft.procedure_id)
                .bind(draft.version)
                .bind(draft.effective_from)
                .bind(draft.source)
                .bind(&now)
                .bind(draft.by)
                .bind(draft.compiled)
                .execute(&mut *tx)
                .await?;
                // Approvals were given to the text being replaced; storing the same text again
                // (as `definitions publish FILE` does) keeps them.
                let previous: String = row.try_get(1)?;
                if previous != draft.source {
                    sqlx::query(
                        "DELETE FROM definition_approvals \
                         WHERE procedure_id = $1 AND version = $2",
                    )
                    .bind(draft.procedure_id)
                    .bind(draft.version)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        self.version(draft.procedure_id, draft.version).await
    }

    /// Draft → published, recording who published it and when.
    pub async fn publish(
        &self,
        procedure: &str,
        version: i64,
        by: &str,
    ) -> Result<VersionRecord, StoreError> {
        self.transition(procedure, version, by, VersionStatus::Published)
            .await
    }

    /// Published → retired: no new cases; running cases keep it.
    pub async fn retire(
        &self,
        procedure: &str,
        version: i64,
        by: &str,
    ) -> Result<VersionRecord, StoreError> {
        self.transition(procedure, version, by, VersionStatus::Retired)
            .await
    }

    async fn transition(
        &self,
        procedure: &str,
        version: i64,
        by: &str,
        to: VersionStatus,
    ) -> Result<VersionRecord, StoreError> {
        let (from, sql) = match to {
            VersionStatus::Published => (
                VersionStatus::Draft,
                "UPDATE definition_versions SET status = 'published', published_at = $3, \
                 published_by = $4 WHERE procedure_id = $1 AND version = $2 AND status = 'draft'",
            ),
            _ => (
                VersionStatus::Published,
                "UPDATE definition_versions SET status = 'retired', retired_at = $3, \
                 retired_by = $4 WHERE procedure_id = $1 AND version = $2 AND status = 'published'",
            ),
        };
        let done = sqlx::query(sql)
            .bind(procedure)
            .bind(version)
            .bind(now())
            .bind(by)
            .execute(&self.pool)
            .await?;
        let record = self.version(procedure, version).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::WrongStatus {
                procedure: procedure.to_owned(),
                version,
                status: record.status.as_str(),
                expected: from.as_str(),
            });
        }
        Ok(record)
    }

    /// One version, whatever its status.
    pub async fn version(
        &self,
        procedure: &str,
        version: i64,
    ) -> Result<VersionRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM definition_versions WHERE procedure_id = $1 AND version = $2"
        ))
        .bind(procedure)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            procedure: procedure.to_owned(),
            version,
        })?;
        record(&row)
    }

    /// Every version, of one procedure or of all, by procedure then version.
    pub async fn versions(
        &self,
        procedure: Option<&str>,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let rows = match procedure {
            Some(id) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM definition_versions WHERE procedure_id = $1 \
                     ORDER BY procedure_id, version"
                ))
                .bind(id)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM definition_versions ORDER BY procedure_id, version"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(record).collect()
    }

    /// The version new cases of `procedure` get on `day` (ISO date): the published one with the
    /// latest effective date not after `day`, the highest version among equals.
    pub async fn in_force(
        &self,
        procedure: &str,
        day: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM definition_versions \
             WHERE procedure_id = $1 AND status = 'published' AND effective_from <= $2 \
             ORDER BY effective_from DESC, version DESC LIMIT 1"
        ))
        .bind(procedure)
        .bind(day)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }

    /// The ids of procedures with at least one published version.
    pub async fn published_procedures(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT procedure_id FROM definition_versions WHERE status = 'published' \
             ORDER BY procedure_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .collect()
    }
}

fn record(row: &AnyRow) -> Result<VersionRecord, StoreError> {
    Ok(VersionRecord {
        procedure_id: row.try_get("procedure_id")?,
        version: row.try_get("version")?,
        status: VersionStatus::parse(row.try_get::<String, _>("status")?.as_str())?,
        effective_from: row.try_get("effective_from")?,
        source: row.try_get("source")?,
        compiled: row.try_get("compiled")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
        retired_at: row.try_get("retired_at")?,
        retired_by: row.try_get("retired_by")?,
    })
}

pub(crate) fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| OffsetDateTime::UNIX_EPOCH.to_string())
}
