//! The validator reports every mistake in a definition, each with its stable code.

use lienthong_definitions::{
    Catalogue, DiagnosticCode, Diagnostics, catalogue, parse_definition, parse_definition_with,
    shipped_definitions,
};

const VALID: &str = r#"
id: demo
version: 1
effective_from: 2025-01-01
case_code_prefix: DM
title: { vi: "Thử", en: "Demo" }
application:
  schema:
    type: object
    required: [person, parent_id]
    properties:
      person:
        type: object
        properties:
          personal_id: { type: string }
          full_name: { type: string }
          date_of_birth: { type: string, format: date }
      parent_id: { type: string }
steps:
  - id: first
    title: { vi: "Một", en: "One" }
    agency: residence
    operation: register-permanent-residence
    irreversible: true
    input:
      personal_id: $application.person.personal_id
      full_name: $application.person.full_name
      date_of_birth: $application.person.date_of_birth
      parent_id: $application.parent_id
    output: [residence_entry_id]
  - id: second
    title: { vi: "Hai", en: "Two" }
    agency: social-insurance
    operation: issue-child-health-card
    needs: [first]
    input:
      personal_id: $application.person.personal_id
      full_name: $application.person.full_name
      date_of_birth: $application.person.date_of_birth
      birth_certificate_number: $steps.first.residence_entry_id
    output: [card_number]
    compensation:
      operation: revoke-child-health-card
      input: { card_number: $steps.second.card_number, reason: "undo" }
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
    assert_eq!(
        definition.steps[0].routes.len(),
        1,
        "a direct step has one route"
    );
    assert!(definition.steps[0].routes[0].compensation.is_none());
    assert!(definition.steps[1].routes[0].compensation.is_some());
    assert!(definition.steps[1].routes[0].when.is_none());
}

#[test]
fn broken_yaml_is_a_syntax_error_with_a_position() {
    let err = parse_definition("id: x\nversion: [unclosed").expect_err("invalid");
    assert_eq!(err.0[0].code, DiagnosticCode::Syntax);
    assert_eq!(err.0[0].line, Some(2), "{:?}", err.0[0]);
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
    let yaml = VALID.replace(
        "$steps.first.residence_entry_id",
        "$steps.first.card_number",
    );
    let err = parse_definition(&yaml).expect_err("unknown field");
    assert_eq!(err.0[0].code, DiagnosticCode::UnknownOutputField);
    assert_eq!(err.0[0].path, "steps[1].input.birth_certificate_number");
}

#[test]
fn a_reversible_step_without_compensation_is_reported() {
    let yaml = VALID.replace(
        "    compensation:\n      operation: revoke-child-health-card\n      input: { card_number: $steps.second.card_number, reason: \"undo\" }\n",
        "",
    );
    assert_eq!(codes(&yaml), vec![DiagnosticCode::MissingCompensation]);
}

#[test]
fn bad_references_durations_and_values_are_all_reported_at_once() {
    let yaml = VALID
        .replace("$application.parent_id", "$nowhere.name")
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
    let start = VALID.find("  schema:").expect("schema");
    let end = VALID.find("steps:").expect("steps");
    let yaml = format!("{}  schema: 42\n{}", &VALID[..start], &VALID[end..]);
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

#[test]
fn every_diagnostic_is_placed_on_a_line_of_the_text() {
    let yaml = VALID
        .replace("needs: [first]", "needs: [first, ghost]")
        .replace("agency: residence", "agency: housing")
        .replace("output: [card_number]", "output: [card_number, colour]")
        .replace("reason: \"undo\"", "reason: 7");
    let err = parse_definition(&yaml).expect_err("invalid");
    let lines = u64::try_from(yaml.lines().count()).expect("small");
    assert!(err.0.len() >= 4, "{err:?}");
    for d in &err.0 {
        let (line, column) = d.line.zip(d.column).expect("located");
        assert!(line >= 1 && line <= lines && column >= 1, "{d}");
    }
}

#[test]
fn a_definition_is_checked_against_the_catalogue_it_is_given() {
    let residence_only = Catalogue::new(vec![
        catalogue::parse_agency(
            lienthong_definitions::SHIPPED_CATALOGUE
                .iter()
                .find(|(name, _)| *name == "residence.yaml")
                .expect("shipped")
                .1,
        )
        .expect("valid"),
    ])
    .expect("one agency");
    let err = parse_definition_with(VALID, &residence_only).expect_err("no social insurance");
    let found: Vec<DiagnosticCode> = err.0.iter().map(|d| d.code).collect();
    assert_eq!(found, vec![DiagnosticCode::UnknownAgency]);
    assert_eq!(err.0[0].path, "steps[1].agency");
}

#[test]
fn diagnostics_serialize_with_their_stable_codes() {
    let err = parse_definition(&VALID.replace("agency: residence", "agency: housing"))
        .expect_err("invalid");
    let json = serde_json::to_value(&err).expect("serializable");
    assert_eq!(json[0]["code"], "LT012");
    assert_eq!(json[0]["line"], 22);
    let back: Diagnostics = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, err);
}

#[test]
fn routes_and_a_direct_agency_cannot_be_mixed() {
    let yaml = VALID.replace(
        "    operation: issue-child-health-card\n",
        "    operation: issue-child-health-card\n    routes:\n      - agency: social-insurance\n        operation: issue-child-health-card\n",
    );
    assert_eq!(codes(&yaml), vec![DiagnosticCode::BadValue]);
}
