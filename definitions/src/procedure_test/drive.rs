//! One scenario driven the way the workflow drives a case: ask the planner, carry out its
//! actions as events, and answer each call with the next answer the scenario lists for its step.
//!
//! Order is fixed so a result never depends on timing: calls the planner starts together are
//! answered in the order it started them; what waits on people or time (a decision called back,
//! the citizen's documents, the pause after an outage) happens once nothing else can move, first
//! waited first.

mod agency;
mod contract;

use std::collections::{BTreeMap, VecDeque};

use time::{Date, OffsetDateTime};

use super::answer::{Answer, Decided};
use super::expect::compare;
use super::format::Scenario;
use super::report::{Problem, ScenarioReport};
use crate::{
    CaseCode, Catalogue, Definition, StepId,
    case::{CaseState, Event, StepStatus, answer},
    planner::{self, Action, Call, chosen_route},
};

/// A call made and not yet answered.
enum Sent {
    Call(Call),
    Undo(Call),
    Reconcile(Call),
}

/// Something that happens later, once nothing else can move.
enum Later {
    Decision {
        step: StepId,
        decided: Decided,
    },
    Documents {
        step: StepId,
        round: u32,
        supplied: bool,
    },
    ParkEnds(StepId),
}

pub(super) fn run(
    scenario: &Scenario,
    definition: &Definition,
    catalogue: &Catalogue,
) -> Result<ScenarioReport, Problem> {
    let today = scenario.submitted_on.unwrap_or_else(|| {
        Date::parse(
            &definition.effective_from,
            &time::format_description::well_known::Iso8601::DATE,
        )
        .unwrap_or(OffsetDateTime::UNIX_EPOCH.date())
    });
    let refusals = contract::application_refusals(definition, &scenario.application, today);
    if !refusals.is_empty() {
        return Ok(ScenarioReport {
            name: scenario.name.clone(),
            mismatches: refusals,
            trace: vec![format!(
                "the application is refused before a case starts (checked on {today})"
            )],
        });
    }
    // No time passes in a test: every moment the case records is the day of submission.
    let at = today.midnight().assume_utc();
    let mut drive = Drive {
        scenario,
        definition,
        catalogue,
        at,
        state: CaseState::new(CaseCode::recorded("TEST-1"), definition, at),
        answers: scenario
            .answers
            .iter()
            .map(|(step, listed)| (step.clone(), listed.value.iter().cloned().collect()))
            .collect(),
        calls: BTreeMap::new(),
        later: VecDeque::new(),
        compensated: Vec::new(),
        withdrawn: false,
        mismatches: Vec::new(),
        trace: Vec::new(),
    };
    drive.until_the_end()?;
    let mut mismatches = std::mem::take(&mut drive.mismatches);
    if let Some(after) = &scenario.withdraw_after
        && !drive.withdrawn
    {
        mismatches.push(format!(
            "the withdrawal was never made: step {} was never answered",
            after.value
        ));
    }
    mismatches.extend(compare(&scenario.expect, &drive.state, &drive.compensated));
    Ok(ScenarioReport {
        name: scenario.name.clone(),
        mismatches,
        trace: drive.trace,
    })
}

struct Drive<'a> {
    scenario: &'a Scenario,
    definition: &'a Definition,
    catalogue: &'a Catalogue,
    at: OffsetDateTime,
    state: CaseState,
    /// What each step's agency has still to answer, in order.
    answers: BTreeMap<String, VecDeque<Answer>>,
    /// How many forward calls each step has made.
    calls: BTreeMap<StepId, u32>,
    later: VecDeque<Later>,
    compensated: Vec<StepId>,
    withdrawn: bool,
    mismatches: Vec<String>,
    trace: Vec<String>,
}

impl Drive<'_> {
    fn until_the_end(&mut self) -> Result<(), Problem> {
        // Every round answers a call, marks a step or delivers something waited for, and each
        // step has finitely many answers: the bound only guards against an engine bug.
        let bound = self.definition.steps.len() * 16 + 32;
        for _ in 0..bound {
            if self.state.status.is_terminal() {
                return Ok(());
            }
            // No agency is held in a test, so the planner holds nothing back.
            let actions =
                planner::plan(self.definition, &self.state, &self.scenario.application).actions;
            if actions.is_empty() {
                match self.later.pop_front() {
                    Some(later) => self.deliver(later)?,
                    None => {
                        self.stuck();
                        return Ok(());
                    }
                }
                continue;
            }
            let mut sent = Vec::new();
            for action in actions {
                if let Some(call) = self.act(action) {
                    sent.push(call);
                }
            }
            for call in sent {
                self.answer(call)?;
            }
        }
        self.mismatches.push(format!(
            "the case did not end after {bound} rounds of the planner"
        ));
        Ok(())
    }

    fn apply(&mut self, event: Event) {
        self.state.apply(event);
    }

    fn note(&mut self, line: String) {
        self.trace.push(line);
    }

    /// Carries out one planner action as the workflow does; returns the call it sent.
    fn act(&mut self, action: Action) -> Option<Sent> {
        match action {
            Action::Start(call) => {
                self.check_request(&call, "request");
                self.note(format!(
                    "send {} to {}/{}",
                    call.step, call.agency, call.operation
                ));
                self.apply(Event::StepRouted {
                    step: call.step.clone(),
                    route: call.route,
                    agency: call.agency.clone(),
                    operation: call.operation.clone(),
                });
                self.apply(Event::StepStarted(call.step.clone()));
                Some(Sent::Call(call))
            }
            Action::Compensate(call) => {
                self.check_request(&call, "undo request");
                self.note(format!(
                    "undo {} at {}/{}",
                    call.step, call.agency, call.operation
                ));
                self.apply(Event::CompensationStarted(call.step.clone()));
                Some(Sent::Undo(call))
            }
            Action::Reconcile(call) => {
                self.note(format!(
                    "ask {} whether it acted on {}",
                    call.agency, call.step
                ));
                self.apply(Event::StepStarted(call.step.clone()));
                Some(Sent::Reconcile(call))
            }
            Action::Skip(step) => {
                self.note(format!("{step}: skipped"));
                self.apply(Event::StepSkipped(step));
                None
            }
            Action::NotApplicable(step) => {
                self.note(format!("{step}: not applicable"));
                self.apply(Event::StepNotApplicable(step));
                None
            }
            Action::Fail { step, error } => {
                self.note(format!("{step}: failed {}", error.code));
                self.apply(Event::StepFailed { step, error });
                None
            }
            Action::RecordCorrection(step) => {
                self.note(format!("{step}: needs correction"));
                self.apply(Event::CorrectionNeeded(step));
                None
            }
            Action::Finish(status) => {
                self.note(format!("the case ends {}", status.as_str()));
                self.apply(Event::Finished(status));
                None
            }
        }
    }

    /// Something waited for happens: the agency's decision, the citizen's documents (or the
    /// time to supply them running out), the pause after an outage ending. Dropped when the
    /// case no longer waits for it, as the engine drops a late signal or timer.
    fn deliver(&mut self, later: Later) -> Result<(), Problem> {
        match later {
            Later::Decision { step, decided } => {
                if self.state.status_of(&step) != Some(StepStatus::AwaitingDecision) {
                    return Ok(());
                }
                let route = chosen_route(self.definition, &self.state, &step);
                let keep = route.map(|r| r.output.clone()).unwrap_or_default();
                let target = route.map(|r| (r.agency.clone(), r.operation.clone()));
                let attempts = self.state.step(&step).map_or(1, |s| s.attempts.max(1));
                let decision = match decided {
                    Decided::Done(output) => {
                        if let Some((agency, operation)) = target {
                            let at = self.listed_at(&step);
                            self.check_fits(&step, &agency, &operation, &output, &at)?;
                        }
                        self.note(format!("{step} decided: done"));
                        answer::Decision::Done { output }
                    }
                    Decided::Refused(refusal) => {
                        self.note(format!("{step} decided: refused {}", refusal.code));
                        answer::Decision::rejected(Some(refusal.code), refusal.message.as_deref())
                    }
                };
                let event = decision.event(step, &keep, attempts);
                self.apply(event);
            }
            Later::Documents {
                step,
                round,
                supplied,
            } => {
                let waiting = self
                    .state
                    .step(&step)
                    .is_some_and(|s| s.status == StepStatus::AwaitingDocuments && s.round == round);
                if !waiting {
                    return Ok(());
                }
                if supplied {
                    self.note(format!("the citizen supplies the documents for {step}"));
                    self.apply(Event::DocumentsProvided { step });
                } else {
                    self.note(format!("the time to supply documents for {step} runs out"));
                    self.apply(Event::DocumentsNotProvided { step });
                }
            }
            Later::ParkEnds(step) => {
                if self.state.status_of(&step) == Some(StepStatus::AgencyUnavailable) {
                    self.note(format!("{step}: the pause after the outage ends"));
                    self.apply(Event::ParkEnded(step));
                }
            }
        }
        Ok(())
    }

    fn stuck(&mut self) {
        let open: Vec<String> = self
            .state
            .steps
            .iter()
            .filter(|s| s.status.is_open())
            .map(|s| format!("{} ({})", s.id, s.status.as_str()))
            .collect();
        self.mismatches.push(format!(
            "the case stopped moving while {}; open steps: {}",
            self.state.status.as_str(),
            if open.is_empty() {
                "none".to_owned()
            } else {
                open.join(", ")
            }
        ));
    }
}
