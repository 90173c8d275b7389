//! Agency calls as Temporal activities.
//!
//! Every call carries the idempotency key the workflow derived from (case, step), so a retry after
//! a timeout asks the agency for the same act again and gets the first answer back instead of a
//! second registration.
//!
//! Every attempt is a span in its case's trace (see `lienthong-telemetry`), each HTTP exchange a
//! child span whose id the agency receives in `traceparent`, and a sample in the step metrics.
//!
//! Every request carries the engine's credentials for that agency ([`sign`]), as the catalogue
//! entry the case carries says (read at the call from the agency's own variable, so an agency
//! that joined after the worker started is signed too). A refused credential (401/403,
//! `AGENCY_AUTH_REJECTED`) or a missing one (`AGENCY_CREDENTIALS_MISSING`) is never retried:
//! retrying cannot fix a configuration mistake. The step records that code and follows its
//! `retry` policy: parked with `park`, failed without.
//!
//! [`notify`] holds the other activity a case runs: its citizen's notices, one per channel and
//! event (webhook, e-mail over SMTP, SMS gateway), with their vi/en templates.

mod activity;
mod agency_access;
mod agency_client;
mod classify;
mod health;
mod noop;
pub mod notify;
mod signing;

pub use activity::{AUTH_FAILURE_TYPE, AgencyActivities, Attempt};
pub use agency_access::SecretSource;
pub use agency_client::{AgencyClient, AgencyClientOptions, CallError, act_path_segment};
pub use classify::{Classified, classify};
pub use health::{HealthProblem, agency_health};
pub use noop::NoopActivities;
pub use notify::{NotifyActivities, NotifySettings};
pub use signing::{
    AgencyCredential, SIGNATURE_HEADER, SignError, TIMESTAMP_HEADER, request_signature, sign,
};
