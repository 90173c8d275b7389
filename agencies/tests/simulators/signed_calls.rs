//! The simulators accept only calls signed with their secret, as the engine signs them; health,
//! admin and population (catalogue auth `none`) stay open.

use std::time::{Duration, SystemTime};

use lienthong_agencies::Agency;

use crate::common::*;

const REGISTER: &str = "register-permanent-residence";

/// A residence registration request with `key`, signed with `secret` as if sent at `at`.
fn registration(
    h: &Harness,
    key: &str,
    secret: &str,
    at: SystemTime,
) -> anyhow::Result<reqwest::Request> {
    let request = h
        .http
        .post(format!("{}/operations/{REGISTER}", h.url("residence")))
        .header("Idempotency-Key", key)
        .json(&child_residence("001226009001", MOTHER))
        .build()?;
    sign_at(request, secret, at)
}

async fn send(h: &Harness, request: reqwest::Request) -> anyhow::Result<Reply> {
    reply(h.http.execute(request).await?).await
}

#[tokio::test]
async fn calls_signed_with_the_agency_secret_pass_and_others_get_401() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let now = SystemTime::now();

    let missing = h
        .http
        .post(format!("{}/operations/{REGISTER}", h.url("residence")))
        .header("Idempotency-Key", "unsigned")
        .json(&child_residence("001226009001", MOTHER));
    let missing = reply(missing.send().await?).await?;
    assert_eq!(
        (missing.status, missing.code()),
        (401, "SIGNATURE_MISSING"),
        "{:?}",
        missing.body
    );

    let wrong = send(&h, registration(&h, "wrong", "not-the-secret", now)?).await?;
    assert_eq!((wrong.status, wrong.code()), (401, "SIGNATURE_INVALID"));

    let old = now - Duration::from_secs(301);
    let expired = send(&h, registration(&h, "old", "dev-secret-residence", old)?).await?;
    assert_eq!((expired.status, expired.code()), (401, "SIGNATURE_EXPIRED"));
    assert!(expired.body["message"].is_string());

    // Nothing refused reached the register.
    assert_eq!(h.count("residence", "acts", "").await?, 0);

    let valid = send(&h, registration(&h, "signed", "dev-secret-residence", now)?).await?;
    assert_eq!(valid.status, 201, "{:?}", valid.body);

    // The act lookup is signed too.
    let lookup = format!("{}/acts/signed", h.url("residence"));
    let unsigned = reply(h.http.get(&lookup).send().await?).await?;
    assert_eq!(
        (unsigned.status, unsigned.code()),
        (401, "SIGNATURE_MISSING")
    );
    let act = h.get("residence", "/acts/signed").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    Ok(())
}

#[tokio::test]
async fn health_admin_and_population_take_unsigned_calls() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let health = reply(
        h.http
            .get(format!("{}/health", h.url("residence")))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(health.status, 200);
    let faults = reply(
        h.http
            .get(format!("{}/admin/faults", h.url("residence")))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(faults.status, 200);

    let act = reply(
        h.http
            .get(format!("{}/acts/never-used", h.url("population")))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (act.status, act.code()),
        (404, "ACT_NOT_FOUND"),
        "{:?}",
        act.body
    );
    Ok(())
}

#[tokio::test]
async fn a_secret_from_the_catalogue_variable_replaces_the_development_one() -> anyhow::Result<()> {
    let h = Harness::start_with(|config| {
        config.with_secrets_from(|name| {
            (name == "LIENTHONG_SECRET_RESIDENCE").then(|| "from-the-environment".to_owned())
        })
    })
    .await?;
    let now = SystemTime::now();

    let dev = send(&h, registration(&h, "dev", "dev-secret-residence", now)?).await?;
    assert_eq!((dev.status, dev.code()), (401, "SIGNATURE_INVALID"));
    let configured = send(&h, registration(&h, "env", "from-the-environment", now)?).await?;
    assert_eq!(configured.status, 201, "{:?}", configured.body);
    // The other agencies keep their development secret.
    let lookup = h.get("social-insurance", "/acts/never-used").await?;
    assert_eq!(lookup.status, 404, "{:?}", lookup.body);
    Ok(())
}

#[test]
fn the_variables_are_the_ones_the_catalogue_names() {
    let catalogue = [
        (
            Agency::Population,
            include_str!("../../../definitions/catalogue/population.yaml"),
        ),
        (
            Agency::CivilStatus,
            include_str!("../../../definitions/catalogue/civil-status.yaml"),
        ),
        (
            Agency::Residence,
            include_str!("../../../definitions/catalogue/residence.yaml"),
        ),
        (
            Agency::SocialInsurance,
            include_str!("../../../definitions/catalogue/social-insurance.yaml"),
        ),
        (
            Agency::LabourOffice,
            include_str!("../../../definitions/catalogue/labour-office.yaml"),
        ),
    ];
    for (agency, yaml) in catalogue {
        let expected = match agency.secret_env() {
            Some(variable) => format!("auth: {{ kind: hmac, secret_env: {variable} }}"),
            None => "auth: { kind: none }".to_owned(),
        };
        assert!(yaml.contains(&expected), "{agency}: {expected}");
    }
}
