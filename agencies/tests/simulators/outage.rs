use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn an_outage_cuts_every_call_but_admin_and_the_simulator_comes_back() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let before = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("out-1"),
            &child_residence("001226005100", MOTHER),
        )
        .await?;
    assert_eq!(before.status, 201, "{:?}", before.body);
    let addr = h.url("residence").trim_start_matches("http://").to_owned();

    let fault = json!({"operation": "*", "mode": "outage", "duration_ms": 1500});
    let posted = h.add_fault("residence", fault.clone()).await?;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    assert_eq!(posted.body, fault);

    // Right after the answer, a call gets no HTTP answer at all: its connection is cut.
    let deadline = Instant::now() + Duration::from_secs(5);
    let cut = loop {
        if cut_without_answer(&addr).await {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        tokio::task::yield_now().await;
    };
    assert!(cut, "calls were never cut");
    // The simulator's own /admin still answers, so the outage can be seen.
    assert_eq!(h.get("residence", "/admin/faults").await?.status, 200);
    // Other simulators are not affected.
    assert_eq!(h.get("social-insurance", "/health").await?.status, 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let health = loop {
        let attempt = client()?
            .get(format!("{}/health", h.url("residence")))
            .send()
            .await;
        match attempt {
            Ok(response) => break response.status().as_u16(),
            Err(_) if Instant::now() < deadline => tokio::task::yield_now().await,
            Err(error) => anyhow::bail!("residence did not come back: {error}"),
        }
    };
    assert_eq!(health, 200);

    // Same port, same register; the outage was not queued as a fault.
    let act = h.get("residence", "/acts/out-1").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.body["response"], before.body);
    assert_eq!(
        h.get("residence", "/admin/faults").await?.body,
        json!({"faults": []})
    );
    let after = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("out-2"),
            &child_residence("001226005200", MOTHER),
        )
        .await?;
    assert_eq!(after.status, 201, "{:?}", after.body);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn deleting_the_faults_ends_an_outage_at_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let addr = h.url("residence").trim_start_matches("http://").to_owned();
    let posted = h
        .add_fault(
            "residence",
            json!({"operation": "*", "mode": "outage", "duration_ms": 600000}),
        )
        .await?;
    assert_eq!(posted.status, 201);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cut_without_answer(&addr).await {
        assert!(Instant::now() < deadline, "the outage never began");
        tokio::task::yield_now().await;
    }
    let cleared = client()?
        .delete(format!("{}/admin/faults", h.url("residence")))
        .send()
        .await?;
    assert_eq!(cleared.status(), 200);
    // Ten minutes were asked for; the simulator is back long before.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client()?
            .get(format!("{}/health", h.url("residence")))
            .send()
            .await
        {
            Ok(response) if response.status() == 200 => break,
            _ if Instant::now() < deadline => tokio::task::yield_now().await,
            other => anyhow::bail!("residence did not come back: {other:?}"),
        }
    }
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_outage_is_for_the_whole_simulator() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for bad in [
        json!({"operation": "register-permanent-residence", "mode": "outage", "duration_ms": 100}),
        json!({"operation": "*", "mode": "outage", "duration_ms": 100, "count": 1}),
        json!({"operation": "*", "mode": "outage", "duration_ms": 100, "probability": 0.5}),
        json!({"operation": "*", "mode": "outage", "duration_ms": 0}),
        json!({"operation": "*", "mode": "outage"}),
    ] {
        let reply = h.add_fault("residence", bad.clone()).await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{bad}"
        );
    }
    assert_eq!(h.get("residence", "/health").await?.status, 200);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn stopping_during_an_outage_does_not_wait_for_it() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let posted = h
        .add_fault(
            "population",
            json!({"operation": "*", "mode": "outage", "duration_ms": 600000}),
        )
        .await?;
    assert_eq!(posted.status, 201);
    let started = Instant::now();
    h.sims.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(30));
    Ok(())
}
