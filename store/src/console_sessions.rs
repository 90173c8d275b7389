//! Console sessions, shared by every API replica: opened at sign-in, found by the hash of the id
//! the browser holds, ended by sign-out, by idling past a limit, or when their token expires.

use sqlx::Row;

use crate::{Store, StoreError};

/// A session is marked used at most this often (or a tenth of its idle limit, if shorter), so a
/// page's many requests write once and a session never ends much before its idle limit.
const TOUCH_EVERY_SECS: i64 = 30;

/// A session being opened.
#[derive(Debug, Clone)]
pub struct NewConsoleSession<'a> {
    /// SHA-256 of the session id, in hex: the id itself is never stored.
    pub id_hash: &'a str,
    pub subject: &'a str,
    /// What the console acts on (roles, scope, expiry), as JSON.
    pub claims: &'a str,
    pub now: i64,
    /// When the token the session was opened with expires (Unix seconds).
    pub expires_at: i64,
}

impl Store {
    /// Opens a session, purging sessions that ended before `now` on the way.
    pub async fn open_console_session(
        &self,
        session: NewConsoleSession<'_>,
        idle_secs: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen <= $2")
            .bind(session.now)
            .bind(session.now - idle_secs)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, subject, claims, created_at, last_seen, \
             expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(session.id_hash)
        .bind(session.subject)
        .bind(session.claims)
        .bind(session.now)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The claims of the live session `id_hash`, marking it used at `now`; `None` when there is
    /// no such session or it has ended (expired, or idle for `idle_secs` or more), and an ended
    /// session is deleted.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_secs: i64,
    ) -> Result<Option<String>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT claims, last_seen, expires_at FROM console_sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let claims: String = row.try_get(0)?;
        let last_seen: i64 = row.try_get(1)?;
        let expires_at: i64 = row.try_get(2)?;
        if expires_at <= now || now - last_seen >= idle_secs {
            self.close_console_session(id_hash).await?;
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY_SECS.min(idle_secs / 10) {
            sqlx::query("UPDATE console_sessions SET last_seen = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(id_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(claims))
    }

    /// Ends one session (sign-out); false when it had ended already.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of `subject` (signing out everywhere, or revoking a lost device's);
    /// how many there were.
    pub async fn close_console_sessions_of(&self, subject: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
