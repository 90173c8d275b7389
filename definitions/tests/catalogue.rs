//! The shipped agency catalogue: valid, one file per agency at its development port, and plain
//! data that survives a trip through JSON (the engine database stores it so).

use lienthong_definitions::{
    Catalogue, DiagnosticCode, SHIPPED_CATALOGUE,
    catalogue::{Answers, Auth, parse_agency},
};

fn shipped() -> Catalogue {
    Catalogue::shipped().unwrap_or_else(|(file, d)| panic!("{file}: {d}"))
}

#[test]
fn each_file_describes_the_agency_it_is_named_for_at_its_development_port() {
    let catalogue = shipped();
    for (file, text) in SHIPPED_CATALOGUE {
        let agency = parse_agency(text).unwrap_or_else(|d| panic!("{file}: {d}"));
        assert_eq!(format!("{}.yaml", agency.id), *file);
    }
    let ports: Vec<(&str, &str)> = catalogue
        .agencies()
        .iter()
        .map(|a| (a.id.as_str(), a.base_url.as_str()))
        .collect();
    assert_eq!(
        ports,
        vec![
            ("civil-status", "http://127.0.0.1:8702"),
            ("labour-office", "http://127.0.0.1:8705"),
            ("population", "http://127.0.0.1:8701"),
            ("residence", "http://127.0.0.1:8703"),
            ("social-insurance", "http://127.0.0.1:8704"),
        ]
    );
}

#[test]
fn every_undo_names_an_operation_that_answers_later_and_undoes_nothing_itself() {
    let catalogue = shipped();
    let mut pairs = Vec::new();
    for agency in catalogue.agencies() {
        for operation in &agency.operations {
            let Some(undone) = &operation.undoes else {
                continue;
            };
            let forward = agency.operation(undone).expect("undoes a real operation");
            assert!(
                forward.undoes.is_none(),
                "{} undoes an undo",
                operation.name
            );
            assert_eq!(forward.answers, Answers::Later, "{}", forward.name);
            assert_eq!(operation.answers, Answers::Now, "undos are automatic");
            assert_eq!(
                agency.undo_of(undone).map(|o| o.name.as_str()),
                Some(operation.name.as_str())
            );
            pairs.push(format!("{}/{}", agency.id, undone));
        }
    }
    assert_eq!(
        pairs,
        vec![
            "labour-office/grant-burial-support",
            "residence/register-permanent-residence",
            "residence/delete-permanent-residence",
            "social-insurance/issue-child-health-card",
            "social-insurance/pay-funeral-allowance",
            "social-insurance/grant-survivor-benefit",
        ]
    );
    let civil_status = catalogue.agency("civil-status").expect("shipped");
    assert!(
        civil_status
            .operations
            .iter()
            .all(|o| civil_status.undo_of(&o.name).is_none()),
        "births and deaths are never undone"
    );
}

#[test]
fn auth_names_environment_variables_and_never_holds_a_secret() {
    let catalogue = shipped();
    for agency in catalogue.agencies() {
        match &agency.auth {
            Auth::None => assert_eq!(agency.id, "population"),
            Auth::Hmac { secret_env } => assert!(secret_env.starts_with("LIENTHONG_SECRET_")),
            Auth::Bearer { token_env } => {
                panic!("no shipped agency uses a bearer token: {token_env}")
            }
        }
    }
}

#[test]
fn the_catalogue_survives_a_round_trip_through_json() {
    let catalogue = shipped();
    let json = serde_json::to_string(&catalogue).expect("serializable");
    let back: Catalogue = serde_json::from_str(&json).expect("deserializable");
    assert_eq!(back, catalogue);
    let agency =
        serde_json::to_value(catalogue.agency("residence").expect("shipped")).expect("json");
    assert_eq!(agency["auth"]["kind"], "hmac");
    assert_eq!(
        agency["operations"][1]["undoes"],
        "register-permanent-residence"
    );
    assert_eq!(agency["operations"][0]["answers"], "later");
}

#[test]
fn two_files_for_one_agency_are_refused() {
    let residence = shipped().agency("residence").cloned().expect("shipped");
    let err = Catalogue::new(vec![residence.clone(), residence]).expect_err("duplicate");
    assert_eq!(err.0[0].code, DiagnosticCode::DuplicateName);
}
