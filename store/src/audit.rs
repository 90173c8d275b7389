//! The audit log: every operator action and every read of personal data. The store offers only
//! appends and reads; the database itself refuses updates and deletes (triggers), so not even a
//! bug in the engine can rewrite what an operator did.

use sqlx::Row;

use crate::{Store, StoreError, definitions::now};

/// One thing someone did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub cases: Vec<String>,
    pub reason: Option<String>,
    /// `done`, `refused: <code>`, `dry_run`, …
    pub outcome: String,
    /// What was asked, without personal data (a step, an agency, a filter).
    pub detail: Option<String>,
}

/// What to append; the store stamps the time and the id.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub cases: Vec<String>,
    pub reason: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub case: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries at or after / before these RFC 3339 instants.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Entries with an id below this one (paging backwards from the newest).
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl Store {
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor, role, action, reason, outcome, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(now())
        .bind(&entry.actor)
        .bind(&entry.role)
        .bind(&entry.action)
        .bind(&entry.reason)
        .bind(&entry.outcome)
        .bind(&entry.detail)
        .fetch_one(&mut *tx)
        .await?;
        let mut cases = entry.cases;
        cases.sort();
        cases.dedup();
        for code in cases {
            sqlx::query("INSERT INTO audit_cases (entry_id, code) VALUES ($1, $2)")
                .bind(id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Entries matching `filter`, newest first.
    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        // Conditions are fixed text; every value is bound.
        let mut sql = String::from(
            "SELECT id, at, actor, role, action, reason, outcome, detail FROM audit_log a WHERE 1 = 1",
        );
        let mut values: Vec<String> = Vec::new();
        let mut bind = |sql: &mut String, condition: &str, value: &str| {
            values.push(value.to_owned());
            sql.push_str(&condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(case) = &filter.case {
            bind(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM audit_cases c WHERE c.entry_id = a.id AND c.code = ?)",
                case,
            );
        }
        if let Some(actor) = &filter.actor {
            bind(&mut sql, " AND actor = ?", actor);
        }
        if let Some(action) = &filter.action {
            bind(&mut sql, " AND action = ?", action);
        }
        if let Some(from) = &filter.from {
            bind(&mut sql, " AND at >= ?", from);
        }
        if let Some(to) = &filter.to {
            bind(&mut sql, " AND at < ?", to);
        }
        let before = filter.before_id.unwrap_or(i64::MAX);
        let limit = filter.limit.clamp(1, 10_000);
        sql.push_str(&format!(
            " AND id < {before} ORDER BY id DESC LIMIT {limit}"
        ));
        let mut query = sqlx::query(&sql);
        for value in &values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let cases: Vec<String> = sqlx::query_scalar(
                "SELECT code FROM audit_cases WHERE entry_id = $1 ORDER BY code",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            entries.push(AuditEntry {
                id,
                at: row.try_get(1)?,
                actor: row.try_get(2)?,
                role: row.try_get(3)?,
                action: row.try_get(4)?,
                cases,
                reason: row.try_get(5)?,
                outcome: row.try_get(6)?,
                detail: row.try_get(7)?,
            });
        }
        Ok(entries)
    }
}
