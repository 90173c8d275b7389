//! The death-registration group (B) as pure data: conditions, routing by the deceased's benefit
//! status, and what withdrawal and refusals do to a routed case.

mod common;

use common::{Case, id, shipped};
use lienthong_definitions::{
    case::{CaseStatus, Event, StepStatus},
    parse_definition,
    planner::Action,
};
use serde_json::{Value, json};

fn application(funeral: bool, survivor: bool) -> Value {
    let mut application = json!({
        "applicant": {"personal_id": "001080000002", "relationship": "child"},
        "deceased": {
            "personal_id": "001950000001",
            "date_of_death": "2026-01-03",
            "place_of_death": "Bệnh viện Bạch Mai, Hà Nội"
        },
        "requested": {"funeral_allowance": funeral, "survivor_benefit": survivor}
    });
    if survivor {
        application["survivor_benefit"] =
            json!({"representative_id": "001080000003", "relationship": "spouse"});
    }
    application
}

fn death(benefit_status: &str) -> Value {
    json!({
        "death_certificate_number": "12/2026/KT-001",
        "registered_on": "2026-01-05",
        "benefit_status": benefit_status
    })
}

fn registered(benefit_status: &str, funeral: bool, survivor: bool) -> Case {
    let mut case = Case::new(
        shipped("death-residence-allowance"),
        application(funeral, survivor),
    );
    assert_eq!(
        case.plan(),
        vec!["start death at civil-status/register-death"]
    );
    let call = case.succeed("death", death(benefit_status));
    assert_eq!(
        call.payload,
        json!({
            "deceased_id": "001950000001",
            "date_of_death": "2026-01-03",
            "place_of_death": "Bệnh viện Bạch Mai, Hà Nội",
            "declarant_id": "001080000002",
            "declarant_relationship": "child"
        })
    );
    case
}

#[test]
fn a_pensioner_s_funeral_allowance_goes_to_social_insurance() {
    for status in ["pensioner", "insured"] {
        let mut case = registered(status, true, true);
        assert_eq!(
            case.plan(),
            vec![
                "start residence at residence/delete-permanent-residence",
                "start funeral at social-insurance/pay-funeral-allowance",
                "start survivor at social-insurance/grant-survivor-benefit"
            ],
            "{status}"
        );
        let funeral = case.start("funeral");
        assert_eq!(funeral.route, 0);
        assert_eq!(
            funeral.payload,
            json!({
                "deceased_id": "001950000001",
                "death_certificate_number": "12/2026/KT-001",
                "date_of_death": "2026-01-03",
                "recipient_id": "001080000002"
            })
        );
        let record = case.state.step(&id("funeral")).expect("a record");
        assert_eq!(record.agency.as_deref(), Some("social-insurance"));
        assert_eq!(record.operation.as_deref(), Some("pay-funeral-allowance"));
        assert_eq!(record.route, Some(0));
    }
}

#[test]
fn burial_support_for_the_others_goes_to_the_labour_office() {
    for status in ["social_protection", "meritorious"] {
        let mut case = registered(status, true, false);
        let funeral = case.start("funeral");
        assert_eq!(
            (
                funeral.route,
                funeral.agency.as_str(),
                funeral.operation.as_str()
            ),
            (1, "labour-office", "grant-burial-support"),
            "{status}"
        );
        assert_eq!(
            funeral.payload,
            json!({
                "deceased_id": "001950000001",
                "death_certificate_number": "12/2026/KT-001",
                "recipient_id": "001080000002"
            }),
            "burial support does not read the date of death"
        );
        assert_eq!(
            funeral.keep,
            Some(vec![
                "decision_number".to_owned(),
                "amount_vnd".to_owned(),
                "decided_on".to_owned()
            ])
        );
    }
}

#[test]
fn the_route_is_recorded_before_the_agency_answers_so_it_can_decide_later() {
    let mut case = registered("meritorious", true, false);
    case.start("funeral");
    assert_eq!(
        case.state
            .step(&id("funeral"))
            .and_then(|s| s.agency.as_deref()),
        Some("labour-office")
    );
    case.state.apply(Event::DecisionAwaited {
        step: id("funeral"),
        reference: "LD-1".into(),
    });
    assert_eq!(case.state.waiting_on(), vec!["labour-office".to_owned()]);
    let route =
        lienthong_definitions::planner::chosen_route(&case.definition, &case.state, &id("funeral"))
            .expect("recorded");
    assert_eq!(route.operation, "grant-burial-support");
}

#[test]
fn no_funeral_requested_and_no_survivor_benefit_leaves_death_and_residence() {
    let mut case = registered("pensioner", false, false);
    assert_eq!(
        case.plan(),
        vec![
            "start residence at residence/delete-permanent-residence",
            "not applicable funeral",
            "not applicable survivor"
        ]
    );
    case.settle();
    case.succeed(
        "residence",
        json!({"deletion_id": "XD-1", "address_code": "A", "deleted_on": "2026-01-06"}),
    );
    assert_eq!(case.plan(), vec!["finish completed"]);
    case.state.apply(Event::Finished(CaseStatus::Completed));
    assert_eq!(
        case.state.status_of(&id("funeral")),
        Some(StepStatus::NotApplicable)
    );
    assert_eq!(
        case.state
            .step(&id("funeral"))
            .and_then(|s| s.agency.clone()),
        None,
        "a routed step that never ran names no agency"
    );
}

#[test]
fn no_benefit_scheme_means_no_funeral_step_even_when_asked() {
    let case = registered("none", true, false);
    assert_eq!(
        case.plan(),
        vec![
            "start residence at residence/delete-permanent-residence",
            "not applicable funeral",
            "not applicable survivor"
        ]
    );
}

#[test]
fn the_survivor_benefit_runs_only_when_asked_with_the_named_representative() {
    let asked = registered("insured", false, true);
    let survivor = asked.call("survivor");
    assert_eq!(
        survivor.payload,
        json!({
            "deceased_id": "001950000001",
            "death_certificate_number": "12/2026/KT-001",
            "representative_id": "001080000003",
            "representative_relationship": "spouse"
        })
    );
    let not_asked = registered("insured", false, false);
    assert!(
        not_asked
            .plan()
            .contains(&"not applicable survivor".to_owned())
    );
}

#[test]
fn a_requested_flag_left_out_counts_as_not_asked() {
    let mut application = application(true, false);
    application["requested"] = json!({"funeral_allowance": true});
    let mut case = Case::new(shipped("death-residence-allowance"), application);
    case.succeed("death", death("insured"));
    assert!(case.plan().contains(&"not applicable survivor".to_owned()));
}

#[test]
fn a_refused_survivor_benefit_keeps_the_funeral_allowance_and_the_residence_deletion() {
    let mut case = registered("pensioner", true, true);
    case.succeed("residence", json!({"deletion_id": "XD-1"}));
    case.succeed(
        "funeral",
        json!({"payment_id": "TC-1", "amount_vnd": 23_400_000}),
    );
    case.start("survivor");
    case.refuse("survivor", "NOT_INSURED");
    assert_eq!(case.plan(), vec!["finish partially_completed"]);
}

#[test]
fn withdrawal_undoes_each_step_on_the_route_it_took_and_flags_the_death_record() {
    let mut case = registered("social_protection", true, false);
    case.settle();
    case.succeed(
        "funeral",
        json!({"decision_number": "QD-7", "amount_vnd": 7_200_000}),
    );
    case.succeed("residence", json!({"deletion_id": "XD-1"}));
    case.state.apply(Event::WithdrawRequested {
        reason: "filed twice".into(),
    });
    assert_eq!(
        case.plan(),
        vec!["compensate residence at residence/restore-permanent-residence"]
    );
    case.state
        .apply(Event::CompensationStarted(id("residence")));
    case.state.apply(Event::Compensated {
        step: id("residence"),
        output: json!({}),
    });
    let Some(Action::Compensate(undo)) = case.decide().into_iter().next() else {
        panic!("expected the funeral's undo: {:?}", case.plan());
    };
    assert_eq!(
        (undo.agency.as_str(), undo.operation.as_str()),
        ("labour-office", "cancel-burial-support")
    );
    assert_eq!(
        undo.payload,
        json!({"decision_number": "QD-7", "reason": "linked case ended without completing"})
    );
    case.state.apply(Event::CompensationStarted(id("funeral")));
    case.state.apply(Event::Compensated {
        step: id("funeral"),
        output: json!({}),
    });
    assert_eq!(case.plan(), vec!["correct death"]);
    case.state.apply(Event::CorrectionNeeded(id("death")));
    assert_eq!(case.plan(), vec!["finish withdrawn"]);
    assert_eq!(
        case.state.status_of(&id("survivor")),
        Some(StepStatus::NotApplicable),
        "a step that did not apply is neither skipped nor undone"
    );
}

#[test]
fn an_expression_that_cannot_be_evaluated_fails_its_step_without_naming_values() {
    let mut application = application(true, false);
    application["requested"]["funeral_allowance"] = json!("Nguyễn");
    let mut case = Case::new(shipped("death-residence-allowance"), application);
    case.succeed("death", death("pensioner"));
    let failure = case
        .decide()
        .into_iter()
        .find_map(|a| match a {
            Action::Fail { step, error } => Some((step, error)),
            _ => None,
        })
        .expect("the funeral step fails");
    assert_eq!(failure.0, id("funeral"));
    assert_eq!(failure.1.code, "EXPRESSION_FAILED");
    assert!(
        !failure.1.message.contains("Nguyễn"),
        "{}",
        failure.1.message
    );
}

#[test]
fn a_step_that_needs_a_step_that_did_not_apply_does_not_apply_either() {
    let text = include_str!("fixtures/valid-routes.yaml");
    let definition = parse_definition(text).expect("valid");
    let application = json!({
        "deceased": {"personal_id": "001950000001", "date_of_death": "2026-01-03", "place_of_death": "Hà Nội"},
        "applicant": {"personal_id": "001080000002", "relationship": "child"},
        "requested": {"funeral": false}
    });
    let mut case = Case::new(definition, application);
    let death = case.succeed(
        "death",
        json!({"death_certificate_number": "1", "benefit_status": "insured"}),
    );
    assert_eq!(
        death.payload["place_of_death"], "Xã Hà Nội",
        "a computed value"
    );
    assert_eq!(case.plan(), vec!["not applicable funeral"]);
    case.settle();
    assert_eq!(
        case.state.status_of(&id("notice")),
        Some(StepStatus::NotApplicable)
    );
    assert_eq!(case.plan(), vec!["finish completed"]);
}
