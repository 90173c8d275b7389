use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn registering_a_birth_assigns_a_personal_id_in_population() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let reply = h.register_birth("birth-1", &birth("e2e")).await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert!(!reply.replayed);

    let personal_id = reply.str("personal_id");
    assert_eq!(personal_id.len(), 12);
    // Mother's province (001), 21st century male (2), year of birth.
    let year = today() - time::Duration::days(5);
    assert!(
        personal_id.starts_with(&format!("0012{:02}", year.year() % 100)),
        "{personal_id}"
    );
    let certificate = reply.str("birth_certificate_number");
    assert!(
        certificate.ends_with(&format!("/{}/KS-001", today().year())),
        "{certificate}"
    );
    assert_eq!(reply.str("registered_on"), iso(today()));

    let citizen = h
        .get("population", &format!("/citizens/{personal_id}"))
        .await?;
    assert_eq!(citizen.status, 200);
    assert_eq!(citizen.str("full_name"), "Trần Minh An");
    assert_eq!(citizen.str("sex"), "male");
    assert_eq!(
        h.count(
            "population",
            "citizens",
            &format!("personal_id = '{personal_id}' AND mother_id = '{MOTHER}'")
        )
        .await?,
        1
    );
    assert_eq!(h.count("civil-status", "births", "").await?, 1);

    // Another key, same e-birth certificate: the birth is registered only once.
    let again = h.register_birth("birth-2", &birth("e2e")).await?;
    assert_eq!(again.status, 422);
    assert_eq!(again.code(), "BIRTH_ALREADY_REGISTERED");
    assert_eq!(h.count("civil-status", "births", "").await?, 1);

    // Certificate numbers follow a per-year sequence.
    let second = h.register_birth("birth-3", &birth("e2e-twin")).await?;
    assert_eq!(second.status, 201);
    assert_ne!(second.str("birth_certificate_number"), certificate);
    assert_ne!(second.str("personal_id"), personal_id);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn population_refusals_pass_through_and_nothing_is_recorded() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let mut unknown_mother = birth("no-mother");
    unknown_mother["mother_id"] = json!("001190099999");
    let reply = h
        .register_birth("birth-unknown-mother", &unknown_mother)
        .await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "MOTHER_NOT_FOUND");

    let mut unknown_father = birth("no-father");
    unknown_father["father_id"] = json!("001088099999");
    let reply = h
        .register_birth("birth-unknown-father", &unknown_father)
        .await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "FATHER_NOT_FOUND");

    assert_eq!(h.count("civil-status", "births", "").await?, 0);
    assert_eq!(h.count("civil-status", "acts", "").await?, 0);
    assert_eq!(
        h.count("population", "citizens", "").await?,
        SEEDED_CITIZENS
    );

    // Refusals are not recorded, so the same key succeeds once the data is fixed.
    let mut fixed = birth("no-mother");
    fixed["mother_id"] = json!(MOTHER);
    let reply = h.register_birth("birth-unknown-mother", &fixed).await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn invalid_births_are_refused_before_population_is_called() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let mut future = birth("future");
    future["child"]["date_of_birth"] = json!(iso(today() + time::Duration::days(2)));
    let reply = h.register_birth("b-future", &future).await?;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "DATE_OF_BIRTH_IN_FUTURE")
    );

    let mut unsigned = birth("unsigned");
    unsigned["e_birth_certificate"]["signature"] = json!("");
    let reply = h.register_birth("b-unsigned", &unsigned).await?;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "E_BIRTH_CERTIFICATE_UNSIGNED")
    );

    let mut bad_date = birth("bad-date");
    bad_date["child"]["date_of_birth"] = json!("2025-02-30");
    let reply = h.register_birth("b-bad-date", &bad_date).await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    // The message names the field, never the value sent.
    assert!(!reply.str("message").contains("2025-02-30"));

    let mut bad_sex = birth("bad-sex");
    bad_sex["child"]["sex"] = json!("x");
    let reply = h.register_birth("b-bad-sex", &bad_sex).await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));

    let mut missing = birth("missing");
    if let Some(child) = missing["child"].as_object_mut() {
        child.remove("ethnicity");
    }
    let reply = h.register_birth("b-missing", &missing).await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));

    assert_eq!(
        h.count("population", "citizens", "").await?,
        SEEDED_CITIZENS
    );
    assert_eq!(h.count("population", "acts", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn population_assigns_ids_directly_and_answers_lookups() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = json!({
        "full_name": "Lê Ngọc Bích",
        "date_of_birth": days_ago(1),
        "sex": "female",
        "place_of_birth": "Thành phố Hồ Chí Minh",
        "mother_id": NON_RESIDENT_MOTHER,
    });
    let reply = h
        .post("population", "assign-personal-id", Some("pop-1"), &body)
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let id = reply.str("personal_id");
    assert!(id.starts_with("0793"), "{id}");

    let seeded = h.get("population", &format!("/citizens/{MOTHER}")).await?;
    assert_eq!(seeded.status, 200);
    assert_eq!(seeded.str("full_name"), "Nguyễn Thị Lan");
    assert_eq!(seeded.str("date_of_birth"), "1990-03-14");
    assert_eq!(seeded.str("sex"), "female");

    let missing = h.get("population", "/citizens/001190000000").await?;
    assert_eq!((missing.status, missing.code()), (404, "CITIZEN_NOT_FOUND"));
    h.sims.shutdown().await;
    Ok(())
}
