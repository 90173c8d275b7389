/// Why the engine database refused or failed an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL is neither `sqlite:` nor `postgres:`.
    #[error("the engine database URL must start with sqlite: or postgres:, not `{scheme}`")]
    UnsupportedUrl { scheme: String },
    /// The database could not be reached or opened.
    #[error("cannot open the engine database: {0}")]
    Open(#[source] sqlx::Error),
    /// A migration failed; the database is left as the failed migration found it.
    #[error("cannot migrate the engine database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("engine database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// No such procedure version.
    #[error("procedure `{procedure}` has no version {version}")]
    NotFound { procedure: String, version: i64 },
    /// A published or retired version is immutable; publish a new version instead.
    #[error("procedure `{procedure}` version {version} is {status} and cannot be replaced")]
    Immutable {
        procedure: String,
        version: i64,
        status: &'static str,
    },
    /// The version is not in the state the transition starts from.
    #[error("procedure `{procedure}` version {version} is {status}, not {expected}")]
    WrongStatus {
        procedure: String,
        version: i64,
        status: &'static str,
        expected: &'static str,
    },
    /// A stored value does not read back (a row written by something else).
    #[error("engine database holds an unreadable value in {column}: {value}")]
    Corrupt { column: &'static str, value: String },
}
