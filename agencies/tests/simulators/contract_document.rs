//! The simulators are the reference agency: every kind of answer they give, and the callback they
//! send, is checked against its schema in `docs/agency-openapi.yaml`, the contract an agency's IT
//! team builds from. A change to either that the other does not follow fails here.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::engine::TestEngine;

const DOCUMENT: &str = include_str!("../../../docs/agency-openapi.yaml");

/// The contract document, read as JSON.
fn document() -> anyhow::Result<Value> {
    Ok(serde_saphyr::from_str(DOCUMENT)?)
}

/// Checks `value` against the document's `components.schemas.<schema>`, resolving its `$ref`s
/// within the document.
fn conforms(document: &Value, schema: &str, value: &Value) -> anyhow::Result<()> {
    anyhow::ensure!(
        document["components"]["schemas"].get(schema).is_some(),
        "the contract document has no schema {schema}"
    );
    let mut root = document.clone();
    root["$ref"] = json!(format!("#/components/schemas/{schema}"));
    let validator = jsonschema::validator_for(&root)?;
    let problems: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    anyhow::ensure!(
        problems.is_empty(),
        "{value} is not a {schema}: {}",
        problems.join("; ")
    );
    Ok(())
}

/// Keys that look like the engine's (`{case}/{step}`), so the key schema is checked too.
fn key(n: u32, step: &str) -> String {
    format!("KS-00000-0000{n}/{step}")
}

#[tokio::test]
async fn every_answer_and_callback_matches_the_contract_document() -> anyhow::Result<()> {
    let contract = document()?;
    let mut engine = TestEngine::start(&[("residence", "dev-secret-residence")], 0).await?;
    let h = Harness::start_with(|mut config| {
        config.callback_url = Some(engine.url.clone());
        config
    })
    .await?;

    // Done: 201 with the result.
    let done = h
        .post(
            "residence",
            "register-permanent-residence",
            Some(&key(1, "residence")),
            &child_residence("001226005100", MOTHER),
        )
        .await?;
    assert_eq!(done.status, 201, "{:?}", done.body);
    conforms(&contract, "DoneAnswer", &done.body)?;

    // The act's record, its key sent as the engine encodes it.
    let record = h
        .get("residence", "/acts/KS-00000-00001%2Fresidence")
        .await?;
    assert_eq!(record.status, 200, "{:?}", record.body);
    conforms(&contract, "ActRecord", &record.body)?;
    assert_eq!(record.body["response"], done.body);

    // Not known: 404.
    let unknown = h
        .get("residence", "/acts/KS-00000-00009%2Fresidence")
        .await?;
    assert_eq!(unknown.status, 404);
    conforms(&contract, "Refusal", &unknown.body)?;

    // A refusal: a 4xx with a code.
    let refused = h
        .post(
            "residence",
            "register-permanent-residence",
            Some(&key(2, "residence")),
            &json!({"personal_id": "not digits"}),
        )
        .await?;
    assert!(
        (400..500).contains(&refused.status) && ![401, 403].contains(&refused.status),
        "{refused:?}"
    );
    conforms(&contract, "Refusal", &refused.body)?;
    assert!(!refused.code().is_empty(), "{:?}", refused.body);

    // Documents required.
    h.add_fault(
        "residence",
        json!({"operation": "register-permanent-residence", "mode": "documents_required",
               "documents": [{"code": "MARRIAGE_CERTIFICATE", "title": "Giấy chứng nhận kết hôn"}],
               "message": "cần bổ sung giấy chứng nhận kết hôn", "count": 1}),
    )
    .await?;
    let asked = h
        .post(
            "residence",
            "register-permanent-residence",
            Some(&key(3, "residence")),
            &child_residence("001226005300", MOTHER),
        )
        .await?;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    conforms(&contract, "DocumentsRequiredAnswer", &asked.body)?;

    // Pending, then a signed callback with the decision.
    h.add_fault(
        "residence",
        json!({"operation": "register-permanent-residence", "mode": "decide_later",
               "delay_ms": 200, "decision": "approve", "count": 1}),
    )
    .await?;
    let pending = h
        .post(
            "residence",
            "register-permanent-residence",
            Some(&key(4, "residence")),
            &child_residence("001226005400", MOTHER),
        )
        .await?;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    conforms(&contract, "PendingAnswer", &pending.body)?;
    let callbacks = engine.wait_for(1, Duration::from_secs(30)).await?;
    conforms(&contract, "Callback", &callbacks[0].body)?;
    conforms(
        &contract,
        "IdempotencyKey",
        &callbacks[0].body["idempotency_key"],
    )?;

    // Each schema really is checked: a body of the wrong shape is refused.
    let wrong = json!({"idempotency_key": "KS-00000-00001/residence", "operation": "x",
                       "status_code": "201", "response": {}});
    assert!(
        conforms(&contract, "ActRecord", &wrong).is_err(),
        "a status code written as a string is not a number"
    );
    h.sims.shutdown().await;
    Ok(())
}
