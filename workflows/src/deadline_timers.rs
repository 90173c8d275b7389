//! When a legal deadline's timer is started.
//!
//! Every deadline is recorded in the case's state the moment it is set (operators see it at
//! once), but its durable timer only matters if the case or step is still open when the
//! workflow next waits. A case whose first attempts all answer at once finishes inside its first
//! workflow task and needs none: before this, each such case wrote four timers (the case's and
//! each step's) that the server kept and fired days later against a closed case.
//!
//! Which way a case starts them is in its input, not a patch: a patch costs every new case a
//! marker and a `TemporalChangeVersion` upsert (one more visibility write), more than the timers
//! it would save. Workers are upgraded before APIs (docs/operations.md), so every worker that
//! may run a case filed with [`DeadlineTimers::WhenWaiting`] knows it.

use std::collections::BTreeSet;

use lienthong_definitions::{StepId, case::CaseState};
use serde::{Deserialize, Serialize};

/// When a case starts its deadlines' timers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineTimers {
    /// As each deadline is set: every case filed before the choice existed, whose histories
    /// were written so.
    #[default]
    AtOnce,
    /// When the case next waits, for the deadlines of a case or step still open then.
    WhenWaiting,
}

/// The deadlines (`None`: the whole case) whose timers are still to start.
#[derive(Debug, Default)]
pub(crate) struct Unarmed(BTreeSet<Option<StepId>>);

impl Unarmed {
    pub(crate) fn defer(&mut self, scope: Option<StepId>) {
        self.0.insert(scope);
    }

    /// The deadlines whose timers must start before the case waits: those of a case still
    /// running or a step still open. A closed step's stays here, in case an operator's action
    /// opens it again.
    pub(crate) fn take_open(&mut self, case: &CaseState) -> Vec<Option<StepId>> {
        let (open, closed): (BTreeSet<_>, BTreeSet<_>) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|scope| match scope {
                None => !case.status.is_terminal(),
                Some(id) => case.status_of(id).is_some_and(|s| s.is_open()),
            });
        self.0 = closed;
        open.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::{
        CaseCode,
        case::{CaseStatus, Event},
        parse_definition,
    };
    use time::macros::datetime;

    use super::*;

    fn id(step: &str) -> Option<StepId> {
        Some(StepId(step.into()))
    }

    #[test]
    fn only_the_deadlines_still_open_get_a_timer_and_a_closed_step_keeps_its_turn() {
        let definition = parse_definition(include_str!(
            "../../definitions/procedures/birth-residence-insurance.yaml"
        ))
        .expect("the shipped procedure parses");
        let at = datetime!(2026-12-07 09:00:00 +07:00);
        let mut case = CaseState::new(CaseCode::recorded("KS-00000-00001"), &definition, at);
        case.apply_at(Event::StepStarted(StepId("insurance".into())), at);
        case.apply_at(Event::StepSkipped(StepId("residence".into())), at);
        let mut unarmed = Unarmed::default();
        for scope in [None, id("residence"), id("insurance")] {
            unarmed.defer(scope);
        }

        assert_eq!(
            unarmed.take_open(&case),
            [None, id("insurance")],
            "the running case and its running step; residence is skipped"
        );
        assert_eq!(unarmed.take_open(&case), [], "each timer starts once");
        assert_eq!(
            unarmed.0.iter().collect::<Vec<_>>(),
            [&id("residence")],
            "the skipped step keeps its turn"
        );
        case.apply_at(Event::Finished(CaseStatus::Completed), at);
        unarmed.defer(None);
        assert_eq!(unarmed.take_open(&case), [], "an ended case needs no timer");
    }
}
