//! The state of one case, as the workflow keeps it and the API shows it.
//!
//! State changes only through [`CaseState::apply`], one [`Event`] at a time, so the workflow's
//! history and this state can never disagree about what happened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Definition, ProcedureId, StepId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    pub code: String,
    pub procedure: ProcedureId,
    pub version: u32,
    pub status: CaseStatus,
    /// In definition order.
    pub steps: Vec<StepRecord>,
    /// The order in which steps succeeded; compensation walks it backwards.
    pub completed_order: Vec<StepId>,
    pub withdrawal: Option<Withdrawal>,
    /// The first permanent failure, which decided how the case ends.
    pub failure: Option<CaseFailure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Running,
    /// Undoing completed steps after a withdrawal or a fatal failure.
    Compensating,
    Completed,
    /// Some steps succeeded and are kept; others failed (policy `keep_succeeded`).
    PartiallyCompleted,
    Failed,
    Withdrawn,
}

impl CaseStatus {
    pub fn is_terminal(self) -> bool {
        !matches!(self, Self::Running | Self::Compensating)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Compensating => "compensating",
            Self::Completed => "completed",
            Self::PartiallyCompleted => "partially_completed",
            Self::Failed => "failed",
            Self::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: StepId,
    pub agency: String,
    pub status: StepStatus,
    /// Attempts of the forward call, known once it ends.
    pub attempts: u32,
    pub last_error: Option<StepError>,
    /// The kept outputs (only the fields the definition lists).
    pub output: Option<Value>,
    /// The agency's answer to the compensation, when one ran.
    pub compensation_output: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Succeeded,
    /// The agency refused the request; not retried.
    Rejected,
    /// Transient failures outlasted the retry policy.
    Failed,
    /// Never ran, because the case stopped or a step it needs did not succeed.
    Skipped,
    Compensating,
    Compensated,
    CompensationFailed,
    /// Succeeded, cannot be undone, and the case did not complete: an operator must correct it
    /// through the agency's own procedure.
    NeedsCorrection,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Compensating => "compensating",
            Self::Compensated => "compensated",
            Self::CompensationFailed => "compensation_failed",
            Self::NeedsCorrection => "needs_correction",
        }
    }
}

/// An error as the case shows it: a stable code and a message without personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFailure {
    pub step: StepId,
    pub agency: String,
    pub code: String,
    pub message: String,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    StepStarted(StepId),
    StepSucceeded {
        step: StepId,
        output: Value,
        attempts: u32,
    },
    StepRejected {
        step: StepId,
        error: StepError,
        attempts: u32,
    },
    StepFailed {
        step: StepId,
        error: StepError,
    },
    StepSkipped(StepId),
    WithdrawRequested {
        reason: String,
    },
    CompensationStarted(StepId),
    Compensated {
        step: StepId,
        output: Value,
    },
    CompensationFailed {
        step: StepId,
        error: StepError,
    },
    CorrectionNeeded(StepId),
    Finished(CaseStatus),
}

impl CaseState {
    pub fn new(code: String, definition: &Definition) -> Self {
        Self {
            code,
            procedure: definition.id.clone(),
            version: definition.version,
            status: CaseStatus::Running,
            steps: definition
                .steps
                .iter()
                .map(|s| StepRecord {
                    id: s.id.clone(),
                    agency: s.agency.clone(),
                    status: StepStatus::Pending,
                    attempts: 0,
                    last_error: None,
                    output: None,
                    compensation_output: None,
                })
                .collect(),
            completed_order: Vec::new(),
            withdrawal: None,
            failure: None,
        }
    }

    pub fn step(&self, id: &StepId) -> Option<&StepRecord> {
        self.steps.iter().find(|s| &s.id == id)
    }

    pub fn status_of(&self, id: &StepId) -> Option<StepStatus> {
        self.step(id).map(|s| s.status)
    }

    /// Outputs of succeeded steps, for building later steps' inputs. A compensated step's output
    /// stays readable so its own compensation mapping can use it.
    pub fn outputs(&self) -> BTreeMap<StepId, Value> {
        self.steps
            .iter()
            .filter_map(|s| Some((s.id.clone(), s.output.clone()?)))
            .collect()
    }

    /// Agencies this case is currently waiting on.
    pub fn waiting_on(&self) -> Vec<String> {
        let mut agencies: Vec<String> = self
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Running | StepStatus::Compensating))
            .map(|s| s.agency.clone())
            .collect();
        agencies.sort();
        agencies.dedup();
        agencies
    }

    /// Why an operator must look at this case, if at all.
    pub fn attention_reasons(&self) -> Vec<&'static str> {
        let mut reasons = Vec::new();
        if self
            .steps
            .iter()
            .any(|s| s.status == StepStatus::CompensationFailed)
        {
            reasons.push("compensation_failed");
        }
        if self
            .steps
            .iter()
            .any(|s| s.status == StepStatus::NeedsCorrection)
        {
            reasons.push("correction_needed");
        }
        reasons
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::StepStarted(id) => self.set(&id, |s| s.status = StepStatus::Running),
            Event::StepSucceeded {
                step,
                output,
                attempts,
            } => {
                self.set(&step, |s| {
                    s.status = StepStatus::Succeeded;
                    s.attempts = attempts;
                    s.output = Some(output);
                });
                self.completed_order.push(step);
            }
            Event::StepRejected {
                step,
                error,
                attempts,
            } => {
                self.record_failure(&step, &error);
                self.set(&step, |s| {
                    s.status = StepStatus::Rejected;
                    s.attempts = attempts;
                    s.last_error = Some(error);
                });
            }
            Event::StepFailed { step, error } => {
                self.record_failure(&step, &error);
                self.set(&step, |s| {
                    s.status = StepStatus::Failed;
                    s.last_error = Some(error);
                });
            }
            Event::StepSkipped(id) => self.set(&id, |s| s.status = StepStatus::Skipped),
            Event::WithdrawRequested { reason } => {
                if self.withdrawal.is_none() && !self.status.is_terminal() {
                    self.withdrawal = Some(Withdrawal { reason });
                }
            }
            Event::CompensationStarted(id) => {
                self.status = CaseStatus::Compensating;
                self.set(&id, |s| s.status = StepStatus::Compensating);
            }
            Event::Compensated { step, output } => self.set(&step, |s| {
                s.status = StepStatus::Compensated;
                s.compensation_output = Some(output);
            }),
            Event::CompensationFailed { step, error } => self.set(&step, |s| {
                s.status = StepStatus::CompensationFailed;
                s.last_error = Some(error);
            }),
            Event::CorrectionNeeded(id) => {
                self.set(&id, |s| s.status = StepStatus::NeedsCorrection)
            }
            Event::Finished(status) => self.status = status,
        }
    }

    fn set(&mut self, id: &StepId, change: impl FnOnce(&mut StepRecord)) {
        if let Some(step) = self.steps.iter_mut().find(|s| &s.id == id) {
            change(step);
        }
    }

    fn record_failure(&mut self, step: &StepId, error: &StepError) {
        if self.failure.is_none() {
            let agency = self
                .step(step)
                .map(|s| s.agency.clone())
                .unwrap_or_default();
            self.failure = Some(CaseFailure {
                step: step.clone(),
                agency,
                code: error.code.clone(),
                message: error.message.clone(),
            });
        }
    }
}
