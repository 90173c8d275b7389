//! The planner's decisions for every path of a case, without Temporal.

use lienthong_definitions::{
    Definition, FailurePolicy, StepId,
    case::{CaseState, CaseStatus, Event, StepError, StepStatus},
    planner::{Action, decide},
    shipped_definitions,
};
use serde_json::json;

fn group_a() -> Definition {
    shipped_definitions()
        .expect("valid")
        .into_iter()
        .find(|d| d.id.0 == "birth-residence-insurance")
        .expect("shipped")
}

fn id(s: &str) -> StepId {
    StepId(s.into())
}

fn succeed(state: &mut CaseState, step: &str) {
    state.apply(Event::StepStarted(id(step)));
    state.apply(Event::StepSucceeded {
        step: id(step),
        output: json!({}),
        attempts: 1,
    });
}

fn reject(state: &mut CaseState, step: &str) {
    state.apply(Event::StepStarted(id(step)));
    state.apply(Event::StepRejected {
        step: id(step),
        error: StepError {
            code: "NOT_UNDER_SIX".into(),
            message: "refused".into(),
        },
        attempts: 1,
    });
}

#[test]
fn starts_with_the_birth_then_runs_residence_and_insurance_in_parallel() {
    let def = group_a();
    let mut state = CaseState::new("KS-1".into(), &def, String::new());
    assert_eq!(decide(&def, &state), vec![Action::Start(id("birth"))]);
    state.apply(Event::StepStarted(id("birth")));
    assert_eq!(
        decide(&def, &state),
        vec![],
        "nothing else may start while the birth runs"
    );
    state.apply(Event::StepSucceeded {
        step: id("birth"),
        output: json!({}),
        attempts: 1,
    });
    assert_eq!(
        decide(&def, &state),
        vec![
            Action::Start(id("residence")),
            Action::Start(id("insurance"))
        ]
    );
    succeed(&mut state, "residence");
    succeed(&mut state, "insurance");
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::Completed)]
    );
}

#[test]
fn a_rejection_waits_for_running_steps_then_undoes_in_reverse_and_flags_the_birth() {
    let def = group_a();
    let mut state = CaseState::new("KS-2".into(), &def, String::new());
    succeed(&mut state, "birth");
    state.apply(Event::StepStarted(id("residence")));
    reject(&mut state, "insurance");
    assert_eq!(decide(&def, &state), vec![], "residence is still running");
    state.apply(Event::StepSucceeded {
        step: id("residence"),
        output: json!({}),
        attempts: 2,
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::Compensate(id("residence"))]
    );
    state.apply(Event::CompensationStarted(id("residence")));
    assert_eq!(state.status, CaseStatus::Compensating);
    assert_eq!(decide(&def, &state), vec![]);
    state.apply(Event::Compensated {
        step: id("residence"),
        output: json!({}),
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::RecordCorrection(id("birth"))]
    );
    state.apply(Event::CorrectionNeeded(id("birth")));
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::Failed)]
    );
    assert_eq!(
        state.failure.as_ref().map(|f| f.code.as_str()),
        Some("NOT_UNDER_SIX")
    );
    assert_eq!(state.attention_reasons(), vec!["correction_needed"]);
}

#[test]
fn compensation_follows_reverse_completion_order() {
    let def = group_a();
    let mut state = CaseState::new("KS-3".into(), &def, String::new());
    succeed(&mut state, "birth");
    succeed(&mut state, "insurance");
    succeed(&mut state, "residence");
    state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::Compensate(id("residence"))]
    );
    state.apply(Event::CompensationStarted(id("residence")));
    state.apply(Event::Compensated {
        step: id("residence"),
        output: json!({}),
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::Compensate(id("insurance"))]
    );
    state.apply(Event::CompensationStarted(id("insurance")));
    state.apply(Event::Compensated {
        step: id("insurance"),
        output: json!({}),
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::RecordCorrection(id("birth"))]
    );
    state.apply(Event::CorrectionNeeded(id("birth")));
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::Withdrawn)]
    );
}

#[test]
fn withdrawal_before_anything_ran_skips_every_step_and_ends_withdrawn() {
    let def = group_a();
    let mut state = CaseState::new("KS-4".into(), &def, String::new());
    state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    let skips = decide(&def, &state);
    assert_eq!(skips.len(), 3);
    for action in skips {
        let Action::Skip(step) = action else {
            panic!("expected skips, got {action:?}")
        };
        state.apply(Event::StepSkipped(step));
    }
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::Withdrawn)]
    );
}

#[test]
fn withdrawal_after_completion_changes_nothing() {
    let def = group_a();
    let mut state = CaseState::new("KS-5".into(), &def, String::new());
    for step in ["birth", "residence", "insurance"] {
        succeed(&mut state, step);
    }
    state.apply(Event::Finished(CaseStatus::Completed));
    state.apply(Event::WithdrawRequested {
        reason: "late".into(),
    });
    assert!(state.withdrawal.is_none());
    assert_eq!(decide(&def, &state), vec![]);
}

#[test]
fn keep_succeeded_policy_skips_dependents_and_ends_partially_completed() {
    let mut def = group_a();
    def.on_failure = FailurePolicy::KeepSucceeded;
    let mut state = CaseState::new("KS-6".into(), &def, String::new());
    reject(&mut state, "birth");
    let actions = decide(&def, &state);
    assert_eq!(
        actions,
        vec![Action::Skip(id("residence")), Action::Skip(id("insurance"))]
    );
    state.apply(Event::StepSkipped(id("residence")));
    state.apply(Event::StepSkipped(id("insurance")));
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::PartiallyCompleted)]
    );

    let mut state = CaseState::new("KS-7".into(), &def, String::new());
    succeed(&mut state, "birth");
    succeed(&mut state, "residence");
    reject(&mut state, "insurance");
    assert_eq!(
        decide(&def, &state),
        vec![Action::Finish(CaseStatus::PartiallyCompleted)]
    );
    assert_eq!(
        state.status_of(&id("residence")),
        Some(StepStatus::Succeeded)
    );
}

#[test]
fn a_failed_compensation_is_kept_and_flagged_and_the_rest_still_undone() {
    let def = group_a();
    let mut state = CaseState::new("KS-8".into(), &def, String::new());
    succeed(&mut state, "birth");
    succeed(&mut state, "residence");
    succeed(&mut state, "insurance");
    state.apply(Event::WithdrawRequested { reason: "r".into() });
    state.apply(Event::CompensationStarted(id("insurance")));
    state.apply(Event::CompensationFailed {
        step: id("insurance"),
        error: StepError {
            code: "CARD_NOT_FOUND".into(),
            message: "m".into(),
        },
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::Compensate(id("residence"))]
    );
    assert_eq!(state.attention_reasons(), vec!["compensation_failed"]);
}

#[test]
fn waiting_steps_hold_the_case_open_and_withdrawal_treats_each_by_what_the_agency_did() {
    let def = group_a();
    let mut state = CaseState::new("KS-9".into(), &def, String::new());
    succeed(&mut state, "birth");
    state.apply(Event::StepStarted(id("residence")));
    state.apply(Event::StepStarted(id("insurance")));
    state.apply(Event::DocumentsRequested {
        step: id("residence"),
        request: lienthong_definitions::case::DocumentRequest {
            documents: json!([{"code": "LEASE"}]),
            message: "m".into(),
            due: "2026-12-02T17:00:00+07:00".into(),
            requested_at: "2026-11-23T10:00:00+07:00".into(),
        },
    });
    state.apply(Event::AgencyUnavailable {
        step: id("insurance"),
        error: StepError {
            code: "AGENCY_UNAVAILABLE".into(),
            message: "m".into(),
        },
    });
    assert_eq!(
        decide(&def, &state),
        vec![],
        "nothing to do while waiting on the citizen and the agency"
    );
    assert_eq!(
        state.waiting_on(),
        vec!["citizen".to_owned(), "social-insurance".to_owned()]
    );
    assert_eq!(state.attention, vec!["agency_unavailable".to_owned()]);

    state.apply(Event::WithdrawRequested { reason: "r".into() });
    // Documents were never sent: skip. The unavailable agency may have acted: ask it first.
    assert_eq!(
        decide(&def, &state),
        vec![
            Action::Skip(id("residence")),
            Action::Reconcile(id("insurance"))
        ]
    );
}

#[test]
fn a_decision_awaited_is_waited_for_before_undoing() {
    let def = group_a();
    let mut state = CaseState::new("KS-10".into(), &def, String::new());
    succeed(&mut state, "birth");
    succeed(&mut state, "insurance");
    state.apply(Event::StepStarted(id("residence")));
    state.apply(Event::DecisionAwaited {
        step: id("residence"),
        reference: "CT-1".into(),
    });
    state.apply(Event::WithdrawRequested { reason: "r".into() });
    assert_eq!(
        decide(&def, &state),
        vec![],
        "the officer's decision decides whether residence needs undoing"
    );
    state.apply(Event::StepSucceeded {
        step: id("residence"),
        output: json!({}),
        attempts: 1,
    });
    assert_eq!(
        decide(&def, &state),
        vec![Action::Compensate(id("residence"))]
    );
}

#[test]
fn a_missed_supplement_refuses_the_step_and_a_passed_deadline_flags_the_case() {
    let def = group_a();
    let mut state = CaseState::new("KS-11".into(), &def, String::new());
    succeed(&mut state, "birth");
    state.apply(Event::DeadlinePassed(
        lienthong_definitions::case::Escalation {
            step: None,
            deadline: "d".into(),
            noticed_at: "n".into(),
        },
    ));
    assert!(state.overdue);
    assert!(state.attention.contains(&"overdue".to_owned()));
    state.apply(Event::StepStarted(id("residence")));
    state.apply(Event::DocumentsNotProvided {
        step: id("residence"),
    });
    assert_eq!(
        state.failure.as_ref().map(|f| f.code.as_str()),
        Some("SUPPLEMENT_NOT_PROVIDED")
    );
    assert_eq!(decide(&def, &state), vec![Action::Skip(id("insurance"))]);
}
