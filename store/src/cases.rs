//! Which cases exist and who may see them. Temporal holds a case's life; this table holds what
//! access decisions need without asking Temporal: the receiving office and, for citizens, the
//! parties a case names, as salted hashes so the database never holds an ID number. The account
//! that filed a case is kept the same way: a subject may be an ID number itself (VNeID's is).

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Store, StoreError};

/// A case as the access rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub code: String,
    pub procedure: String,
    pub office: String,
    /// The account that filed it: given to [`Store::record_case`] as the token's subject, which
    /// is stored (and read back here) only as its salted hash; [`Store::case_filed_by`] asks
    /// whether a subject filed the case.
    pub filed_by: String,
    pub submitted_at: String,
}

impl Store {
    /// Records a case about to be started, with the personal ID numbers it names; those and the
    /// filing account are stored as salted hashes. Recording the same case again (a repeated
    /// submission) changes nothing.
    pub async fn record_case(
        &self,
        case: &CaseRecord,
        personal_ids: &[&str],
    ) -> Result<(), StoreError> {
        let salt = self.party_salt().await?;
        let mut tx = self.pool.begin().await?;
        // Writing first (not reading whether it exists) keeps SQLite from upgrading a read
        // transaction to a write one, which fails at once under concurrent submissions.
        let inserted = sqlx::query(
            "INSERT INTO cases (code, procedure_id, office, filed_by, submitted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&case.code)
        .bind(&case.procedure)
        .bind(&case.office)
        .bind(party(&salt, &case.filed_by))
        .bind(&case.submitted_at)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(());
        }
        let mut parties: Vec<String> = personal_ids.iter().map(|id| party(&salt, id)).collect();
        parties.sort();
        parties.dedup();
        for p in parties {
            sqlx::query("INSERT INTO case_parties (code, party) VALUES ($1, $2)")
                .bind(&case.code)
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn case_record(&self, code: &str) -> Result<Option<CaseRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT code, procedure_id, office, filed_by, submitted_at FROM cases WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CaseRecord {
                code: row.try_get(0)?,
                procedure: row.try_get(1)?,
                office: row.try_get(2)?,
                filed_by: row.try_get(3)?,
                submitted_at: row.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Whether the account `subject` filed the case. Rows recorded before subjects were hashed
    /// keep the subject in clear and match no one here; their citizens still see them as the
    /// parties they name, their operators by office.
    pub async fn case_filed_by(&self, code: &str, subject: &str) -> Result<bool, StoreError> {
        let salt = self.party_salt().await?;
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM cases WHERE code = $1 AND filed_by = $2")
                .bind(code)
                .bind(party(&salt, subject))
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Whether the case names this personal ID number (as applicant, parent, deceased…).
    pub async fn case_names(&self, code: &str, personal_id: &str) -> Result<bool, StoreError> {
        let salt = self.party_salt().await?;
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM case_parties WHERE code = $1 AND party = $2")
                .bind(code)
                .bind(party(&salt, personal_id))
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// The codes of the cases that name this personal ID number, newest first.
    pub async fn cases_naming(
        &self,
        personal_id: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let salt = self.party_salt().await?;
        let codes = sqlx::query_scalar(
            "SELECT c.code FROM cases c JOIN case_parties p ON p.code = c.code \
             WHERE p.party = $1 ORDER BY c.submitted_at DESC LIMIT $2",
        )
        .bind(party(&salt, personal_id))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(codes)
    }

    /// The cases account `subject` filed or that name `personal_id` (a citizen's own cases),
    /// newest first, at most `limit`.
    pub async fn cases_of(
        &self,
        subject: &str,
        personal_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let salt = self.party_salt().await?;
        // Without an ID number the second test compares with text no hash is equal to.
        let party_hash = personal_id.map_or_else(String::new, |id| party(&salt, id));
        let rows = sqlx::query(
            "SELECT code, procedure_id, office, filed_by, submitted_at FROM cases \
             WHERE filed_by = $1 OR code IN (SELECT code FROM case_parties WHERE party = $2) \
             ORDER BY submitted_at DESC, code LIMIT $3",
        )
        .bind(party(&salt, subject))
        .bind(party_hash)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseRecord {
                    code: row.try_get(0)?,
                    procedure: row.try_get(1)?,
                    office: row.try_get(2)?,
                    filed_by: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// The installation's salt for party hashes, made on first use.
    async fn party_salt(&self) -> Result<String, StoreError> {
        if let Some(salt) = self.setting("party_salt").await? {
            return Ok(salt);
        }
        let fresh: [u8; 32] = rand::random();
        let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        // Two first callers may race: the insert that loses is ignored and both read the winner.
        let _ = sqlx::query("INSERT INTO settings (name, value) VALUES ('party_salt', $1)")
            .bind(&fresh)
            .execute(&self.pool)
            .await;
        self.setting("party_salt")
            .await?
            .ok_or(StoreError::Corrupt {
                column: "settings.value",
                value: "party_salt".into(),
            })
    }

    async fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// The salted hash the database keeps instead of a personal ID number or an account's subject.
fn party(salt: &str, personal_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(b":")
        .chain_update(personal_id.trim().as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
