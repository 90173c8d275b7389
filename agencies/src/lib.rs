//! Agency simulators for lienthong: real HTTP services standing in for the government systems
//! a linked procedure goes through (population, civil status, residence, social insurance),
//! each with its own SQLite register, exactly-once acts keyed by `Idempotency-Key`, and
//! injectable faults.
//!
//! Every simulator serves:
//! - `GET /health`
//! - `POST /operations/{operation}` with an `Idempotency-Key` header and a JSON body; a replay
//!   of a recorded act carries `Idempotent-Replayed: true`
//! - `GET /acts/{idempotency_key}`: a recorded act, to reconcile an unknown outcome
//! - `POST|GET|DELETE /admin/faults`: queue, list, clear injected faults; besides the modes
//!   `error`, `reject` and `latency`, `"operation": "*"` matches every operation and
//!   `"after_act": true` on a latency fault delays the answer after the act is recorded
//!   (a timeout after the agency already acted)
//!
//! Errors are `{"code": "UPPER_SNAKE", "message": "..."}` and never carry personal data.

mod api_error;
mod civil_status;
mod config;
mod dates;
mod db;
mod error;
mod faults;
mod idempotency;
mod ids;
mod population;
mod population_client;
mod residence;
mod server;
mod social_insurance;
mod validate;

pub use config::{Agency, ParseAgencyError, SimConfig};
pub use error::SimError;
pub use server::{Simulators, start};
