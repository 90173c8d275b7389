//! An operator without `personal_data` reads a completed case: every agency answer field its
//! contract classifies as personal is masked, through the citizen API's case route and the
//! operators' timeline alike, while the fields declared public stay readable.

use anyhow::Result;
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::{Stack, example_submission, step};

#[tokio::test]
async fn an_operator_without_personal_data_sees_no_identifier_an_agency_answered() -> Result<()> {
    let stack = Stack::start().await?;
    let code = stack.submit_ok(&example_submission("masking")).await?;
    let full = stack.wait_ended(&code).await?;
    assert_eq!(full["status"], "completed", "{full:#}");
    let card = step(&full, "insurance")["output"]["card_number"].clone();
    assert!(card.is_string() && card != json!("•••"), "{full:#}");

    let operator = Claims {
        sub: "operator-hanoi".into(),
        roles: vec!["operator".into()],
        offices: vec!["01".into()],
        ..Claims::default()
    };
    let client = stack.client_as(Some(&operator));
    for (path, pointer) in [
        (format!("/v1/cases/{code}"), ""),
        (format!("/v1/ops/cases/{code}"), "/case"),
    ] {
        let body: Value = client
            .get(format!("{}{path}", stack.api))
            .send()
            .await?
            .json()
            .await?;
        let case = body.pointer(pointer).cloned().unwrap_or_default();
        let insurance = &step(&case, "insurance")["output"];
        assert_eq!(insurance["card_number"], "•••", "{path}: {case:#}");
        assert_eq!(insurance["social_insurance_number"], "•••", "{path}");
        assert_eq!(
            insurance["valid_from"],
            step(&full, "insurance")["output"]["valid_from"],
            "{path}: a field declared public stays readable"
        );
        assert_eq!(
            step(&case, "birth")["output"]["personal_id"],
            "•••",
            "{path}"
        );
        // The citizen route's words repeat what each step issued: masked alike.
        if let Some(steps) = body["said"]["steps"].as_array() {
            for said in steps {
                for issued in said["issued"].as_array().into_iter().flatten() {
                    if issued["field"] == "card_number" {
                        assert_eq!(issued["value"], "•••", "{path}: {said}");
                    }
                }
            }
        }
        assert!(
            !body.to_string().contains(card.as_str().unwrap_or_default()),
            "{path}: the card number appears nowhere"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_application_as_filed_shows_to_an_operator_granted_personal_data_audited_and_masked_to_others()
-> Result<()> {
    let stack = Stack::start().await?;
    let code = stack
        .submit_ok(&example_submission("application-view"))
        .await?;
    stack.wait_ended(&code).await?;
    let filed = example_submission("application-view")["application"].clone();
    let name = filed["child"]["full_name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!name.is_empty());

    let operator = |sub: &str, personal_data: bool| Claims {
        sub: sub.into(),
        roles: vec!["operator".into()],
        offices: vec!["01".into()],
        personal_data,
        ..Claims::default()
    };
    let read = |who: Claims| {
        let client = stack.client_as(Some(&who));
        let url = format!("{}/v1/ops/cases/{code}", stack.api);
        async move { client.get(url).send().await?.json::<Value>().await }
    };

    let granted = read(operator("supervisor-hanoi", true)).await?;
    assert_eq!(granted["application"], filed, "{granted:#}");
    let masked = read(operator("operator-hanoi", false)).await?;
    assert_eq!(masked["application"]["child"]["full_name"], "•••");
    assert_eq!(masked["application"]["mother"]["personal_id"], "•••");
    assert!(!masked.to_string().contains(&name), "{masked:#}");

    // The supervisor's view is in the audit log; the masked one is not a read of personal data.
    let log: Value = stack
        .http
        .get(format!(
            "{}/v1/audit?action=read_personal_data&case={code}",
            stack.api
        ))
        .send()
        .await?
        .json()
        .await?;
    let actors: Vec<&str> = log["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["actor"].as_str()).collect())
        .unwrap_or_default();
    assert!(actors.contains(&"supervisor-hanoi"), "{log:#}");
    assert!(!actors.contains(&"operator-hanoi"), "{log:#}");
    Ok(())
}
