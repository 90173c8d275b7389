//! Errors that stop the simulators from starting.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::Agency;

/// Why [`crate::start`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}")]
    DataDir {
        /// The directory that was asked for.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The agency's SQLite database could not be opened or created.
    #[error("cannot open the {agency} database at {path}")]
    DatabaseOpen {
        /// The agency whose register it is.
        agency: Agency,
        /// The SQLite file.
        path: PathBuf,
        /// The underlying database error.
        #[source]
        source: sqlx::Error,
    },
    /// The agency's schema migrations or seed data could not be applied.
    #[error("cannot migrate the {agency} database at {path}")]
    Migration {
        /// The agency whose register it is.
        agency: Agency,
        /// The SQLite file.
        path: PathBuf,
        /// The underlying migration error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// The listening socket could not be bound (port in use, address not local, ...).
    #[error("cannot bind the {agency} simulator to {addr}")]
    Bind {
        /// The agency being started.
        agency: Agency,
        /// The address that was asked for.
        addr: SocketAddr,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Civil-status was asked for, but population is neither started here nor given by URL.
    #[error("civil-status needs population: start it too or set population_url")]
    PopulationUrlMissing,
    /// The HTTP client civil-status uses to reach population could not be built.
    #[error("cannot build the HTTP client for population")]
    HttpClient(#[source] reqwest::Error),
    /// The HTTP client that calls the engine back with decisions could not be built.
    #[error("cannot build the HTTP client for decision callbacks")]
    CallbackClient(#[source] reqwest::Error),
}
