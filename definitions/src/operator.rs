//! What an operator may do to a running case, checked against its state: retry a step now, hold
//! and release an agency, record a step done offline, cancel the case.
//!
//! [`check`] is the whole decision: it either refuses with a stable code and a message an
//! operator can act on, or says which events the action makes and what it did. The workflow runs
//! it twice, in its update validator (a refusal writes nothing to history) and in the update
//! itself, so both always agree.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    AgencyId, Definition, StepId,
    case::{CaseState, Event, StepStatus},
    expression::Read,
    planner::is_stopping,
};

/// One operator action, attributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorAction {
    /// The operator's account id.
    pub actor: String,
    pub role: String,
    /// Why; required, and journalled with the action.
    pub reason: String,
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// What the operator asks for. In JSON, `"action"` names it: `{"action": "retry_now", "step":
/// "residence", "actor", "role", "reason"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionKind {
    /// Send a retrying or parked step again at once, with the same idempotency key.
    RetryNow { step: StepId },
    /// Send nothing new to `agency` until released; its calls in flight stop without counting
    /// as failures.
    Hold { agency: AgencyId },
    /// Lift a hold: the agency's held steps are sent again.
    Release { agency: AgencyId },
    /// The step was done offline: record the agency's reference and the output later steps read.
    Resolve {
        step: StepId,
        reference: String,
        output: Value,
    },
    /// Stop the case and undo what was done, as a withdrawal does.
    Cancel {},
}

impl ActionKind {
    /// The snake_case name, as in the JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RetryNow { .. } => "retry_now",
            Self::Hold { .. } => "hold",
            Self::Release { .. } => "release",
            Self::Resolve { .. } => "resolve",
            Self::Cancel {} => "cancel",
        }
    }
}

/// What an accepted action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// The action's name (`retry_now`, `hold`, …).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyId>,
    /// `restarted` (a call in flight was stopped and sent again), `resumed` (a parked step is
    /// sent again), `held`, `released`, `resolved`, `cancelling`.
    pub effect: String,
    /// The steps the action changed: held, released, restarted or resolved.
    #[serde(default)]
    pub steps: Vec<StepId>,
}

/// Every code an [`ActionRefusal`] carries: those [`check`] gives, and `CASE_NOT_STARTED`, the
/// workflow's answer to an update that arrives before the case's state exists. Written as the
/// API answers them (`REASON_REQUIRED`); the API maps each to its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefusalCode {
    ReasonRequired,
    ActorRequired,
    CaseClosed,
    CaseStopping,
    StepNotFound,
    StepNotRetryable,
    AgencyHeld,
    AgencyNotInCase,
    AlreadyHeld,
    NotHeld,
    StepNotResolvable,
    ReferenceRequired,
    OutputInvalid,
    CaseNotStarted,
}

impl RefusalCode {
    pub const ALL: [Self; 14] = [
        Self::ReasonRequired,
        Self::ActorRequired,
        Self::CaseClosed,
        Self::CaseStopping,
        Self::StepNotFound,
        Self::StepNotRetryable,
        Self::AgencyHeld,
        Self::AgencyNotInCase,
        Self::AlreadyHeld,
        Self::NotHeld,
        Self::StepNotResolvable,
        Self::ReferenceRequired,
        Self::OutputInvalid,
        Self::CaseNotStarted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReasonRequired => "REASON_REQUIRED",
            Self::ActorRequired => "ACTOR_REQUIRED",
            Self::CaseClosed => "CASE_CLOSED",
            Self::CaseStopping => "CASE_STOPPING",
            Self::StepNotFound => "STEP_NOT_FOUND",
            Self::StepNotRetryable => "STEP_NOT_RETRYABLE",
            Self::AgencyHeld => "AGENCY_HELD",
            Self::AgencyNotInCase => "AGENCY_NOT_IN_CASE",
            Self::AlreadyHeld => "ALREADY_HELD",
            Self::NotHeld => "NOT_HELD",
            Self::StepNotResolvable => "STEP_NOT_RESOLVABLE",
            Self::ReferenceRequired => "REFERENCE_REQUIRED",
            Self::OutputInvalid => "OUTPUT_INVALID",
            Self::CaseNotStarted => "CASE_NOT_STARTED",
        }
    }

    /// The code a text names, if it is one of these.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

/// Compared with the code as written, as tests and logs read it.
impl PartialEq<&str> for RefusalCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an action was refused: a stable code and a message without personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ActionRefusal {
    pub code: RefusalCode,
    pub message: String,
}

impl ActionRefusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Reads a refusal back from its text (`CODE: message`), as a Temporal failure carries it.
    /// Only a [`RefusalCode`] is a refusal: any other failure text that happens to look like
    /// `WORD: message` is the engine's own failure, not an answer to the action.
    pub fn parse(text: &str) -> Option<Self> {
        let (code, message) = text.split_once(": ")?;
        RefusalCode::parse(code).map(|code| Self::new(code, message))
    }
}

/// An accepted action: the events to apply, in order, and what to tell the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub events: Vec<Event>,
    pub outcome: ActionOutcome,
}

/// Decides whether `action` makes sense for the case now, and what it does.
pub fn check(
    definition: &Definition,
    state: &CaseState,
    action: &OperatorAction,
) -> Result<Accepted, ActionRefusal> {
    // Only "not blank" here: this check also runs in the update's handler, which replays, and
    // a history may hold a longer reason sent by another client. The API and the validator
    // hold new actions to `Reason` (1 to 500 characters).
    if action.reason.trim().is_empty() {
        return Err(ActionRefusal::new(
            RefusalCode::ReasonRequired,
            "say why: every operator action needs a reason",
        ));
    }
    if action.actor.trim().is_empty() {
        return Err(ActionRefusal::new(
            RefusalCode::ActorRequired,
            "an operator action must name the operator's account",
        ));
    }
    if state.status.is_terminal() {
        return Err(ActionRefusal::new(
            RefusalCode::CaseClosed,
            format!(
                "case {} is {}; no action can change it",
                state.code,
                state.status.as_str()
            ),
        ));
    }
    let name = action.kind.name();
    let outcome =
        |effect: &str, step: Option<&StepId>, agency: Option<&AgencyId>, steps| ActionOutcome {
            action: name.to_owned(),
            step: step.cloned(),
            agency: agency.cloned(),
            effect: effect.to_owned(),
            steps,
        };
    match &action.kind {
        ActionKind::RetryNow { step } => {
            let status = step_status(state, step)?;
            if is_stopping(definition, state) {
                return Err(stopping(state));
            }
            let effect = match status {
                StepStatus::Running => "restarted",
                StepStatus::AgencyUnavailable => "resumed",
                StepStatus::Held => {
                    let agency = agency_of(state, step);
                    return Err(ActionRefusal::new(
                        RefusalCode::AgencyHeld,
                        format!(
                            "step {step} waits because agency {agency} is held; release the agency to send it again"
                        ),
                    ));
                }
                other => {
                    return Err(ActionRefusal::new(
                        RefusalCode::StepNotRetryable,
                        format!(
                            "step {step} is {}; only a step that is retrying, or parked after its agency was unavailable, can be retried (a held step is sent again when its agency is released)",
                            other.as_str()
                        ),
                    ));
                }
            };
            Ok(Accepted {
                events: vec![Event::RetryRequested(step.clone())],
                outcome: outcome(effect, Some(step), None, vec![step.clone()]),
            })
        }
        ActionKind::Hold { agency } => {
            if !calls_agency(definition, agency) {
                return Err(ActionRefusal::new(
                    RefusalCode::AgencyNotInCase,
                    format!("procedure {} never calls agency {agency}", definition.id),
                ));
            }
            if state.is_held(agency) {
                return Err(ActionRefusal::new(
                    RefusalCode::AlreadyHeld,
                    format!("agency {agency} is already held for this case"),
                ));
            }
            let steps = steps_of(state, agency, |s| {
                matches!(s, StepStatus::Running | StepStatus::AgencyUnavailable)
            });
            Ok(Accepted {
                events: vec![Event::AgencyHeld {
                    agency: agency.clone(),
                }],
                outcome: outcome("held", None, Some(agency), steps),
            })
        }
        ActionKind::Release { agency } => {
            if !state.is_held(agency) {
                return Err(ActionRefusal::new(
                    RefusalCode::NotHeld,
                    format!("agency {agency} is not held for this case"),
                ));
            }
            let steps = steps_of(state, agency, |s| s == StepStatus::Held);
            Ok(Accepted {
                events: vec![Event::AgencyReleased {
                    agency: agency.clone(),
                }],
                outcome: outcome("released", None, Some(agency), steps),
            })
        }
        ActionKind::Resolve {
            step,
            reference,
            output,
        } => {
            let status = step_status(state, step)?;
            let resolvable = match status {
                StepStatus::Running
                | StepStatus::Held
                | StepStatus::AgencyUnavailable
                | StepStatus::AwaitingDecision => true,
                // A failure is settled by hand only while the case still runs forward: under
                // `on_failure: compensate` the failure itself has already turned the case
                // towards its undo, even before the first compensation starts.
                StepStatus::Failed | StepStatus::Rejected => {
                    if is_stopping(definition, state) {
                        return Err(stopping(state));
                    }
                    true
                }
                _ => false,
            };
            if !resolvable {
                return Err(ActionRefusal::new(
                    RefusalCode::StepNotResolvable,
                    format!(
                        "step {step} is {}; only a step that is running, held, parked, awaiting a decision, or failed while the case still runs can be resolved",
                        status.as_str()
                    ),
                ));
            }
            if reference.trim().is_empty() {
                return Err(ActionRefusal::new(
                    RefusalCode::ReferenceRequired,
                    "give the agency's reference for what was done offline",
                ));
            }
            let output = kept_output(definition, step, output)?;
            Ok(Accepted {
                events: vec![Event::StepResolved {
                    step: step.clone(),
                    reference: reference.clone(),
                    output,
                    by: action.actor.clone(),
                }],
                outcome: outcome("resolved", Some(step), None, vec![step.clone()]),
            })
        }
        ActionKind::Cancel {} => {
            if is_stopping(definition, state) {
                return Err(stopping(state));
            }
            Ok(Accepted {
                events: vec![Event::CancelRequested {
                    reason: action.reason.clone(),
                    by: action.actor.clone(),
                }],
                outcome: outcome("cancelling", None, None, Vec::new()),
            })
        }
    }
}

fn step_status(state: &CaseState, step: &StepId) -> Result<StepStatus, ActionRefusal> {
    state.status_of(step).ok_or_else(|| {
        ActionRefusal::new(
            RefusalCode::StepNotFound,
            format!("case {} has no step {step}", state.code),
        )
    })
}

fn stopping(state: &CaseState) -> ActionRefusal {
    ActionRefusal::new(
        RefusalCode::CaseStopping,
        format!(
            "case {} is being withdrawn or undone; its calls in flight finish and what was done is undone",
            state.code
        ),
    )
}

fn agency_of(state: &CaseState, step: &StepId) -> AgencyId {
    state
        .step(step)
        .and_then(|s| s.agency.clone())
        .unwrap_or_default()
}

fn calls_agency(definition: &Definition, agency: &str) -> bool {
    definition
        .steps
        .iter()
        .flat_map(|s| &s.routes)
        .any(|r| r.agency == agency)
}

fn steps_of(state: &CaseState, agency: &str, wanted: impl Fn(StepStatus) -> bool) -> Vec<StepId> {
    state
        .steps
        .iter()
        .filter(|s| s.agency.as_deref() == Some(agency) && wanted(s.status))
        .map(|s| s.id.clone())
        .collect()
}

/// The output an operator gave, checked and trimmed like an agency's answer: an object with
/// every field later steps read, keeping only the fields the step may keep.
fn kept_output(
    definition: &Definition,
    step: &StepId,
    output: &Value,
) -> Result<Value, ActionRefusal> {
    let Value::Object(fields) = output else {
        return Err(ActionRefusal::new(
            RefusalCode::OutputInvalid,
            "the output must be a JSON object of the step's answer fields",
        ));
    };
    let missing: Vec<String> = read_by_later_steps(definition, step)
        .into_iter()
        .filter(|f| fields.get(f).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(ActionRefusal::new(
            RefusalCode::OutputInvalid,
            format!(
                "the output lacks fields later steps read: {}",
                missing.join(", ")
            ),
        ));
    }
    let may_keep = |field: &str| definition.step(step).is_some_and(|s| s.may_keep(field));
    Ok(Value::Object(
        fields
            .iter()
            .filter(|(k, _)| may_keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    ))
}

/// The fields of `step`'s output that other steps' conditions, routes and requests read. The
/// step's own undo is left out: a step done offline is corrected offline, never undone by a call.
fn read_by_later_steps(definition: &Definition, step: &StepId) -> BTreeSet<String> {
    let mut reads: Vec<Read> = Vec::new();
    for other in definition.steps.iter().filter(|s| &s.id != step) {
        if let Some(when) = &other.when {
            reads.extend(when.reads().unwrap_or_default());
        }
        for route in &other.routes {
            if let Some(when) = &route.when {
                reads.extend(when.reads().unwrap_or_default());
            }
            reads.extend(route.input.reads().into_iter().map(|(_, read)| read));
            if let Some(compensation) = &route.compensation {
                reads.extend(compensation.input.reads().into_iter().map(|(_, read)| read));
            }
        }
    }
    reads
        .into_iter()
        .filter_map(|read| match read {
            Read::Step {
                step: read_step,
                field: Some(field),
            } if read_step == step.0 => Some(field),
            _ => None,
        })
        .collect()
}
