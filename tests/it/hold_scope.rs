//! An agency's hold is every office's: new cases of every office start held and the cases of
//! every office stop calling it. So only an operator whose scope is every office places or lifts
//! it; an office's operator acts on their own cases only, and their bulk release leaves the hold
//! of the other offices in place.

use std::time::Duration;

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

async fn post(stack: &Stack, who: &Claims, path: &str, body: Value) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(who))
        .post(format!("{}{path}", stack.api))
        .json(&body)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

async fn held(stack: &Stack) -> Result<bool> {
    let board: Value = stack
        .http
        .get(format!("{}/v1/ops/agencies", stack.api))
        .send()
        .await?
        .json()
        .await?;
    Ok(board["agencies"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["agency"] == "residence"))
        .is_some_and(|a| a["held"] == true))
}

#[tokio::test]
async fn only_an_operator_of_every_office_holds_or_releases_an_agency() -> Result<()> {
    let stack = Stack::start().await?;
    let province = operator("operator-hcmc", &["79"]);
    let national = operator("supervisor-national", &["*"]);
    let reason = json!({"reason": "residence down since 08:00"});

    for action in ["hold", "release"] {
        let (status, refused) = post(
            &stack,
            &province,
            &format!("/v1/ops/agencies/residence/{action}"),
            reason.clone(),
        )
        .await?;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (403, Some("SCOPE_TOO_NARROW")),
            "{action}: {refused}"
        );
    }
    assert!(!held(&stack).await?, "a refused hold records nothing");

    let (status, answer) = post(
        &stack,
        &national,
        "/v1/ops/agencies/residence/hold",
        reason.clone(),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    stack
        .wait_batch(
            answer["batch"].as_str().unwrap_or_default(),
            Duration::from_secs(60),
        )
        .await?;
    assert!(held(&stack).await?);

    // A case of office 01-HK, filed during the hold, starts held.
    let code = stack.submit_ok(&example_submission("scoped-hold")).await?;
    stack
        .wait_case(&code, Duration::from_secs(30), |c| {
            c["held_agencies"] == json!(["residence"])
        })
        .await?;

    // The province's bulk release reaches only its own cases and leaves the hold in place.
    let (status, answer) = post(
        &stack,
        &province,
        "/v1/ops/bulk",
        json!({"action": "release", "agency": "residence", "filter": {"reason": "held"},
               "reason": "back in our province"}),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["agency_hold_lifted"], false, "{answer}");
    let report = stack
        .wait_batch(
            answer["batch"].as_str().unwrap_or_default(),
            Duration::from_secs(60),
        )
        .await?;
    assert_eq!(report["progress"]["matched"], 0, "{report:#}");
    assert!(held(&stack).await?, "the other offices' hold stays");
    let (_, case) = stack.case(&code).await?;
    assert_eq!(case["held_agencies"], json!(["residence"]), "{case:#}");

    let (status, answer) = post(
        &stack,
        &national,
        "/v1/ops/agencies/residence/release",
        reason,
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    stack
        .wait_batch(
            answer["batch"].as_str().unwrap_or_default(),
            Duration::from_secs(60),
        )
        .await?;
    assert!(!held(&stack).await?);
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    Ok(())
}
