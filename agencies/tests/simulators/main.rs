//! Black-box tests of the agency simulators: real servers on free ports, real SQLite files in a
//! temporary directory, real HTTP.

mod common;
mod engine;

mod acts;
mod birth;
mod contract_document;
mod death;
mod death_faults;
mod decisions;
mod documents;
mod faults;
mod funeral;
mod health_insurance;
mod idempotency;
mod labour_office;
mod lifecycle;
mod mail_catcher;
mod outage;
mod residence;
mod residence_deletion;
mod seeded;
mod signed_calls;
mod survivor;
mod webhook_sink;
