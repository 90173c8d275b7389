//! Why an operator must look at a case: each reason with the step and agency involved.
//!
//! Computed from the state alone, so the workflow's search attributes, the API's case page and
//! the worker's gauges always agree.

use serde::{Deserialize, Serialize};

use super::{CaseState, StepStatus};
use crate::{AgencyId, StepId};

/// Every reason code, in the order reasons are listed.
pub const ATTENTION_REASONS: &[&str] = &[
    "compensation_failed",
    "correction_needed",
    "agency_unavailable",
    "overdue",
    "retrying",
    "decision_overdue",
    "unreconciled",
    "held",
    "notification_failed",
];

/// One reason an operator must look at a case. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// One of [`ATTENTION_REASONS`].
    pub reason: String,
    /// The step involved; `None` for the whole case (its legal deadline passed).
    pub step: Option<StepId>,
    /// The agency involved, when one is.
    pub agency: Option<AgencyId>,
}

/// The error code of a reconciliation that could not learn what the agency did.
const OUTCOME_UNKNOWN: &str = "OUTCOME_UNKNOWN";

impl CaseState {
    /// Why an operator must look at this case, if at all: each reason once, in
    /// [`ATTENTION_REASONS`] order.
    pub fn attention_reasons(&self) -> Vec<&'static str> {
        reasons_in(&self.attention_details())
    }

    /// Every reason with the step and agency involved, in [`ATTENTION_REASONS`] order.
    pub fn attention_details(&self) -> Vec<Attention> {
        let open = !self.status.is_terminal();
        let mut found: Vec<Attention> = Vec::new();
        let mut note = |reason: &'static str, step: Option<&StepId>, agency: Option<&AgencyId>| {
            let entry = Attention {
                reason: reason.to_owned(),
                step: step.cloned(),
                agency: agency.cloned(),
            };
            if !found.contains(&entry) {
                found.push(entry);
            }
        };
        let with = |status: StepStatus| self.steps.iter().filter(move |s| s.status == status);

        for s in with(StepStatus::CompensationFailed) {
            note("compensation_failed", Some(&s.id), s.agency.as_ref());
        }
        for s in with(StepStatus::NeedsCorrection) {
            note("correction_needed", Some(&s.id), s.agency.as_ref());
        }
        for s in with(StepStatus::AgencyUnavailable) {
            note("agency_unavailable", Some(&s.id), s.agency.as_ref());
        }
        if self.overdue && open {
            for escalation in &self.escalations {
                let agency = escalation
                    .step
                    .as_ref()
                    .and_then(|id| self.step(id))
                    .and_then(|s| s.agency.as_ref());
                note("overdue", escalation.step.as_ref(), agency);
            }
        }
        for s in with(StepStatus::Running).filter(|s| s.long_running) {
            note("retrying", Some(&s.id), s.agency.as_ref());
        }
        if open {
            let waiting_on_agency = |status: StepStatus| {
                matches!(
                    status,
                    StepStatus::Running
                        | StepStatus::AwaitingDecision
                        | StepStatus::AgencyUnavailable
                        | StepStatus::Held
                )
            };
            for s in self.steps.iter().filter(|s| waiting_on_agency(s.status)) {
                if self
                    .escalations
                    .iter()
                    .any(|e| e.step.as_ref() == Some(&s.id))
                {
                    note("decision_overdue", Some(&s.id), s.agency.as_ref());
                }
            }
        }
        for s in with(StepStatus::Failed) {
            if s.last_error
                .as_ref()
                .is_some_and(|e| e.code == OUTCOME_UNKNOWN)
            {
                note("unreconciled", Some(&s.id), s.agency.as_ref());
            }
        }
        for s in with(StepStatus::Held) {
            note("held", Some(&s.id), s.agency.as_ref());
        }
        // A stopping case whose next undo goes to a held agency waits for the release.
        if open && (self.withdrawal.is_some() || self.status == super::CaseStatus::Compensating) {
            for s in with(StepStatus::Succeeded) {
                if s.agency.as_ref().is_some_and(|a| self.is_held(a.as_str())) {
                    note("held", Some(&s.id), s.agency.as_ref());
                }
            }
        }
        // A message to the citizen was dead-lettered: the case went on, but someone must tell
        // the citizen another way. Kept after the case ends, like a failed undo.
        if self
            .notifications
            .iter()
            .any(|n| n.status == super::NoticeStatus::Failed)
        {
            note("notification_failed", None, None);
        }
        // A running case that carries a hold is held for that agency even before one of its
        // steps shows it (a step still waiting for another): a release must find it by this.
        if open {
            for agency in &self.held_agencies {
                let shown = found
                    .iter()
                    .any(|a| a.reason == "held" && a.agency.as_ref() == Some(agency));
                if !shown {
                    found.push(Attention {
                        reason: "held".to_owned(),
                        step: None,
                        agency: Some(agency.clone()),
                    });
                }
            }
        }
        found
    }

    /// The agencies involved in any attention reason, sorted, each once (from
    /// `attention_details`, which every applied event keeps up to date).
    pub fn attention_agencies(&self) -> Vec<AgencyId> {
        let mut agencies: Vec<AgencyId> = self
            .attention_details
            .iter()
            .filter_map(|a| a.agency.clone())
            .collect();
        agencies.sort();
        agencies.dedup();
        agencies
    }
}

/// The reasons among `details`, each once, in [`ATTENTION_REASONS`] order.
pub(super) fn reasons_in(details: &[Attention]) -> Vec<&'static str> {
    ATTENTION_REASONS
        .iter()
        .copied()
        .filter(|reason| details.iter().any(|d| d.reason == *reason))
        .collect()
}
