//! Diagnostics as a procedure writer meets them: one mistake gives one message, in plain words,
//! with a "did you mean" for a likely typo and the first definition of a duplicate.

use lienthong_definitions::{Diagnostic, parse_definition};

const SHIPPED: &str = include_str!("../procedures/birth-residence-insurance.yaml");

/// The diagnostics of the shipped group-A procedure with `from` replaced by `to` once.
fn with_mistake(from: &str, to: &str) -> Vec<Diagnostic> {
    assert!(SHIPPED.contains(from), "the procedure has `{from}`");
    match parse_definition(&SHIPPED.replacen(from, to, 1)) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.0,
    }
}

fn only(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(
        diagnostics.len(),
        1,
        "one mistake, one message: {diagnostics:#?}"
    );
    &diagnostics[0]
}

#[test]
fn a_misspelled_need_is_one_message_with_the_step_it_probably_meant() {
    let found = with_mistake("needs: [birth]", "needs: [brith]");
    let d = only(&found);
    assert_eq!(d.code.as_str(), "LT003");
    assert_eq!(d.help.as_deref(), Some("did you mean `birth`?"));
}

#[test]
fn a_misspelled_agency_operation_or_request_field_names_the_likely_one() {
    let agency = with_mistake("agency: residence", "agency: residense");
    assert_eq!(
        only(&agency).help.as_deref(),
        Some("did you mean `residence`?")
    );

    let operation = with_mistake(
        "operation: register-permanent-residence",
        "operation: register-permanent-residense",
    );
    assert_eq!(
        only(&operation).help.as_deref(),
        Some("did you mean `register-permanent-residence`?")
    );

    // The misspelled required key is one message, not also "requires `parent_id`".
    let field = with_mistake("      parent_id:", "      parent_di:");
    let d = only(&field);
    assert_eq!(d.code.as_str(), "LT014");
    assert_eq!(d.help.as_deref(), Some("did you mean `parent_id`?"));
}

#[test]
fn a_duplicate_step_points_at_its_first_definition() {
    let found = with_mistake("  - id: insurance\n", "  - id: residence\n");
    let duplicate = found
        .iter()
        .find(|d| d.code.as_str() == "LT002")
        .expect("a duplicate step");
    let related = duplicate.related.as_ref().expect("the first definition");
    assert_eq!(related.message, "first defined here");
    assert!(
        related.line < duplicate.line.unwrap_or_default(),
        "{duplicate:#?}"
    );
    let residence_line = SHIPPED
        .lines()
        .position(|l| l == "  - id: residence")
        .map(|i| i as u64 + 1);
    assert_eq!(Some(related.line), residence_line);
}

#[test]
fn yaml_and_cel_mistakes_are_said_in_plain_words() {
    let tab = with_mistake("  - id: birth\n", "\t- id: birth\n");
    let d = only(&tab);
    assert_eq!(d.code.as_str(), "LT001");
    assert!(
        d.message.contains("YAML indents with spaces only"),
        "{d:#?}"
    );

    let key = with_mistake("case_code_prefix: KS", "case_code_prefx: KS");
    let d = only(&key);
    assert!(
        d.message.starts_with("`case_code_prefx` is not a key here"),
        "{d:#?}"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `case_code_prefix`?"));

    let equals = parse_definition(&SHIPPED.replacen(
        "  - id: insurance\n",
        "  - id: insurance\n    when: application.child.sex = \"male\"\n",
        1,
    ))
    .expect_err("`=` is not CEL");
    let d = equals
        .0
        .iter()
        .find(|d| d.code.as_str() == "LT020")
        .expect("an expression problem");
    assert!(d.message.contains("CEL compares with `==`"), "{d:#?}");

    let and = parse_definition(&SHIPPED.replacen(
        "  - id: insurance\n",
        "  - id: insurance\n    when: application.child.sex == \"male\" and true\n",
        1,
    ))
    .expect_err("`and` is not CEL");
    assert!(
        and.0.iter().any(|d| d.message.contains("write `&&`")),
        "{and:#?}"
    );
}

#[test]
fn a_form_naming_what_the_application_does_not_have_says_what_it_probably_meant() {
    let field = with_mistake(
        "- field: /child/place_of_birth",
        "- field: /child/place_of_brith",
    );
    let d = only(&field);
    assert_eq!(d.code.as_str(), "LT023");
    assert_eq!(d.path, "form.sections[1].fields[3].field");
    assert_eq!(d.help.as_deref(), Some("did you mean `place_of_birth`?"));

    let choice = with_mistake("female: { vi: \"Nữ\"", "femle: { vi: \"Nữ\"");
    assert_eq!(
        only(&choice).help.as_deref(),
        Some("did you mean `female`?")
    );

    let result = with_mistake("insurance.card_number:", "insurance.card_numbr:");
    let d = only(&result);
    assert_eq!(d.code.as_str(), "LT023");
    assert_eq!(d.help.as_deref(), Some("did you mean `card_number`?"));
}

#[test]
fn a_definition_without_a_form_reads_and_writes_as_before() {
    let without: String = SHIPPED
        .split("\n# How the citizen page shows")
        .next()
        .unwrap_or_default()
        .to_owned();
    let definition = parse_definition(&without).expect("the procedure without its form is valid");
    assert!(definition.form.is_empty());
    let json = serde_json::to_value(&definition).expect("serializes");
    assert!(
        json.get("form").is_none(),
        "recorded inputs keep their shape"
    );
    let with = parse_definition(SHIPPED).expect("the shipped procedure is valid");
    assert_eq!(
        with.form
            .field("/applicant/personal_id")
            .and_then(|f| f.prefill),
        Some(lienthong_definitions::form::Prefill::PersonalId)
    );
    let read_back: lienthong_definitions::Definition =
        serde_json::from_value(serde_json::to_value(&with).expect("serializes"))
            .expect("reads back");
    assert_eq!(read_back, with);
}
