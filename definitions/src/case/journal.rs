//! The case's journal: what happened and when, for the operator's timeline.
//!
//! Entries carry codes, references and counts, never personal data: an agency's answer, the
//! application and the citizen's own words stay out.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{Event, NoticeStatus};
use crate::{AgencyId, StepId};

/// How many entries a case keeps; older ones are dropped and counted.
pub const JOURNAL_LIMIT: usize = 500;

/// One thing that happened to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When, in the workflow's time.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What happened, as a snake_case event name (`step_started`, `agency_held`, …).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyId>,
    /// Codes, references and counts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The operator account, for what an operator did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The operator's reason, for what an operator did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl JournalEntry {
    /// The entry for `event`; the step's agency is filled in by the case.
    pub(super) fn of(event: &Event, at: OffsetDateTime) -> Self {
        let (kind, step, agency, detail) = describe(event);
        Self {
            at,
            kind: kind.to_owned(),
            step: step.cloned(),
            agency: agency.cloned(),
            detail,
            actor: None,
            reason: None,
        }
    }

    /// Attributes the entry to an operator.
    pub(super) fn by(mut self, actor: &str, role: &str, reason: &str) -> Self {
        self.actor = Some(actor.to_owned());
        self.reason = Some(reason.to_owned());
        let role = format!("role {role}");
        self.detail = Some(match self.detail.take() {
            Some(detail) => format!("{detail}; {role}"),
            None => role,
        });
        self
    }
}

type Described<'e> = (
    &'static str,
    Option<&'e StepId>,
    Option<&'e AgencyId>,
    Option<String>,
);

fn plain<'e>(kind: &'static str, step: &'e StepId) -> Described<'e> {
    (kind, Some(step), None, None)
}

fn noted<'e>(kind: &'static str, step: &'e StepId, detail: String) -> Described<'e> {
    (kind, Some(step), None, Some(detail))
}

/// A moment as the journal's details write it, as on the wire.
fn text(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn describe(event: &Event) -> Described<'_> {
    match event {
        Event::StepStarted(step) => plain("step_started", step),
        Event::StepRouted {
            step,
            agency,
            operation,
            ..
        } => (
            "step_routed",
            Some(step),
            Some(agency),
            Some(operation.clone()),
        ),
        Event::StepSucceeded { step, attempts, .. } => {
            noted("step_succeeded", step, format!("attempts {attempts}"))
        }
        Event::StepRejected {
            step,
            error,
            attempts,
        } => noted(
            "step_rejected",
            step,
            format!("{}; attempts {attempts}", error.code),
        ),
        Event::StepFailed { step, error } => noted("step_failed", step, error.code.clone()),
        Event::StepSkipped(step) => plain("step_skipped", step),
        Event::StepNotApplicable(step) => plain("step_not_applicable", step),
        // The citizen's reason is their own words: it stays in `withdrawal`, not here.
        Event::WithdrawRequested { .. } => ("withdraw_requested", None, None, None),
        Event::CompensationStarted(step) => plain("compensation_started", step),
        Event::Compensated { step, .. } => plain("compensated", step),
        Event::CompensationFailed { step, error } => {
            noted("compensation_failed", step, error.code.clone())
        }
        Event::CorrectionNeeded(step) => plain("correction_needed", step),
        Event::Finished(status) => ("finished", None, None, Some(status.as_str().to_owned())),
        Event::DeadlineSet { step, at } => ("deadline_set", step.as_ref(), None, Some(text(*at))),
        Event::DocumentsRequested { step, request } => {
            let count = request.documents.as_array().map_or(0, Vec::len);
            noted(
                "documents_requested",
                step,
                format!("{count} documents; due {}", text(request.due)),
            )
        }
        Event::DocumentsProvided { step } => plain("documents_provided", step),
        Event::DocumentsNotProvided { step } => plain("documents_not_provided", step),
        Event::DecisionAwaited { step, reference } => {
            noted("decision_awaited", step, reference.clone())
        }
        Event::AgencyUnavailable { step, error, .. } => {
            noted("agency_unavailable", step, error.code.clone())
        }
        Event::ParkEnded(step) => plain("park_ended", step),
        Event::Reconciled(step) => plain("reconciled", step),
        Event::DeadlinePassed(escalation) => (
            "deadline_passed",
            escalation.step.as_ref(),
            None,
            Some(text(escalation.deadline)),
        ),
        Event::StillRunning(step) => plain("still_running", step),
        Event::AgencyHeld { agency } => ("agency_held", None, Some(agency), None),
        Event::AgencyReleased { agency } => ("agency_released", None, Some(agency), None),
        Event::StepHeld { step, agency, .. } => ("step_held", Some(step), Some(agency), None),
        Event::RetryRequested(step) => plain("retry_requested", step),
        Event::StepResolved {
            step, reference, ..
        } => noted(
            "step_resolved_manually",
            step,
            format!("reference {reference}"),
        ),
        Event::CancelRequested { .. } => ("cancel_requested", None, None, None),
        Event::NoticeQueued(notice) => (
            "notice_queued",
            notice.step.as_ref(),
            None,
            Some(format!("{} · {}", notice.event, notice.channel)),
        ),
        Event::NoticeSettled {
            key,
            status,
            attempts,
            error,
            ..
        } => {
            // The key names the event and the channel; it carries only the case code besides.
            let what = key
                .split_once("/notify/")
                .map_or(key.as_str(), |(_, rest)| rest);
            let detail = match error {
                Some(code) => format!("{what}; {code}"),
                None if *attempts > 0 => format!("{what}; attempt {attempts}"),
                None => what.to_owned(),
            };
            let kind = match status {
                NoticeStatus::Delivered => "notice_delivered",
                NoticeStatus::Failed => "notice_failed",
                NoticeStatus::NotConfigured => "notice_not_configured",
                NoticeStatus::Sending => "notice_queued",
            };
            (kind, None, None, Some(detail))
        }
    }
}
