//! The catalogue's contracts, checked as a real agency would: the application against the
//! procedure, each request against its operation's request schema, each answer the test gives
//! against the response schema.

use serde_json::Value;
use time::Date;

use super::Drive;
use crate::procedure_test::report::Problem;
use crate::{Definition, StepId, catalogue::Operation, checks, planner::Call, schema};

/// What the engine would refuse the application for before any case starts: the schema's
/// problems and the procedure's checks, as of `today`.
pub(super) fn application_refusals(
    definition: &Definition,
    application: &Value,
    today: Date,
) -> Vec<String> {
    let mut found: Vec<String> = match schema::compile(&definition.application_schema) {
        Ok(validator) => validator
            .iter_errors(application)
            .map(|e| {
                format!(
                    "the application breaks the procedure's schema at {}: {e}",
                    place(e.instance_path().as_str())
                )
            })
            .collect(),
        Err(e) => vec![format!(
            "the procedure's application schema does not compile: {}",
            e.message
        )],
    };
    for failure in checks::run(&definition.checks, application, today) {
        let check = failure.check;
        found.push(format!(
            "the application is refused: {} at {} ({}), as of {today} (`submitted_on`)",
            check.code, check.field, check.message.en
        ));
    }
    found
}

impl Drive<'_> {
    pub(super) fn operation(&self, call: &Call) -> Option<&Operation> {
        self.catalogue
            .agency(&call.agency)
            .and_then(|agency| agency.operation(&call.operation))
    }

    /// A request the mappings built that the agency's contract refuses is a mistake in the
    /// definition: it fails the scenario, and the case goes on with the answer the test gives.
    pub(super) fn check_request(&mut self, call: &Call, what: &str) {
        let Some(operation) = self.operation(call) else {
            self.mismatches.push(format!(
                "{}: the catalogue has no operation {}/{}",
                call.step, call.agency, call.operation
            ));
            return;
        };
        let Ok(validator) = schema::compile(&operation.request) else {
            return;
        };
        for error in validator.iter_errors(&call.payload) {
            self.mismatches.push(format!(
                "the {what} {} sends to {}/{} breaks its contract at {}: {error}",
                call.step,
                call.agency,
                call.operation,
                place(error.instance_path().as_str())
            ));
        }
    }

    /// An answer the test gives must be one the agency could give: it must fit the operation's
    /// response contract, or the test proves nothing about the real agency.
    pub(super) fn check_answer(
        &self,
        call: &Call,
        output: &Value,
        at: &str,
    ) -> Result<(), Problem> {
        self.check_fits(&call.step, &call.agency, &call.operation, output, at)
    }

    pub(super) fn check_fits(
        &self,
        step: &StepId,
        agency: &str,
        operation: &str,
        output: &Value,
        at: &str,
    ) -> Result<(), Problem> {
        let Some(contract) = self
            .catalogue
            .agency(agency)
            .and_then(|a| a.operation(operation))
        else {
            return Ok(());
        };
        let Ok(validator) = schema::compile(&contract.response) else {
            return Ok(());
        };
        let problems: Vec<String> = validator
            .iter_errors(output)
            .map(|e| format!("at {}: {e}", place(e.instance_path().as_str())))
            .collect();
        if problems.is_empty() {
            return Ok(());
        }
        Err(self.problem(
            at.to_owned(),
            format!(
                "the answer given to step `{step}` does not fit {agency}/{operation}'s response contract: {}",
                problems.join("; ")
            ),
        ))
    }
}

/// A JSON pointer in words: `/child/sex`, or `the top` for the whole body.
pub(super) fn place(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top".to_owned()
    } else {
        pointer.to_owned()
    }
}
