//! What a test expects of the case's end, read from the file, and every way the case differs
//! from it.

use serde_json::Value;

use super::format::{At, Reader, join};
use crate::{
    StepId,
    case::{CaseState, CaseStatus, StepRecord, StepStatus},
};

/// How a case may end, as a test expects it.
const CASE_ENDS: [CaseStatus; 4] = [
    CaseStatus::Completed,
    CaseStatus::PartiallyCompleted,
    CaseStatus::Failed,
    CaseStatus::Withdrawn,
];

/// Where a step may be when its case has ended.
const STEP_ENDS: [StepStatus; 8] = [
    StepStatus::Succeeded,
    StepStatus::Rejected,
    StepStatus::Failed,
    StepStatus::Skipped,
    StepStatus::NotApplicable,
    StepStatus::Compensated,
    StepStatus::CompensationFailed,
    StepStatus::NeedsCorrection,
];

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Expect {
    pub status: CaseStatus,
    pub steps: Vec<At<ExpectedStep>>,
    pub compensated: Option<Vec<At<String>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ExpectedStep {
    pub step: String,
    pub status: StepStatus,
    /// The code of the step's last error, when the test names one.
    pub error: Option<String>,
}

impl Reader {
    pub(super) fn expect(&mut self, value: &Value, at: &str) -> Option<Expect> {
        let map = self.mapping(value, at, "`expect`", &["status", "steps", "compensated"])?;
        let status = match map.get("status").and_then(Value::as_str) {
            Some(text) => {
                let status = CASE_ENDS.into_iter().find(|s| s.as_str() == text);
                if status.is_none() {
                    self.problem(
                        &join(at, "status"),
                        format!(
                            "`{text}` is not how a case ends; expected one of {}",
                            names(CASE_ENDS.map(CaseStatus::as_str))
                        ),
                    );
                }
                status
            }
            None => {
                self.problem(
                    at,
                    format!(
                        "`expect` needs the case's final `status`: one of {}",
                        names(CASE_ENDS.map(CaseStatus::as_str))
                    ),
                );
                None
            }
        };
        let steps = match map.get("steps") {
            Some(Value::Object(steps)) => steps
                .iter()
                .filter_map(|(step, expected)| {
                    let at = join(&join(at, "steps"), step);
                    let value = self.expected_step(step, expected, &at)?;
                    Some(At { at, value })
                })
                .collect(),
            Some(_) => {
                self.problem(
                    &join(at, "steps"),
                    "`steps` maps each step id to its final status",
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        let compensated = match map.get("compensated") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        let at = format!("{}[{i}]", join(at, "compensated"));
                        self.text(item, &at, "a step id")
                            .map(|value| At { at, value })
                    })
                    .collect(),
            ),
            Some(_) => {
                self.problem(
                    &join(at, "compensated"),
                    "`compensated` lists the steps undone, in the order they were undone",
                );
                None
            }
            None => None,
        };
        Some(Expect {
            status: status?,
            steps,
            compensated,
        })
    }

    fn expected_step(&mut self, step: &str, value: &Value, at: &str) -> Option<ExpectedStep> {
        let (status, error) = match value {
            Value::String(status) => (status.clone(), None),
            Value::Object(_) => {
                let map = self.mapping(value, at, "a step's expectation", &["status", "error"])?;
                let status = map.get("status").and_then(Value::as_str);
                let error = map.get("error").and_then(Value::as_str);
                match (status, error, map.get("error")) {
                    (Some(status), error, None | Some(Value::String(_))) => {
                        (status.to_owned(), error.map(str::to_owned))
                    }
                    _ => {
                        self.problem(
                            at,
                            "a step's expectation is its status, or `{status, error}` with the code of its last error",
                        );
                        return None;
                    }
                }
            }
            _ => {
                self.problem(at, "a step's expectation is its final status");
                return None;
            }
        };
        let Some(found) = STEP_ENDS.into_iter().find(|s| s.as_str() == status) else {
            self.problem(
                at,
                format!(
                    "`{status}` is not a status a step ends in; expected one of {}",
                    names(STEP_ENDS.map(StepStatus::as_str))
                ),
            );
            return None;
        };
        Some(ExpectedStep {
            step: step.to_owned(),
            status: found,
            error,
        })
    }
}

fn names<const N: usize>(names: [&str; N]) -> String {
    names.join(", ")
}

/// Every way the ended (or stuck) case differs from `expect`.
pub(super) fn compare(expect: &Expect, state: &CaseState, compensated: &[StepId]) -> Vec<String> {
    let mut found = Vec::new();
    if state.status != expect.status {
        let got = if state.status.is_terminal() {
            state.status.as_str().to_owned()
        } else {
            format!("{} (the case did not end)", state.status.as_str())
        };
        found.push(format!(
            "case status: expected {}, got {got}",
            expect.status.as_str()
        ));
    }
    // In the definition's order, whatever order the test lists them in.
    for record in &state.steps {
        let Some(expected) = expect.steps.iter().find(|e| e.value.step == record.id.0) else {
            continue;
        };
        let expected = &expected.value;
        let got_error = record.last_error.as_ref().map(|e| e.code.as_str());
        if record.status != expected.status {
            found.push(format!(
                "step {}: expected {}, got {}{}",
                expected.step,
                expected.status.as_str(),
                record.status.as_str(),
                last_error(record)
            ));
        } else if let Some(code) = &expected.error
            && got_error != Some(code.as_str())
        {
            found.push(format!(
                "step {}: expected its last error to be {code}, got {}",
                expected.step,
                match &record.last_error {
                    Some(error) => format!("{}: {}", error.code, error.message),
                    None => "no error".to_owned(),
                }
            ));
        }
    }
    if let Some(expected) = &expect.compensated {
        let expected: Vec<&str> = expected.iter().map(|s| s.value.as_str()).collect();
        let got: Vec<&str> = compensated.iter().map(|s| s.0.as_str()).collect();
        if expected != got {
            found.push(format!(
                "compensated: expected [{}], got [{}]",
                expected.join(", "),
                got.join(", ")
            ));
        }
    }
    found
}

/// ` (last error: CODE: message)`, or nothing for a step without one.
fn last_error(record: &StepRecord) -> String {
    record
        .last_error
        .as_ref()
        .map(|e| format!(" (last error: {}: {})", e.code, e.message))
        .unwrap_or_default()
}
