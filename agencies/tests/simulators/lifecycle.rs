use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::SystemTime;

use lienthong_agencies::{Agency, SimConfig, SimError};

use crate::common::*;

#[tokio::test]
async fn every_simulator_answers_health() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let urls = h.sims.urls();
    assert_eq!(
        urls.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "civil-status",
            "labour-office",
            "population",
            "residence",
            "social-insurance"
        ]
    );
    for agency in Agency::ALL {
        let reply = h.get(agency.as_str(), "/health").await?;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.str("agency"), agency.as_str());
        assert_eq!(reply.str("status"), "ok");
    }
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn registers_and_acts_survive_a_restart() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let first = h.register_birth("persist", &birth("persist")).await?;
    assert_eq!(first.status, 201);
    let h = h.restart().await?;
    let again = h.register_birth("persist", &birth("persist")).await?;
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    assert_eq!(h.count("civil-status", "births", "").await?, 1);
    assert_eq!(
        h.count("population", "citizens", "").await?,
        SEEDED_CITIZENS + 1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn civil_status_alone_uses_the_given_population_url() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = SimConfig::new(dir.path()).with_any_free_ports();
    config.only = Some(vec![Agency::CivilStatus]);
    let missing = lienthong_agencies::start(config.clone()).await;
    assert!(matches!(missing, Err(SimError::PopulationUrlMissing)));

    let mut population_only = SimConfig::new(dir.path()).with_any_free_ports();
    population_only.only = Some(vec![Agency::Population]);
    let population = lienthong_agencies::start(population_only).await?;
    config.population_url = population.url(Agency::Population).map(str::to_owned);
    let civil = lienthong_agencies::start(config).await?;
    assert_eq!(civil.urls().len(), 1);

    let http = client()?;
    let register = http
        .post(format!(
            "{}/operations/register-birth",
            civil.urls()["civil-status"]
        ))
        .header("Idempotency-Key", "split")
        .json(&birth("split"))
        .build()?;
    let register = sign_at(register, "dev-secret-civil-status", SystemTime::now())?;
    let reply = reply(http.execute(register).await?).await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    civil.shutdown().await;
    population.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_taken_port_is_reported_with_its_address() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = SimConfig::new(dir.path()).with_any_free_ports();
    config.only = Some(vec![Agency::Residence]);
    let first = lienthong_agencies::start(config.clone()).await?;
    let port: u16 = first.urls()["residence"]
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .parse()?;
    config.ports = BTreeMap::from([(Agency::Residence, port)]);
    match lienthong_agencies::start(config).await {
        Err(SimError::Bind { agency, addr, .. }) => {
            assert_eq!(agency, Agency::Residence);
            assert_eq!(addr.port(), port);
        }
        other => anyhow::bail!("expected a bind error, got {other:?}"),
    }
    first.shutdown().await;
    Ok(())
}

#[test]
fn agencies_have_stable_names_and_ports() -> anyhow::Result<()> {
    for (agency, name, port) in [
        (Agency::Population, "population", 8701),
        (Agency::CivilStatus, "civil-status", 8702),
        (Agency::Residence, "residence", 8703),
        (Agency::SocialInsurance, "social-insurance", 8704),
        (Agency::LabourOffice, "labour-office", 8705),
    ] {
        assert_eq!(agency.as_str(), name);
        assert_eq!(agency.default_port(), port);
        assert_eq!(Agency::from_str(name)?, agency);
    }
    assert!(Agency::from_str("tax").is_err());
    Ok(())
}

#[test]
fn secrets_default_to_a_development_secret() {
    let mut config = SimConfig::new("unused");
    assert_eq!(config.callback_url, None);
    assert_eq!(config.secret(Agency::Residence), "dev-secret-residence");
    assert_eq!(
        config.secret(Agency::CivilStatus),
        "dev-secret-civil-status"
    );
    config
        .secrets
        .insert(Agency::Residence, "configured".into());
    assert_eq!(config.secret(Agency::Residence), "configured");
}
