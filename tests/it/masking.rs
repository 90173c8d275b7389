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
        assert!(
            !body.to_string().contains(card.as_str().unwrap_or_default()),
            "{path}: the card number appears nowhere"
        );
    }
    Ok(())
}
