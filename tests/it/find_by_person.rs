//! An operator finds a citizen's cases by their personal ID number, or a case by a certificate
//! number it issued, as at the counter: only cases of their own offices, each search in the
//! audit log, the number itself nowhere in it nor in Temporal visibility.

use std::time::Duration;

use anyhow::{Result, anyhow};
use lienthong_identity::Claims;
use lienthong_workflows::{CaseWorkflow, search_attributes};
use serde_json::{Value, json};
use temporalio_client::WorkflowDescribeOptions;

use crate::support::{Stack, eventually, example_submission, step};

fn operator(sub: &str, offices: &[&str]) -> Claims {
    Claims {
        sub: sub.into(),
        roles: vec!["operator".into()],
        offices: offices.iter().map(|o| (*o).to_owned()).collect(),
        ..Claims::default()
    }
}

/// `who` searches with `body` (a personal ID number or a certificate number).
async fn search_with(stack: &Stack, who: &Claims, body: Value) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(who))
        .post(format!("{}/v1/ops/people/cases", stack.api))
        .json(&body)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

async fn search(stack: &Stack, who: &Claims, personal_id: &str) -> Result<(u16, Value)> {
    search_with(stack, who, json!({ "personal_id": personal_id })).await
}

#[tokio::test]
async fn an_operator_finds_a_citizens_cases_by_personal_id_only_in_their_offices_and_each_search_is_audited()
-> Result<()> {
    let stack = Stack::start().await?;
    // The example names the mother 001190012345; it is filed at Hà Nội's office 01-HK.
    let code = stack.submit_ok(&example_submission("by-person")).await?;

    let hanoi = operator("operator-hanoi", &["01"]);
    let (status, found) = search(&stack, &hanoi, "001190012345").await?;
    assert_eq!(status, 200, "{found}");
    let codes: Vec<&str> = found["cases"]
        .as_array()
        .map(|cases| cases.iter().filter_map(|c| c["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, vec![code.as_str()], "{found}");
    assert_eq!(found["cases"][0]["office"], "01-HK");

    // Another province's operator is told of no case, and nobody is told of another person's.
    let saigon = operator("operator-hcm", &["79"]);
    let (status, elsewhere) = search(&stack, &saigon, "001190012345").await?;
    assert_eq!((status, elsewhere["cases"].clone()), (200, json!([])));
    let (_, stranger) = search(&stack, &hanoi, "079000000001").await?;
    assert_eq!(stranger["cases"], json!([]));

    // A number that is not one is refused, naming the field.
    let (status, wrong) = search(&stack, &hanoi, "12345").await?;
    assert_eq!(status, 400, "{wrong}");
    assert_eq!(wrong["error"]["fields"][0]["field"], "/personal_id");

    // Every search is in the audit log with what it found, and the number is nowhere in it.
    let log: Value = stack
        .http
        .get(format!("{}/v1/audit?action=find_by_person", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 4, "{log:#}");
    let mine = entries
        .iter()
        .find(|e| e["actor"] == "operator-hanoi" && e["cases"] == json!([code]))
        .expect("the search that found the case");
    assert_eq!(mine["detail"], r#"{"found":1,"by":"personal_id"}"#);
    let text = log.to_string();
    assert!(
        !text.contains("001190012345") && !text.contains("079000000001"),
        "{text}"
    );
    Ok(())
}

async fn search_certificate(stack: &Stack, who: &Claims, number: &str) -> Result<(u16, Value)> {
    search_with(stack, who, json!({ "certificate_number": number })).await
}

#[tokio::test]
async fn an_operator_finds_a_case_by_a_certificate_number_it_issued_which_visibility_never_holds_in_clear()
-> Result<()> {
    let stack = Stack::start().await?;
    let code = stack
        .submit_ok(&example_submission("by-certificate"))
        .await?;
    let other = stack
        .submit_ok(&example_submission("by-certificate-2"))
        .await?;
    let case = stack.wait_ended(&code).await?;
    stack.wait_ended(&other).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    let certificate = step(&case, "birth")["output"]["birth_certificate_number"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no certificate number in {case:#}"))?;
    let card = step(&case, "insurance")["output"]["card_number"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no card number in {case:#}"))?;

    // As a clerk would type it from the paper: letters in any case, stray spaces.
    let typed = format!(" {} ", certificate.to_lowercase());
    let hanoi = operator("operator-hanoi", &["01"]);
    let what = "the case to be found by its certificate number";
    let found = eventually(what, Duration::from_secs(30), async || {
        let (status, found) = search_certificate(&stack, &hanoi, &typed).await?;
        assert_eq!(status, 200, "{found}");
        Ok((found["cases"].as_array().map_or(0, Vec::len) > 0).then_some(found))
    })
    .await?;
    assert_eq!(found["cases"].as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found["cases"][0]["code"], code.as_str());
    assert_eq!(found["cases"][0]["office"], "01-HK");
    assert_eq!(found["cases"][0]["procedure"], "birth-residence-insurance");
    let (_, by_card) = search_certificate(&stack, &hanoi, &card).await?;
    assert_eq!(by_card["cases"][0]["code"], code.as_str(), "{by_card}");

    // Another province's operator finds nothing; a number no case issued finds nothing.
    let saigon = operator("operator-hcm", &["79"]);
    let (status, elsewhere) = search_certificate(&stack, &saigon, &certificate).await?;
    assert_eq!((status, elsewhere["cases"].clone()), (200, json!([])));
    let (_, unknown) = search_certificate(&stack, &hanoi, "999/2026/KS-001").await?;
    assert_eq!(unknown["cases"], json!([]));

    // A date is no certificate number, and a search names one number, not two or none.
    let (status, date) = search_certificate(&stack, &hanoi, "2026-12-06").await?;
    assert_eq!(status, 400, "{date}");
    assert_eq!(date["error"]["fields"][0]["field"], "/certificate_number");
    let body = json!({ "certificate_number": certificate, "personal_id": "001190012345" });
    let (status, both) = search_with(&stack, &hanoi, body).await?;
    assert_eq!(status, 400, "{both}");

    // Visibility holds a keyed hash of each number, never the number.
    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;
    let described = client
        .get_workflow_handle::<CaseWorkflow>(&code)
        .describe(WorkflowDescribeOptions::default())
        .await?;
    let issued = described
        .search_attributes()
        .get(&search_attributes::ISSUED)
        .unwrap_or_default();
    // The birth certificate, the child's new personal ID, the residence entry and the card.
    assert_eq!(issued.split(' ').count(), 4, "{issued}");
    let shown = format!("{:?}", described.search_attributes());
    for number in [&certificate, &card] {
        assert!(!shown.contains(number.as_str()), "{shown}");
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        assert!(!shown.contains(&digits), "{shown}");
    }

    // Each search is audited with what it was by, and no number is in the log.
    let log: Value = stack
        .http
        .get(format!("{}/v1/audit?action=find_by_person", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let text = log.to_string();
    assert!(text.contains(r#"\"by\":\"certificate_number\""#), "{log:#}");
    assert!(
        !text.contains(&certificate) && !text.contains(&card),
        "{text}"
    );
    Ok(())
}
