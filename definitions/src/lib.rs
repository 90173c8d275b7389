//! The linked-procedure definition language and the pure core of the interpreter.
//!
//! A procedure is data: a YAML file parsed into a [`Definition`], checked against the agency
//! [`Catalogue`], and run by a generic workflow that asks the [`planner`] what to do next.
//! Nothing here does IO, reads a clock or touches Temporal, so every decision the engine makes can
//! be tested as a plain function call.

pub mod calendar;
mod call_id;
pub mod case;
mod case_code;
pub mod catalogue;
pub mod checks;
pub mod contact;
mod diagnostic;
mod duration;
pub mod expression;
pub mod form;
mod locate;
pub mod mapping;
mod model;
mod names;
pub mod operator;
mod parse;
pub mod picture;
mod plan_graph;
pub mod planner;
pub mod procedure_test;
mod reason;
mod schema;
mod shipped;

pub use call_id::{CallId, CallPurpose, NotACallId, case_code_of};
pub use case_code::{CaseCode, NotACaseCode};
pub use catalogue::Catalogue;
pub use diagnostic::{Diagnostic, DiagnosticCode, Diagnostics, Related, UnknownCode};
pub use duration::Millis;
pub use expression::{Expression, InvalidExpression};
pub use model::{
    AgencyId, Check, CheckRule, Compensation, Definition, FailurePolicy, ProcedureId, RetryPolicy,
    Route, Step, StepId, TimeLimit, Titles,
};
pub use parse::{parse_definition, parse_definition_with};
pub use plan_graph::{plan_graph, plan_graph_in};
pub use reason::{MAX_REASON_CHARS, Reason, ReasonError};
pub use shipped::{SHIPPED, SHIPPED_CATALOGUE, shipped_definitions};
