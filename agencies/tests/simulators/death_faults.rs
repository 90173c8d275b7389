//! The fault machinery on the death-registration operations, above all on the labour office,
//! the simulator the others were not built with.

use std::time::{Duration, Instant};

use lienthong_agencies::seeded::{
    DECEASED_INSURED, DECEASED_MERITORIOUS, DECEASED_NONE, DECEASED_PENSIONER,
    DECEASED_SOCIAL_PROTECTION, MERITORIOUS, SOCIAL_PROTECTION,
};
use serde_json::{Value, json};

use crate::common::*;
use crate::engine::TestEngine;

const GRANT: &str = "grant-burial-support";
const CALLBACK_WAIT: Duration = Duration::from_secs(30);

fn with_supplement(mut body: Value) -> Value {
    body["supplement"] = json!({
        "documents": [{"code": "DEATH_CERTIFICATE", "reference": "doc-91b2"}],
    });
    body
}

#[tokio::test]
async fn error_reject_and_latency_faults_apply_to_burial_support() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = burial_application(DECEASED_SOCIAL_PROTECTION);
    let queued = h
        .add_fault(
            "labour-office",
            json!({"operation": GRANT, "mode": "error", "status": 503, "count": 1}),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    let failed = h
        .post("labour-office", GRANT, Some("f-burial"), &body)
        .await?;
    assert_eq!((failed.status, failed.code()), (503, "UNAVAILABLE"));

    h.add_fault(
        "labour-office",
        json!({"operation": "*", "mode": "reject", "reason_code": "DOSSIER_INCOMPLETE", "count": 1}),
    )
    .await?;
    let rejected = h
        .post("labour-office", GRANT, Some("f-burial"), &body)
        .await?;
    assert_eq!(
        (rejected.status, rejected.code()),
        (422, "DOSSIER_INCOMPLETE")
    );
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 0);
    assert_eq!(h.count("labour-office", "acts", "").await?, 0);

    h.add_fault(
        "labour-office",
        json!({"operation": GRANT, "mode": "latency", "latency_ms": 300, "count": 1}),
    )
    .await?;
    let started = Instant::now();
    let done = h
        .post("labour-office", GRANT, Some("f-burial"), &body)
        .await?;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(done.status, 201, "{:?}", done.body);
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 1);
    assert_eq!(
        h.get("labour-office", "/admin/faults").await?.body,
        json!({"faults": []})
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_ambiguous_burial_support_is_found_through_acts() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    h.add_fault(
        "labour-office",
        json!({"operation": GRANT, "mode": "ambiguous", "hold_ms": 1500, "count": 1}),
    )
    .await?;
    let body = burial_application(DECEASED_MERITORIOUS);
    let request = h
        .http
        .post(format!("{}/operations/{GRANT}", h.url("labour-office")))
        .header("Idempotency-Key", "f-amb")
        .timeout(Duration::from_millis(300))
        .json(&body);
    let impatient = h.http.execute(h.signed(request)?).await;
    assert!(impatient.is_err_and(|e| e.is_timeout()));

    let act = wait_for_act(&h, "labour-office", "f-amb").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.body["status_code"], 201);
    let retried = h.post("labour-office", GRANT, Some("f-amb"), &body).await?;
    assert!(retried.replayed);
    assert_eq!(retried.body, act.body["response"]);
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn burial_support_asks_for_documents_then_acts_with_the_supplement() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let documents = json!([{"code": "DEATH_CERTIFICATE", "title": "Trích lục khai tử"}]);
    h.add_fault(
        "labour-office",
        json!({"operation": GRANT, "mode": "documents_required", "documents": documents, "count": 1}),
    )
    .await?;
    let body = burial_application(SOCIAL_PROTECTION[1]);
    let asked = h
        .post("labour-office", GRANT, Some("docs-1"), &body)
        .await?;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    assert_eq!(asked.str("outcome"), "documents_required");
    assert_eq!(asked.body["documents"], documents);
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 0);
    assert_eq!(h.get("labour-office", "/acts/docs-1").await?.status, 404);

    let done = h
        .post(
            "labour-office",
            GRANT,
            Some("docs-1/s1"),
            &with_supplement(body),
        )
        .await?;
    assert_eq!(done.status, 201, "{:?}", done.body);
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn burial_support_decided_later_is_called_back_signed() -> anyhow::Result<()> {
    let mut engine = TestEngine::start(&[("labour-office", "dev-secret-labour-office")], 1).await?;
    let engine_url = engine.url.clone();
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine_url);
        config
    })
    .await?;
    h.add_fault(
        "labour-office",
        json!({"operation": GRANT, "mode": "decide_later", "delay_ms": 100, "decision": "approve", "count": 1}),
    )
    .await?;

    let approved_body = burial_application(MERITORIOUS[1]);
    let accepted = h
        .post("labour-office", GRANT, Some("later-ok"), &approved_body)
        .await?;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert!(accepted.str("reference").starts_with("LD-"));
    let retried = h
        .post("labour-office", GRANT, Some("later-ok"), &approved_body)
        .await?;
    assert_eq!((retried.status, retried.replayed), (202, true));

    // Queued only now: a fault is taken before the key is looked up, so the retry above would
    // have used it.
    h.add_fault(
        "labour-office",
        json!({"operation": GRANT, "mode": "decide_later", "delay_ms": 100, "decision": "reject",
               "reason_code": "NOT_ELIGIBLE", "message": "không thuộc diện hỗ trợ", "count": 1}),
    )
    .await?;
    let rejected_body = burial_application(MERITORIOUS[2]);
    let pending = h
        .post("labour-office", GRANT, Some("later-no"), &rejected_body)
        .await?;
    assert_eq!(pending.status, 202, "{:?}", pending.body);

    let callbacks = engine.wait_for(2, CALLBACK_WAIT).await?;
    let by_key = |key: &str| {
        callbacks
            .iter()
            .find(|c| c.body["idempotency_key"] == key)
            .map(|c| c.body.clone())
            .unwrap_or_default()
    };
    assert!(callbacks.iter().all(|c| c.agency == "labour-office"));
    let done = by_key("later-ok");
    assert_eq!(done["outcome"], "done");
    assert_eq!(done["reference"], accepted.body["reference"]);
    assert_eq!(done["output"]["amount_vnd"], 23_400_000);
    let refused = by_key("later-no");
    assert_eq!(refused["outcome"], "rejected");
    assert_eq!(refused["code"], "NOT_ELIGIBLE");

    let act = h.get("labour-office", "/acts/later-ok").await?;
    assert_eq!(act.body["status_code"], 201);
    assert_eq!(act.body["response"], done["output"]);
    let act = h.get("labour-office", "/acts/later-no").await?;
    assert_eq!(act.body["status_code"], 422);
    assert_eq!(
        h.count(
            "labour-office",
            "burial_support",
            &format!("deceased_id = '{}'", MERITORIOUS[1])
        )
        .await?,
        1
    );
    assert_eq!(
        h.count(
            "labour-office",
            "burial_support",
            &format!("deceased_id = '{}'", MERITORIOUS[2])
        )
        .await?,
        0
    );
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}

#[tokio::test]
async fn the_labour_office_goes_down_and_comes_back() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let before = h
        .post(
            "labour-office",
            GRANT,
            Some("out-1"),
            &burial_application(DECEASED_SOCIAL_PROTECTION),
        )
        .await?;
    assert_eq!(before.status, 201, "{:?}", before.body);
    let addr = h
        .url("labour-office")
        .trim_start_matches("http://")
        .to_owned();
    let posted = h
        .add_fault(
            "labour-office",
            json!({"operation": "*", "mode": "outage", "duration_ms": 1500}),
        )
        .await?;
    assert_eq!(posted.status, 201, "{:?}", posted.body);

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

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = client()?
            .get(format!("{}/health", h.url("labour-office")))
            .send()
            .await;
        match attempt {
            Ok(response) => {
                assert_eq!(response.status().as_u16(), 200);
                break;
            }
            Err(_) if Instant::now() < deadline => tokio::task::yield_now().await,
            Err(error) => anyhow::bail!("the labour office did not come back: {error}"),
        }
    }
    let act = h.get("labour-office", "/acts/out-1").await?;
    assert_eq!(act.body["response"], before.body);
    let after = h
        .post(
            "labour-office",
            GRANT,
            Some("out-2"),
            &burial_application(MERITORIOUS[0]),
        )
        .await?;
    assert_eq!(after.status, 201, "{:?}", after.body);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn compensations_survive_faults_and_stay_idempotent() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let deleted = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("comp-del"),
            &deletion(DECEASED_NONE, "1/2026/KT-001"),
        )
        .await?;
    assert_eq!(deleted.status, 201, "{:?}", deleted.body);
    let restore = json!({"deletion_id": deleted.str("deletion_id"), "reason": "compensation"});

    // The answer to the compensation is lost after it was done.
    h.add_fault(
        "residence",
        json!({"operation": "restore-permanent-residence", "mode": "ambiguous", "hold_ms": 1500, "count": 1}),
    )
    .await?;
    let request = h
        .http
        .post(format!(
            "{}/operations/restore-permanent-residence",
            h.url("residence")
        ))
        .header("Idempotency-Key", "comp-del/compensate")
        .timeout(Duration::from_millis(300))
        .json(&restore);
    let impatient = h.http.execute(h.signed(request)?).await;
    assert!(impatient.is_err_and(|e| e.is_timeout()));
    let act = wait_for_act(&h, "residence", "comp-del%2Fcompensate").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    let retried = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("comp-del/compensate"),
            &restore,
        )
        .await?;
    assert_eq!((retried.status, retried.replayed), (200, true));
    assert_eq!(retried.body, act.body["response"]);

    // A compensation that fails first is done on retry, once.
    let paid = h
        .post(
            "social-insurance",
            "pay-funeral-allowance",
            Some("comp-pay"),
            &funeral_payment(DECEASED_PENSIONER),
        )
        .await?;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    h.add_fault(
        "social-insurance",
        json!({"operation": "cancel-funeral-allowance", "mode": "error", "status": 500, "count": 1}),
    )
    .await?;
    let cancel = json!({"payment_id": paid.str("payment_id"), "reason": "compensation"});
    for expected in [500, 200] {
        let reply = h
            .post(
                "social-insurance",
                "cancel-funeral-allowance",
                Some("comp-pay/compensate"),
                &cancel,
            )
            .await?;
        assert_eq!(reply.status, expected, "{:?}", reply.body);
    }
    assert_eq!(
        h.count(
            "social-insurance",
            "funeral_allowances",
            "status = 'cancelled'"
        )
        .await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn every_death_operation_accepts_a_supplement() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let post = |agency: &'static str, operation: &'static str, key: &'static str, body: Value| {
        let h = &h;
        async move {
            h.post(agency, operation, Some(key), &with_supplement(body))
                .await
        }
    };
    let death = post(
        "civil-status",
        "register-death",
        "sup-death",
        death(DECEASED_INSURED),
    )
    .await?;
    assert_eq!(death.status, 201, "{:?}", death.body);
    let certificate = death.str("death_certificate_number");
    let recorded = post(
        "population",
        "record-death",
        "sup-record",
        json!({"personal_id": DECEASED_NONE, "date_of_death": days_ago(1)}),
    )
    .await?;
    assert_eq!(recorded.status, 200, "{:?}", recorded.body);

    let deleted = post(
        "residence",
        "delete-permanent-residence",
        "sup-del",
        deletion(DECEASED_INSURED, &certificate),
    )
    .await?;
    assert_eq!(deleted.status, 201, "{:?}", deleted.body);
    let restored = post(
        "residence",
        "restore-permanent-residence",
        "sup-restore",
        json!({"deletion_id": deleted.str("deletion_id"), "reason": "x"}),
    )
    .await?;
    assert_eq!(restored.status, 200, "{:?}", restored.body);

    let paid = post(
        "social-insurance",
        "pay-funeral-allowance",
        "sup-pay",
        funeral_payment(DECEASED_INSURED),
    )
    .await?;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    let cancelled = post(
        "social-insurance",
        "cancel-funeral-allowance",
        "sup-pay-cancel",
        json!({"payment_id": paid.str("payment_id"), "reason": "x"}),
    )
    .await?;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);

    let granted = post(
        "social-insurance",
        "grant-survivor-benefit",
        "sup-survivor",
        survivor_application(DECEASED_INSURED),
    )
    .await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let cancelled = post(
        "social-insurance",
        "cancel-survivor-benefit",
        "sup-survivor-cancel",
        json!({"benefit_id": granted.str("benefit_id"), "reason": "x"}),
    )
    .await?;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);

    let supported = post(
        "labour-office",
        GRANT,
        "sup-burial",
        burial_application(SOCIAL_PROTECTION[2]),
    )
    .await?;
    assert_eq!(supported.status, 201, "{:?}", supported.body);
    let cancelled = post(
        "labour-office",
        "cancel-burial-support",
        "sup-burial-cancel",
        json!({"decision_number": supported.str("decision_number"), "reason": "x"}),
    )
    .await?;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    h.sims.shutdown().await;
    Ok(())
}
