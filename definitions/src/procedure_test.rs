//! Procedure tests as data: an agency administrator tests a procedure they wrote without writing
//! code.
//!
//! A test file (`<procedure>.test.yaml`) names a definition file and lists scenarios: an
//! application, what each step's agency answers, call after call, and how the case must end.
//! Each scenario runs through the real [`planner`](crate::planner) and
//! [`CaseState::apply`](crate::case::CaseState::apply), each answer read by
//! [`case::answer`](crate::case::answer) as the engine reads an agency's, and every request the
//! mappings build is checked against its operation's contract in the catalogue. Pure like the
//! rest of this crate: the caller reads the files.
//!
//! ```yaml
//! definition: birth-residence-insurance.yaml
//! scenarios:
//!   - name: the residence is refused
//!     application: { … }
//!     answers:
//!       birth: { done: { birth_certificate_number: "…", personal_id: "…", registered_on: "…" } }
//!       residence: { refused: { code: ADDRESS_UNKNOWN } }
//!       insurance: { done: { … } }
//!     expect:
//!       status: failed
//!       steps: { birth: needs_correction, residence: rejected, insurance: compensated }
//!       compensated: [insurance]
//! ```

mod answer;
mod drive;
mod expect;
mod format;
mod report;

use serde_json::Value;

pub use format::{Scenario, TestFile};
pub use report::{ScenarioReport, TestFileError};

use format::At;
use report::Problem;

use crate::{Catalogue, Definition, diagnostic, locate::Locations};

/// Reads a test file. Never panics: a file that is not YAML, or not a test file, gives every
/// mistake found, each with its line and column.
pub fn parse_test_file(text: &str) -> Result<TestFile, Vec<TestFileError>> {
    let places = Locations::of(text);
    let root: Value = match serde_saphyr::from_str(text) {
        Ok(root) => root,
        Err(error) => {
            return Err(diagnostic::syntax(&error)
                .0
                .into_iter()
                .map(|d| TestFileError {
                    line: d.line.unwrap_or(1),
                    column: d.column.unwrap_or(1),
                    path: String::new(),
                    scenario: None,
                    message: d.message,
                })
                .collect());
        }
    };
    format::read(&root, text).map_err(|found| locate(found, &places))
}

/// Runs every scenario of `file` on `definition`, checking its calls against `catalogue` (the
/// one the definition was checked against). A report per scenario, in order; or, when the file
/// names a step the definition does not have or lists too few answers for a call the case
/// makes, every such mistake.
pub fn run_test_file(
    file: &TestFile,
    definition: &Definition,
    catalogue: &Catalogue,
) -> Result<Vec<ScenarioReport>, Vec<TestFileError>> {
    let mut found: Vec<Problem> = Vec::new();
    for problem in file
        .scenarios
        .iter()
        .flat_map(|s| unknown_steps(s, definition))
    {
        // A mistake in the answers at the top of the file is inherited by every scenario:
        // report it once.
        if !found.contains(&problem) {
            found.push(problem);
        }
    }
    let mut reports = Vec::new();
    if found.is_empty() {
        for scenario in &file.scenarios {
            match drive::run(scenario, definition, catalogue) {
                Ok(report) => reports.push(report),
                Err(problem) => found.push(problem),
            }
        }
    }
    if found.is_empty() {
        Ok(reports)
    } else {
        Err(locate(found, &Locations::of(&file.source)))
    }
}

/// Each problem at its line and column, in the order they are written in the file.
fn locate(found: Vec<Problem>, places: &Locations) -> Vec<TestFileError> {
    let mut errors: Vec<TestFileError> = found.into_iter().map(|p| p.located(places)).collect();
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

/// Every step id the scenario names that the definition does not have.
fn unknown_steps(scenario: &Scenario, definition: &Definition) -> Vec<Problem> {
    let known = |step: &str| definition.steps.iter().any(|s| s.id.0 == step);
    let mut named: Vec<At<&str>> = Vec::new();
    for (step, listed) in &scenario.answers {
        named.push(At {
            at: listed.at.clone(),
            value: step,
        });
    }
    for (step, undo) in &scenario.undo {
        named.push(At {
            at: undo.at.clone(),
            value: step,
        });
    }
    if let Some(after) = &scenario.withdraw_after {
        named.push(At {
            at: after.at.clone(),
            value: &after.value,
        });
    }
    for expected in &scenario.expect.steps {
        named.push(At {
            at: expected.at.clone(),
            value: &expected.value.step,
        });
    }
    for step in scenario.expect.compensated.iter().flatten() {
        named.push(At {
            at: step.at.clone(),
            value: &step.value,
        });
    }
    let steps: Vec<&str> = definition.steps.iter().map(|s| s.id.0.as_str()).collect();
    named
        .into_iter()
        .filter(|step| !known(step.value))
        .map(|step| Problem {
            // Answers written at the top of the file belong to no one scenario.
            scenario: step
                .at
                .starts_with(&format!("{}.", scenario.at))
                .then(|| scenario.name.clone()),
            at: step.at,
            message: format!(
                "no step `{}` in {}; its steps are {}",
                step.value,
                definition.id,
                steps.join(", ")
            ),
        })
        .collect()
}
