use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

fn card(personal_id: &str) -> serde_json::Value {
    card_application(personal_id, &days_ago(7))
}

#[tokio::test]
async fn error_faults_answer_their_status_then_run_out() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let queued = h
        .add_fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "error", "status": 503, "count": 2}),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);

    for _ in 0..2 {
        let reply = h
            .post(
                "social-insurance",
                "issue-child-health-card",
                Some("f-err"),
                &card("001226002000"),
            )
            .await?;
        assert_eq!((reply.status, reply.code()), (503, "UNAVAILABLE"));
    }
    assert_eq!(h.count("social-insurance", "cards", "").await?, 0);
    let reply = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("f-err"),
            &card("001226002000"),
        )
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(h.count("social-insurance", "cards", "").await?, 1);

    let listed = h.get("social-insurance", "/admin/faults").await?;
    assert_eq!(listed.body, json!({"faults": []}));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn reject_faults_refuse_without_acting() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let queued = h
        .add_fault(
            "residence",
            json!({
                "operation": "register-permanent-residence",
                "mode": "reject",
                "reason_code": "DOSSIER_INCOMPLETE",
                "message": "form CT01 is missing",
                "count": 1
            }),
        )
        .await?;
    assert_eq!(queued.status, 201);
    let body = child_residence("001226002100", MOTHER);
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("f-rej"),
            &body,
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (422, "DOSSIER_INCOMPLETE"));
    assert_eq!(reply.str("message"), "form CT01 is missing");
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226002100'"
        )
        .await?,
        0
    );
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("f-rej"),
            &body,
        )
        .await?;
    assert_eq!(reply.status, 201);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn latency_faults_delay_then_act() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "social-insurance",
        json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 300, "count": 1}),
    )
    .await?;
    let started = Instant::now();
    let reply = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("f-lat"),
            &card("001226002200"),
        )
        .await?;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(h.count("social-insurance", "cards", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_reply_lost_after_the_act_is_found_through_acts() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "social-insurance",
        json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 2000, "after_act": true, "count": 1}),
    )
    .await?;
    let request = h
        .http
        .post(format!(
            "{}/operations/issue-child-health-card",
            h.url("social-insurance")
        ))
        .header("Idempotency-Key", "f-lost")
        .timeout(Duration::from_millis(300))
        .json(&card("001226002300"));
    let impatient = h.http.execute(h.signed(request)?).await;
    assert!(impatient.is_err_and(|e| e.is_timeout()));

    let deadline = Instant::now() + Duration::from_secs(10);
    let act = loop {
        let act = h.get("social-insurance", "/acts/f-lost").await?;
        if act.status == 200 || Instant::now() > deadline {
            break act;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.str("operation"), "issue-child-health-card");
    let retried = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("f-lost"),
            &card("001226002300"),
        )
        .await?;
    assert!(retried.replayed);
    assert_eq!(retried.body, act.body["response"]);
    assert_eq!(h.count("social-insurance", "cards", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn uncounted_faults_last_until_cleared() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "residence",
        json!({"operation": "*", "mode": "error", "status": 500}),
    )
    .await?;
    for key in ["u-1", "u-2", "u-3"] {
        let reply = h
            .post(
                "residence",
                "cancel-permanent-residence",
                Some(key),
                &json!({"residence_entry_id": "TT-2016-000101", "reason": "x"}),
            )
            .await?;
        assert_eq!((reply.status, reply.code()), (500, "UNAVAILABLE"));
    }
    // Only operations are affected.
    assert_eq!(h.get("residence", "/health").await?.status, 200);
    assert_eq!(h.get("residence", "/acts/u-1").await?.status, 404);

    let listed = h.get("residence", "/admin/faults").await?;
    assert_eq!(listed.body["faults"].as_array().map(Vec::len), Some(1));
    let cleared = h
        .send(
            h.http
                .delete(format!("{}/admin/faults", h.url("residence"))),
        )
        .await?;
    assert_eq!(cleared.body, json!({"cleared": 1}));
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("u-4"),
            &child_residence("001226002400", FATHER),
        )
        .await?;
    assert_eq!(reply.status, 201);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn population_outage_makes_birth_registration_retryable() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "population",
        json!({"operation": "assign-personal-id", "mode": "error", "status": 503, "count": 1}),
    )
    .await?;
    let reply = h.register_birth("f-pop", &birth("outage")).await?;
    assert_eq!(
        (reply.status, reply.code()),
        (503, "POPULATION_UNAVAILABLE")
    );
    assert_eq!(h.count("civil-status", "births", "").await?, 0);

    let reply = h.register_birth("f-pop", &birth("outage")).await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(h.count("civil-status", "births", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn malformed_faults_are_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for fault in [
        json!({"operation": "issue-child-health-card", "mode": "error", "status": 200}),
        json!({"operation": "register-birth", "mode": "error", "status": 503}),
        json!({"operation": "issue-child-health-card", "mode": "explode"}),
        json!({"operation": "issue-child-health-card", "mode": "reject", "reason_code": "lower"}),
        json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 5, "count": 0}),
        json!({"operation": "*", "mode": "error", "status": 503, "probability": 1.5}),
        json!({"operation": "*", "mode": "error", "status": 503, "probability": -0.1}),
        json!({"operation": "*", "mode": "error", "status": 503, "probability": "often"}),
        json!({"operation": "*", "mode": "ambiguous", "hold_ms": 700000}),
    ] {
        let reply = h.add_fault("social-insurance", fault.clone()).await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{fault}"
        );
    }
    let listed = h.get("social-insurance", "/admin/faults").await?;
    assert_eq!(listed.body, json!({"faults": []}));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_ambiguous_answer_comes_after_the_act_is_committed() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let queued = h
        .add_fault(
            "residence",
            json!({"operation": "*", "mode": "ambiguous", "hold_ms": 1500, "count": 1}),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    assert_eq!(queued.body["hold_ms"], 1500);
    let body = child_residence("001226002500", MOTHER);
    let request = h
        .http
        .post(format!(
            "{}/operations/register-permanent-residence",
            h.url("residence")
        ))
        .header("Idempotency-Key", "f-amb")
        .timeout(Duration::from_millis(300))
        .json(&body);
    let impatient = h.http.execute(h.signed(request)?).await;
    assert!(impatient.is_err_and(|e| e.is_timeout()));

    let deadline = Instant::now() + Duration::from_secs(10);
    let act = loop {
        let act = h.get("residence", "/acts/f-amb").await?;
        if act.status == 200 || Instant::now() > deadline {
            break act;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.body["status_code"], 201);
    let retried = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("f-amb"),
            &body,
        )
        .await?;
    assert!(retried.replayed);
    assert_eq!(retried.body, act.body["response"]);
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226002500'"
        )
        .await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_default_ambiguous_hold_is_a_minute() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let queued = h
        .add_fault("residence", json!({"operation": "*", "mode": "ambiguous"}))
        .await?;
    assert_eq!(queued.status, 201);
    assert_eq!(queued.body["hold_ms"], 60000);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_fault_that_does_not_apply_keeps_its_count() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let fault = json!({
        "operation": "issue-child-health-card",
        "mode": "error",
        "status": 503,
        "probability": 0.0,
        "count": 1,
    });
    let queued = h.add_fault("social-insurance", fault.clone()).await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    let reply = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("f-p0"),
            &card("001226002600"),
        )
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let listed = h.get("social-insurance", "/admin/faults").await?;
    assert_eq!(listed.body, json!({"faults": [fault]}));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn probabilistic_faults_hit_some_requests_only() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "residence",
        json!({"operation": "*", "mode": "error", "status": 503, "probability": 0.5}),
    )
    .await?;
    let (mut failed, mut done) = (0, 0);
    // Cancelling is idempotent, so every request that gets through succeeds.
    for i in 0..60 {
        let reply = h
            .post(
                "residence",
                "cancel-permanent-residence",
                Some(&format!("f-half-{i}")),
                &json!({"residence_entry_id": "TT-2016-000101", "reason": "test"}),
            )
            .await?;
        match reply.status {
            503 => failed += 1,
            200 => done += 1,
            other => anyhow::bail!("unexpected status {other}: {:?}", reply.body),
        }
    }
    // Both happen with overwhelming likelihood (each is missing with chance 2^-60).
    assert!(failed > 0 && done > 0, "failed {failed}, done {done}");
    h.sims.shutdown().await;
    Ok(())
}
