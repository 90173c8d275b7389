//! An operator finds a citizen's cases by their personal ID number, as at the counter: only
//! cases of their own offices, each search in the audit log, the number itself nowhere in it.

use anyhow::Result;
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::{Stack, example_submission};

fn operator(sub: &str, offices: &[&str]) -> Claims {
    Claims {
        sub: sub.into(),
        roles: vec!["operator".into()],
        offices: offices.iter().map(|o| (*o).to_owned()).collect(),
        ..Claims::default()
    }
}

async fn search(stack: &Stack, who: &Claims, personal_id: &str) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(who))
        .post(format!("{}/v1/ops/people/cases", stack.api))
        .json(&json!({ "personal_id": personal_id }))
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
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
    assert_eq!(mine["detail"], r#"{"found":1}"#);
    let text = log.to_string();
    assert!(
        !text.contains("001190012345") && !text.contains("079000000001"),
        "{text}"
    );
    Ok(())
}
