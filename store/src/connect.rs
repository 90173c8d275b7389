use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;

use crate::StoreError;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// A connection pool to the engine database, migrated to the current schema.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
}

impl Store {
    /// Opens the database at `url` (`sqlite://path/engine.db`, created if missing, or
    /// `postgres://…`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let (migrator, url) = if url.starts_with("sqlite:") {
            (&SQLITE, with_create_mode(url))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (&POSTGRES, url.to_owned())
        } else {
            let scheme = url.split(':').next().unwrap_or_default().to_owned();
            return Err(StoreError::UnsupportedUrl { scheme });
        };
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await
            .map_err(StoreError::Open)?;
        if url.starts_with("sqlite:") {
            // WAL: the API reads versions while an administrator publishes one.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await
                .map_err(StoreError::Open)?;
        }
        migrator.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(Self { pool })
    }

    /// The SQLite URL of `engine.db` in a data directory.
    pub fn sqlite_url(data_dir: &std::path::Path) -> String {
        format!("sqlite://{}", data_dir.join("engine.db").display())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A new deployment has no file yet: create it rather than fail.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Store {
    /// A pool without migrations, for setting up a database (creating a schema) before use.
    pub async fn connect_unmigrated(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .map_err(StoreError::Open)?;
        Ok(Self { pool })
    }

    /// Runs one statement with no parameters (administration only).
    pub async fn execute(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}
