//! The case workflow: one generic interpreter for every published linked procedure.
//!
//! The workflow owns no procedure knowledge. It keeps a [`CaseState`], asks the pure planner what
//! to do, runs agency calls as activities, and feeds their outcomes back as events.

mod case_workflow;
mod contract;
mod failure_text;
pub mod search_attributes;

pub use case_workflow::{CaseInput, CaseWorkflow, WithdrawRequest};
pub use contract::{AgencyAnswer, AgencyCall, CALL_AGENCY, CallAgency};
pub use lienthong_definitions::case::CaseState;
