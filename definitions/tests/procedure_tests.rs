//! Procedure tests as data (`*.test.yaml`): every shipped one passes, a wrong expectation is
//! reported with what happened instead, and a malformed file is refused with its place, never a
//! panic.

use std::{fs, path::PathBuf};

use lienthong_definitions::{
    Catalogue, Definition, parse_definition,
    procedure_test::{ScenarioReport, TestFileError, parse_test_file, run_test_file},
};

fn procedures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("procedures")
}

fn group_a() -> Definition {
    let text = fs::read_to_string(procedures().join("birth-residence-insurance.yaml"))
        .expect("shipped procedure");
    parse_definition(&text).expect("valid")
}

fn run_on(definition: &Definition, test: &str) -> Result<Vec<ScenarioReport>, Vec<TestFileError>> {
    let file = parse_test_file(test)?;
    run_test_file(
        &file,
        definition,
        &Catalogue::shipped().expect("shipped catalogue"),
    )
}

/// A group A test file with `scenarios` after the shared application and answers.
fn group_a_test(scenarios: &str) -> String {
    format!(
        r#"definition: birth-residence-insurance.yaml
submitted_on: 2026-11-23
application:
  applicant: {{ personal_id: "001190012345", relationship: mother }}
  child: {{ full_name: Trần Minh An, date_of_birth: 2026-11-20, sex: male, place_of_birth: Hà Nội, home_town: Nam Định, ethnicity: Kinh, nationality: VN }}
  mother: {{ personal_id: "001190012345" }}
  e_birth_certificate: {{ number: GCS-0001, issued_by: BV Phụ sản, signature: sig-0123456789 }}
  residence: {{ parent_personal_id: "001190012345" }}
answers:
  birth:
    done: {{ birth_certificate_number: 1/2026/KS, personal_id: "001226000123", registered_on: 2026-11-23 }}
  residence:
    done: {{ residence_entry_id: TT-1, address_code: A-1, registered_on: 2026-11-23 }}
  insurance:
    done: {{ card_number: TE-1, social_insurance_number: "0126000123", valid_from: 2026-11-23, valid_until: 2032-11-19 }}
scenarios:
{scenarios}"#
    )
}

#[test]
fn every_shipped_test_file_passes_and_every_shipped_procedure_has_one() {
    let catalogue = Catalogue::shipped().expect("shipped catalogue");
    let mut tested = Vec::new();
    let mut failures = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(procedures())
        .expect("the procedures folder exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.to_string_lossy().ends_with(".test.yaml"))
        .collect();
    entries.sort();
    for path in entries {
        let text = fs::read_to_string(&path).expect("readable");
        let file = parse_test_file(&text).unwrap_or_else(|e| panic!("{}: {e:#?}", path.display()));
        let definition_text = fs::read_to_string(procedures().join(&file.definition))
            .expect("the definition named is beside its test");
        let definition = parse_definition(&definition_text).expect("valid");
        let reports = run_test_file(&file, &definition, &catalogue)
            .unwrap_or_else(|e| panic!("{}: {e:#?}", path.display()));
        assert!(
            reports.len() >= 5,
            "{}: all done, a refusal, documents, a decision later and an outage at least",
            path.display()
        );
        for report in reports.iter().filter(|r| !r.passed()) {
            failures.push(format!(
                "{} / {}:\n  {}\n  what happened:\n    {}",
                path.display(),
                report.name,
                report.mismatches.join("\n  "),
                report.trace.join("\n    ")
            ));
        }
        tested.push(file.definition);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (name, _) in lienthong_definitions::SHIPPED {
        assert!(tested.iter().any(|t| t == name), "{name} has no test file");
    }
}

#[test]
fn a_passing_scenario_reports_ok_and_what_happened() {
    let reports = run_on(
        &group_a(),
        &group_a_test(
            r"  - name: all done
    expect:
      status: completed
      steps: { birth: succeeded, residence: succeeded, insurance: succeeded }
      compensated: []
",
        ),
    )
    .expect("a well-formed file");
    assert_eq!(reports.len(), 1);
    assert!(reports[0].passed(), "{:#?}", reports[0]);
    assert_eq!(
        reports[0].trace,
        vec![
            "send birth to civil-status/register-birth",
            "birth answered: done",
            "send residence to residence/register-permanent-residence",
            "send insurance to social-insurance/issue-child-health-card",
            "residence answered: done",
            "insurance answered: done",
            "the case ends completed",
        ]
    );
}

#[test]
fn a_wrong_expectation_fails_with_expected_got_and_the_steps_last_error() {
    let reports = run_on(
        &group_a(),
        &group_a_test(
            r"  - name: the author forgot the refusal undoes things
    answers:
      insurance: { refused: { code: CHILD_ALREADY_INSURED, message: has a card } }
    expect:
      status: completed
      steps: { residence: succeeded, insurance: { status: rejected, error: OTHER_CODE } }
      compensated: []
",
        ),
    )
    .expect("a well-formed file");
    let report = &reports[0];
    assert!(!report.passed());
    assert_eq!(
        report.mismatches,
        vec![
            "case status: expected completed, got failed",
            "step residence: expected succeeded, got compensated",
            "step insurance: expected its last error to be OTHER_CODE, got CHILD_ALREADY_INSURED: has a card",
            "compensated: expected [], got [residence]",
        ]
    );
}

#[test]
fn a_request_that_breaks_the_agencys_contract_fails_the_scenario() {
    // A computed value's type is known only when it runs: the validator lets it through, the
    // test catches it.
    let text = fs::read_to_string(procedures().join("birth-residence-insurance.yaml"))
        .expect("shipped")
        .replace(
            "parent_id: $application.residence.parent_personal_id",
            "parent_id: \"${ 'parent ' + application.residence.parent_personal_id }\"",
        );
    let definition = parse_definition(&text).expect("valid: computed values are not typed");
    let reports = run_on(
        &definition,
        &group_a_test(
            r"  - name: all done
    expect: { status: completed }
",
        ),
    )
    .expect("a well-formed file");
    let mismatches = reports[0].mismatches.join("\n");
    assert!(
        mismatches.contains(
            "the request residence sends to residence/register-permanent-residence breaks its contract at /parent_id"
        ),
        "{mismatches}"
    );
}

#[test]
fn an_application_the_engine_would_refuse_fails_before_any_call() {
    let reports = run_on(
        &group_a(),
        &group_a_test(
            r"  - name: born after the day of application
    submitted_on: 2026-11-01
    expect: { status: completed }
",
        ),
    )
    .expect("a well-formed file");
    let report = &reports[0];
    assert_eq!(
        report.mismatches,
        vec![
            "the application is refused: DATE_OF_BIRTH_IN_FUTURE at /child/date_of_birth (The date of birth cannot be after the day of application), as of 2026-11-01 (`submitted_on`)"
        ]
    );
}

/// Each error as `line:column: message (at path)`.
fn errors(result: Result<Vec<ScenarioReport>, Vec<TestFileError>>) -> Vec<String> {
    match result {
        Ok(reports) => panic!("expected the file to be refused: {reports:#?}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_malformed_file_names_the_scenario_the_field_and_its_place() {
    let found = errors(run_on(
        &group_a(),
        &group_a_test(
            r"  - name: typos
    answers:
      birth: { don: {} }
      residense: { done: {} }
    expect:
      status: finished
      steps: { insurance: approved }
    colour: red
",
        ),
    ));
    assert_eq!(
        found,
        vec![
            "19:16: scenario `typos`: unknown answer kind `don`; expected one of done, refused, documents_required, pending, unavailable, not_done (at scenarios[0].answers.birth.don)",
            "22:7: scenario `typos`: `finished` is not how a case ends; expected one of completed, partially_completed, failed, withdrawn (at scenarios[0].expect.status)",
            "23:16: scenario `typos`: `approved` is not a status a step ends in; expected one of succeeded, rejected, failed, skipped, not_applicable, compensated, compensation_failed, needs_correction (at scenarios[0].expect.steps.insurance)",
            "24:5: scenario `typos`: unknown key `colour` in a scenario; expected one of name, submitted_on, application, answers, undo, withdraw_after, expect (at scenarios[0].colour)",
        ]
    );
}

#[test]
fn a_step_the_definition_does_not_have_is_named_with_the_steps_it_has() {
    let found = errors(run_on(
        &group_a(),
        &group_a_test(
            r"  - name: typo in a step id
    answers:
      residense: { done: {} }
    expect: { status: completed }
",
        ),
    ));
    assert_eq!(
        found,
        vec![
            "19:7: scenario `typo in a step id`: no step `residense` in birth-residence-insurance; its steps are birth, residence, insurance (at scenarios[0].answers.residense)"
        ]
    );
}

#[test]
fn a_call_with_no_answer_left_says_which_step_and_which_call() {
    let found = errors(run_on(
        &group_a(),
        &group_a_test(
            r"  - name: the outage never ends in the file
    answers:
      birth: [unavailable]
    expect: { status: completed }
",
        ),
    ));
    assert_eq!(
        found,
        vec![
            "19:7: scenario `the outage never ends in the file`: step `birth` is sent to civil-status/register-birth (2nd call), but the scenario lists 1 answer(s) for it and all are used: add the answer its agency gives (at scenarios[0].answers.birth)"
        ]
    );
}

#[test]
fn an_answer_the_agency_could_not_give_is_refused() {
    let found = errors(run_on(
        &group_a(),
        &group_a_test(
            r"  - name: the card answer lacks fields
    answers:
      insurance: { done: { card_number: TE-1 } }
    expect: { status: completed }
",
        ),
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains(
            "the answer given to step `insurance` does not fit social-insurance/issue-child-health-card's response contract"
        ) && found[0].contains("\"social_insurance_number\" is a required property"),
        "{found:#?}"
    );
}

#[test]
fn text_that_is_not_a_test_file_is_refused_without_panicking() {
    for text in [
        "",
        "[",
        "- a\n- b",
        "definition: 3\nscenarios: 4",
        "definition: x.yaml\nscenarios: [{}]",
        "definition: x.yaml\nscenarios:\n  - name: n\n    application: 1\n    answers: [1]\n    expect: {steps: []}",
        "definition: x.yaml\nscenarios:\n  - name: n\n    application: {}\n    answers: {a: {pending: {then: {pending: {}}}}}\n    expect: {status: completed}",
    ] {
        let found = parse_test_file(text).expect_err(text);
        assert!(!found.is_empty(), "{text}");
        for error in found {
            assert!(error.line >= 1 && error.column >= 1, "{text}: {error}");
        }
    }
}
