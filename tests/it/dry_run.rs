//! An agency administrator dry-runs a linked procedure, as the review's attacker did: the
//! report shows every request and whether each agency's contract takes it, and no agency's
//! register changes, whoever asks and whatever the definition calls; the dry run is audited.

use anyhow::{Context, Result};
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::Stack;

const AGENCIES: &[&str] = &[
    "population",
    "civil-status",
    "residence",
    "social-insurance",
    "labour-office",
];

/// How many acts each agency's register holds.
async fn acts(stack: &Stack) -> Result<Vec<i64>> {
    let mut counts = Vec::new();
    for agency in AGENCIES {
        counts.push(stack.scalar(agency, "SELECT COUNT(*) FROM acts").await?);
    }
    Ok(counts)
}

#[tokio::test]
async fn a_dry_run_changes_no_register_at_any_agency() -> Result<()> {
    let stack = Stack::start().await?;
    let application: Value = serde_json::from_str(include_str!(
        "../../examples/applications/death-residence-allowance.json"
    ))?;
    let before = acts(&stack).await?;
    let civil_status_admin = Claims {
        sub: "admin-civil-status".into(),
        roles: vec!["agency-admin".into()],
        agencies: vec!["civil-status".into()],
        ..Claims::default()
    };
    // The death procedure deletes the deceased's permanent residence at residence, an agency
    // this administrator does not administer.
    let response = stack
        .client_as(Some(&civil_status_admin))
        .post(format!("{}/v1/definitions/dry-run", stack.api))
        .json(
            &json!({"procedure": "death-residence-allowance", "version": 1,
                      "application": application["application"]}),
        )
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await?;
    let residence = report["entries"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["operation"] == "delete-permanent-residence")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(residence["outcome"], "accepted", "{report:#}");
    assert!(
        residence["request"]["personal_id"].is_string(),
        "{report:#}"
    );
    assert_eq!(
        acts(&stack).await?,
        before,
        "no agency was called: {report:#}"
    );

    // The dry run is in the audit log: who, which procedure, how it ended; not the application.
    let audit: Value = stack
        .http
        .get(format!("{}/v1/audit?action=definition_dry_run", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let entry = &audit["entries"][0];
    assert_eq!(entry["actor"], "admin-civil-status", "{audit}");
    assert_eq!(entry["outcome"], report["status"], "{audit}");
    let detail = entry["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("death-residence-allowance version 1"),
        "{detail}"
    );
    let deceased = application["application"]["deceased"]["personal_id"]
        .as_str()
        .context("the example names the deceased")?;
    assert!(!audit.to_string().contains(deceased), "{audit}");
    Ok(())
}
