use std::collections::BTreeMap;
use std::time::Duration;

use lienthong_agencies::Agency;
use serde_json::json;

use crate::common::*;
use crate::engine::TestEngine;

const CALLBACK_WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn an_approved_decision_acts_once_and_is_called_back() -> anyhow::Result<()> {
    // The engine is down for the first two callbacks: the simulator must retry.
    let mut engine = TestEngine::start(&[("residence", "dev-secret-residence")], 2).await?;
    let h = Harness::start().await?;
    let pointed = h
        .send(
            h.http
                .post(format!("{}/admin/callback", h.url("residence")))
                .json(&json!({"url": engine.url})),
        )
        .await?;
    assert_eq!(pointed.status, 200, "{:?}", pointed.body);
    assert_eq!(pointed.body["url"], engine.url.as_str());

    let fault = json!({
        "operation": "register-permanent-residence",
        "mode": "decide_later",
        "delay_ms": 800,
        "decision": "approve",
        "count": 1,
    });
    let queued = h.add_fault("residence", fault.clone()).await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    assert_eq!(queued.body, fault);

    let body = child_residence("001226003100", MOTHER);
    let accepted = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("dl-approve"),
            &body,
        )
        .await?;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert_eq!(accepted.str("outcome"), "pending");
    let reference = accepted.str("reference");
    assert!(reference.starts_with("CT-"), "{reference}");

    // A retry replays the pending answer and starts no second decision.
    let retried = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("dl-approve"),
            &body,
        )
        .await?;
    assert_eq!(retried.status, 202);
    assert!(retried.replayed);
    assert_eq!(retried.body, accepted.body);

    let callbacks = engine.wait_for(1, CALLBACK_WAIT).await?;
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
    let callback = &callbacks[0];
    assert_eq!(callback.agency, "residence");
    assert!(callback.timestamp.parse::<i64>().is_ok());
    assert_eq!(callback.body["idempotency_key"], "dl-approve");
    assert_eq!(callback.body["reference"], reference.as_str());
    assert_eq!(callback.body["outcome"], "done");
    let output = &callback.body["output"];
    assert!(
        output["residence_entry_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("TT-")),
        "{output}"
    );
    assert!(engine.requests() >= 3, "the two 503s were retried");

    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226003100'"
        )
        .await?,
        1
    );
    let act = h.get("residence", "/acts/dl-approve").await?;
    assert_eq!(act.body["status_code"], 201);
    assert_eq!(&act.body["response"], output);

    // After the decision, a retry replays the decision's answer.
    let replayed = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("dl-approve"),
            &body,
        )
        .await?;
    assert_eq!((replayed.status, replayed.replayed), (201, true));
    assert_eq!(&replayed.body, output);
    assert_eq!(engine.accepted().len(), 1);
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}

#[tokio::test]
async fn a_rejected_decision_writes_nothing_and_is_called_back() -> anyhow::Result<()> {
    let mut engine = TestEngine::start(&[("social-insurance", "bhxh-secret")], 0).await?;
    let engine_url = engine.url.clone();
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine_url);
        config.secrets = BTreeMap::from([(Agency::SocialInsurance, "bhxh-secret".into())]);
        config
    })
    .await?;
    let queued = h
        .add_fault(
            "social-insurance",
            json!({
                "operation": "*",
                "mode": "decide_later",
                "delay_ms": 200,
                "decision": "reject",
                "reason_code": "FILE_INCOMPLETE",
                "message": "the birth certificate copy is unreadable",
                "count": 1,
            }),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);

    let body = card_application("001226003200", &days_ago(7));
    let accepted = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("dl-reject"),
            &body,
        )
        .await?;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let reference = accepted.str("reference");
    assert!(reference.starts_with("BH-"), "{reference}");

    let callbacks = engine.wait_for(1, CALLBACK_WAIT).await?;
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0].agency, "social-insurance");
    assert_eq!(
        callbacks[0].body,
        json!({
            "idempotency_key": "dl-reject",
            "reference": reference,
            "outcome": "rejected",
            "code": "FILE_INCOMPLETE",
            "message": "the birth certificate copy is unreadable",
        })
    );
    assert_eq!(h.count("social-insurance", "cards", "").await?, 0);
    let act = h.get("social-insurance", "/acts/dl-reject").await?;
    assert_eq!(act.body["status_code"], 422);
    assert_eq!(act.body["response"]["code"], "FILE_INCOMPLETE");

    let retried = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("dl-reject"),
            &body,
        )
        .await?;
    assert_eq!(
        (retried.status, retried.replayed, retried.code()),
        (422, true, "FILE_INCOMPLETE")
    );
    assert_eq!(h.count("social-insurance", "cards", "").await?, 0);
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}

#[tokio::test]
async fn an_invalid_request_is_refused_at_once_without_a_decision() -> anyhow::Result<()> {
    let engine = TestEngine::start(&[("residence", "dev-secret-residence")], 0).await?;
    let engine_url = engine.url.clone();
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine_url);
        config
    })
    .await?;
    h.add_fault(
        "residence",
        json!({"operation": "*", "mode": "decide_later", "decision": "approve", "delay_ms": 0}),
    )
    .await?;
    let mut body = child_residence("001226003300", MOTHER);
    body["parent_id"] = json!("12");
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("dl-bad"),
            &body,
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    assert_eq!(h.get("residence", "/acts/dl-bad").await?.status, 404);
    h.sims.shutdown().await;
    assert_eq!(engine.requests(), 0);
    engine.stop();
    Ok(())
}

#[tokio::test]
async fn decide_later_needs_a_callback_url() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let fault = json!({"operation": "register-permanent-residence", "mode": "decide_later", "decision": "approve"});
    let refused = h.add_fault("residence", fault.clone()).await?;
    assert_eq!((refused.status, refused.code()), (400, "INVALID_REQUEST"));
    assert!(
        refused.str("message").contains("callback"),
        "{:?}",
        refused.body
    );

    let callback_url = format!("{}/admin/callback", h.url("residence"));
    for bad in [json!({"url": "ftp://engine"}), json!({"url": 5}), json!({})] {
        let reply = h.send(h.http.post(&callback_url).json(&bad)).await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{bad}"
        );
    }
    let set = h
        .send(
            h.http
                .post(&callback_url)
                .json(&json!({"url": "http://127.0.0.1:9"})),
        )
        .await?;
    assert_eq!(set.status, 200);
    assert_eq!(
        h.get("residence", "/admin/callback").await?.body,
        json!({"url": "http://127.0.0.1:9"})
    );
    assert_eq!(h.add_fault("residence", fault).await?.status, 201);
    let reject_without_reason =
        json!({"operation": "*", "mode": "decide_later", "decision": "reject"});
    let refused = h.add_fault("residence", reject_without_reason).await?;
    assert_eq!((refused.status, refused.code()), (400, "INVALID_REQUEST"));

    let cleared = h
        .send(h.http.post(&callback_url).json(&json!({"url": null})))
        .await?;
    assert_eq!(cleared.body, json!({"url": null}));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_birth_approved_later_gets_its_personal_id_from_population() -> anyhow::Result<()> {
    let mut engine = TestEngine::start(
        &[
            ("civil-status", "dev-secret-civil-status"),
            ("residence", "dev-secret-residence"),
        ],
        0,
    )
    .await?;
    let engine_url = engine.url.clone();
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine_url);
        config
    })
    .await?;
    h.add_fault(
        "civil-status",
        json!({"operation": "register-birth", "mode": "decide_later", "decision": "approve",
               "delay_ms": 100, "count": 1}),
    )
    .await?;
    let accepted = h.register_birth("dl-birth", &birth("later")).await?;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert!(accepted.str("reference").starts_with("HT-"));

    // Approved by the officer, but the parent has no residence any more by then: the act is
    // refused at decision time, and that refusal is the decision.
    h.add_fault(
        "residence",
        json!({"operation": "*", "mode": "decide_later", "decision": "approve",
               "delay_ms": 100, "count": 1}),
    )
    .await?;
    let pending = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("dl-nonresident"),
            &child_residence("001226003400", NON_RESIDENT_MOTHER),
        )
        .await?;
    assert_eq!(pending.status, 202, "{:?}", pending.body);

    let callbacks = engine.wait_for(2, CALLBACK_WAIT).await?;
    let by_agency = |agency: &str| {
        callbacks
            .iter()
            .find(|c| c.agency == agency)
            .map(|c| c.body.clone())
            .unwrap_or_default()
    };
    let birth_decision = by_agency("civil-status");
    assert_eq!(birth_decision["outcome"], "done", "{birth_decision}");
    let personal_id = birth_decision["output"]["personal_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(personal_id.len(), 12);
    assert_eq!(h.count("civil-status", "births", "").await?, 1);
    assert_eq!(
        h.count(
            "population",
            "citizens",
            &format!("personal_id = '{personal_id}'")
        )
        .await?,
        1
    );
    let residence_decision = by_agency("residence");
    assert_eq!(residence_decision["outcome"], "rejected");
    assert_eq!(residence_decision["code"], "PARENT_NOT_RESIDENT");
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226003400'"
        )
        .await?,
        0
    );
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}

/// Simulators calling back a test engine, with residence holding a decision (an approval) on
/// each of `held` (idempotency key, child's personal id), filed and answered pending.
async fn residence_holding_decisions(
    held: &[(&str, &str)],
) -> anyhow::Result<(TestEngine, Harness)> {
    let engine = TestEngine::start(&[("residence", "dev-secret-residence")], 0).await?;
    let h = Harness::start().await?;
    h.send(
        h.http
            .post(format!("{}/admin/callback", h.url("residence")))
            .json(&json!({"url": engine.url})),
    )
    .await?;
    let fault = json!({
        "operation": "register-permanent-residence",
        "mode": "decide_later",
        "delay_ms": 0,
        "hold": true,
        "decision": "approve",
        "count": held.len(),
    });
    let queued = h.add_fault("residence", fault.clone()).await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    assert_eq!(queued.body, fault);
    for (key, child) in held {
        let (key, child) = (*key, *child);
        let body = child_residence(child, MOTHER);
        let accepted = h
            .post(
                "residence",
                "register-permanent-residence",
                Some(key),
                &body,
            )
            .await?;
        assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    }
    Ok((engine, h))
}

#[tokio::test]
async fn held_decisions_wait_for_a_release_then_are_all_called_back() -> anyhow::Result<()> {
    let held = [("held-1", "001226003101"), ("held-2", "001226003102")];
    let (mut engine, h) = residence_holding_decisions(&held).await?;
    // Held: with no delay, an unheld decision would be called back at once; these still
    // show pending after a later act was accepted and answered.
    let later = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("not-held"),
            &child_residence("001226003103", MOTHER),
        )
        .await?;
    assert_eq!(later.status, 201, "{:?}", later.body);
    for key in ["held-1", "held-2"] {
        let act = h.get("residence", &format!("/acts/{key}")).await?;
        assert_eq!(act.body["status_code"], 202, "{key}: {:?}", act.body);
    }
    assert_eq!(
        engine.requests(),
        0,
        "nothing was called back before the release"
    );

    let released = h
        .send(
            h.http
                .post(format!("{}/admin/decisions/release", h.url("residence"))),
        )
        .await?;
    assert_eq!(released.status, 200);
    assert_eq!(released.body["releases"], 1);
    let callbacks = engine.wait_for(2, CALLBACK_WAIT).await?;
    let mut keys: Vec<&str> = callbacks
        .iter()
        .filter_map(|c| c.body["idempotency_key"].as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["held-1", "held-2"]);
    assert!(callbacks.iter().all(|c| c.body["outcome"] == "done"));
    Ok(())
}

#[tokio::test]
async fn held_decisions_can_be_let_go_a_few_at_a_time() -> anyhow::Result<()> {
    let held = [
        ("pile-1", "001226003111"),
        ("pile-2", "001226003112"),
        ("pile-3", "001226003113"),
    ];
    let (mut engine, h) = residence_holding_decisions(&held).await?;

    let release = |count: Option<usize>| {
        let query = count.map_or_else(String::new, |n| format!("?count={n}"));
        h.http.post(format!(
            "{}/admin/decisions/release{query}",
            h.url("residence")
        ))
    };
    let let_go = h.send(release(Some(2))).await?;
    assert_eq!(let_go.status, 200);
    assert_eq!(let_go.body["let_go"], 2);
    let first = engine.wait_for(2, CALLBACK_WAIT).await?;
    assert_eq!(first.len(), 2, "{first:?}");
    // Two were decided and called back; one is still waiting on the officer.
    let mut still_held = Vec::new();
    for (key, _) in held {
        let act = h.get("residence", &format!("/acts/{key}")).await?;
        if act.body["status_code"] == 202 {
            still_held.push(key);
        }
    }
    assert_eq!(still_held.len(), 1, "{still_held:?}");
    assert_eq!(engine.requests(), 2, "nothing more was called back");

    assert_eq!(h.send(release(None)).await?.status, 200);
    let all = engine.wait_for(3, CALLBACK_WAIT).await?;
    assert!(
        all.iter()
            .any(|c| c.body["idempotency_key"] == still_held[0] && c.body["outcome"] == "done"),
        "{all:?}"
    );
    h.sims.shutdown().await;
    engine.stop();
    Ok(())
}
