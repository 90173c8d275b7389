//! The planner's decisions for every path of a group A case, without Temporal.

mod common;

use common::{Case, id, shipped};
use lienthong_definitions::{
    FailurePolicy,
    case::{CaseStatus, DocumentRequest, Escalation, Event, StepError, StepStatus},
    planner::{self, Action},
};
use serde_json::{Value, json};

fn application() -> Value {
    json!({
        "applicant": {"personal_id": "001190000001", "relationship": "mother", "phone": "0912345678"},
        "child": {
            "full_name": "Nguyễn Văn An", "date_of_birth": "2026-01-05", "sex": "male",
            "place_of_birth": "Hà Nội", "home_town": "Nam Định", "ethnicity": "Kinh",
            "nationality": "VN"
        },
        "mother": {"personal_id": "001190000001"},
        "e_birth_certificate": {"number": "CS-1", "issued_by": "BV Phụ sản", "signature": "sig-0123456789"},
        "residence": {"parent_personal_id": "001190000001"}
    })
}

fn group_a() -> Case {
    Case::new(shipped("birth-residence-insurance"), application())
}

fn birth_output() -> Value {
    json!({"birth_certificate_number": "1/2026/KS-001", "personal_id": "001226000001", "registered_on": "2026-01-06"})
}

#[test]
fn starts_with_the_birth_then_runs_residence_and_insurance_in_parallel() {
    let mut case = group_a();
    assert_eq!(
        case.plan(),
        vec!["start birth at civil-status/register-birth"]
    );
    case.start("birth");
    assert_eq!(
        case.plan(),
        Vec::<String>::new(),
        "nothing else may start while the birth runs"
    );
    case.answer("birth", birth_output());
    assert_eq!(
        case.plan(),
        vec![
            "start residence at residence/register-permanent-residence",
            "start insurance at social-insurance/issue-child-health-card"
        ]
    );
    case.succeed("residence", json!({}));
    case.succeed("insurance", json!({}));
    assert_eq!(case.plan(), vec!["finish completed"]);
}

#[test]
fn each_request_carries_only_what_its_mapping_names() {
    let mut case = group_a();
    let birth = case.succeed("birth", birth_output());
    assert_eq!(birth.payload["mother_id"], "001190000001");
    assert!(
        birth.payload.get("father_id").is_none(),
        "an optional field left out is not sent"
    );
    assert!(birth.payload.get("applicant").is_none());
    assert_eq!(
        birth.keep,
        Some(vec![
            "birth_certificate_number".to_owned(),
            "personal_id".to_owned(),
            "registered_on".to_owned()
        ])
    );
    let insurance = case.call("insurance");
    assert_eq!(
        insurance.payload,
        json!({
            "personal_id": "001226000001",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "2026-01-05",
            "birth_certificate_number": "1/2026/KS-001"
        })
    );
}

#[test]
fn a_rejection_waits_for_running_steps_then_undoes_in_reverse_and_flags_the_birth() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.refuse("insurance", "NOT_UNDER_SIX");
    assert_eq!(
        case.plan(),
        Vec::<String>::new(),
        "residence is still running"
    );
    case.answer("residence", json!({"residence_entry_id": "TT-2026-000001"}));
    let Some(Action::Compensate(undo)) = case.decide().into_iter().next() else {
        panic!("expected a compensation: {:?}", case.plan());
    };
    assert_eq!(undo.operation, "cancel-permanent-residence");
    assert_eq!(
        undo.payload,
        json!({"residence_entry_id": "TT-2026-000001", "reason": "linked case ended without completing"})
    );
    assert_eq!(undo.keep, None);
    case.state
        .apply(Event::CompensationStarted(id("residence")));
    assert_eq!(case.state.status, CaseStatus::Compensating);
    assert_eq!(case.plan(), Vec::<String>::new());
    case.state.apply(Event::Compensated {
        step: id("residence"),
        output: json!({}),
    });
    assert_eq!(case.plan(), vec!["correct birth"]);
    case.state.apply(Event::CorrectionNeeded(id("birth")));
    assert_eq!(case.plan(), vec!["finish failed"]);
    assert_eq!(
        case.state.failure.as_ref().map(|f| f.code.as_str()),
        Some("NOT_UNDER_SIX")
    );
    assert_eq!(
        case.state.failure.as_ref().map(|f| f.agency.as_str()),
        Some("social-insurance")
    );
    assert_eq!(case.state.attention_reasons(), vec!["correction_needed"]);
}

#[test]
fn compensation_follows_reverse_completion_order() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("insurance", json!({"card_number": "TE1"}));
    case.succeed("residence", json!({"residence_entry_id": "TT-1"}));
    case.state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    assert_eq!(
        case.plan(),
        vec!["compensate residence at residence/cancel-permanent-residence"]
    );
    case.state
        .apply(Event::CompensationStarted(id("residence")));
    case.state.apply(Event::Compensated {
        step: id("residence"),
        output: json!({}),
    });
    assert_eq!(
        case.plan(),
        vec!["compensate insurance at social-insurance/revoke-child-health-card"]
    );
    case.state
        .apply(Event::CompensationStarted(id("insurance")));
    case.state.apply(Event::Compensated {
        step: id("insurance"),
        output: json!({}),
    });
    assert_eq!(case.plan(), vec!["correct birth"]);
    case.state.apply(Event::CorrectionNeeded(id("birth")));
    assert_eq!(case.plan(), vec!["finish withdrawn"]);
}

#[test]
fn withdrawal_before_anything_ran_skips_every_step_and_ends_withdrawn() {
    let mut case = group_a();
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    assert_eq!(
        case.plan(),
        vec!["skip birth", "skip residence", "skip insurance"]
    );
    case.settle();
    assert_eq!(case.plan(), vec!["finish withdrawn"]);
}

#[test]
fn where_first_attempts_go_unrecorded_a_withdrawal_asks_about_ready_steps_before_skipping() {
    let mut case = group_a();
    case.state.unrecorded_attempts = true;
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    // The birth was ready to be sent: a local attempt lost with its worker may have registered
    // it. Residence and insurance needed the birth, so nothing can have sent them.
    assert_eq!(
        case.plan(),
        vec![
            "skip residence",
            "skip insurance",
            "reconcile birth at civil-status/register-birth"
        ]
    );
}

#[test]
fn where_first_attempts_go_unrecorded_a_withdrawal_asks_about_steps_whose_prerequisites_succeeded()
{
    let mut case = group_a();
    case.state.unrecorded_attempts = true;
    case.succeed("birth", birth_output());
    case.state.apply(Event::WithdrawRequested {
        reason: "filed by mistake".into(),
    });
    // Both were ready once the birth was registered: their local first attempts may have gone
    // out with a worker that was then lost.
    assert_eq!(
        case.plan(),
        vec![
            "reconcile residence at residence/register-permanent-residence",
            "reconcile insurance at social-insurance/issue-child-health-card"
        ]
    );
    // Once the agencies said they never received them, nothing is left to undo but the birth.
    case.state.apply(Event::StepSkipped(id("residence")));
    case.state.apply(Event::StepSkipped(id("insurance")));
    assert_eq!(case.plan(), vec!["correct birth"]);
}

#[test]
fn a_failed_step_undoes_the_case_like_a_rejection() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::StepFailed {
        step: id("insurance"),
        error: StepError {
            code: "RETRIES_EXHAUSTED".into(),
            message: "gave up after 8 attempts".into(),
        },
    });
    assert!(planner::is_stopping(&case.definition, &case.state));
    assert_eq!(
        case.plan(),
        Vec::<String>::new(),
        "residence is still running"
    );
    case.answer("residence", json!({"residence_entry_id": "TT-2026-000001"}));
    assert_eq!(
        case.plan(),
        vec!["compensate residence at residence/cancel-permanent-residence"]
    );

    // Where failures keep what succeeded, the same failure stops nothing.
    let mut definition = shipped("birth-residence-insurance");
    definition.on_failure = FailurePolicy::KeepSucceeded;
    let mut case = Case::new(definition, application());
    case.succeed("birth", birth_output());
    case.start("residence");
    case.state.apply(Event::StepFailed {
        step: id("residence"),
        error: StepError {
            code: "RETRIES_EXHAUSTED".into(),
            message: "gave up after 8 attempts".into(),
        },
    });
    assert!(!planner::is_stopping(&case.definition, &case.state));
    assert_eq!(
        case.plan(),
        vec!["start insurance at social-insurance/issue-child-health-card"]
    );
}

#[test]
fn withdrawal_after_completion_changes_nothing() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({}));
    case.succeed("insurance", json!({}));
    case.state.apply(Event::Finished(CaseStatus::Completed));
    case.state.apply(Event::WithdrawRequested {
        reason: "late".into(),
    });
    assert!(case.state.withdrawal.is_none());
    assert!(case.decide().is_empty());
}

#[test]
fn keep_succeeded_policy_skips_dependents_and_ends_partially_completed() {
    let mut definition = shipped("birth-residence-insurance");
    definition.on_failure = FailurePolicy::KeepSucceeded;
    let mut case = Case::new(definition.clone(), application());
    case.start("birth");
    case.refuse("birth", "E_BIRTH_CERTIFICATE_UNSIGNED");
    assert_eq!(case.plan(), vec!["skip residence", "skip insurance"]);
    case.settle();
    assert_eq!(case.plan(), vec!["finish partially_completed"]);

    let mut case = Case::new(definition, application());
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({}));
    case.start("insurance");
    case.refuse("insurance", "NOT_UNDER_SIX");
    assert_eq!(case.plan(), vec!["finish partially_completed"]);
    assert_eq!(
        case.state.status_of(&id("residence")),
        Some(StepStatus::Succeeded)
    );
}

#[test]
fn a_failed_compensation_is_kept_and_flagged_and_the_rest_still_undone() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({"residence_entry_id": "TT-1"}));
    case.succeed("insurance", json!({"card_number": "TE1"}));
    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    case.state
        .apply(Event::CompensationStarted(id("insurance")));
    case.state.apply(Event::CompensationFailed {
        step: id("insurance"),
        error: StepError {
            code: "CARD_NOT_FOUND".into(),
            message: "m".into(),
        },
    });
    assert_eq!(
        case.plan(),
        vec!["compensate residence at residence/cancel-permanent-residence"]
    );
    assert_eq!(case.state.attention_reasons(), vec!["compensation_failed"]);
}

#[test]
fn waiting_steps_hold_the_case_open_and_withdrawal_treats_each_by_what_the_agency_did() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::DocumentsRequested {
        step: id("residence"),
        request: DocumentRequest {
            documents: json!([{"code": "LEASE"}]),
            message: "m".into(),
            due: time::macros::datetime!(2026-12-02 17:00:00 +07:00),
            requested_at: time::macros::datetime!(2026-11-23 10:00:00 +07:00),
        },
    });
    case.state.apply(Event::AgencyUnavailable {
        step: id("insurance"),
        error: StepError {
            code: "AGENCY_UNAVAILABLE".into(),
            message: "m".into(),
        },
        attempts: 8,
        retry_at: None,
    });
    assert_eq!(
        case.plan(),
        Vec::<String>::new(),
        "nothing to do while waiting on the citizen and the agency"
    );
    assert_eq!(
        case.state.waiting_on(),
        vec!["citizen".to_owned(), "social-insurance".to_owned()]
    );
    assert_eq!(case.state.attention, vec!["agency_unavailable".to_owned()]);

    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    // Documents were never sent: skip. The unavailable agency may have acted: ask it first.
    assert_eq!(
        case.plan(),
        vec![
            "skip residence",
            "reconcile insurance at social-insurance/issue-child-health-card"
        ]
    );
    let reconcile = case
        .decide()
        .into_iter()
        .find_map(|a| match a {
            Action::Reconcile(call) => Some(call),
            _ => None,
        })
        .expect("a reconciliation");
    assert_eq!(
        reconcile.payload,
        Value::Null,
        "a reconciliation sends nothing"
    );
}

#[test]
fn a_step_sent_again_after_documents_keeps_its_route_and_rebuilds_its_request() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    let first = case.start("residence");
    case.state.apply(Event::DocumentsRequested {
        step: id("residence"),
        request: DocumentRequest {
            documents: json!([]),
            message: "m".into(),
            due: time::OffsetDateTime::UNIX_EPOCH,
            requested_at: time::OffsetDateTime::UNIX_EPOCH,
        },
    });
    case.state.apply(Event::DocumentsProvided {
        step: id("residence"),
    });
    let again = case.call("residence");
    assert_eq!(again, first);
}

#[test]
fn a_decision_awaited_is_waited_for_before_undoing() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("insurance", json!({"card_number": "TE1"}));
    case.start("residence");
    case.state.apply(Event::DecisionAwaited {
        step: id("residence"),
        reference: "CT-1".into(),
    });
    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    assert_eq!(
        case.plan(),
        Vec::<String>::new(),
        "the officer's decision decides whether residence needs undoing"
    );
    case.answer("residence", json!({"residence_entry_id": "TT-1"}));
    assert_eq!(
        case.plan(),
        vec!["compensate residence at residence/cancel-permanent-residence"]
    );
}

#[test]
fn a_missed_supplement_refuses_the_step_and_a_passed_deadline_flags_the_case() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.state.apply(Event::DeadlinePassed(Escalation {
        step: None,
        deadline: time::OffsetDateTime::UNIX_EPOCH,
        noticed_at: time::OffsetDateTime::UNIX_EPOCH,
    }));
    assert!(case.state.overdue);
    assert!(case.state.attention.contains(&"overdue".to_owned()));
    case.start("residence");
    case.state.apply(Event::DocumentsNotProvided {
        step: id("residence"),
    });
    assert_eq!(
        case.state.failure.as_ref().map(|f| f.code.as_str()),
        Some("SUPPLEMENT_NOT_PROVIDED")
    );
    assert_eq!(case.plan(), vec!["skip insurance"]);
}
