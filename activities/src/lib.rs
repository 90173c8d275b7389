//! Agency calls as Temporal activities.
//!
//! Every call carries the idempotency key the workflow derived from (case, step), so a retry after
//! a timeout asks the agency for the same act again and gets the first answer back instead of a
//! second registration.

mod activity;
mod agency_client;
mod classify;
mod noop;
mod traceparent;

pub use activity::AgencyActivities;
pub use agency_client::{AgencyClient, AgencyClientOptions, CallError};
pub use classify::{Classified, classify};
pub use noop::NoopActivities;
pub use traceparent::traceparent_for;
