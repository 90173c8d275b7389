//! What the scenario's agencies answer, turned into the case's events: each answer read by
//! `case::answer` as the engine reads an agency's.

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::{Drive, Later, Sent};
use crate::procedure_test::answer::{Answer, Refusal};
use crate::procedure_test::format::{At, join};
use crate::procedure_test::report::Problem;
use crate::{
    StepId,
    case::{
        DocumentRequest, Event,
        answer::{self, Accepted, DEFAULT_REFUSAL_CODE},
    },
    catalogue::Answers,
    planner::Call,
};

impl Drive<'_> {
    /// The step's next answer, or the test file's mistake of listing too few.
    fn next_answer(&mut self, step: &StepId, asked: &str) -> Result<Answer, Problem> {
        if let Some(answer) = self.answers.get_mut(&step.0).and_then(VecDeque::pop_front) {
            return Ok(answer);
        }
        let listed = self.scenario.answers.get(&step.0);
        let at = listed.map_or_else(|| join(&self.scenario.at, "answers"), |l| l.at.clone());
        let count = listed.map_or(0, |l| l.value.len());
        Err(self.problem(
            at,
            format!(
                "step `{step}` is {asked}, but the scenario lists {count} answer(s) for it and all are used: add the answer its agency gives"
            ),
        ))
    }

    pub(super) fn problem(&self, at: String, message: String) -> Problem {
        Problem {
            at,
            scenario: Some(self.scenario.name.clone()),
            message,
        }
    }

    pub(super) fn answer(&mut self, sent: Sent) -> Result<(), Problem> {
        match sent {
            Sent::Call(call) => {
                let n = self.calls.entry(call.step.clone()).or_default();
                *n += 1;
                let asked = format!("sent to {}/{} ({})", call.agency, call.operation, nth(*n));
                let answer = self.next_answer(&call.step, &asked)?;
                self.forward_answer(&call, answer)?;
                if self
                    .scenario
                    .withdraw_after
                    .as_ref()
                    .is_some_and(|after| after.value == call.step.0)
                    && !self.withdrawn
                {
                    self.withdrawn = true;
                    self.note("the citizen withdraws the application".into());
                    self.apply(Event::WithdrawRequested {
                        reason: "withdrawn in a procedure test".into(),
                    });
                }
                Ok(())
            }
            Sent::Reconcile(call) => {
                let asked = format!(
                    "asked whether it acted (the case is stopping while {} was unavailable)",
                    call.agency
                );
                let answer = self.next_answer(&call.step, &asked)?;
                self.reconcile_answer(&call, answer)
            }
            Sent::Undo(call) => self.undo_answer(&call),
        }
    }

    /// The agency's answer to a forward call, read as the engine reads it (`case::answer`).
    fn forward_answer(&mut self, call: &Call, answer: Answer) -> Result<(), Problem> {
        let step = call.step.clone();
        let listed_at = self.listed_at(&step);
        let body = match &answer {
            Answer::Unavailable => {
                self.outage(&step);
                return Ok(());
            }
            Answer::NotDone => {
                return Err(self.problem(
                    listed_at,
                    format!(
                        "`not_done` answers only a question whether the agency acted; step `{step}` was sent a request"
                    ),
                ));
            }
            Answer::Refused(refusal) => {
                self.refused(&step, refusal);
                return Ok(());
            }
            Answer::Pending { reference, .. } => {
                if self
                    .operation(call)
                    .is_some_and(|o| o.answers == Answers::Now)
                {
                    return Err(self.problem(
                        listed_at,
                        format!(
                            "{}/{} answers at once (`answers: now` in the catalogue): it cannot answer `pending`",
                            call.agency, call.operation
                        ),
                    ));
                }
                json!({"outcome": "pending", "reference": reference.clone().unwrap_or_else(|| format!("REF-{step}"))})
            }
            Answer::DocumentsRequired {
                documents, message, ..
            } => {
                json!({"outcome": "documents_required", "documents": documents, "message": message})
            }
            Answer::Done(output) => {
                self.check_answer(call, output, &listed_at)?;
                output.clone()
            }
        };
        match (answer::read_accepted(body, call.keep.as_deref()), answer) {
            (Accepted::Done { output }, _) => {
                self.note(format!("{step} answered: done"));
                self.apply(Event::StepSucceeded {
                    step,
                    output,
                    attempts: 1,
                });
            }
            (Accepted::Pending { reference }, Answer::Pending { then, .. }) => {
                self.note(format!("{step} answered: pending, decided later"));
                self.apply(Event::DecisionAwaited {
                    step: step.clone(),
                    reference,
                });
                self.later.push_back(Later::Decision {
                    step,
                    decided: then,
                });
            }
            (
                Accepted::DocumentsRequired { documents, message },
                Answer::DocumentsRequired { supplied, .. },
            ) => {
                self.note(format!("{step} answered: documents required"));
                let round = self.state.step(&step).map_or(0, |s| s.round);
                self.apply(Event::DocumentsRequested {
                    step: step.clone(),
                    request: DocumentRequest {
                        documents,
                        message,
                        due: self.at,
                        requested_at: self.at,
                    },
                });
                self.later.push_back(Later::Documents {
                    step,
                    round,
                    supplied,
                });
            }
            // A `done` body with an `outcome` field of its own reads as that outcome.
            (_, _) => {
                return Err(self.problem(
                    listed_at,
                    format!(
                        "the `done` answer to step `{step}` has an `outcome` field, so the engine reads it as another kind of answer: write `pending` or `documents_required` instead"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn refused(&mut self, step: &StepId, refusal: &Refusal) {
        let error = answer::read_refusal(
            &json!({"code": refusal.code, "message": refusal.message}),
            DEFAULT_REFUSAL_CODE.to_owned(),
        );
        self.note(format!("{step} answered: refused {}", error.code));
        self.apply(Event::StepRejected {
            step: step.clone(),
            error,
            attempts: 1,
        });
    }

    /// Every attempt in the retry window failed. As the workflow records it
    /// (`workflows/src/answers.rs`): with `retry.park` the step waits and is sent again,
    /// without it the step fails.
    fn outage(&mut self, step: &StepId) {
        let Some(policy) = self.definition.step(step).map(|s| s.retry) else {
            return;
        };
        let message = format!(
            "gave up after {} attempts: the agency was unavailable",
            policy.max_attempts
        );
        let parks = policy.park.is_some();
        if parks {
            self.note(format!(
                "{step}: agency unavailable, waits and is sent again"
            ));
            self.later.push_back(Later::ParkEnds(step.clone()));
        } else {
            self.note(format!("{step}: agency unavailable, retries exhausted"));
        }
        self.apply(answer::unanswered(
            step.clone(),
            parks,
            None,
            message,
            policy.max_attempts,
            None,
        ));
    }

    /// The agency's answer to "did you act?" after the case stopped while it was unavailable,
    /// as the workflow reads it: done or refused settles the step, anything else means nothing
    /// was done.
    fn reconcile_answer(&mut self, call: &Call, answer: Answer) -> Result<(), Problem> {
        let step = call.step.clone();
        match answer {
            Answer::Done(output) => {
                let listed_at = self.listed_at(&step);
                self.check_answer(call, &output, &listed_at)?;
                self.note(format!("{} says it did act on {step}", call.agency));
                self.apply(Event::Reconciled(step.clone()));
                let output = answer::keep_only(output, call.keep.as_deref());
                let attempts = self.state.step(&step).map_or(1, |s| s.attempts.max(1));
                self.apply(Event::StepSucceeded {
                    step,
                    output,
                    attempts,
                });
            }
            Answer::Refused(refusal) => self.refused(&step, &refusal),
            Answer::Pending { reference, then } => {
                self.note(format!("{step} answered: pending, decided later"));
                self.apply(Event::DecisionAwaited {
                    step: step.clone(),
                    reference: reference.unwrap_or_else(|| format!("REF-{step}")),
                });
                self.later.push_back(Later::Decision {
                    step,
                    decided: then,
                });
            }
            Answer::NotDone | Answer::DocumentsRequired { .. } => {
                self.note(format!("{} did not act on {step}", call.agency));
                self.apply(Event::StepSkipped(step));
            }
            Answer::Unavailable => {
                return Err(self.problem(
                    self.listed_at(&step),
                    format!(
                        "step `{step}` is asked whether it acted, which is retried until its agency answers: give `not_done` or `done: {{…}}`, not `unavailable`"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn undo_answer(&mut self, call: &Call) -> Result<(), Problem> {
        let step = call.step.clone();
        let given = self.scenario.undo.get(&step.0).cloned();
        let event = match given {
            Some(At {
                value: Answer::Refused(refusal),
                ..
            }) => {
                let error = answer::read_refusal(
                    &json!({"code": refusal.code, "message": refusal.message}),
                    DEFAULT_REFUSAL_CODE.to_owned(),
                );
                self.note(format!("undo of {step} refused {}", error.code));
                Event::CompensationFailed { step, error }
            }
            Some(At {
                value: Answer::Done(output),
                at,
            }) => {
                self.check_answer(call, &output, &at)?;
                self.compensated(step, output, call)
            }
            // An undo the test does not describe is done; its answer is kept only for
            // operators, so its fields do not matter.
            _ => self.compensated(step, Value::Object(Default::default()), call),
        };
        self.apply(event);
        Ok(())
    }

    fn compensated(&mut self, step: StepId, body: Value, call: &Call) -> Event {
        self.note(format!("undo of {step} done"));
        self.compensated.push(step.clone());
        // As the engine: any accepted answer to an undo has undone it.
        let output = match answer::read_accepted(body, call.keep.as_deref()) {
            Accepted::Done { output } => output,
            _ => Value::Null,
        };
        Event::Compensated { step, output }
    }

    /// Where the step's answers are written, for a problem with one of them.
    pub(super) fn listed_at(&self, step: &StepId) -> String {
        self.scenario
            .answers
            .get(&step.0)
            .map_or_else(|| join(&self.scenario.at, "answers"), |l| l.at.clone())
    }
}

/// `1st call`, `2nd call`, …
fn nth(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix} call")
}
