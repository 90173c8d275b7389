//! The `lienthong` command's building blocks: the embedded Temporal dev server, the Temporal
//! connection, and each role (worker, API, agency simulators, the whole dev stack).

pub mod agency_check;
pub mod bench;
pub mod cli;
pub mod connect;
pub mod definitions_cli;
pub mod diagnostic_report;
mod first_attempt;
pub mod replay_cli;
pub mod roles;
pub mod setup;
pub mod shutdown;
pub mod submit;
pub mod temporal_dev;
pub mod token_cli;

pub use first_attempt::FirstAttempt;

/// The task queue cases run on unless told otherwise.
pub use lienthong_api::DEFAULT_TASK_QUEUE;
