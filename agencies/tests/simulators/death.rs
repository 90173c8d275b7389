use std::time::Duration;

use lienthong_agencies::seeded::{
    BY_BENEFIT_STATUS, DECEASED_INSURED, DECEASED_MERITORIOUS, DECEASED_NONE, DECEASED_PENSIONER,
    DECLARANT, UNKNOWN_PERSON,
};
use serde_json::json;

use crate::common::*;
use crate::engine::TestEngine;

#[tokio::test]
async fn registering_a_death_records_it_in_population_and_answers_the_benefit_status()
-> anyhow::Result<()> {
    let h = Harness::start().await?;
    let reply = h
        .post(
            "civil-status",
            "register-death",
            Some("death-1"),
            &death(DECEASED_PENSIONER),
        )
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.str("benefit_status"), "pensioner");
    assert_eq!(reply.str("registered_on"), iso(today()));
    let certificate = reply.str("death_certificate_number");
    assert_eq!(certificate, format!("1/{}/KT-001", today().year()));
    assert_eq!(
        h.count(
            "civil-status",
            "deaths",
            &format!("deceased_id = '{DECEASED_PENSIONER}' AND declarant_id = '{DECLARANT}'")
        )
        .await?,
        1
    );

    let citizen = h
        .get("population", &format!("/citizens/{DECEASED_PENSIONER}"))
        .await?;
    assert_eq!(citizen.status, 200);
    assert_eq!(citizen.str("date_of_death"), days_ago(2));
    assert_eq!(citizen.str("benefit_status"), "pensioner");
    // Population acted under a key derived from civil status's own.
    let act = h.get("population", "/acts/death-1%2Fpopulation").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.str("operation"), "record-death");

    let next = h
        .post(
            "civil-status",
            "register-death",
            Some("death-2"),
            &death(DECEASED_MERITORIOUS),
        )
        .await?;
    assert_eq!(next.status, 201, "{:?}", next.body);
    assert_eq!(
        next.str("death_certificate_number"),
        format!("2/{}/KT-001", today().year())
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn every_seeded_person_dies_with_their_benefit_status() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for (status, people) in BY_BENEFIT_STATUS {
        for person in people {
            let reply = h
                .post(
                    "civil-status",
                    "register-death",
                    Some(&format!("status-{person}")),
                    &death(person),
                )
                .await?;
            assert_eq!(reply.status, 201, "{person}: {:?}", reply.body);
            assert_eq!(reply.str("benefit_status"), status, "{person}");
        }
    }
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_person_dies_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let first = h
        .post(
            "civil-status",
            "register-death",
            Some("once-1"),
            &death(DECEASED_NONE),
        )
        .await?;
    assert_eq!(first.status, 201, "{:?}", first.body);

    // Another declaration, at civil status.
    let again = h
        .post(
            "civil-status",
            "register-death",
            Some("once-2"),
            &death(DECEASED_NONE),
        )
        .await?;
    assert_eq!((again.status, again.code()), (422, "ALREADY_DECEASED"));

    // Population refuses a second death on its own too.
    let recorded = h
        .post(
            "population",
            "record-death",
            Some("once-pop"),
            &json!({"personal_id": DECEASED_NONE, "date_of_death": days_ago(1)}),
        )
        .await?;
    assert_eq!(
        (recorded.status, recorded.code()),
        (422, "ALREADY_DECEASED")
    );

    // A death population recorded first (another office) is refused at civil status too.
    let elsewhere = h
        .post(
            "population",
            "record-death",
            Some("elsewhere"),
            &json!({"personal_id": DECEASED_INSURED, "date_of_death": days_ago(1)}),
        )
        .await?;
    assert_eq!(elsewhere.status, 200, "{:?}", elsewhere.body);
    assert_eq!(elsewhere.str("benefit_status"), "insured");
    let refused = h
        .post(
            "civil-status",
            "register-death",
            Some("once-3"),
            &death(DECEASED_INSURED),
        )
        .await?;
    assert_eq!((refused.status, refused.code()), (422, "ALREADY_DECEASED"));

    assert_eq!(h.count("civil-status", "deaths", "").await?, 1);
    assert_eq!(h.count("civil-status", "acts", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn unknown_people_and_future_deaths_are_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let unknown = h
        .post(
            "civil-status",
            "register-death",
            Some("unknown"),
            &death(UNKNOWN_PERSON),
        )
        .await?;
    assert_eq!((unknown.status, unknown.code()), (422, "PERSON_NOT_FOUND"));

    let mut future = death(DECEASED_NONE);
    future["date_of_death"] = json!(iso(today() + time::Duration::days(1)));
    let reply = h
        .post("civil-status", "register-death", Some("future"), &future)
        .await?;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "DATE_OF_DEATH_IN_FUTURE")
    );

    assert_eq!(h.count("civil-status", "deaths", "").await?, 0);
    assert_eq!(h.count("civil-status", "acts", "").await?, 0);
    assert_eq!(
        h.count("population", "citizens", "date_of_death IS NOT NULL")
            .await?,
        0
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn invalid_death_registrations_name_the_field_not_the_value() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let long_place = "x".repeat(201);
    let cases = [
        ("deceased_id", json!("00106000020")),
        ("date_of_death", json!("2025-02-30")),
        ("place_of_death", json!("H")),
        ("place_of_death", json!(long_place)),
        ("declarant_id", json!("abcdefghijkl")),
        ("declarant_id", json!(DECEASED_NONE)),
        ("declarant_relationship", json!("neighbour")),
        ("declarant_relationship", json!(3)),
    ];
    for (i, (field, value)) in cases.into_iter().enumerate() {
        let mut body = death(DECEASED_NONE);
        body[field] = value.clone();
        let reply = h
            .post(
                "civil-status",
                "register-death",
                Some(&format!("bad-{i}")),
                &body,
            )
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{field}: {:?}",
            reply.body
        );
        let message = reply.str("message");
        if let Some(text) = value.as_str() {
            assert!(!message.contains(text), "{message}");
        }
        assert!(!message.contains(DECEASED_NONE), "{message}");
    }

    let mut missing = death(DECEASED_NONE);
    if let Some(body) = missing.as_object_mut() {
        body.remove("place_of_death");
    }
    let reply = h
        .post("civil-status", "register-death", Some("missing"), &missing)
        .await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    assert!(reply.str("message").contains("place_of_death"));

    // Only population knows the date of birth: its verdict reaches the caller as is.
    let mut before_birth = death(DECEASED_NONE);
    before_birth["date_of_death"] = json!("1950-01-01");
    let reply = h
        .post(
            "civil-status",
            "register-death",
            Some("before-birth"),
            &before_birth,
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    assert!(!reply.str("message").contains("1960"), "{:?}", reply.body);

    assert_eq!(h.count("civil-status", "acts", "").await?, 0);
    assert_eq!(
        h.count("population", "citizens", "date_of_death IS NOT NULL")
            .await?,
        0
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_retried_death_replays_its_first_answer() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = death(DECEASED_NONE);
    let first = h
        .post("civil-status", "register-death", Some("replay"), &body)
        .await?;
    assert_eq!((first.status, first.replayed), (201, false));
    let second = h
        .post("civil-status", "register-death", Some("replay"), &body)
        .await?;
    assert_eq!((second.status, second.replayed), (201, true));
    assert_eq!(second.body, first.body);

    let act = h.get("civil-status", "/acts/replay").await?;
    assert_eq!(act.str("operation"), "register-death");
    assert_eq!(act.body["status_code"], 201);
    assert_eq!(act.body["response"], first.body);

    let mut other = body.clone();
    other["place_of_death"] = json!("Tại nhà riêng");
    let reused = h
        .post("civil-status", "register-death", Some("replay"), &other)
        .await?;
    assert_eq!(
        (reused.status, reused.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(h.count("civil-status", "deaths", "").await?, 1);
    assert_eq!(h.count("population", "acts", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deaths_with_one_key_register_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let url = format!("{}/operations/register-death", h.url("civil-status"));
    let body = death(DECEASED_PENSIONER);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = h
            .http
            .post(&url)
            .header("Idempotency-Key", "concurrent-death")
            .json(&body);
        let (request, http) = (h.signed(request)?, h.http.clone());
        tasks.push(tokio::spawn(async move {
            reply(http.execute(request).await?).await
        }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        let reply = task.await??;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        bodies.push(reply.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(h.count("civil-status", "deaths", "").await?, 1);
    assert_eq!(h.count("civil-status", "acts", "").await?, 1);
    assert_eq!(h.count("population", "acts", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn population_down_makes_death_registration_retryable() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "population",
        json!({"operation": "record-death", "mode": "error", "status": 503, "count": 1}),
    )
    .await?;
    let body = death(DECEASED_NONE);
    let down = h
        .post("civil-status", "register-death", Some("pop-down"), &body)
        .await?;
    assert_eq!((down.status, down.code()), (503, "POPULATION_UNAVAILABLE"));
    assert_eq!(h.count("civil-status", "acts", "").await?, 0);
    let retried = h
        .post("civil-status", "register-death", Some("pop-down"), &body)
        .await?;
    assert_eq!(retried.status, 201, "{:?}", retried.body);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_death_decided_later_asks_population_when_approved() -> anyhow::Result<()> {
    let mut engine = TestEngine::start(&[("civil-status", "dev-secret-civil-status")], 0).await?;
    let engine_url = engine.url.clone();
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine_url);
        config
    })
    .await?;
    let queued = h
        .add_fault(
            "civil-status",
            json!({"operation": "register-death", "mode": "decide_later", "delay_ms": 100,
                   "decision": "approve", "count": 1}),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    let body = death(DECEASED_MERITORIOUS);
    let accepted = h
        .post("civil-status", "register-death", Some("later"), &body)
        .await?;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert!(accepted.str("reference").starts_with("HT-"));

    let callbacks = engine.wait_for(1, Duration::from_secs(30)).await?;
    let output = &callbacks[0].body["output"];
    assert_eq!(callbacks[0].body["outcome"], "done");
    assert_eq!(output["benefit_status"], "meritorious");
    let act = h.get("civil-status", "/acts/later").await?;
    assert_eq!(act.body["status_code"], 201);
    assert_eq!(&act.body["response"], output);
    assert_eq!(h.count("civil-status", "deaths", "").await?, 1);
    assert_eq!(
        h.count(
            "population",
            "citizens",
            &format!("personal_id = '{DECEASED_MERITORIOUS}' AND date_of_death IS NOT NULL")
        )
        .await?,
        1
    );
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}
