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
