//! A case driven the way the workflow drives it, for planner tests: ask the planner, carry out
//! its actions as events, answer calls as an agency would.

#![allow(dead_code)] // Each test file uses its own part of this harness.

use lienthong_definitions::{
    Definition, StepId,
    case::{CaseState, Event, StepError},
    planner::{Action, Call, decide},
    shipped_definitions,
};
use serde_json::Value;

pub fn shipped(id: &str) -> Definition {
    shipped_definitions()
        .expect("valid")
        .into_iter()
        .find(|d| d.id.0 == id)
        .expect("shipped")
}

pub fn id(s: &str) -> StepId {
    StepId(s.into())
}

pub struct Case {
    pub definition: Definition,
    pub state: CaseState,
    pub application: Value,
}

/// An action in a few words: `start funeral at labour-office/grant-burial-support`.
pub fn describe(action: &Action) -> String {
    match action {
        Action::Start(call) => format!("start {} at {}/{}", call.step, call.agency, call.operation),
        Action::Skip(step) => format!("skip {step}"),
        Action::NotApplicable(step) => format!("not applicable {step}"),
        Action::Fail { step, error } => format!("fail {step} {}", error.code),
        Action::Compensate(call) => {
            format!(
                "compensate {} at {}/{}",
                call.step, call.agency, call.operation
            )
        }
        Action::Reconcile(call) => format!(
            "reconcile {} at {}/{}",
            call.step, call.agency, call.operation
        ),
        Action::RecordCorrection(step) => format!("correct {step}"),
        Action::Finish(status) => format!("finish {}", status.as_str()),
    }
}

impl Case {
    pub fn new(definition: Definition, application: Value) -> Self {
        let state = CaseState::new(
            lienthong_definitions::CaseCode::recorded("TEST-1"),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        Self {
            definition,
            state,
            application,
        }
    }

    pub fn decide(&self) -> Vec<Action> {
        decide(&self.definition, &self.state, &self.application)
    }

    pub fn plan(&self) -> Vec<String> {
        self.decide().iter().map(describe).collect()
    }

    /// The call the planner would start for `step` now.
    pub fn call(&self, step: &str) -> Call {
        self.decide()
            .into_iter()
            .find_map(|a| match a {
                Action::Start(call) if call.step.0 == step => Some(call),
                _ => None,
            })
            .unwrap_or_else(|| panic!("the planner does not start {step}: {:?}", self.plan()))
    }

    /// Sends `step` as the workflow does: route recorded, then started.
    pub fn start(&mut self, step: &str) -> Call {
        let call = self.call(step);
        self.state.apply(Event::StepRouted {
            step: call.step.clone(),
            route: call.route,
            agency: call.agency.clone(),
            operation: call.operation.clone(),
        });
        self.state.apply(Event::StepStarted(call.step.clone()));
        call
    }

    pub fn answer(&mut self, step: &str, output: Value) {
        self.state.apply(Event::StepSucceeded {
            step: id(step),
            output,
            attempts: 1,
        });
    }

    pub fn succeed(&mut self, step: &str, output: Value) -> Call {
        let call = self.start(step);
        self.answer(step, output);
        call
    }

    pub fn refuse(&mut self, step: &str, code: &str) {
        self.state.apply(Event::StepRejected {
            step: id(step),
            error: StepError {
                code: code.into(),
                message: "refused".into(),
            },
            attempts: 1,
        });
    }

    /// Records the planner's marks (skips, not applicable, corrections, failures) until it
    /// asks for something else.
    pub fn settle(&mut self) {
        loop {
            let mut changed = false;
            for action in self.decide() {
                let event = match action {
                    Action::Skip(step) => Event::StepSkipped(step),
                    Action::NotApplicable(step) => Event::StepNotApplicable(step),
                    Action::RecordCorrection(step) => Event::CorrectionNeeded(step),
                    Action::Fail { step, error } => Event::StepFailed { step, error },
                    _ => continue,
                };
                self.state.apply(event);
                changed = true;
            }
            if !changed {
                return;
            }
        }
    }
}
