//! The linked-procedure definition language and the pure core of the interpreter.
//!
//! A procedure is data: a YAML file parsed into a [`Definition`], checked by the validator, and
//! run by a generic workflow that asks the [`planner`] what to do next. Nothing here does IO,
//! reads a clock or touches Temporal, so every decision the engine makes can be tested as a plain
//! function call.

pub mod calendar;
pub mod case;
pub mod checks;
mod diagnostic;
mod duration;
pub mod mapping;
mod model;
mod parse;
pub mod planner;
mod shipped;

pub use diagnostic::{Diagnostic, DiagnosticCode, Diagnostics};
pub use duration::Millis;
pub use model::{
    Check, CheckRule, Compensation, Definition, FailurePolicy, ProcedureId, RetryPolicy, Step,
    StepId, TimeLimit, Titles,
};
pub use parse::parse_definition;
pub use shipped::{SHIPPED, shipped_definitions};
