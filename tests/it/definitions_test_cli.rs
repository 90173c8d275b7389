//! `lienthong definitions test` and `--catalogue` as an agency administrator meets them: the
//! shipped procedures' tests pass, a wrong expectation fails with exit code 1 and says what
//! happened, a malformed test file exits 2 with its mistake at its line and column; and a definition calling an
//! agency that joined an installation is drawn and tested with `--catalogue DIR`.

use std::{
    path::Path,
    process::{Command, Output},
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `lienthong definitions ARGS` run from the repository root, as the README's commands are.
fn definitions(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lienthong"));
    for (name, _) in std::env::vars() {
        if name.starts_with("LIENTHONG_") || name.starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(ROOT)
        .arg("definitions")
        .args(args)
        .output()
        .expect("lienthong runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(path: &Path, content: &str) {
    std::fs::write(path, content).expect("temp file written");
}

#[test]
fn the_shipped_procedures_tests_pass() {
    for file in [
        "definitions/procedures/birth-residence-insurance.test.yaml",
        "definitions/procedures/death-residence-allowance.test.yaml",
    ] {
        let output = definitions(&["test", file]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{file}: {output:?}");
        assert!(
            stdout.starts_with(&format!("{file}: ")),
            "the file and the procedure it tests head the report: {stdout}"
        );
        assert!(
            stdout.contains("\n  ok    every agency agrees\n"),
            "{stdout}"
        );
        assert!(!stdout.contains("FAIL"), "{stdout}");
        assert!(stdout.ends_with(" ok, 0 failed\n"), "{stdout}");
    }
}

/// A copy of group A's definition with a test file beside it holding `scenario`.
fn group_a_with_test(dir: &Path, scenario: &str) -> String {
    let shipped = std::fs::read_to_string(
        Path::new(ROOT).join("definitions/procedures/birth-residence-insurance.yaml"),
    )
    .expect("shipped procedure");
    write(&dir.join("group-a.yaml"), &shipped);
    let shared = std::fs::read_to_string(
        Path::new(ROOT).join("definitions/procedures/birth-residence-insurance.test.yaml"),
    )
    .expect("shipped test");
    // The shipped file's application and answers, with this scenario alone.
    let head = shared
        .split("\nscenarios:\n")
        .next()
        .expect("a head")
        .replace(
            "definition: birth-residence-insurance.yaml",
            "definition: group-a.yaml",
        );
    let path = dir.join("group-a.test.yaml");
    write(&path, &format!("{head}\nscenarios:\n{scenario}"));
    path.display().to_string()
}

#[test]
fn a_wrong_expectation_fails_with_exit_code_1_and_says_what_happened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = group_a_with_test(
        dir.path(),
        r"  - name: a refusal the author thought harmless
    answers:
      insurance: { refused: { code: CHILD_ALREADY_INSURED, message: has a card } }
    expect:
      status: completed
      steps: { residence: succeeded }
",
    );
    let output = definitions(&["test", &file]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    for line in [
        "  FAIL  a refusal the author thought harmless\n",
        "        - case status: expected completed, got failed\n",
        "        - step residence: expected succeeded, got compensated\n",
        "        what happened:\n",
        "          insurance answered: refused CHILD_ALREADY_INSURED\n",
        "          undo residence at residence/cancel-permanent-residence\n",
        "1 scenarios: 0 ok, 1 failed\n",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    assert!(
        stderr.contains("lienthong: 1 scenario(s) failed"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_test_file_exits_2_with_its_mistake_at_its_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = group_a_with_test(
        dir.path(),
        r"  - name: typo
    answers:
      birth: { aproved: {} }
    expect: { status: completed }
",
    );
    let lines = std::fs::read_to_string(&file)
        .expect("written")
        .lines()
        .count();
    let output = definitions(&["test", &file]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let place = format!("{file}:{}:16: scenario `typo`: ", lines - 1);
    assert!(
        stderr.contains(&format!(
            "{place}unknown answer kind `aproved`; expected one of done, refused, documents_required, pending, unavailable, not_done (at scenarios[0].answers.birth.aproved)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("lienthong: 1 of 1 test files could not be run"),
        "{stderr}"
    );
}

const HOUSING: &str = r#"id: housing
title: { vi: "Quỹ nhà ở xã hội", en: "Social housing fund" }
base_url: http://127.0.0.1:8799
operations:
  - name: register-tenant
    title: { vi: "Đăng ký người thuê", en: "Register a tenant" }
    request:
      type: object
      required: [personal_id]
      properties:
        personal_id: { type: string, pattern: "^[0-9]{12}$" }
    response:
      type: object
      required: [tenancy_id]
      properties:
        tenancy_id: { type: string, x-personal: false }
"#;

const TENANCY: &str = r#"id: social-housing-tenancy
version: 1
effective_from: 2026-01-01
case_code_prefix: NO
title: { vi: "Đăng ký thuê nhà ở xã hội", en: "Social housing tenancy" }
application:
  schema:
    type: object
    required: [personal_id]
    properties:
      personal_id: { type: string, pattern: "^[0-9]{12}$" }
steps:
  - id: tenancy
    title: { vi: "Đăng ký người thuê", en: "Tenant registration" }
    agency: housing
    operation: register-tenant
    irreversible: true
    input: { personal_id: $application.personal_id }
    output: [tenancy_id]
"#;

const TENANCY_TEST: &str = r#"definition: tenancy.yaml
submitted_on: 2026-03-02
scenarios:
  - name: the fund registers the tenant
    application: { personal_id: "001190012345" }
    answers:
      tenancy: { done: { tenancy_id: NO-2026-1 } }
    expect: { status: completed, steps: { tenancy: succeeded } }
"#;

#[test]
fn a_definition_calling_a_new_agency_is_drawn_and_tested_with_its_catalogue_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let catalogue = dir.path().join("catalogue");
    std::fs::create_dir(&catalogue).expect("catalogue folder");
    write(&catalogue.join("housing.yaml"), HOUSING);
    write(&dir.path().join("tenancy.yaml"), TENANCY);
    write(&dir.path().join("tenancy.test.yaml"), TENANCY_TEST);
    let definition = dir.path().join("tenancy.yaml").display().to_string();
    let catalogue = catalogue.display().to_string();

    let plan = definitions(&["plan", &definition, "--catalogue", &catalogue]);
    let stdout = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(0), "{plan:?}");
    assert!(
        stdout.contains("(social-housing-tenancy v1)")
            && stdout.contains("housing · register-tenant"),
        "{stdout}"
    );

    // Against the shipped catalogue the agency is unknown, and the error says where to look.
    let shipped = definitions(&["plan", &definition]);
    let stderr = text(&shipped.stderr);
    assert_eq!(shipped.status.code(), Some(1), "{shipped:?}");
    assert!(
        stderr.contains("LT012") && stderr.contains("pass --catalogue DIR"),
        "{stderr}"
    );

    let test_file = dir.path().join("tenancy.test.yaml").display().to_string();
    let tested = definitions(&["test", &test_file, "--catalogue", &catalogue]);
    assert_eq!(tested.status.code(), Some(0), "{tested:?}");
    assert!(
        text(&tested.stdout).contains("  ok    the fund registers the tenant\n"),
        "{tested:?}"
    );
}
