use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Millis, expression::Expression, mapping::Mapping};

/// A procedure's stable identifier, e.g. `birth-residence-insurance`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcedureId(pub String);

/// A step's identifier, unique within its procedure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(pub String);

/// An agency's id in the catalogue, e.g. `civil-status`: what a step is sent to, what an
/// operator holds and releases, what a call is signed for.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgencyId(pub String);

impl AgencyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for AgencyId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

impl From<String> for AgencyId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

// An id is read as text far more often than built: comparing, looking up, writing a URL.
impl std::ops::Deref for AgencyId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AgencyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Maps and sets keyed by agency are looked up with the plain text an operator or a URL gives.
impl std::borrow::Borrow<str> for AgencyId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for AgencyId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AgencyId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for ProcedureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Titles shown to citizens and operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Titles {
    pub vi: String,
    pub en: String,
}

/// A validated linked procedure. Only [`crate::parse_definition`] builds one, so a value of this
/// type always has a well-formed, acyclic step graph whose mappings and expressions read only what
/// they may, and whose every call fits its agency's contract in the catalogue it was checked
/// against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub id: ProcedureId,
    pub version: u32,
    /// ISO date from which this version applies to new cases.
    pub effective_from: String,
    pub title: Titles,
    /// Two to four capital letters that start every case code of this procedure.
    pub case_code_prefix: String,
    pub legal_basis: Option<String>,
    /// The JSON Schema the citizen's application must satisfy.
    pub application_schema: serde_json::Value,
    /// Rules a schema cannot say, such as an age limit on a given day.
    pub checks: Vec<Check>,
    pub on_failure: FailurePolicy,
    /// Legal time limit of the whole case, from receipt.
    pub deadline: Option<TimeLimit>,
    /// In the order written; the planner's order among ready steps follows it.
    pub steps: Vec<Step>,
    /// How a citizen page presents the application and what steps issue (`form:`); cases
    /// recorded before it existed read back with none.
    #[serde(default, skip_serializing_if = "crate::form::Form::is_empty")]
    pub form: crate::form::Form,
    /// Where the application gives the citizen's e-mail and phone (`contact:`), for the
    /// messages the case sends them; cases recorded before it existed read back with none.
    #[serde(default, skip_serializing_if = "crate::contact::Contact::is_empty")]
    pub contact: crate::contact::Contact,
}

impl Definition {
    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.steps.iter().find(|s| &s.id == id)
    }
}

/// What a permanent failure of one step does to the rest of the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Stop, undo every completed reversible step in reverse order, flag irreversible ones.
    Compensate,
    /// Keep what succeeded; steps that needed the failed one are skipped; the case ends
    /// partially completed.
    KeepSucceeded,
}

/// An application rule checked at submission, beyond what the schema can express.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// JSON pointer to the field the rule reads, e.g. `/child/date_of_birth`.
    pub field: String,
    pub rule: CheckRule,
    /// Stable error code returned to the applicant.
    pub code: String,
    pub message: Titles,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckRule {
    /// The date must not be after the submission day.
    NotInFuture,
    /// The person born on that date must be younger than `years` on the submission day.
    AgeUnderYears { years: u8 },
    /// A CEL expression over `application` that must hold, for rules across fields.
    Expression { expression: Expression },
}

/// One agency call in the procedure, sent on one of its routes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub title: Titles,
    pub needs: Vec<StepId>,
    /// The step runs only when this holds; otherwise it is not applicable.
    pub when: Option<Expression>,
    /// Where the step may be sent, tried in order: the first whose condition holds is taken. A
    /// step that names its agency directly has one route without a condition. When none holds
    /// the step is not applicable.
    pub routes: Vec<Route>,
    pub retry: RetryPolicy,
    /// Longest time one attempt may take before it counts as failed and is retried.
    pub attempt_timeout: Millis,
    /// Legal time limit of this step, from when the agency first receives it.
    pub deadline: Option<TimeLimit>,
    /// How long the citizen has to supply documents the agency asks for; after that the step is
    /// refused (`SUPPLEMENT_NOT_PROVIDED`).
    pub supplement_within: TimeLimit,
}

impl Step {
    /// Whether any route keeps `field` of the answer.
    pub fn may_keep(&self, field: &str) -> bool {
        self.routes
            .iter()
            .any(|r| r.output.iter().any(|f| f == field))
    }
}

/// One agency operation a step can be sent to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// `None` means "otherwise": always taken when reached (only the last route may omit it).
    pub when: Option<Expression>,
    pub agency: AgencyId,
    pub operation: String,
    /// Builds the request: only the fields named here leave the engine.
    pub input: Mapping,
    /// Which response fields the case keeps and later steps may read.
    pub output: Vec<String>,
    /// `None` means irreversible: a failure later produces a correction task instead.
    pub compensation: Option<Compensation>,
}

/// A time limit: legal ones count working days on the case's calendar; operational ones (an
/// agency's own service level, or a test) are a plain duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    WorkingDays(u32),
    Within(Millis),
}

/// How to undo a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compensation {
    pub operation: String,
    pub input: Mapping,
}

/// Retry of transient failures (5xx, timeouts, connection errors). Rejections are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    pub initial_interval: Millis,
    pub backoff: f64,
    pub max_interval: Millis,
    /// 0 means no limit.
    pub max_attempts: u32,
    /// When every attempt failed because the agency was unavailable, wait this long and try
    /// again, flagged for operators, instead of failing the case. `None` fails the step.
    pub park: Option<Millis>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_interval: Millis(1_000),
            backoff: 2.0,
            max_interval: Millis(60_000),
            max_attempts: 10,
            park: None,
        }
    }
}
