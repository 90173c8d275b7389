//! Agency calls as Temporal activities.
//!
//! Every call carries the idempotency key the workflow derived from (case, step), so a retry after
//! a timeout asks the agency for the same act again and gets the first answer back instead of a
//! second registration.
//!
//! Every attempt is a span in its case's trace (see `lienthong-telemetry`), each HTTP exchange a
//! child span whose id the agency receives in `traceparent`, and a sample in the step metrics.

mod activity;
mod agency_client;
mod classify;
mod noop;

pub use activity::{AgencyActivities, Attempt};
pub use agency_client::{AgencyClient, AgencyClientOptions, CallError};
pub use classify::{Classified, classify};
pub use noop::NoopActivities;
