//! An agency joins through the catalogue alone: its administrator adds its entry, a procedure
//! that calls it is published, and cases reach it signed as the entry says, by workers started
//! before it existed, once an operator has put its secret where the workers read secrets.

use std::time::Duration;

use anyhow::{Context, Result};
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::{Stack, example_submission, fast_procedure};

const NEW_AGENCY: &str = "residence-north";
const VARIABLE: &str = "LIENTHONG_SECRET_RESIDENCE_NORTH";

fn administrator() -> Claims {
    Claims {
        sub: "admin-north".into(),
        roles: vec!["agency-admin".into()],
        agencies: ["civil-status", NEW_AGENCY, "social-insurance", "population"]
            .map(str::to_owned)
            .to_vec(),
        ..Claims::default()
    }
}

async fn send(stack: &Stack, method: reqwest::Method, path: &str, body: String) -> Result<Value> {
    let response = stack
        .client_as(Some(&administrator()))
        .request(method, format!("{}{path}", stack.api))
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{path}: {status} {answer}");
    Ok(answer)
}

fn step<'c>(case: &'c Value, id: &str) -> &'c Value {
    case["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == id))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_new_agency_is_called_signed_by_running_workers_once_its_secret_is_put_in_place()
-> Result<()> {
    let stack = Stack::start().await?;

    // The new agency's system answers where the residence simulator listens and checks the
    // residence simulator's secret: the engine must sign with exactly that.
    let mut entry: Value = stack
        .http
        .get(format!("{}/v1/catalogue/residence", stack.api))
        .send()
        .await?
        .json()
        .await?;
    entry["id"] = json!(NEW_AGENCY);
    entry["base_url"] = json!(stack.agencies["residence"]);
    entry["auth"] = json!({"kind": "hmac", "secret_env": "LIENTHONG_SECRET_RESIDENCE"});
    let refused = stack
        .client_as(Some(&administrator()))
        .put(format!("{}/v1/catalogue/{NEW_AGENCY}", stack.api))
        .body(entry.to_string())
        .send()
        .await?;
    let (status, refused): (u16, Value) = (refused.status().as_u16(), refused.json().await?);
    assert_eq!(status, 422, "another agency's secret is refused: {refused}");
    assert!(
        refused.to_string().contains(VARIABLE),
        "the refusal names the agency's own variable: {refused}"
    );
    entry["auth"] = json!({"kind": "hmac", "secret_env": VARIABLE});
    send(
        &stack,
        reqwest::Method::PUT,
        &format!("/v1/catalogue/{NEW_AGENCY}"),
        entry.to_string(),
    )
    .await?;

    let (_, fast) = fast_procedure();
    let north = fast
        .replace(
            "id: birth-residence-insurance-fast",
            "id: birth-residence-north",
        )
        .replace("case_code_prefix: KF", "case_code_prefix: KN")
        .replace(
            "    agency: residence\n",
            &format!("    agency: {NEW_AGENCY}\n"),
        );
    anyhow::ensure!(
        north.contains(NEW_AGENCY),
        "the procedure calls the new agency"
    );
    send(&stack, reqwest::Method::POST, "/v1/definitions", north).await?;
    send(
        &stack,
        reqwest::Method::POST,
        "/v1/definitions/birth-residence-north/versions/1/publish",
        String::new(),
    )
    .await?;

    let mut body = example_submission("north");
    body["procedure"] = json!("birth-residence-north");
    let code = stack.submit_ok(&body).await?;

    // No secret yet: the step waits, saying which variable to set, and nothing reached the
    // agency unsigned.
    let waiting = stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            step(c, "residence")["last_error"]["code"] == "AGENCY_CREDENTIALS_MISSING"
        })
        .await?;
    let message = step(&waiting, "residence")["last_error"]["message"]
        .as_str()
        .context("message")?;
    assert!(message.contains(VARIABLE), "{message}");
    assert_eq!(waiting["status"], "running", "{waiting:#}");
    let registered = "SELECT COUNT(*) FROM residence_entries WHERE idempotency_key LIKE ?";
    let key = format!("{code}/%");
    assert_eq!(stack.count("residence", registered, &key).await?, 0);

    // The secret is put where the running workers read secrets: no restart.
    stack.put_agency_secret(VARIABLE, "dev-secret-residence")?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(step(&case, "residence")["agency"], NEW_AGENCY);
    assert_eq!(
        stack.count("residence", registered, &key).await?,
        1,
        "the signed call was accepted and acted on once"
    );
    Ok(())
}
