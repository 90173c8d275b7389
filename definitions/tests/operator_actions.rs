//! Operator actions on a group A case, the held and resolved-by-hand states they lead to, the
//! richer attention reasons and the bounded journal; all without Temporal.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Case, id, shipped};
use lienthong_definitions::{
    FailurePolicy,
    case::{Attention, CaseStatus, Escalation, Event, JOURNAL_LIMIT, StepError, StepStatus},
    operator::{ActionKind, ActionOutcome, ActionRefusal, OperatorAction, RefusalCode, check},
    planner,
};
use serde_json::{Value, json};

fn group_a() -> Case {
    let application = json!({
        "applicant": {"personal_id": "001190000001", "relationship": "mother", "phone": "0912345678"},
        "child": {
            "full_name": "Nguyễn Văn An", "date_of_birth": "2026-01-05", "sex": "male",
            "place_of_birth": "Hà Nội", "home_town": "Nam Định", "ethnicity": "Kinh",
            "nationality": "VN"
        },
        "mother": {"personal_id": "001190000001"},
        "e_birth_certificate": {"number": "CS-1", "issued_by": "BV Phụ sản", "signature": "sig-0123456789"},
        "residence": {"parent_personal_id": "001190000001"}
    });
    Case::new(shipped("birth-residence-insurance"), application)
}

fn birth_output() -> Value {
    json!({"birth_certificate_number": "1/2026/KS-001", "personal_id": "001226000001", "registered_on": "2026-01-06"})
}

fn by_operator(kind: ActionKind) -> OperatorAction {
    OperatorAction {
        actor: "op-7".into(),
        role: "officer".into(),
        reason: "agency outage ticket 42".into(),
        kind,
    }
}

/// Checks the action and applies its events as the workflow's update does.
fn act(case: &mut Case, kind: ActionKind) -> Result<ActionOutcome, ActionRefusal> {
    let action = by_operator(kind);
    let accepted = check(&case.definition, &case.state, &action)?;
    for event in accepted.events {
        case.state.apply_by(
            event,
            time::macros::datetime!(2026-01-06 09:00:00 UTC),
            &action.actor,
            &action.role,
            &action.reason,
        );
    }
    Ok(accepted.outcome)
}

fn refusal(case: &Case, kind: ActionKind) -> String {
    match check(&case.definition, &case.state, &by_operator(kind)) {
        Ok(accepted) => panic!("accepted: {:?}", accepted.outcome),
        Err(refusal) => refusal.code.as_str().to_owned(),
    }
}

/// The calls the planner holds back, as `step@agency`.
fn holds(case: &Case) -> Vec<String> {
    planner::plan(&case.definition, &case.state, &case.application)
        .holds
        .iter()
        .map(|c| format!("{}@{}", c.step, c.agency))
        .collect()
}

fn hold(agency: &str) -> ActionKind {
    ActionKind::Hold {
        agency: agency.into(),
    }
}

fn release(agency: &str) -> ActionKind {
    ActionKind::Release {
        agency: agency.into(),
    }
}

/// Records the held calls as the workflow does, in the workflow task that recorded the hold.
fn record_holds(case: &mut Case) {
    record_holds_as(case, false);
}

/// Records the held calls as the workflow does; `unsent`: the hold was recorded in an earlier
/// workflow task than the one in which the steps became ready.
fn record_holds_as(case: &mut Case, unsent: bool) {
    for call in planner::plan(&case.definition, &case.state, &case.application).holds {
        case.state.apply(Event::StepHeld {
            step: call.step,
            agency: call.agency,
            unsent,
        });
    }
}

fn reasons(case: &Case) -> Vec<&'static str> {
    case.state.attention_reasons()
}

#[test]
fn a_held_agency_gets_no_new_call_until_it_is_released() {
    let mut case = group_a();
    act(&mut case, hold("residence")).unwrap();
    case.succeed("birth", birth_output());
    assert_eq!(
        case.plan(),
        vec!["start insurance at social-insurance/issue-child-health-card"],
        "the other agency's step goes on"
    );
    assert_eq!(holds(&case), vec!["residence@residence"]);
    record_holds(&mut case);
    assert_eq!(
        case.state.status_of(&id("residence")),
        Some(StepStatus::Held)
    );
    assert_eq!(case.state.waiting_on(), vec!["residence"]);
    assert_eq!(
        case.state.attention_details(),
        vec![Attention {
            reason: "held".into(),
            step: Some(id("residence")),
            agency: Some("residence".into()),
        }]
    );
    case.succeed("insurance", json!({}));
    assert!(case.plan().is_empty(), "a held step keeps the case open");

    let released = act(&mut case, release("residence")).unwrap();
    assert_eq!(released.effect, "released");
    assert_eq!(released.steps, vec![id("residence")]);
    assert_eq!(
        case.plan(),
        vec!["start residence at residence/register-permanent-residence"]
    );
    case.succeed("residence", json!({}));
    assert_eq!(case.plan(), vec!["finish completed"]);
}

#[test]
fn holding_an_agency_stops_its_calls_in_flight_and_its_parked_steps() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::AgencyUnavailable {
        step: id("insurance"),
        error: StepError {
            code: "AGENCY_UNAVAILABLE".into(),
            message: "gave up after 8 attempts".into(),
        },
        attempts: 8,
        retry_at: None,
    });
    let held = act(&mut case, hold("residence")).unwrap();
    assert_eq!(held.steps, vec![id("residence")]);
    act(&mut case, hold("social-insurance")).unwrap();
    for step in ["residence", "insurance"] {
        assert_eq!(case.state.status_of(&id(step)), Some(StepStatus::Held));
    }
    // The pause after the outage ends: the step stays held.
    case.state.apply(Event::ParkEnded(id("insurance")));
    assert_eq!(
        case.state.status_of(&id("insurance")),
        Some(StepStatus::Held)
    );
    assert!(case.plan().is_empty());

    act(&mut case, release("social-insurance")).unwrap();
    assert_eq!(
        case.plan(),
        vec!["start insurance at social-insurance/issue-child-health-card"],
        "sent again, with the same idempotency key, once released"
    );
}

#[test]
fn a_stopping_case_asks_about_a_held_call_only_after_the_release() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.succeed("insurance", json!({"card_number": "HC-1"}));
    act(&mut case, hold("residence")).unwrap();
    act(&mut case, ActionKind::Cancel {}).unwrap();
    assert_eq!(
        case.state
            .withdrawal
            .as_ref()
            .and_then(|w| w.operator.clone()),
        Some("op-7".into())
    );
    assert!(
        case.plan().is_empty(),
        "the cancelled call may have acted: nothing is undone before the agency is asked"
    );
    act(&mut case, release("residence")).unwrap();
    assert_eq!(
        case.plan(),
        vec!["reconcile residence at residence/register-permanent-residence"]
    );
}

#[test]
fn an_undo_to_a_held_agency_waits_for_the_release() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({"residence_entry_id": "RE-1"}));
    case.succeed("insurance", json!({"card_number": "HC-1"}));
    act(&mut case, hold("social-insurance")).unwrap();
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    assert!(case.plan().is_empty());
    assert!(reasons(&case).contains(&"held"));
    act(&mut case, release("social-insurance")).unwrap();
    assert_eq!(
        case.plan(),
        vec!["compensate insurance at social-insurance/revoke-child-health-card"]
    );
}

#[test]
fn a_case_carrying_a_hold_is_flagged_held_before_any_step_shows_it_and_not_once_it_ends() {
    let mut case = group_a();
    act(&mut case, hold("residence")).unwrap();
    // The birth still runs: no residence step is held yet, but a release must find the case.
    case.start("birth");
    assert_eq!(
        case.state.attention_details(),
        vec![Attention {
            reason: "held".into(),
            step: None,
            agency: Some("residence".into()),
        }]
    );
    assert_eq!(case.state.attention, vec!["held"]);
    assert_eq!(case.state.attention_agencies(), vec!["residence"]);
    act(&mut case, release("residence")).unwrap();
    assert!(case.state.attention_details().is_empty());

    act(&mut case, hold("residence")).unwrap();
    case.state.apply(Event::Finished(CaseStatus::Failed));
    assert!(
        case.state.attention_details().is_empty(),
        "an ended case needs no release"
    );
}

#[test]
fn a_withdrawal_skips_a_step_held_before_it_was_ready_without_waiting_for_the_release() {
    let mut case = group_a();
    case.state.unrecorded_attempts = true;
    act(&mut case, hold("residence")).unwrap();
    case.succeed("birth", birth_output());
    case.succeed("insurance", json!({"card_number": "HC-1"}));
    record_holds_as(&mut case, true);
    assert_eq!(
        case.state.step(&id("residence")).map(|s| s.held_unsent),
        Some(true)
    );
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    assert_eq!(case.plan(), vec!["skip residence"]);
    case.settle();
    assert_eq!(
        case.plan(),
        vec!["compensate insurance at social-insurance/revoke-child-health-card"],
        "the undo goes on while residence is still held"
    );
}

#[test]
fn a_step_held_as_it_became_ready_may_have_been_sent_and_waits_for_the_release() {
    let mut case = group_a();
    case.state.unrecorded_attempts = true;
    case.succeed("birth", birth_output());
    // Hold and readiness in the same workflow task: a lost local attempt may have gone out.
    act(&mut case, hold("residence")).unwrap();
    record_holds_as(&mut case, false);
    case.succeed("insurance", json!({"card_number": "HC-1"}));
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    assert!(
        case.plan().is_empty(),
        "residence may have acted: nothing is undone before it is asked"
    );
    act(&mut case, release("residence")).unwrap();
    assert_eq!(
        case.state.step(&id("residence")).map(|s| s.held_unsent),
        Some(false)
    );
    assert_eq!(
        case.plan(),
        vec!["reconcile residence at residence/register-permanent-residence"]
    );
}

#[test]
fn a_step_resolved_by_hand_feeds_later_steps_with_its_output() {
    let mut case = group_a();
    case.start("birth");
    let missing = check(
        &case.definition,
        &case.state,
        &by_operator(ActionKind::Resolve {
            step: id("birth"),
            reference: "KS-OFFLINE-9".into(),
            output: json!({"registered_on": "2026-01-06"}),
        }),
    )
    .unwrap_err();
    assert_eq!(missing.code, "OUTPUT_INVALID");
    assert!(
        missing
            .message
            .contains("birth_certificate_number, personal_id"),
        "{}",
        missing.message
    );
    assert_eq!(
        refusal(
            &case,
            ActionKind::Resolve {
                step: id("birth"),
                reference: "KS-OFFLINE-9".into(),
                output: json!("done"),
            }
        ),
        "OUTPUT_INVALID"
    );

    let mut output = birth_output();
    output["internal_note"] = json!("not kept");
    let resolved = act(
        &mut case,
        ActionKind::Resolve {
            step: id("birth"),
            reference: "KS-OFFLINE-9".into(),
            output,
        },
    )
    .unwrap();
    assert_eq!(resolved.effect, "resolved");
    let birth = case.state.step(&id("birth")).unwrap();
    assert_eq!(birth.status, StepStatus::ResolvedManually);
    assert_eq!(
        birth.resolution.as_ref().map(|r| r.reference.as_str()),
        Some("KS-OFFLINE-9")
    );
    assert_eq!(birth.output, Some(birth_output()), "only kept fields stay");

    let insurance = case.call("insurance");
    assert_eq!(insurance.payload["personal_id"], "001226000001");
    assert_eq!(
        insurance.payload["birth_certificate_number"],
        "1/2026/KS-001"
    );
    case.succeed("residence", json!({}));
    case.succeed("insurance", json!({}));
    assert_eq!(case.plan(), vec!["finish completed"]);
}

/// Group A where a failed step does not undo the others (`on_failure: keep_succeeded`).
fn keeping_what_succeeded() -> Case {
    let mut case = group_a();
    case.definition.on_failure = FailurePolicy::KeepSucceeded;
    case
}

fn failed(case: &mut Case, step: &str) {
    case.state.apply(Event::StepFailed {
        step: id(step),
        error: StepError {
            code: "RETRIES_EXHAUSTED".into(),
            message: "gave up".into(),
        },
    });
}

#[test]
fn a_failed_step_resolved_by_hand_lets_the_case_go_on() {
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    failed(&mut case, "residence");
    assert!(case.state.failure.is_some());
    assert!(
        !planner::is_stopping(&case.definition, &case.state),
        "the other steps go on"
    );
    let resolved = act(
        &mut case,
        ActionKind::Resolve {
            step: id("residence"),
            reference: "TT-OFFLINE-1".into(),
            output: json!({"residence_entry_id": "TT-OFFLINE-1"}),
        },
    )
    .unwrap();
    assert_eq!(resolved.steps, vec![id("residence")]);
    assert_eq!(case.state.failure, None);
    case.answer("insurance", json!({}));
    assert_eq!(
        case.plan(),
        vec!["finish completed"],
        "nothing failed any more"
    );
}

#[test]
fn a_failure_that_undoes_the_case_cannot_be_resolved_by_hand() {
    // Under `on_failure: compensate` a failed step stops the case at once, while its status is
    // still `running`: the steps not sent are skipped and the undo waits only for the calls in
    // flight. Settling the failure then would leave a case half undone.
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    failed(&mut case, "insurance");
    assert_eq!(case.state.status, CaseStatus::Running);
    assert!(planner::is_stopping(&case.definition, &case.state));
    let insurance = ActionKind::Resolve {
        step: id("insurance"),
        reference: "TE-OFFLINE-1".into(),
        output: json!({"card_number": "TE-OFFLINE-1"}),
    };
    assert_eq!(refusal(&case, insurance.clone()), "CASE_STOPPING");

    // A rejection, too; and with the undo started.
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({"residence_entry_id": "TT-1"}));
    case.start("insurance");
    case.refuse("insurance", "NOT_UNDER_SIX");
    assert_eq!(refusal(&case, insurance.clone()), "CASE_STOPPING");
    case.state
        .apply(Event::CompensationStarted(id("residence")));
    assert_eq!(refusal(&case, insurance), "CASE_STOPPING");

    // Where failures keep what succeeded, a withdrawn case is stopping all the same.
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    failed(&mut case, "residence");
    case.state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    assert_eq!(
        refusal(
            &case,
            ActionKind::Resolve {
                step: id("residence"),
                reference: "TT-OFFLINE-1".into(),
                output: json!({"residence_entry_id": "TT-OFFLINE-1"}),
            }
        ),
        "CASE_STOPPING"
    );
}

#[test]
fn a_step_resolved_by_hand_is_corrected_by_hand_when_the_case_is_undone() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    act(
        &mut case,
        ActionKind::Resolve {
            step: id("residence"),
            reference: "CT-OFFLINE-3".into(),
            output: json!({"residence_entry_id": "RE-9"}),
        },
    )
    .unwrap();
    case.start("insurance");
    case.refuse("insurance", "NOT_ELIGIBLE");
    assert_eq!(case.plan(), vec!["correct residence"]);
}

#[test]
fn retry_now_restarts_a_running_or_parked_step_and_refuses_the_rest() {
    let mut case = group_a();
    assert_eq!(
        refusal(
            &case,
            ActionKind::RetryNow {
                step: id("nowhere")
            }
        ),
        "STEP_NOT_FOUND"
    );
    case.start("birth");
    let restarted = act(&mut case, ActionKind::RetryNow { step: id("birth") }).unwrap();
    assert_eq!(restarted.effect, "restarted");
    assert_eq!(
        case.plan(),
        vec!["start birth at civil-status/register-birth"]
    );
    case.start("birth");
    case.state.apply(Event::AgencyUnavailable {
        step: id("birth"),
        error: StepError {
            code: "AGENCY_UNAVAILABLE".into(),
            message: "down".into(),
        },
        attempts: 8,
        retry_at: None,
    });
    let resumed = act(&mut case, ActionKind::RetryNow { step: id("birth") }).unwrap();
    assert_eq!(resumed.effect, "resumed");
    case.succeed("birth", birth_output());

    let refused = check(
        &case.definition,
        &case.state,
        &by_operator(ActionKind::RetryNow { step: id("birth") }),
    )
    .unwrap_err();
    assert_eq!(refused.code, "STEP_NOT_RETRYABLE");
    assert!(
        refused
            .message
            .starts_with("step birth is succeeded; only a step")
    );

    act(&mut case, hold("residence")).unwrap();
    record_holds(&mut case);
    let held = check(
        &case.definition,
        &case.state,
        &by_operator(ActionKind::RetryNow {
            step: id("residence"),
        }),
    )
    .unwrap_err();
    assert_eq!(held.code, "AGENCY_HELD");
    assert!(
        held.message
            .starts_with("step residence waits because agency residence is held;"),
        "{}",
        held.message
    );
}

#[test]
fn actions_are_refused_without_a_reason_on_a_closed_case_or_out_of_turn() {
    let mut case = group_a();
    let mut blank = by_operator(ActionKind::Cancel {});
    blank.reason = "  ".into();
    assert_eq!(
        check(&case.definition, &case.state, &blank)
            .unwrap_err()
            .code,
        "REASON_REQUIRED"
    );
    assert_eq!(refusal(&case, release("residence")), "NOT_HELD");
    assert_eq!(refusal(&case, hold("tax-office")), "AGENCY_NOT_IN_CASE");
    act(&mut case, hold("residence")).unwrap();
    assert_eq!(refusal(&case, hold("residence")), "ALREADY_HELD");
    assert_eq!(
        refusal(
            &case,
            ActionKind::Resolve {
                step: id("residence"),
                reference: "x".into(),
                output: json!({}),
            }
        ),
        "STEP_NOT_RESOLVABLE",
        "a step not yet sent"
    );
    act(&mut case, ActionKind::Cancel {}).unwrap();
    assert_eq!(refusal(&case, ActionKind::Cancel {}), "CASE_STOPPING");
    case.state.apply(Event::Finished(CaseStatus::Withdrawn));
    assert_eq!(refusal(&case, release("residence")), "CASE_CLOSED");
}

#[test]
fn each_attention_reason_names_its_step_and_agency() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::StillRunning(id("residence")));
    case.state.apply(Event::DecisionAwaited {
        step: id("insurance"),
        reference: "SI-77".into(),
    });
    case.state.apply(Event::DeadlinePassed(Escalation {
        step: Some(id("insurance")),
        deadline: time::macros::datetime!(2026-01-08 17:00:00 +07:00),
        noticed_at: time::macros::datetime!(2026-01-08 17:00:01 +07:00),
    }));
    let details = case.state.attention_details();
    let pairs: Vec<(&str, Option<&str>, Option<&str>)> = details
        .iter()
        .map(|a| {
            (
                a.reason.as_str(),
                a.step.as_ref().map(|s| s.0.as_str()),
                a.agency.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("overdue", Some("insurance"), Some("social-insurance")),
            ("retrying", Some("residence"), Some("residence")),
            (
                "decision_overdue",
                Some("insurance"),
                Some("social-insurance")
            ),
        ]
    );
    assert_eq!(
        case.state.attention,
        vec!["overdue", "retrying", "decision_overdue"]
    );
    assert_eq!(case.state.attention_details, details);
    assert_eq!(
        case.state.attention_agencies(),
        vec!["residence", "social-insurance"]
    );

    // An answer clears `retrying`; an outcome nobody could learn stays flagged.
    case.state.apply(Event::StepFailed {
        step: id("residence"),
        error: StepError {
            code: "OUTCOME_UNKNOWN".into(),
            message: "the agency never said".into(),
        },
    });
    assert_eq!(
        case.state.attention,
        vec!["overdue", "decision_overdue", "unreconciled"]
    );
}

#[test]
fn the_journal_keeps_operator_actions_and_stays_bounded() {
    let mut case = group_a();
    act(&mut case, hold("residence")).unwrap();
    let entry = &case.state.journal[0];
    assert_eq!(entry.kind, "agency_held");
    assert_eq!(entry.agency.as_deref(), Some("residence"));
    assert_eq!(entry.actor.as_deref(), Some("op-7"));
    assert_eq!(entry.reason.as_deref(), Some("agency outage ticket 42"));
    assert_eq!(entry.at, time::macros::datetime!(2026-01-06 09:00:00 UTC));

    case.state.apply_at(
        Event::StepStarted(id("birth")),
        time::macros::datetime!(2026-01-06 09:00:01 UTC),
    );
    let started = &case.state.journal[1];
    assert_eq!(
        (started.kind.as_str(), started.agency.as_deref()),
        ("step_started", Some("civil-status")),
        "a step's entry names its agency"
    );

    for n in 0..JOURNAL_LIMIT {
        case.state.apply_at(
            Event::StillRunning(id("birth")),
            time::macros::datetime!(2026-01-06 10:00:00 UTC) + time::Duration::seconds(n as i64),
        );
    }
    assert_eq!(case.state.journal.len(), JOURNAL_LIMIT);
    assert_eq!(case.state.journal_dropped, 2);
    assert!(case.state.journal.iter().all(|e| e.kind == "still_running"));
}

#[test]
fn actions_and_refusals_have_a_stable_json_and_text_shape() {
    let action: OperatorAction = serde_json::from_value(json!({
        "action": "resolve", "step": "birth", "reference": "KS-9", "output": {"personal_id": "x"},
        "actor": "op-1", "role": "supervisor", "reason": "done at the counter"
    }))
    .unwrap();
    assert_eq!(action.kind.name(), "resolve");
    let cancel: OperatorAction = serde_json::from_value(
        json!({"action": "cancel", "actor": "op-1", "role": "officer", "reason": "duplicate"}),
    )
    .unwrap();
    assert_eq!(cancel.kind, ActionKind::Cancel {});
    assert_eq!(
        serde_json::to_value(by_operator(ActionKind::RetryNow { step: id("birth") })).unwrap(),
        json!({"action": "retry_now", "step": "birth", "actor": "op-7", "role": "officer", "reason": "agency outage ticket 42"})
    );

    let case = group_a();
    let refused = check(
        &case.definition,
        &case.state,
        &by_operator(release("residence")),
    )
    .unwrap_err();
    let text = refused.to_string();
    assert!(text.starts_with("NOT_HELD: agency residence"), "{text}");
    assert_eq!(ActionRefusal::parse(&text), Some(refused));
    assert_eq!(ActionRefusal::parse("something else broke"), None);
}

#[test]
fn an_action_must_name_its_operator() {
    let case = group_a();
    let mut anonymous = by_operator(ActionKind::Cancel {});
    anonymous.actor = " ".into();
    let refused = check(&case.definition, &case.state, &anonymous).unwrap_err();
    assert_eq!(refused.code, "ACTOR_REQUIRED");
    anonymous.reason = String::new();
    assert_eq!(
        check(&case.definition, &case.state, &anonymous)
            .unwrap_err()
            .code,
        "REASON_REQUIRED",
        "the reason is asked for first"
    );
}

#[test]
fn a_resolution_must_give_the_agency_s_reference() {
    let mut case = group_a();
    case.start("birth");
    for reference in ["", "  "] {
        assert_eq!(
            refusal(
                &case,
                ActionKind::Resolve {
                    step: id("birth"),
                    reference: reference.into(),
                    output: birth_output(),
                }
            ),
            "REFERENCE_REQUIRED"
        );
    }
    assert_eq!(
        case.state.status_of(&id("birth")),
        Some(StepStatus::Running)
    );
}

#[test]
fn a_resolution_may_not_leave_null_a_field_later_steps_read() {
    let mut case = group_a();
    case.start("birth");
    let mut output = birth_output();
    output["personal_id"] = Value::Null;
    let refused = check(
        &case.definition,
        &case.state,
        &by_operator(ActionKind::Resolve {
            step: id("birth"),
            reference: "KS-OFFLINE-9".into(),
            output,
        }),
    )
    .unwrap_err();
    assert_eq!(refused.code, "OUTPUT_INVALID");
    assert_eq!(
        refused.message,
        "the output lacks fields later steps read: personal_id"
    );

    // A field nobody reads may be null.
    let mut output = birth_output();
    output["registered_on"] = Value::Null;
    act(
        &mut case,
        ActionKind::Resolve {
            step: id("birth"),
            reference: "KS-OFFLINE-9".into(),
            output: output.clone(),
        },
    )
    .unwrap();
    assert_eq!(case.state.step(&id("birth")).unwrap().output, Some(output));
}

#[test]
fn a_stopping_case_refuses_retry_now() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    act(&mut case, ActionKind::Cancel {}).unwrap();
    let retry = ActionKind::RetryNow {
        step: id("residence"),
    };
    assert_eq!(refusal(&case, retry.clone()), "CASE_STOPPING");
    assert_eq!(
        refusal(
            &case,
            ActionKind::RetryNow {
                step: id("nowhere")
            }
        ),
        "STEP_NOT_FOUND",
        "an unknown step is named as such"
    );

    // Stopping because a step failed, while the case is still running.
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    failed(&mut case, "insurance");
    assert_eq!(case.state.status, CaseStatus::Running);
    assert_eq!(refusal(&case, retry.clone()), "CASE_STOPPING");
    assert_eq!(refusal(&case, ActionKind::Cancel {}), "CASE_STOPPING");

    // Under keep_succeeded the same failure stops nothing: the other call may be retried.
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    failed(&mut case, "insurance");
    let restarted = act(&mut case, retry).unwrap();
    assert_eq!(
        (restarted.effect.as_str(), restarted.steps),
        ("restarted", vec![id("residence")])
    );
}

#[test]
fn only_the_known_refusal_codes_are_read_back() {
    for code in RefusalCode::ALL {
        let text = format!("{code}: case KS-1 says no: really");
        assert_eq!(
            ActionRefusal::parse(&text),
            Some(ActionRefusal {
                code,
                message: "case KS-1 says no: really".into(),
            }),
            "{text}"
        );
        assert_eq!(RefusalCode::parse(code.as_str()), Some(code));
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            serde_json::json!(code.as_str()),
            "written on the wire as the API answers it"
        );
    }
    assert!(
        RefusalCode::ALL.contains(&RefusalCode::CaseNotStarted),
        "the workflow's"
    );
    // Failures of the engine itself look the same; they are not answers to the action.
    for text in [
        "NOT_FOUND: workflow execution already completed",
        "INTERNAL: deadline exceeded",
        "WORKFLOW_TASK_FAILED: panic",
        "case_closed: lower case",
        "CASE_CLOSED:no space",
        ": no code",
        "CASE_CLOSED",
    ] {
        assert_eq!(ActionRefusal::parse(text), None, "{text}");
    }
}
