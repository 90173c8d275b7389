//! An agency administrator publishes a procedure through the API and the `lienthong definitions`
//! command, then publishes version 2 while version-1 cases are still running.

use std::process::Output;
use std::time::Duration;

use anyhow::{Context, Result};
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::{Stack, example_submission, step};

/// The account of an administrator of the three agencies linked birth calls (publishing needs
/// each of them), as the database records it.
const ADMIN: &str = "admin-birth-agencies";

fn admin() -> Claims {
    Claims {
        sub: ADMIN.into(),
        roles: vec!["agency-admin".into()],
        agencies: ["civil-status", "residence", "social-insurance"]
            .map(str::to_owned)
            .to_vec(),
        ..Claims::default()
    }
}

/// Group A under its own id: version 1 has the three steps; version 2 drops the card step.
fn linked_birth(version: u32) -> String {
    let shipped = include_str!("../../definitions/procedures/birth-residence-insurance.yaml");
    let yaml = shipped
        .replace("id: birth-residence-insurance", "id: linked-birth")
        .replace("version: 1", &format!("version: {version}"))
        .replace("case_code_prefix: KS", "case_code_prefix: LB");
    if version == 1 {
        return yaml;
    }
    let cut = yaml
        .find("  - id: insurance")
        .expect("group A has an insurance step");
    yaml[..cut].to_owned()
}

async fn post_definition(
    stack: &Stack,
    path: &str,
    body: &str,
    actor: Option<&str>,
) -> Result<(u16, Value)> {
    let who = actor.map(|_| admin());
    let response = stack
        .client_as(who.as_ref())
        .post(format!("{}{path}", stack.api))
        .body(body.to_owned())
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

async fn get(stack: &Stack, path: &str) -> Result<(u16, Value)> {
    let response = stack
        .http
        .get(format!("{}{path}", stack.api))
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

fn linked_submission(tag: &str) -> Value {
    let mut body = example_submission(tag);
    body["procedure"] = json!("linked-birth");
    body
}

fn step_ids(case: &Value) -> Vec<String> {
    case["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn running_cases_keep_version_1_while_new_cases_get_version_2() -> Result<()> {
    let stack = Stack::start().await?;

    // A draft is stored but never used for cases; a change needs a signed-in administrator.
    let (status, answer) =
        post_definition(&stack, "/v1/definitions", &linked_birth(1), None).await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("TOKEN_MISSING"))
    );
    let labour_admin = Claims {
        sub: "admin-labour-office".into(),
        roles: vec!["agency-admin".into()],
        agencies: vec!["labour-office".into()],
        ..Claims::default()
    };
    let refused = stack
        .client_as(Some(&labour_admin))
        .post(format!("{}/v1/definitions", stack.api))
        .body(linked_birth(1))
        .send()
        .await?;
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        refused.json::<Value>().await?["error"]["code"],
        "NOT_YOUR_AGENCY"
    );
    let (status, draft) =
        post_definition(&stack, "/v1/definitions", &linked_birth(1), Some(ADMIN)).await?;
    assert_eq!(
        (status, draft["status"].as_str()),
        (201, Some("draft")),
        "{draft}"
    );
    let (status, refused) = stack.submit(&linked_submission("v1-draft")).await?;
    assert_eq!(status, 400);
    assert_eq!(refused["error"]["fields"][0]["code"], "UNKNOWN_PROCEDURE");

    // Civil status's administrator alone may draft it, not put it in force for the others.
    let refused: Value = stack
        .client_as(Some(&civil_status_admin()))
        .post(format!(
            "{}/v1/definitions/linked-birth/versions/1/publish",
            stack.api
        ))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(refused["error"]["code"], "APPROVALS_MISSING", "{refused}");
    let said = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        said.contains("residence, social-insurance"),
        "names the agencies still to approve: {said}"
    );
    let (status, published) = post_definition(
        &stack,
        "/v1/definitions/linked-birth/versions/1/publish",
        "",
        Some(ADMIN),
    )
    .await?;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(published["published_by"], ADMIN);
    assert_eq!(published["in_force"], true);

    // The version-1 case waits on an officer's decision at social insurance.
    stack
        .fault("social-insurance", json!({"operation": "issue-child-health-card", "mode": "decide_later", "delay_ms": 4000, "decision": "approve", "count": 1}))
        .await?;
    let first = stack.submit_ok(&linked_submission("v1")).await?;
    stack
        .wait_case(&first, Duration::from_secs(30), |c| {
            step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;

    // Version 2 is published while it waits; a published text cannot be replaced.
    let (status, immutable) =
        post_definition(&stack, "/v1/definitions", &linked_birth(1), Some(ADMIN)).await?;
    assert_eq!(
        (status, immutable["error"]["code"].as_str()),
        (409, Some("VERSION_IMMUTABLE"))
    );
    let (status, _) =
        post_definition(&stack, "/v1/definitions", &linked_birth(2), Some(ADMIN)).await?;
    assert_eq!(status, 201);
    let (status, _) = post_definition(
        &stack,
        "/v1/definitions/linked-birth/versions/2/publish",
        "",
        Some(ADMIN),
    )
    .await?;
    assert_eq!(status, 200);
    let (_, listed) = get(&stack, "/v1/definitions?procedure=linked-birth").await?;
    let in_force: Vec<(i64, bool)> = listed["versions"]
        .as_array()
        .context("versions")?
        .iter()
        .map(|v| (v["version"].as_i64().unwrap_or(0), v["in_force"] == true))
        .collect();
    assert_eq!(in_force, vec![(1, false), (2, true)]);

    let (status, accepted) = stack.submit(&linked_submission("v2")).await?;
    assert_eq!(
        (status, accepted["version"].as_u64()),
        (202, Some(2)),
        "{accepted}"
    );
    let second = accepted["case_code"]
        .as_str()
        .context("case code")?
        .to_owned();
    let second_case = stack.wait_ended(&second).await?;
    assert_eq!(second_case["status"], "completed");
    assert_eq!(second_case["version"], 2);
    assert_eq!(step_ids(&second_case), vec!["birth", "residence"]);

    let first_case = stack.wait_ended(&first).await?;
    assert_eq!(first_case["status"], "completed", "{first_case:#}");
    assert_eq!(first_case["version"], 1);
    assert_eq!(
        step_ids(&first_case),
        vec!["birth", "residence", "insurance"]
    );
    assert_eq!(step(&first_case, "insurance")["status"], "succeeded");

    // Retiring version 2 hands new cases back to version 1.
    let (status, retired) = post_definition(
        &stack,
        "/v1/definitions/linked-birth/versions/2/retire",
        "",
        Some(ADMIN),
    )
    .await?;
    assert_eq!((status, retired["status"].as_str()), (200, Some("retired")));
    let (_, accepted) = stack.submit(&linked_submission("after-retire")).await?;
    assert_eq!(accepted["version"], 1);
    let (status, missing) = post_definition(
        &stack,
        "/v1/definitions/linked-birth/versions/7/publish",
        "",
        Some(ADMIN),
    )
    .await?;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("DEFINITION_NOT_FOUND"))
    );
    Ok(())
}

#[tokio::test]
async fn an_invalid_definition_is_refused_with_located_diagnostics_and_nothing_stored() -> Result<()>
{
    let stack = Stack::start().await?;
    let broken = linked_birth(1).replace("needs: [birth]", "needs: [birthh]");
    let (status, answer) = post_definition(&stack, "/v1/definitions", &broken, Some(ADMIN)).await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("DEFINITION_INVALID"))
    );
    let first = &answer["error"]["diagnostics"][0];
    assert_eq!(first["code"], "LT003", "{answer}");
    assert!(
        first["line"].as_u64().is_some() && first["column"].as_u64().is_some(),
        "{answer}"
    );
    let (_, listed) = get(&stack, "/v1/definitions?procedure=linked-birth").await?;
    assert_eq!(listed["versions"], json!([]));

    let (status, checked) =
        post_definition(&stack, "/v1/definitions/validate", &broken, Some(ADMIN)).await?;
    assert_eq!((status, checked["valid"].as_bool()), (200, Some(false)));
    Ok(())
}

fn lienthong(args: &[&str]) -> Result<Output> {
    Ok(std::process::Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .args(args)
        .env("LIENTHONG_LOG", "warn")
        .output()?)
}

#[tokio::test]
async fn the_definitions_command_validates_draws_and_publishes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let good = dir.path().join("linked-birth.yaml");
    std::fs::write(&good, linked_birth(1))?;
    let bad = dir.path().join("broken.yaml");
    std::fs::write(
        &bad,
        linked_birth(1).replace("needs: [birth]", "needs: [birthh]"),
    )?;
    let good_path = good.display().to_string();
    let bad_path = bad.display().to_string();

    let ok = lienthong(&["definitions", "validate", &good_path])?;
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let failed = lienthong(&["definitions", "validate", &good_path, &bad_path])?;
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    let located = format!("{bad_path}:");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&located) && l.contains(" LT003 ")),
        "{stderr}"
    );
    // Like a compiler: the source line, a caret under the value, and the likely meaning.
    assert!(stderr.contains("needs: [birthh]"), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("^^^^^^") && l.contains("did you mean `birth`?")),
        "{stderr}"
    );

    // Against an installation's own catalogue files: civil status with one more operation.
    let adoption = dir.path().join("adoption.yaml");
    std::fs::write(&adoption, ADOPTION)?;
    let unknown = lienthong(&["definitions", "validate", &adoption.display().to_string()])?;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains(" LT013 "));
    let catalogue = dir.path().join("catalogue");
    std::fs::create_dir_all(&catalogue)?;
    for (name, text) in lienthong_definitions::SHIPPED_CATALOGUE {
        let text = if *name == "civil-status.yaml" {
            format!("{text}{ADOPTION_OPERATION}")
        } else {
            (*text).to_owned()
        };
        std::fs::write(catalogue.join(name), text)?;
    }
    let known = lienthong(&[
        "definitions",
        "validate",
        &adoption.display().to_string(),
        "--catalogue",
        &catalogue.display().to_string(),
    ])?;
    assert!(
        known.status.success(),
        "{}",
        String::from_utf8_lossy(&known.stderr)
    );

    let planned = lienthong(&["definitions", "plan", &good_path])?;
    assert!(
        planned.status.success(),
        "{}\n{}",
        planned.status,
        String::from_utf8_lossy(&planned.stderr)
    );
    let text = String::from_utf8_lossy(&planned.stdout);
    for id in ["birth", "residence", "insurance"] {
        assert!(text.contains(id), "{text}");
    }
    let svg = dir.path().join("plan.svg");
    let drawn = lienthong(&[
        "definitions",
        "plan",
        &good_path,
        "--svg",
        &svg.display().to_string(),
    ])?;
    assert!(
        drawn.status.success(),
        "{}\n{}",
        drawn.status,
        String::from_utf8_lossy(&drawn.stderr)
    );
    assert!(std::fs::read_to_string(&svg)?.starts_with("<svg"));

    let stack = Stack::start().await?;
    let published = lienthong(&[
        "definitions",
        "publish",
        &good_path,
        "--api",
        &stack.api,
        "--token",
        &stack.token(&admin()),
    ])?;
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let listed = lienthong(&[
        "definitions",
        "list",
        "--api",
        &stack.api,
        "--token",
        &stack.token(&admin()),
    ])?;
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("linked-birth v1  published") && l.contains("(in force)")),
        "{listed}"
    );
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("birth-residence-insurance v1  published")),
        "{listed}"
    );
    let again = lienthong(&[
        "definitions",
        "publish",
        &good_path,
        "--api",
        &stack.api,
        "--token",
        &stack.token(&admin()),
    ])?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("VERSION_IMMUTABLE"));

    // The published version's picture speaks the reader's language: Vietnamese unless asked.
    let picture = |language: Option<&'static str>| {
        let mut request = stack.http.get(format!(
            "{}/v1/definitions/birth-residence-insurance/versions/1/plan.svg",
            stack.api
        ));
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        request.send()
    };
    let vietnamese = picture(None).await?;
    assert_eq!(vietnamese.headers()["content-language"], "vi");
    let vietnamese = vietnamese.text().await?;
    assert!(vietnamese.contains("Đăng ký khai sinh"), "{vietnamese}");
    assert!(!vietnamese.contains("Birth registration"), "{vietnamese}");
    let english = picture(Some("en-GB,en;q=0.9")).await?.text().await?;
    assert!(english.contains("Birth registration"), "{english}");
    assert!(!english.contains("Đăng ký khai sinh"), "{english}");
    Ok(())
}

/// A one-step procedure calling an operation the shipped catalogue does not have.
const ADOPTION: &str = r#"
id: adoption
version: 1
effective_from: 2024-07-01
case_code_prefix: NN
title: { vi: "Đăng ký nuôi con nuôi", en: "Adoption registration" }
application:
  schema:
    type: object
    required: [child_id]
    properties:
      child_id: { type: string, pattern: "^[0-9]{12}$" }
steps:
  - id: adoption
    title: { vi: "Đăng ký nuôi con nuôi", en: "Adoption registration" }
    agency: civil-status
    operation: register-adoption
    irreversible: true
    input:
      child_id: $application.child_id
    output: [adoption_number]
"#;

/// The operation appended to civil status's catalogue file (its `operations` list is last).
const ADOPTION_OPERATION: &str = r#"
  - name: register-adoption
    title: { vi: "Đăng ký nuôi con nuôi", en: "Register an adoption" }
    request:
      type: object
      required: [child_id]
      properties:
        child_id: { type: string }
    response:
      type: object
      required: [adoption_number]
      properties:
        adoption_number: { type: string }
"#;

/// Civil status's administrator, who administers that agency alone.
fn civil_status_admin() -> Claims {
    Claims {
        sub: "admin-civil-status".into(),
        roles: vec!["agency-admin".into()],
        agencies: vec!["civil-status".into()],
        ..Claims::default()
    }
}

async fn put_catalogue(stack: &Stack, agency: &str, body: &str) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(&civil_status_admin()))
        .put(format!("{}/v1/catalogue/{agency}", stack.api))
        .body(body.to_owned())
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

#[tokio::test]
async fn an_agency_administrator_adds_an_operation_to_the_catalogue_and_definitions_may_use_it()
-> Result<()> {
    let stack = Stack::start().await?;
    let (status, catalogue) = get(&stack, "/v1/catalogue").await?;
    assert_eq!(status, 200);
    let ids: Vec<&str> = catalogue["agencies"]
        .as_array()
        .context("agencies")?
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "civil-status",
            "labour-office",
            "population",
            "residence",
            "social-insurance"
        ]
    );

    let (_, checked) =
        post_definition(&stack, "/v1/definitions/validate", ADOPTION, Some(ADMIN)).await?;
    assert_eq!(checked["valid"], false);
    assert_eq!(checked["diagnostics"][0]["code"], "LT013", "{checked}");

    // The entry as the API shows it is valid YAML (JSON is YAML): add the operation and send it back.
    let (_, mut entry) = get(&stack, "/v1/catalogue/civil-status").await?;
    entry["operations"].as_array_mut().context("operations")?.push(json!({
        "name": "register-adoption",
        "title": {"vi": "Đăng ký nuôi con nuôi", "en": "Register an adoption"},
        "request": {"type": "object", "required": ["child_id"], "properties": {"child_id": {"type": "string"}}},
        "response": {"type": "object", "required": ["adoption_number"], "properties": {"adoption_number": {"type": "string"}}}
    }));
    // Civil status's administrator cannot touch residence's entry; an administrator of both
    // sending civil status's entry to residence's address is told it does not match.
    let (status, refused) = put_catalogue(&stack, "residence", &entry.to_string()).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("NOT_YOUR_AGENCY"))
    );
    let mismatched: Value = stack
        .http
        .put(format!("{}/v1/catalogue/residence", stack.api))
        .body(entry.to_string())
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(mismatched["error"]["code"], "AGENCY_MISMATCH");
    let (status, broken) =
        put_catalogue(&stack, "civil-status", "id: civil-status\noperations: 3\n").await?;
    assert_eq!(
        (status, broken["error"]["code"].as_str()),
        (422, Some("CATALOGUE_ENTRY_INVALID")),
        "{broken}"
    );
    let (status, saved) = put_catalogue(&stack, "civil-status", &entry.to_string()).await?;
    assert_eq!(status, 200, "{saved}");

    let (_, checked) =
        post_definition(&stack, "/v1/definitions/validate", ADOPTION, Some(ADMIN)).await?;
    assert_eq!(checked["valid"], true, "{checked}");
    let (status, _) = post_definition(&stack, "/v1/definitions", ADOPTION, Some(ADMIN)).await?;
    assert_eq!(status, 201);
    Ok(())
}

fn residence_and_insurance_admin() -> Claims {
    Claims {
        sub: "admin-residence-insurance".into(),
        roles: vec!["agency-admin".into()],
        agencies: vec!["residence".into(), "social-insurance".into()],
        ..Claims::default()
    }
}

/// `POST` as `who`, with an empty body unless one is given.
async fn post_as(stack: &Stack, who: &Claims, path: &str, body: &str) -> Result<(u16, Value)> {
    let response = stack
        .client_as(Some(who))
        .post(format!("{}{path}", stack.api))
        .body(body.to_owned())
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

#[tokio::test]
async fn a_version_is_in_force_only_once_every_agency_it_calls_approved_that_exact_text()
-> Result<()> {
    let stack = Stack::start().await?;
    let civil = civil_status_admin();
    let others = residence_and_insurance_admin();
    const BASE: &str = "/v1/definitions/linked-birth/versions/1";

    let (status, _) = post_as(&stack, &civil, "/v1/definitions", &linked_birth(1)).await?;
    assert_eq!(status, 201);
    let (status, standing) = post_as(&stack, &civil, &format!("{BASE}/approve"), "").await?;
    assert_eq!(status, 200, "{standing}");
    assert_eq!(standing["approved"][0]["agency"], "civil-status");
    assert_eq!(
        standing["waiting_for"],
        json!(["residence", "social-insurance"])
    );
    let (status, refused) = post_as(&stack, &civil, &format!("{BASE}/publish"), "").await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("APPROVALS_MISSING")),
        "{refused}"
    );

    // The other agencies approve; then the draft's text changes: their approval was of the old
    // text, so it no longer counts.
    let (_, standing) = post_as(&stack, &others, &format!("{BASE}/approve"), "").await?;
    assert_eq!(standing["waiting_for"], json!([]), "{standing}");
    let changed = linked_birth(1).replacen("title:", "# reworded\ntitle:", 1);
    let (status, _) = post_as(&stack, &civil, "/v1/definitions", &changed).await?;
    assert_eq!(status, 201);
    let (status, refused) = post_as(&stack, &civil, &format!("{BASE}/publish"), "").await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("APPROVALS_MISSING"))
    );

    let (_, standing) = post_as(&stack, &others, &format!("{BASE}/approve"), "").await?;
    assert_eq!(
        standing["waiting_for"],
        json!(["civil-status"]),
        "{standing}"
    );
    let (status, published) = post_as(&stack, &civil, &format!("{BASE}/publish"), "").await?;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["published_by"], "admin-civil-status");
    let (status, _) = stack.submit(&linked_submission("co-approved")).await?;
    assert_eq!(status, 202, "the co-approved version takes cases");

    // Taking it out of force needs the same agreement.
    let (status, refused) = post_as(&stack, &civil, &format!("{BASE}/retire"), "").await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("APPROVALS_MISSING"))
    );
    let (status, standing) = post_as(
        &stack,
        &others,
        &format!("{BASE}/approve?action=retire"),
        "",
    )
    .await?;
    assert_eq!(
        (status, standing["action"].as_str()),
        (200, Some("retire")),
        "{standing}"
    );
    let (status, retired) = post_as(&stack, &civil, &format!("{BASE}/retire"), "").await?;
    assert_eq!(
        (status, retired["status"].as_str()),
        (200, Some("retired")),
        "{retired}"
    );

    // Every approval and the publication are in the audit log, with who gave them.
    let (_, audit) = get(&stack, "/v1/audit?action=definition_approve").await?;
    let approvers: Vec<&str> = audit["entries"]
        .as_array()
        .context("entries")?
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    for who in ["admin-civil-status", "admin-residence-insurance"] {
        assert!(approvers.contains(&who), "{who} in {audit}");
    }
    let (_, audit) = get(&stack, "/v1/audit?action=definition_publish").await?;
    assert_eq!(
        audit["entries"][0]["actor"], "admin-civil-status",
        "{audit}"
    );
    Ok(())
}

/// The command line an administrator uses to approve: each agency's administrator runs it with
/// their own token, and it says who has approved and who is still awaited.
#[tokio::test]
async fn each_agency_approves_with_the_definitions_command() -> Result<()> {
    let stack = Stack::start().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("linked-birth.yaml");
    std::fs::write(&file, linked_birth(1))?;
    let file = file.display().to_string();
    let civil = stack.token(&civil_status_admin());
    let others = stack.token(&residence_and_insurance_admin());
    let run = |args: &[&str], token: &str| {
        let mut all = vec!["definitions"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--api", &stack.api, "--token", token]);
        lienthong(&all)
    };

    let drafted = run(&["draft", &file], &civil)?;
    assert!(
        drafted.status.success(),
        "{}",
        String::from_utf8_lossy(&drafted.stderr)
    );
    let approved = run(&["approve", "linked-birth", "1"], &civil)?;
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    let said = String::from_utf8_lossy(&approved.stdout);
    assert!(
        said.contains("still to approve: residence, social-insurance"),
        "{said}"
    );

    let refused = run(&["publish", &file], &civil)?;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("APPROVALS_MISSING"));

    let approved = run(&["approve", "linked-birth", "1"], &others)?;
    let said = String::from_utf8_lossy(&approved.stdout);
    assert!(said.contains("every agency has approved"), "{said}");
    let published = run(&["publish", &file], &civil)?;
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    Ok(())
}
