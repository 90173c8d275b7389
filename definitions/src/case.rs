//! The state of one case, as the workflow keeps it and the API shows it.
//!
//! State changes only through [`CaseState::apply`], one [`Event`] at a time, so the workflow's
//! history and this state can never disagree about what happened.

pub mod answer;
mod attention;
mod journal;
mod notice;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use attention::{ATTENTION_REASONS, Attention};
pub use journal::{JOURNAL_LIMIT, JournalEntry};
pub use notice::{NoticeRecord, NoticeStatus};

use time::OffsetDateTime;

use crate::{AgencyId, CaseCode, Definition, ProcedureId, StepId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    pub code: CaseCode,
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
    /// When the application was received.
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// The legal deadline of the whole case, extended while the citizen was asked for
    /// documents.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    /// A legal deadline has passed with the case or a step still open.
    pub overdue: bool,
    /// Every deadline that passed, in order: the escalation record.
    pub escalations: Vec<Escalation>,
    /// Why an operator must look at this case now (kept equal to `attention_reasons()`).
    pub attention: Vec<String>,
    /// Each reason with the step and agency involved (kept equal to `attention_details()`).
    #[serde(default)]
    pub attention_details: Vec<Attention>,
    /// Agencies an operator holds for this case: no new call goes to them until released.
    #[serde(default)]
    pub held_agencies: Vec<AgencyId>,
    /// What happened to the case and when, oldest first; the last [`JOURNAL_LIMIT`] entries.
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
    /// How many older journal entries were dropped to keep the journal bounded.
    #[serde(default)]
    pub journal_dropped: u32,
    /// The case's forward calls make their first attempt locally, recorded in its history only
    /// once the attempt has answered. After a worker is lost mid-attempt, or a workflow task is
    /// rejected, the case is replayed without that record: a step that looks unsent may have
    /// been done at its agency, so a stopping case asks before skipping it.
    #[serde(default)]
    pub unrecorded_attempts: bool,
    /// Every message the case sent its citizen, in the order they were queued.
    #[serde(default)]
    pub notifications: Vec<NoticeRecord>,
}

/// A deadline that passed while its case or step was still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// `None` for the whole case.
    pub step: Option<StepId>,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub noticed_at: OffsetDateTime,
}

/// Documents an agency asked the citizen for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRequest {
    pub documents: Value,
    pub message: String,
    /// The citizen must answer before this moment or the step is refused.
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
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
    /// The agency the step is sent to: known from the start for a step with one route, once the
    /// route is chosen for the others; `None` for a step that never got a route.
    pub agency: Option<AgencyId>,
    /// The operation called, known like `agency`.
    pub operation: Option<String>,
    /// Which of the step's routes was taken (index into `Step::routes`), once it was sent.
    pub route: Option<usize>,
    pub status: StepStatus,
    /// Attempts of the forward call, known once it ends.
    pub attempts: u32,
    pub last_error: Option<StepError>,
    /// The kept outputs (only the fields the definition lists).
    pub output: Option<Value>,
    /// The agency's answer to the compensation, when one ran.
    pub compensation_output: Option<Value>,
    /// How many times the step was sent again with documents the citizen supplied.
    pub round: u32,
    /// The step's legal deadline, set when the agency first receives it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    /// Set while the step waits for the citizen.
    pub documents_requested: Option<DocumentRequest>,
    /// The agency's reference for a decision it will send back later.
    pub decision_reference: Option<String>,
    /// The outcome was learnt by asking the agency after a call went unanswered.
    pub reconciled: bool,
    /// The current round was sent and no answer came back: the agency may have acted, so the
    /// step is asked about (reconciled) rather than skipped if the case stops.
    #[serde(default)]
    pub sent_unanswered: bool,
    /// The call has been in flight longer than the case's attention threshold.
    #[serde(default)]
    pub long_running: bool,
    /// Set when an operator recorded that the step was done outside the engine.
    #[serde(default)]
    pub resolution: Option<ManualResolution>,
    /// Held before any attempt of it could have gone out: its agency's hold was recorded in the
    /// case's history before the step became ready. A stopping case skips such a step instead
    /// of waiting for the release to ask the agency about an attempt that never was.
    #[serde(default)]
    pub held_unsent: bool,
    /// When the step is tried next: the end of its pause after an outage (kept here), or a
    /// queued retry's next attempt (the API adds it from what Temporal knows).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// An operator's record that a step was done offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualResolution {
    /// The agency's reference for what was done (a register number, a file number).
    pub reference: String,
    /// The operator account that recorded it.
    pub by: String,
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
    /// Not needed for this application: its condition (`when`) did not hold, none of its routes
    /// applied, or a step it needs was not applicable. Not a failure.
    NotApplicable,
    /// The agency asked the citizen for more documents; the step resumes when they are given.
    AwaitingDocuments,
    /// The agency accepted the dossier and an officer will decide; the decision comes back by
    /// callback.
    AwaitingDecision,
    /// Every attempt in the retry window failed because the agency was unavailable; the step
    /// waits and tries again, flagged for operators.
    AgencyUnavailable,
    /// Ready, but an operator holds its agency: nothing is sent until the agency is released.
    Held,
    /// An operator recorded that the step was done offline; it counts as succeeded.
    ResolvedManually,
    Compensating,
    Compensated,
    CompensationFailed,
    /// Succeeded, cannot be undone, and the case did not complete: an operator must correct it
    /// through the agency's own procedure.
    NeedsCorrection,
}

impl StepStatus {
    /// Not finished and not undone: the case cannot end while a step is in one of these.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Pending
                | Self::Running
                | Self::AwaitingDocuments
                | Self::AwaitingDecision
                | Self::AgencyUnavailable
                | Self::Held
                | Self::Compensating
        )
    }

    /// Done, by the agency or by an operator offline: later steps may use its output.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::ResolvedManually)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::NotApplicable => "not_applicable",
            Self::AwaitingDocuments => "awaiting_documents",
            Self::AwaitingDecision => "awaiting_decision",
            Self::AgencyUnavailable => "agency_unavailable",
            Self::Held => "held",
            Self::ResolvedManually => "resolved_manually",
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
    /// The operator account that cancelled the case; `None` when the citizen withdrew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFailure {
    pub step: StepId,
    pub agency: AgencyId,
    pub code: String,
    pub message: String,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    StepStarted(StepId),
    /// The route a step is sent on; recorded before its first call so a callback, a
    /// reconciliation or a compensation reaches the same agency and operation.
    StepRouted {
        step: StepId,
        route: usize,
        agency: AgencyId,
        operation: String,
    },
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
    StepNotApplicable(StepId),
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
    /// The case's deadline (`step: None`) or a step's was set or moved.
    DeadlineSet {
        step: Option<StepId>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    DocumentsRequested {
        step: StepId,
        request: DocumentRequest,
    },
    /// The citizen answered; the step is sent again with the documents.
    DocumentsProvided {
        step: StepId,
    },
    /// The citizen did not answer in time.
    DocumentsNotProvided {
        step: StepId,
    },
    DecisionAwaited {
        step: StepId,
        reference: String,
    },
    AgencyUnavailable {
        step: StepId,
        error: StepError,
        /// The attempts made before giving up for now (0 from builds that did not count).
        #[serde(default)]
        attempts: u32,
        /// When the pause ends and the step is sent again.
        #[serde(default, with = "time::serde::rfc3339::option")]
        retry_at: Option<OffsetDateTime>,
    },
    /// The wait after an unavailable agency is over: try the step again.
    ParkEnded(StepId),
    /// The outcome of an unanswered call was found at the agency.
    Reconciled(StepId),
    DeadlinePassed(Escalation),
    /// The step's call has been in flight longer than the case's attention threshold.
    StillRunning(StepId),
    /// An operator holds every call to `agency`: its calls in flight and parked steps become
    /// held, and no new call is sent to it.
    AgencyHeld {
        agency: AgencyId,
    },
    /// The hold is lifted: the agency's held steps are sent again.
    AgencyReleased {
        agency: AgencyId,
    },
    /// A ready step is not sent because its agency is held. `unsent`: the hold was recorded
    /// before the step became ready, so no attempt of it can have gone out, even one lost with
    /// its worker.
    StepHeld {
        step: StepId,
        agency: AgencyId,
        #[serde(default)]
        unsent: bool,
    },
    /// An operator asked for the step to be sent again now.
    RetryRequested(StepId),
    /// An operator recorded that the step was done offline.
    StepResolved {
        step: StepId,
        reference: String,
        output: Value,
        by: String,
    },
    /// An operator cancels the case: it stops like a withdrawal.
    CancelRequested {
        reason: String,
        by: String,
    },
    /// A message to the citizen was handed to its channel.
    NoticeQueued(NoticeRecord),
    /// A message reached its end: delivered, dead-lettered or without a channel.
    NoticeSettled {
        key: String,
        status: NoticeStatus,
        attempts: u32,
        error: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl CaseState {
    pub fn new(code: CaseCode, definition: &Definition, submitted_at: OffsetDateTime) -> Self {
        Self {
            code,
            procedure: definition.id.clone(),
            version: definition.version,
            status: CaseStatus::Running,
            steps: definition
                .steps
                .iter()
                .map(|s| {
                    // One route: its agency is known before the step runs.
                    let only = match s.routes.as_slice() {
                        [only] => Some(only),
                        _ => None,
                    };
                    StepRecord {
                        id: s.id.clone(),
                        agency: only.map(|r| r.agency.clone()),
                        operation: only.map(|r| r.operation.clone()),
                        route: None,
                        status: StepStatus::Pending,
                        attempts: 0,
                        last_error: None,
                        output: None,
                        compensation_output: None,
                        round: 0,
                        deadline: None,
                        documents_requested: None,
                        decision_reference: None,
                        reconciled: false,
                        sent_unanswered: false,
                        long_running: false,
                        resolution: None,
                        held_unsent: false,
                        next_attempt_at: None,
                    }
                })
                .collect(),
            completed_order: Vec::new(),
            withdrawal: None,
            failure: None,
            submitted_at,
            deadline: None,
            overdue: false,
            escalations: Vec::new(),
            attention: Vec::new(),
            attention_details: Vec::new(),
            held_agencies: Vec::new(),
            journal: Vec::new(),
            journal_dropped: 0,
            unrecorded_attempts: false,
            notifications: Vec::new(),
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
            .filter_map(|s| match s.status {
                StepStatus::Running
                | StepStatus::Compensating
                | StepStatus::AwaitingDecision
                | StepStatus::AgencyUnavailable
                | StepStatus::Held => s.agency.as_ref().map(|a| a.0.clone()),
                StepStatus::AwaitingDocuments => Some("citizen".to_owned()),
                _ => None,
            })
            .collect();
        agencies.sort();
        agencies.dedup();
        agencies
    }

    /// Whether `agency` is held by an operator for this case.
    pub fn is_held(&self, agency: &str) -> bool {
        self.held_agencies.iter().any(|a| a == agency)
    }

    /// Applies one event. The workflow uses [`Self::apply_at`] so the journal keeps it too.
    pub fn apply(&mut self, event: Event) {
        self.record(event);
        self.refresh_attention();
    }

    /// Applies one event and journals it at `at` (the workflow's time).
    pub fn apply_at(&mut self, event: Event, at: OffsetDateTime) {
        let entry = JournalEntry::of(&event, at);
        self.apply(event);
        self.journal(entry);
    }

    /// Applies an event an operator caused, journalled with who did it and why.
    pub fn apply_by(
        &mut self,
        event: Event,
        at: OffsetDateTime,
        actor: &str,
        role: &str,
        reason: &str,
    ) {
        let entry = JournalEntry::of(&event, at).by(actor, role, reason);
        self.apply(event);
        self.journal(entry);
    }

    fn refresh_attention(&mut self) {
        self.attention_details = self.attention_details();
        self.attention = attention::reasons_in(&self.attention_details)
            .into_iter()
            .map(str::to_owned)
            .collect();
    }

    fn record(&mut self, event: Event) {
        match event {
            Event::StepStarted(id) => self.set(&id, |s| {
                s.status = StepStatus::Running;
                s.sent_unanswered = true;
                s.long_running = false;
            }),
            Event::StepRouted {
                step,
                route,
                agency,
                operation,
            } => self.set(&step, |s| {
                s.route = Some(route);
                s.agency = Some(agency);
                s.operation = Some(operation);
            }),
            Event::StepSucceeded {
                step,
                output,
                attempts,
            } => {
                self.set(&step, |s| {
                    s.status = StepStatus::Succeeded;
                    s.attempts = attempts;
                    s.output = Some(output);
                    s.sent_unanswered = false;
                    // An error from an attempt that a later one got past is no longer the
                    // step's; the journal keeps what happened.
                    s.last_error = None;
                });
                if !self.completed_order.contains(&step) {
                    self.completed_order.push(step);
                }
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
                    s.sent_unanswered = false;
                });
            }
            Event::StepFailed { step, error } => {
                self.record_failure(&step, &error);
                self.set(&step, |s| {
                    s.status = StepStatus::Failed;
                    s.last_error = Some(error);
                });
            }
            Event::StepSkipped(id) => self.set(&id, |s| {
                s.status = StepStatus::Skipped;
                s.sent_unanswered = false;
            }),
            Event::StepNotApplicable(id) => self.set(&id, |s| s.status = StepStatus::NotApplicable),
            Event::WithdrawRequested { reason } => {
                if self.withdrawal.is_none() && !self.status.is_terminal() {
                    self.withdrawal = Some(Withdrawal {
                        reason,
                        operator: None,
                    });
                }
            }
            Event::CancelRequested { reason, by } => {
                if self.withdrawal.is_none() && !self.status.is_terminal() {
                    self.withdrawal = Some(Withdrawal {
                        reason,
                        operator: Some(by),
                    });
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
            Event::DeadlineSet { step: None, at } => self.deadline = Some(at),
            Event::DeadlineSet {
                step: Some(step),
                at,
            } => self.set(&step, |s| s.deadline = Some(at)),
            Event::DocumentsRequested { step, request } => self.set(&step, |s| {
                s.status = StepStatus::AwaitingDocuments;
                s.documents_requested = Some(request);
                s.sent_unanswered = false;
            }),
            Event::DocumentsProvided { step } => self.set(&step, |s| {
                s.status = StepStatus::Pending;
                s.round += 1;
                s.documents_requested = None;
            }),
            Event::DocumentsNotProvided { step } => {
                let error = StepError {
                    code: "SUPPLEMENT_NOT_PROVIDED".into(),
                    message: "the documents the agency asked for were not supplied in time".into(),
                };
                self.record_failure(&step, &error);
                self.set(&step, |s| {
                    s.status = StepStatus::Rejected;
                    s.last_error = Some(error);
                });
            }
            Event::DecisionAwaited { step, reference } => self.set(&step, |s| {
                s.status = StepStatus::AwaitingDecision;
                s.decision_reference = Some(reference);
                s.sent_unanswered = false;
            }),
            Event::AgencyUnavailable {
                step,
                error,
                attempts,
                retry_at,
            } => self.set(&step, |s| {
                s.status = StepStatus::AgencyUnavailable;
                s.last_error = Some(error);
                s.next_attempt_at = retry_at;
                // The attempts of this round: what the operator compares with the error's text.
                if attempts > 0 {
                    s.attempts = attempts;
                }
            }),
            Event::ParkEnded(step) => self.set(&step, |s| {
                s.next_attempt_at = None;
                if s.status == StepStatus::AgencyUnavailable {
                    s.status = StepStatus::Pending;
                }
            }),
            Event::Reconciled(step) => self.set(&step, |s| s.reconciled = true),
            Event::DeadlinePassed(escalation) => {
                self.overdue = true;
                self.escalations.push(escalation);
            }
            Event::StillRunning(step) => self.set(&step, |s| {
                if s.status == StepStatus::Running {
                    s.long_running = true;
                }
            }),
            Event::AgencyHeld { agency } => {
                if !self.is_held(&agency) {
                    self.held_agencies.push(agency.clone());
                    self.held_agencies.sort();
                }
                for s in &mut self.steps {
                    if s.agency.as_ref() == Some(&agency)
                        && matches!(
                            s.status,
                            StepStatus::Running | StepStatus::AgencyUnavailable
                        )
                    {
                        s.status = StepStatus::Held;
                    }
                }
            }
            Event::AgencyReleased { agency } => {
                self.held_agencies.retain(|a| a != &agency);
                for s in &mut self.steps {
                    if s.agency.as_ref() == Some(&agency) && s.status == StepStatus::Held {
                        s.status = StepStatus::Pending;
                        s.held_unsent = false;
                    }
                }
            }
            Event::StepHeld {
                step,
                agency,
                unsent,
            } => self.set(&step, |s| {
                s.status = StepStatus::Held;
                s.agency = Some(agency);
                s.held_unsent = unsent;
            }),
            Event::RetryRequested(step) => self.set(&step, |s| {
                if matches!(
                    s.status,
                    StepStatus::Running | StepStatus::AgencyUnavailable
                ) {
                    s.status = StepStatus::Pending;
                }
            }),
            Event::StepResolved {
                step,
                reference,
                output,
                by,
            } => {
                self.set(&step, |s| {
                    s.status = StepStatus::ResolvedManually;
                    s.output = Some(output);
                    s.resolution = Some(ManualResolution { reference, by });
                    s.sent_unanswered = false;
                    s.documents_requested = None;
                });
                if !self.completed_order.contains(&step) {
                    self.completed_order.push(step.clone());
                }
                // The failure that was to decide the case's end is settled by hand: the next
                // failed step, if any, decides instead.
                if self.failure.as_ref().is_some_and(|f| f.step == step) {
                    self.failure = None;
                    let next = self
                        .steps
                        .iter()
                        .filter(|s| matches!(s.status, StepStatus::Rejected | StepStatus::Failed))
                        .find_map(|s| Some((s.id.clone(), s.last_error.clone()?)));
                    if let Some((next, error)) = next {
                        self.record_failure(&next, &error);
                    }
                }
            }
            Event::NoticeQueued(record) => {
                // One key is one message, whatever a replay or a second look asks for.
                if self.notice(&record.key).is_none() {
                    self.notifications.push(record);
                }
            }
            Event::NoticeSettled {
                key,
                status,
                attempts,
                error,
                at,
            } => {
                if let Some(notice) = self.notifications.iter_mut().find(|n| n.key == key) {
                    notice.status = status;
                    notice.attempts = attempts;
                    notice.last_error = error;
                    notice.settled_at = Some(at);
                }
            }
        }
    }

    /// The message sent under `key`, if one was.
    pub fn notice(&self, key: &str) -> Option<&NoticeRecord> {
        self.notifications.iter().find(|n| n.key == key)
    }

    fn journal(&mut self, mut entry: JournalEntry) {
        if entry.agency.is_none()
            && let Some(step) = &entry.step
        {
            entry.agency = self.step(step).and_then(|s| s.agency.clone());
        }
        self.journal.push(entry);
        if self.journal.len() > JOURNAL_LIMIT {
            let excess = self.journal.len() - JOURNAL_LIMIT;
            self.journal.drain(..excess);
            self.journal_dropped = self
                .journal_dropped
                .saturating_add(u32::try_from(excess).unwrap_or(u32::MAX));
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
                .and_then(|s| s.agency.clone())
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
