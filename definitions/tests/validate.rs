//! The validator reports every mistake in a definition, each with its stable code.

use lienthong_definitions::{DiagnosticCode, parse_definition, shipped_definitions};

const VALID: &str = r#"
id: demo
version: 1
effective_from: 2025-01-01
case_code_prefix: DM
title: { vi: "Thử", en: "Demo" }
application:
  schema: { type: object }
steps:
  - id: first
    title: { vi: "Một", en: "One" }
    agency: civil-status
    operation: register-birth
    irreversible: true
    input: { name: $application.name }
    output: [personal_id]
  - id: second
    title: { vi: "Hai", en: "Two" }
    agency: residence
    operation: register-permanent-residence
    needs: [first]
    input: { id: $steps.first.personal_id }
    output: [entry]
    compensation:
      operation: cancel-permanent-residence
      input: { entry: $steps.second.entry }
"#;

fn codes(yaml: &str) -> Vec<DiagnosticCode> {
    match parse_definition(yaml) {
        Ok(_) => Vec::new(),
        Err(d) => d.0.into_iter().map(|d| d.code).collect(),
    }
}

#[test]
fn every_shipped_procedure_validates() {
    let all = shipped_definitions().expect("shipped procedures are valid");
    assert!(!all.is_empty());
}

#[test]
fn a_correct_definition_has_no_diagnostics() {
    let definition = parse_definition(VALID).expect("valid");
    assert_eq!(definition.steps.len(), 2);
    assert!(definition.steps[0].compensation.is_none());
}

#[test]
fn broken_yaml_is_a_syntax_error_with_a_position() {
    let err = parse_definition("id: [unclosed").expect_err("invalid");
    assert_eq!(err.0[0].code, DiagnosticCode::Syntax);
    assert!(err.0[0].line.is_some(), "{:?}", err.0[0]);
    assert_eq!(codes("just text"), vec![DiagnosticCode::Syntax]);
    assert_eq!(
        codes(&VALID.replace(
            "title: { vi: \"Một\"",
            "colour: red\n    title: { vi: \"Một\""
        )),
        vec![DiagnosticCode::Syntax]
    );
}

#[test]
fn unknown_needed_step_is_reported() {
    let yaml = VALID.replace("needs: [first]", "needs: [first, ghost]");
    assert_eq!(codes(&yaml), vec![DiagnosticCode::UnknownStep]);
}

#[test]
fn duplicate_step_ids_are_reported() {
    let yaml = VALID.replace("id: second", "id: first");
    assert!(codes(&yaml).contains(&DiagnosticCode::DuplicateStep));
}

#[test]
fn a_cycle_is_reported_with_its_steps() {
    let yaml = VALID.replace(
        "irreversible: true\n",
        "irreversible: true\n    needs: [second]\n",
    );
    let err = parse_definition(&yaml).expect_err("cycle");
    assert_eq!(err.0[0].code, DiagnosticCode::Cycle);
    assert!(err.0[0].message.contains("first") && err.0[0].message.contains("second"));
}

#[test]
fn reading_a_step_not_depended_on_is_reported() {
    let yaml = VALID.replace("    needs: [first]\n", "");
    assert_eq!(codes(&yaml), vec![DiagnosticCode::UndeclaredDependency]);
}

#[test]
fn reading_an_output_the_step_does_not_keep_is_reported() {
    let yaml = VALID.replace("$steps.first.personal_id", "$steps.first.card_number");
    let err = parse_definition(&yaml).expect_err("unknown field");
    assert_eq!(err.0[0].code, DiagnosticCode::UnknownOutputField);
    assert_eq!(err.0[0].path, "steps[1].input.id");
}

#[test]
fn a_reversible_step_without_compensation_is_reported() {
    let yaml = VALID.replace(
        "    compensation:\n      operation: cancel-permanent-residence\n      input: { entry: $steps.second.entry }\n",
        "",
    );
    assert_eq!(codes(&yaml), vec![DiagnosticCode::MissingCompensation]);
}

#[test]
fn bad_references_durations_and_values_are_all_reported_at_once() {
    let yaml = VALID
        .replace("$application.name", "$nowhere.name")
        .replace("version: 1", "version: 0")
        .replace("case_code_prefix: DM", "case_code_prefix: dm")
        .replace(
            "irreversible: true\n",
            "irreversible: true\n    attempt_timeout: ten seconds\n",
        );
    let found = codes(&yaml);
    for code in [
        DiagnosticCode::BadReference,
        DiagnosticCode::BadValue,
        DiagnosticCode::BadDuration,
    ] {
        assert!(found.contains(&code), "{code:?} missing from {found:?}");
    }
    assert!(found.len() >= 4, "{found:?}");
}

#[test]
fn a_non_object_schema_is_reported() {
    let yaml = VALID.replace("schema: { type: object }", "schema: 42");
    assert_eq!(codes(&yaml), vec![DiagnosticCode::BadSchema]);
}

#[test]
fn time_limits_take_working_days_or_a_duration_but_not_both() {
    let both = VALID.replace(
        "    irreversible: true\n",
        "    irreversible: true\n    deadline: { working_days: 1, within: 2h }\n",
    );
    assert_eq!(codes(&both), vec![DiagnosticCode::BadValue]);
    let bad = VALID.replace(
        "    irreversible: true\n",
        "    irreversible: true\n    supplement_within: { within: soon }\n",
    );
    assert_eq!(codes(&bad), vec![DiagnosticCode::BadDuration]);
    let good = VALID.replace(
        "    irreversible: true\n",
        "    irreversible: true\n    deadline: { working_days: 0 }\n    supplement_within: { within: 48h }\n",
    );
    assert_eq!(codes(&good), vec![]);
    let park = VALID.replace(
        "    irreversible: true\n",
        "    irreversible: true\n    retry: { park: never }\n",
    );
    assert_eq!(codes(&park), vec![DiagnosticCode::BadDuration]);
}
