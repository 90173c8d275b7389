//! What a test run says: each scenario passed, or failed with every mismatch in plain words; and
//! a test file's own mistakes, each at its line and column.

use std::fmt;

use crate::locate::Locations;

/// A mistake in a test file, at its document path, before it is given a line and column.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Problem {
    pub at: String,
    pub scenario: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn located(self, places: &Locations) -> TestFileError {
        let (line, column) = places.find(&self.at);
        TestFileError {
            line,
            column,
            path: self.at,
            scenario: self.scenario,
            message: self.message,
        }
    }
}

/// A mistake in a test file (a key it does not have, a step the definition does not have, a
/// call with no answer left): the file cannot say what it means, so it proves nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFileError {
    pub line: u64,
    pub column: u64,
    /// Where in the document (`scenarios[1].answers.birth[0]`); empty for the file itself.
    pub path: String,
    /// The scenario it is in, by name.
    pub scenario: Option<String>,
    pub message: String,
}

impl fmt::Display for TestFileError {
    /// `12:9: scenario `refused`: unknown answer kind … (at scenarios[1].answers.birth[0])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if let Some(scenario) = &self.scenario {
            write!(f, "scenario `{scenario}`: ")?;
        }
        f.write_str(&self.message)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

/// How one scenario ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioReport {
    pub name: String,
    /// Every way the run differed from what the scenario expects, in plain words; empty when it
    /// passed.
    pub mismatches: Vec<String>,
    /// What happened, one line per call, answer and mark: what to read when it failed.
    pub trace: Vec<String>,
}

impl ScenarioReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}
