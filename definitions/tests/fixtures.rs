//! Data-driven validator tests: each `fixtures/<name>.yaml` is parsed and its diagnostics,
//! written `LT004 12:5` one per line in the order the parser gives them, must equal
//! `fixtures/<name>.expected` (empty for a valid file). Files named `catalogue-*` are agency
//! catalogue files; the rest are procedure definitions checked against the shipped catalogue.
//! Every diagnostic code must be expected by at least one fixture.

use std::{collections::BTreeSet, fs, path::PathBuf};

use lienthong_definitions::{DiagnosticCode, Diagnostics, catalogue, parse_definition};

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("the fixtures folder exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn diagnose(path: &PathBuf) -> Vec<String> {
    let text = fs::read_to_string(path).expect("readable fixture");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result: Result<(), Diagnostics> = if name.starts_with("catalogue-") {
        catalogue::parse_agency(&text).map(drop)
    } else {
        parse_definition(&text).map(drop)
    };
    match result {
        Ok(()) => Vec::new(),
        Err(found) => found
            .0
            .iter()
            .map(|d| {
                let (line, column) = d.line.zip(d.column).expect("every diagnostic is located");
                format!("{} {line}:{column}", d.code)
            })
            .collect(),
    }
}

#[test]
fn every_fixture_gives_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    for path in fixtures() {
        let expected_path = path.with_extension("expected");
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .expected file", path.display()));
        let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        let found = diagnose(&path);
        if found != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  found    {found:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_diagnostic_code_has_a_fixture() {
    let mut covered = BTreeSet::new();
    for path in fixtures() {
        let expected = fs::read_to_string(path.with_extension("expected")).unwrap_or_default();
        for line in expected.lines() {
            if let Some(code) = line.split_whitespace().next() {
                covered.insert(code.to_owned());
            }
        }
    }
    let missing: Vec<&str> = DiagnosticCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "no fixture expects {missing:?}");
}

#[test]
fn every_procedure_folder_file_validates() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("procedures");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).expect("the procedures folder exists") {
        let path = entry.expect("readable").path();
        // `<procedure>.test.yaml` files are its tests, run by `procedure_tests.rs`.
        if path.extension().is_none_or(|e| e != "yaml")
            || path.to_string_lossy().ends_with(".test.yaml")
        {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable");
        if let Err(found) = parse_definition(&text) {
            panic!("{} is invalid: {found}", path.display());
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        lienthong_definitions::SHIPPED.len(),
        "every file in procedures/ is shipped, and every shipped one is there"
    );
}
