//! Black-box tests of the agency simulators: real servers on free ports, real SQLite files in a
//! temporary directory, real HTTP.

mod common;
mod engine;

mod acts;
mod birth;
mod decisions;
mod documents;
mod faults;
mod health_insurance;
mod idempotency;
mod lifecycle;
mod outage;
mod residence;
