//! What an agency's answer (or Temporal's giving up) means for the case, as one event.

use lienthong_definitions::{
    CallPurpose, StepId,
    case::{DocumentRequest, Event, StepError, answer},
};
use serde_json::Value;
use temporalio_workflow::ActivityExecutionError;

use crate::{
    activity_failure::{failure_text, final_code, may_retry},
    contract::AgencyAnswer,
    drive::{Run, TimerKind, until},
    time_of::now,
};

impl Run<'_> {
    pub(crate) fn on_answer(
        &mut self,
        id: StepId,
        purpose: CallPurpose,
        result: Result<AgencyAnswer, ActivityExecutionError>,
    ) {
        let Some(step) = self.definition.step(&id).cloned() else {
            return;
        };
        let event = match (purpose, result) {
            (
                CallPurpose::Call | CallPurpose::Reconcile,
                Ok(AgencyAnswer::Done {
                    output,
                    attempt,
                    reconciled,
                }),
            ) => {
                if reconciled || purpose == CallPurpose::Reconcile {
                    self.apply(Event::Reconciled(id.clone()));
                }
                Event::StepSucceeded {
                    step: id,
                    output,
                    attempts: attempt,
                }
            }
            (
                CallPurpose::Call | CallPurpose::Reconcile,
                Ok(AgencyAnswer::Rejected {
                    code,
                    message,
                    attempt,
                }),
            ) => Event::StepRejected {
                step: id,
                error: StepError { code, message },
                attempts: attempt,
            },
            (
                CallPurpose::Call | CallPurpose::Reconcile,
                Ok(AgencyAnswer::Pending { reference }),
            ) => Event::DecisionAwaited {
                step: id,
                reference,
            },
            (CallPurpose::Call, Ok(AgencyAnswer::DocumentsRequired { documents, message })) => {
                let at = now(self.ctx);
                let due = self.end_of(at, step.supplement_within);
                let round = self
                    .read(|c| c.step(&id).map_or(0, |s| s.round))
                    .unwrap_or(0);
                self.paused_at.insert(id.clone(), at);
                self.start_timer(until(at, due), TimerKind::DocumentsDue(id.clone(), round));
                let request = DocumentRequest {
                    documents,
                    message,
                    due,
                    requested_at: at,
                };
                Event::DocumentsRequested { step: id, request }
            }
            (CallPurpose::Reconcile, Ok(_)) => Event::StepSkipped(id),
            (CallPurpose::Call, Ok(AgencyAnswer::NotDone)) => Event::StepFailed {
                step: id,
                error: StepError {
                    code: "AGENCY_PROTOCOL".into(),
                    message: "the agency gave no usable answer".into(),
                },
            },
            (CallPurpose::Call, Err(e)) => {
                let (message, attempts) = if may_retry(&e) {
                    (
                        format!(
                            "gave up after {} attempts: {}",
                            step.retry.max_attempts,
                            failure_text(&e)
                        ),
                        step.retry.max_attempts,
                    )
                } else {
                    // A refused credential: no retry was made, and none will fix it.
                    (format!("not retried: {}", failure_text(&e)), 1)
                };
                let retry_at = step.retry.park.map(|park| {
                    self.park(&id, park.as_std());
                    now(self.ctx) + park.as_std()
                });
                // Only the code recorded depends on the failure, never what the case does
                // next, so histories recorded before replay unchanged.
                answer::unanswered(
                    id,
                    step.retry.park.is_some(),
                    final_code(&e),
                    message,
                    attempts,
                    retry_at,
                )
            }
            (CallPurpose::Reconcile, Err(e)) => Event::StepFailed {
                step: id,
                error: StepError {
                    code: "OUTCOME_UNKNOWN".into(),
                    message: failure_text(&e),
                },
            },
            (CallPurpose::Compensate, Ok(AgencyAnswer::Rejected { code, message, .. })) => {
                Event::CompensationFailed {
                    step: id,
                    error: StepError { code, message },
                }
            }
            (CallPurpose::Compensate, Ok(answer)) => {
                let output = match answer {
                    AgencyAnswer::Done { output, .. } => output,
                    _ => Value::Null,
                };
                Event::Compensated { step: id, output }
            }
            (CallPurpose::Compensate, Err(e)) => Event::CompensationFailed {
                step: id,
                error: StepError {
                    code: "COMPENSATION_FAILED".into(),
                    message: failure_text(&e),
                },
            },
        };
        self.apply(event);
        // The decision a 202 announced may have come before the 202 was read.
        let at = now(self.ctx);
        self.ctx.state_mut(|w| {
            if !w.early_decisions.is_empty() {
                w.deliver_early_decisions(at);
            }
        });
    }
}
