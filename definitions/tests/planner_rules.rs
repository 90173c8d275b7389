//! Planner rules that no shipped procedure exercises on its own: a case where nothing applies,
//! a condition that is not a boolean, an undo whose request cannot be built, a chain of three
//! steps.

mod common;

use common::{Case, id};
use lienthong_definitions::{
    case::{Event, StepStatus},
    parse_definition,
};
use serde_json::Value;
use serde_json::json;

/// Two registry steps on residence; each `when` and the undo's reason are filled in per test.
fn definition(first_when: &str, second_when: &str, reason: &str) -> Case {
    let text = format!(
        r#"
id: rules
version: 1
effective_from: 2025-01-01
case_code_prefix: RL
title: {{ vi: "Thử", en: "Rules" }}
application:
  schema:
    type: object
    properties:
      person: {{ type: string }}
      flag: {{ type: boolean }}
      note: {{ type: string }}
steps:
  - id: first
    title: {{ vi: "Một", en: "One" }}
    when: "{first_when}"
    agency: residence
    operation: delete-permanent-residence
    input: {{ personal_id: $application.person, death_certificate_number: "KT-1" }}
    output: [deletion_id]
    compensation:
      operation: restore-permanent-residence
      input: {{ deletion_id: $steps.first.deletion_id, reason: "{reason}" }}
  - id: second
    title: {{ vi: "Hai", en: "Two" }}
    when: "{second_when}"
    agency: civil-status
    operation: register-death
    irreversible: true
    input:
      deceased_id: $application.person
      date_of_death: "2026-01-01"
      place_of_death: "Hà Nội"
      declarant_id: $application.person
      declarant_relationship: child
"#
    );
    let definition = parse_definition(&text).unwrap_or_else(|d| panic!("{d}"));
    Case::new(
        definition,
        json!({"person": "001080000002", "flag": false, "note": "n"}),
    )
}

#[test]
fn a_case_where_no_step_applies_is_completed() {
    let mut case = definition("application.flag", "application.flag", "r");
    assert_eq!(
        case.plan(),
        vec!["not applicable first", "not applicable second"]
    );
    case.settle();
    assert_eq!(case.plan(), vec!["finish completed"]);
}

#[test]
fn a_condition_that_is_not_true_or_false_fails_its_step() {
    let mut case = definition("application.note", "true", "r");
    assert_eq!(
        case.plan(),
        vec![
            "fail first EXPRESSION_FAILED",
            "start second at civil-status/register-death"
        ]
    );
    case.settle();
    assert_eq!(
        case.state.failure.as_ref().map(|f| f.step.clone()),
        Some(id("first"))
    );
    assert_eq!(case.state.status_of(&id("first")), Some(StepStatus::Failed));
}

#[test]
fn an_undo_whose_request_cannot_be_built_becomes_a_correction() {
    let mut case = definition("true", "false", "${ 'undo ' + application.flag }");
    case.succeed("first", json!({"deletion_id": "XD-1"}));
    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    case.settle();
    assert_eq!(
        case.state.status_of(&id("first")),
        Some(StepStatus::NeedsCorrection),
        "string + bool cannot be computed, so an operator undoes it by hand"
    );
    assert_eq!(case.plan(), vec!["finish withdrawn"]);
}

#[test]
fn an_undo_is_built_from_the_step_s_own_kept_output() {
    let mut case = definition("true", "false", "${ 'undo ' + application.note }");
    case.succeed(
        "first",
        json!({"deletion_id": "XD-1", "address_code": "dropped"}),
    );
    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    case.settle();
    let undo = match case.decide().into_iter().next() {
        Some(lienthong_definitions::planner::Action::Compensate(call)) => call,
        other => panic!("expected the undo, got {other:?}"),
    };
    assert_eq!(
        undo.payload,
        json!({"deletion_id": "XD-1", "reason": "undo n"})
    );
}

/// death → funeral → notice, under `on_failure: keep_succeeded`; the funeral applies only when
/// asked for.
fn chain(funeral: bool) -> Case {
    let definition = parse_definition(include_str!("fixtures/valid-routes.yaml"))
        .unwrap_or_else(|d| panic!("{d}"));
    Case::new(
        definition,
        json!({
            "deceased": {"personal_id": "001950000001", "date_of_death": "2026-01-03", "place_of_death": "Hà Nội"},
            "applicant": {"personal_id": "001080000002", "relationship": "child"},
            "requested": {"funeral": funeral}
        }),
    )
}

fn death() -> Value {
    json!({"death_certificate_number": "1", "benefit_status": "insured"})
}

#[test]
fn a_step_two_levels_below_a_rejection_is_skipped_too() {
    let mut case = chain(true);
    case.start("death");
    case.refuse("death", "NOT_DEAD");
    assert_eq!(case.plan(), vec!["skip funeral"]);
    case.state.apply(Event::StepSkipped(id("funeral")));
    assert_eq!(
        case.plan(),
        vec!["skip notice"],
        "a step whose prerequisite was skipped will never run either"
    );
    case.settle();
    assert_eq!(
        case.state.status_of(&id("notice")),
        Some(StepStatus::Skipped)
    );
    assert_eq!(case.plan(), vec!["finish partially_completed"]);
}

#[test]
fn a_step_after_one_that_did_not_apply_was_never_sent_so_a_stopping_case_skips_it() {
    let mut case = chain(false);
    case.state.unrecorded_attempts = true;
    case.succeed("death", death());
    assert_eq!(case.plan(), vec!["not applicable funeral"]);
    case.state.apply(Event::StepNotApplicable(id("funeral")));
    assert_eq!(
        case.plan(),
        vec!["not applicable notice"],
        "running forward, the notice is not sent"
    );
    case.state
        .apply(Event::WithdrawRequested { reason: "r".into() });
    // Where first attempts go unrecorded, a ready step may have been sent; this one never was
    // ready: the planner marks it not applicable instead of sending it.
    assert_eq!(case.plan(), vec!["skip notice"]);
    case.settle();
    assert_eq!(
        case.state.status_of(&id("notice")),
        Some(StepStatus::Skipped)
    );
    assert_eq!(
        case.state.status_of(&id("death")),
        Some(StepStatus::NeedsCorrection)
    );
    assert_eq!(case.plan(), vec!["finish withdrawn"]);
}
