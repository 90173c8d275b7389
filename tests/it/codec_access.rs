//! Decoding case history through `/v1/codec/decode`, as the Temporal CLI and UI do: only an
//! operator granted personal data whose scope is every office may, since a payload names no
//! office; encoding is never served; every use, refused or not, is in the audit log.

use std::time::Duration;

use anyhow::{Context, Result};
use base64::{Engine, engine::general_purpose::STANDARD};
use lienthong_identity::Claims;
use lienthong_workflows::CaseWorkflow;
use serde_json::{Value, json};
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use crate::support::{Stack, eventually, example_submission};

fn operator(sub: &str, offices: &[&str], personal_data: bool) -> Claims {
    Claims {
        sub: sub.into(),
        roles: vec!["operator".into()],
        offices: offices.iter().map(|o| (*o).to_owned()).collect(),
        personal_data,
        ..Claims::default()
    }
}

/// The case's first payload (its input) as Temporal stores it, in the codec server's JSON form.
async fn stored_input(stack: &Stack, code: &str) -> Result<Value> {
    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;
    let events = client
        .get_workflow_handle::<CaseWorkflow>(code)
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await?;
    let input = events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
                a.input.as_ref().and_then(|i| i.payloads.first().cloned())
            }
            _ => None,
        })
        .context("the case's input")?;
    let metadata: serde_json::Map<String, Value> = input
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), json!(STANDARD.encode(v))))
        .collect();
    Ok(json!({"payloads": [{"metadata": metadata, "data": STANDARD.encode(&input.data)}]}))
}

async fn post(stack: &Stack, who: &Claims, path: &str, body: &Value) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(who))
        .post(format!("{}{path}", stack.api))
        .json(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn decoding_history_needs_every_office_and_personal_data_and_each_use_is_audited()
-> Result<()> {
    let stack = Stack::start().await?;
    let code = stack.submit_ok(&example_submission("codec-scope")).await?;
    let sealed = stored_input(&stack, &code).await?;
    assert!(
        !sealed.to_string().contains("001190012345"),
        "stored sealed"
    );

    let province = operator("operator-hcmc", &["79"], true);
    let national_masked = operator("national-masked", &["*"], false);
    let national = operator("national-supervisor", &["*"], true);
    for (who, expected) in [(&province, 403), (&national_masked, 403)] {
        let (status, answer) = post(&stack, who, "/v1/codec/decode", &sealed).await?;
        assert_eq!(status, expected, "{}: {answer}", who.sub);
        assert_eq!(answer["error"]["code"], "FORBIDDEN", "{answer}");
        assert!(!answer.to_string().contains("001190012345"));
    }
    let (status, opened) = post(&stack, &national, "/v1/codec/decode", &sealed).await?;
    assert_eq!(status, 200, "{opened}");
    let data = STANDARD.decode(opened["payloads"][0]["data"].as_str().unwrap_or_default())?;
    assert!(
        String::from_utf8_lossy(&data).contains("001190012345"),
        "the national supervisor reads the application"
    );
    let (status, refused) = post(&stack, &national, "/v1/codec/encode", &opened).await?;
    assert_eq!(status, 404, "encoding is not served: {refused}");

    let log: Value = stack
        .http
        .get(format!("{}/v1/audit?action=codec_decode", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let mut seen: Vec<(String, String)> = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (
                "national-masked".to_owned(),
                "refused: FORBIDDEN".to_owned()
            ),
            ("national-supervisor".to_owned(), "done".to_owned()),
            (
                "national-supervisor".to_owned(),
                "refused: HTTP 404".to_owned()
            ),
            ("operator-hcmc".to_owned(), "refused: FORBIDDEN".to_owned()),
        ],
        "{log}"
    );
    Ok(())
}

#[tokio::test]
async fn an_operator_of_every_office_lists_cases_of_every_office() -> Result<()> {
    let stack = Stack::start().await?;
    let code = stack.submit_ok(&example_submission("every-office")).await?;
    let national = operator("national-supervisor", &["*"], false);
    let province = operator("operator-hcmc", &["79"], false);
    // The national supervisor sees it once visibility has it: every office includes 01-HK.
    let national = stack.client_as(Some(&national));
    let what = format!("an operator of every office to list {code}");
    eventually(&what, Duration::from_secs(20), async || {
        let page: Value = national
            .get(format!("{}/v1/ops/cases?code={code}", stack.api))
            .send()
            .await?
            .json()
            .await?;
        Ok((page["cases"].as_array().map_or(0, Vec::len) == 1).then_some(()))
    })
    .await?;
    let page: Value = stack
        .client_as(Some(&province))
        .get(format!("{}/v1/ops/cases?code={code}", stack.api))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(page["cases"], json!([]), "{page}");
    Ok(())
}
