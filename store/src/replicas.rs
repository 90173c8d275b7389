//! State API replicas share through the engine database: callbacks already taken, and keys the
//! installation makes once.

use sqlx::Row;

use crate::{Store, StoreError, definitions::now};

/// How long a callback's signature is kept: twice the five minutes a signature is valid.
const CALLBACK_MEMORY_SECS: i64 = 600;

impl Store {
    /// Claims a callback for delivery by its `replay_key`: true for the first claim on any
    /// replica, false when it was claimed already (a replay). Signatures older than their
    /// validity are forgotten on the way. The key must be one text per signature (the API gives
    /// the decoded signature in one spelling): compared as text, any other spelling of the same
    /// signature would be a new callback.
    pub async fn claim_callback(
        &self,
        replay_key: &str,
        agency: &str,
        now_unix: i64,
    ) -> Result<bool, StoreError> {
        sqlx::query("DELETE FROM callback_signatures WHERE received_at < $1")
            .bind(now_unix - CALLBACK_MEMORY_SECS)
            .execute(&self.pool)
            .await?;
        let done = sqlx::query(
            "INSERT INTO callback_signatures (signature, agency, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (signature) DO NOTHING",
        )
        .bind(replay_key)
        .bind(agency)
        .bind(now_unix)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed signature back when its decision could not be delivered, so the agency
    /// can send the same callback again.
    pub async fn unclaim_callback(&self, replay_key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM callback_signatures WHERE signature = $1")
            .bind(replay_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The installation's key `name`: the one stored, or `make()`'s, stored by whichever replica
    /// comes first; every replica gets the same value.
    pub async fn installation_key(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO installation_keys (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .bind(now())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM installation_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Answers when the engine database does (for readiness probes).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
