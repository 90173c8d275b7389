//! What Temporal stores of a case is ciphertext: its raw history, read with a client that holds no
//! key, shows none of the citizen's data, and a key rotated mid-case keeps the case running.

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::{Context, Result};
use base64::{Engine, engine::general_purpose::STANDARD};
use lienthong_codec::{
    KEYS_ENV, KeyRing, PayloadCipher, WRITE_KEY_ENV, generate_key_entry, is_encrypted,
};
use lienthong_workflows::CaseWorkflow;
use prost::Message;
use serde_json::{Value, json};
use temporalio_client::{
    Client, WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowFetchHistoryOptions,
    WorkflowQueryOptions,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::support::{Stack, StackOptions, eventually, example_submission, step};

/// Everything personal in the example application, as written and as JSON may escape it.
const PERSONAL: &[&str] = &[
    "001190012345",
    "001088012346",
    "Trần Minh An",
    "Tr\\u1ea7n",
    "Tran Minh An",
    "Minh An",
    "2026-11-20",
    "0912345678",
    "GCS-TEST-",
    "Phụ sản",
    "MEUCIQDx4v1r0p",
];

/// A case's whole history as Temporal returns it, without any codec: protobuf bytes, JSON and Debug.
/// It waits for the execution to close: the API can already show a case as ended while the
/// workflow task that completes it (and writes its last payloads) is still being recorded.
async fn raw_history(stack: &Stack, code: &str) -> Result<(Vec<u8>, String, String)> {
    let client = plain_client(stack).await?;
    let handle = client.get_workflow_handle::<CaseWorkflow>(code);
    let what = format!("the workflow of {code} to close");
    eventually(&what, Duration::from_secs(30), async || {
        let described = handle.describe(WorkflowDescribeOptions::default()).await?;
        Ok((described.status() != WorkflowExecutionStatus::Running).then_some(()))
    })
    .await?;
    let events = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await?;
    let bytes = events.iter().flat_map(Message::encode_to_vec).collect();
    let json = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await?;
    Ok((bytes, String::from_utf8(json)?, format!("{events:?}")))
}

async fn plain_client(stack: &Stack) -> Result<Client> {
    Ok(lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The payloads of a history's JSON: the encrypted ones opened with `cipher` (their data
/// concatenated), and the metadata keys and data of each one left in clear.
#[derive(Default)]
struct Census {
    opened: Vec<u8>,
    clear: Vec<(Vec<String>, Vec<u8>)>,
}

impl Census {
    fn take(&mut self, json: &Value, cipher: &PayloadCipher) -> Result<()> {
        match json {
            Value::Object(fields) => {
                if let Some(Value::Object(metadata)) = fields.get("metadata") {
                    let metadata = metadata
                        .iter()
                        .map(|(key, value)| {
                            let text = value.as_str().context("metadata is base64 text")?;
                            Ok((key.clone(), STANDARD.decode(text)?))
                        })
                        .collect::<Result<HashMap<_, _>>>()?;
                    let data = fields.get("data").and_then(Value::as_str).unwrap_or("");
                    let payload = Payload {
                        metadata,
                        data: STANDARD.decode(data)?,
                        ..Default::default()
                    };
                    if is_encrypted(&payload) {
                        self.opened.extend(cipher.decrypt(payload)?.data);
                    } else {
                        let mut keys: Vec<String> = payload.metadata.into_keys().collect();
                        keys.sort();
                        self.clear.push((keys, payload.data));
                    }
                }
                for value in fields.values() {
                    self.take(value, cipher)?;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.take(item, cipher)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The SDK's own record of a local attempt (sequence number, attempt, activity id and type,
/// times, activation), which it writes beside the attempt's encrypted result: ids and times, nothing of the
/// application.
fn is_local_attempt_record(data: &[u8]) -> bool {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(data) else {
        return false;
    };
    fields.get("activity_type") == Some(&json!(lienthong_workflows::CALL_AGENCY))
        && fields.keys().all(|key| {
            [
                "seq",
                "attempt",
                "activity_id",
                "activity_type",
                "complete_time",
                "backoff",
                "original_schedule_time",
                "activation_index",
            ]
            .contains(&key.as_str())
        })
}

/// A payload's `encryption-key-id` metadata entry as protobuf writes it (map key, then value).
fn key_id_entry(id: &str) -> Vec<u8> {
    let mut entry = b"encryption-key-id".to_vec();
    entry.extend([0x12, u8::try_from(id.len()).unwrap_or(u8::MAX)]);
    entry.extend(id.as_bytes());
    entry
}

#[tokio::test]
async fn temporal_history_holds_no_personal_data_in_clear() -> Result<()> {
    let key = generate_key_entry("privacy")?;
    let stack =
        Stack::start_with_options(StackOptions::default().env(KEYS_ENV, key.clone())).await?;
    let code = stack.submit_ok(&example_submission("privacy")).await?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");

    let (bytes, json, debug) = raw_history(&stack, &code).await?;
    // Metadata values are bytes, so JSON shows them in base64: the payloads are in this text.
    assert!(
        json.contains("YmluYXJ5L2VuY3J5cHRlZA=="),
        "no payload in the JSON"
    );
    for needle in PERSONAL {
        assert!(
            !contains(&bytes, needle.as_bytes()),
            "`{needle}` in the history's bytes"
        );
        assert!(!json.contains(needle), "`{needle}` in the history's JSON");
        assert!(!debug.contains(needle), "`{needle}` in the history's Debug");
    }
    assert!(contains(&bytes, b"binary/encrypted"));

    // The scan would have seen the application: opened with the key, this history holds it. What
    // stays in clear is only search attributes (typed metadata, no personal data).
    let mut census = Census::default();
    census.take(
        &serde_json::from_str(&json)?,
        &PayloadCipher::new(KeyRing::parse(&key)?),
    )?;
    for needle in ["001190012345", "Trần Minh An", "2026-11-20", "0912345678"] {
        assert!(
            contains(&census.opened, needle.as_bytes()),
            "`{needle}` not in the opened payloads"
        );
    }
    for (keys, data) in &census.clear {
        assert!(
            keys.contains(&"type".to_owned()) || is_local_attempt_record(data),
            "a payload in clear that is neither a search attribute nor a local attempt's record: \
             {keys:?} {}",
            String::from_utf8_lossy(data)
        );
    }
    assert!(
        contains(&bytes, &key_id_entry("privacy")),
        "payloads name their key"
    );

    // Without the key nobody reads the case back, not even through a query to the worker.
    let plain = plain_client(&stack).await?;
    let answer = plain
        .get_workflow_handle::<CaseWorkflow>(&code)
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await;
    assert!(answer.is_err(), "a client without the key read the case");
    let stranger = Arc::new(PayloadCipher::new(KeyRing::parse(&generate_key_entry(
        "stranger",
    )?)?));
    let foreign = lienthong::connect::connect_with(
        Some(&stack.temporal.address().to_string()),
        None,
        Some(&stranger),
    )
    .await?;
    let refused = foreign
        .get_workflow_handle::<CaseWorkflow>(&code)
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(refused.contains("payload_key_unknown"), "{refused}");
    assert!(!refused.contains("001190012345"), "{refused}");
    Ok(())
}

#[tokio::test]
async fn a_key_rotated_while_a_case_waits_keeps_it_running() -> Result<()> {
    // Rotation in two moves: every process first learns k2 while k1 still writes, then k2 writes.
    let keys = format!(
        "{},{}",
        generate_key_entry("k1")?,
        generate_key_entry("k2")?
    );
    let mut stack = Stack::start_with_options(
        StackOptions::default()
            .env(KEYS_ENV, keys)
            .env(WRITE_KEY_ENV, "k1"),
    )
    .await?;
    stack
        .fault("social-insurance", json!({"operation": "issue-child-health-card", "mode": "decide_later", "hold": true, "delay_ms": 0, "decision": "approve", "count": 1}))
        .await?;
    let code = stack.submit_ok(&example_submission("rotation")).await?;
    stack
        .wait_case(&code, Duration::from_secs(30), |c| {
            step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;

    // The new worker replays what k1 wrote and writes the rest under k2.
    stack.kill_worker().await?;
    stack.set_env(WRITE_KEY_ENV, "k2");
    stack.start_worker()?;
    stack
        .http
        .post(format!(
            "{}/admin/decisions/release",
            stack.agencies["social-insurance"]
        ))
        .send()
        .await?
        .error_for_status()?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");

    let (bytes, _, _) = raw_history(&stack, &code).await?;
    assert!(
        contains(&bytes, &key_id_entry("k1")),
        "the case started under k1"
    );
    assert!(contains(&bytes, &key_id_entry("k2")), "and ended under k2");
    Ok(())
}
