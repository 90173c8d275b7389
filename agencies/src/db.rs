//! Each agency's register: one SQLite file, schema and seed data from embedded migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Agency, SimError};

static POPULATION: Migrator = sqlx::migrate!("migrations/population");
static CIVIL_STATUS: Migrator = sqlx::migrate!("migrations/civil-status");
static RESIDENCE: Migrator = sqlx::migrate!("migrations/residence");
static SOCIAL_INSURANCE: Migrator = sqlx::migrate!("migrations/social-insurance");
static LABOUR_OFFICE: Migrator = sqlx::migrate!("migrations/labour-office");

/// Long enough to queue behind another act's write transaction, which never waits on the
/// network while holding the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn migrator(agency: Agency) -> &'static Migrator {
    match agency {
        Agency::Population => &POPULATION,
        Agency::CivilStatus => &CIVIL_STATUS,
        Agency::Residence => &RESIDENCE,
        Agency::SocialInsurance => &SOCIAL_INSURANCE,
        Agency::LabourOffice => &LABOUR_OFFICE,
    }
}

pub(crate) fn path(data_dir: &Path, agency: Agency) -> PathBuf {
    data_dir.join(format!("{}.db", agency.as_str()))
}

/// Opens (creating if missing) and migrates the agency's register.
pub(crate) async fn open(data_dir: &Path, agency: Agency) -> Result<SqlitePool, SimError> {
    let path = path(data_dir, agency);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        // WAL lets reads (replays, GET /acts) proceed while an act holds the write lock.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .after_release(|conn, _| Box::pin(still_usable(conn)))
        .connect_with(options)
        .await
        .map_err(|source| SimError::DatabaseOpen {
            agency,
            path: path.clone(),
            source,
        })?;
    if let Err(source) = migrator(agency).run(&pool).await {
        pool.close().await;
        return Err(SimError::Migration {
            agency,
            path,
            source,
        });
    }
    Ok(pool)
}

/// Whether a connection coming back to the pool is outside any transaction. A request cancelled
/// right after its `BEGIN IMMEDIATE` was acknowledged (the caller went away: a worker killed
/// mid-call) leaves no `Transaction` behind to roll back, so its connection would come back still
/// holding the register's write lock, and every later act would fail after the busy timeout.
/// Such a connection is closed instead, which rolls its transaction back.
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    // SQLite refuses a BEGIN inside a transaction; outside one it is undone at once.
    if sqlx::query("BEGIN").execute(&mut *conn).await.is_err() {
        tracing::warn!("closing a register connection left inside a cancelled transaction");
        return Ok(false);
    }
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request cancelled just after its `BEGIN IMMEDIATE` was acknowledged (its client went
    /// away: a worker killed mid-call) leaves no `Transaction` to roll back, and its connection
    /// goes back to the pool still inside the transaction, holding the register's write lock.
    /// Every later act then waits out the busy timeout and fails. The pool must not keep such a
    /// connection.
    #[tokio::test]
    async fn a_connection_left_inside_a_transaction_is_not_returned_to_the_pool() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = open(dir.path(), Agency::CivilStatus)
            .await
            .expect("register");
        let mut stranded = pool.acquire().await.expect("connection");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *stranded)
            .await
            .expect("begin");
        drop(stranded);

        let started = std::time::Instant::now();
        let mut act = crate::idempotency::begin(&pool)
            .await
            .expect("the next act gets the write lock");
        sqlx::query("SELECT 1")
            .execute(&mut *act)
            .await
            .expect("query");
        act.commit().await.expect("commit");
        assert!(
            started.elapsed() < BUSY_TIMEOUT,
            "the next act waited {:?} for a lock nobody would release",
            started.elapsed()
        );
    }
}
