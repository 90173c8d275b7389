//! Two API replicas and two workers on one Temporal and a Postgres engine database, as a
//! production deployment runs them: cases and operator actions go through both APIs in turn,
//! one API and both workers are killed mid-load (a fresh worker started, as an orchestrator
//! would), and every accepted case still completes once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use lienthong_agencies::seeded;
use lienthong_store::Store;
use serde_json::{Value, json};

use crate::support::{SignedCallback, Stack, StackOptions, example_submission, step};

const GROUP_B: &str = include_str!("../../examples/applications/death-residence-allowance.json");

fn death_submission(deceased: &str) -> Value {
    let mut body: Value = serde_json::from_str(GROUP_B).expect("the example is valid JSON");
    body["application"]["deceased"]["personal_id"] = json!(deceased);
    // The survivor benefit is refused for someone who was never insured; this test is about
    // replicas, so it asks only for what every seeded person gets.
    body["application"]["requested"] =
        json!({"funeral_allowance": true, "survivor_benefit": false});
    if let Some(application) = body["application"].as_object_mut() {
        application.remove("survivor_benefit");
    }
    body
}

/// A fresh schema in the `test` database of the machine's Postgres.
async fn postgres_schema() -> Result<(Store, String, String)> {
    let base = std::env::var("LIENTHONG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let name = format!("lt_replicas_{}", uuid_like());
    let admin = Store::connect_unmigrated(&base)
        .await
        .context("Postgres at 127.0.0.1:5432 (database test)")?;
    admin.execute(&format!("CREATE SCHEMA {name}")).await?;
    let url = format!("{base}?options=-c%20search_path%3D{name}");
    Ok((admin, name, url))
}

fn uuid_like() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{:x}", std::process::id())
}

async fn submit_to(stack: &Stack, api: &str, body: &Value) -> Result<(u16, Value)> {
    let response = stack
        .http
        .post(format!("{api}/v1/applications"))
        .json(body)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

async fn act(stack: &Stack, api: &str, code: &str, action: Value) -> Result<(u16, Value)> {
    let response = stack
        .http
        .post(format!("{api}/v1/ops/cases/{code}/actions"))
        .json(&action)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

#[tokio::test]
async fn two_apis_and_two_workers_on_postgres_lose_an_api_and_both_workers_and_every_case_completes_once()
-> Result<()> {
    let (admin, schema, database_url) = postgres_schema().await?;
    let mut stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_DATABASE_URL", database_url),
    )
    .await?;
    let (mut api_two, api_two_url) = stack.start_api_replica("api-2").await?;
    let mut worker_two = stack.start_extra_worker("worker-2", &[])?;
    let apis = [stack.api.clone(), api_two_url.clone()];

    // One case waits on social insurance's decision, so its callback and actions can be tried
    // on both replicas.
    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "decide_later",
                   "delay_ms": 0, "decision": "approve", "hold": true, "count": 1}),
        )
        .await?;
    let waiting = stack
        .submit_ok(&example_submission("replica-waiting"))
        .await?;
    stack
        .wait_case(&waiting, Duration::from_secs(60), |c| {
            step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;
    let (status, held) = act(
        &stack,
        &apis[0],
        &waiting,
        json!({"action": "hold", "agency": "social-insurance", "reason": "replica check: hold"}),
    )
    .await?;
    assert_eq!(status, 200, "hold through the first API: {held}");
    let (status, released) = act(
        &stack,
        &apis[1],
        &waiting,
        json!({"action": "release", "agency": "social-insurance", "reason": "replica check: release"}),
    )
    .await?;
    assert_eq!(status, 200, "release through the second API: {released}");
    let callback = SignedCallback::new(
        "dev-secret-social-insurance",
        &json!({
            "idempotency_key": format!("{waiting}/insurance"),
            "outcome": "done",
            "output": {"card_number": "TE1010199999999", "social_insurance_number": "0199999999",
                       "valid_from": "2026-12-06", "valid_until": "2032-11-19"},
        }),
    )?;
    let (status, body) = callback
        .send(&stack.http, &apis[0], "social-insurance")
        .await?;
    assert_eq!(status, 202, "{body}");
    let (status, body) = callback
        .send(&stack.http, &apis[1], "social-insurance")
        .await?;
    assert_eq!(
        status, 401,
        "a callback replayed to the other replica: {body}"
    );
    assert_eq!(body["error"]["code"], "CALLBACK_REPLAYED", "{body}");

    // A console session opened on one replica works on the other and ends on both.
    console_session_crosses_replicas(&stack, &apis).await?;

    // The load: group A and group B in turn, through both APIs; halfway, one API and both
    // workers are killed without warning, with cases of both groups in flight.
    const CASES: usize = 36;
    let deceased: Vec<&str> = seeded::BY_BENEFIT_STATUS
        .iter()
        .flat_map(|(_, people)| people.iter().copied())
        .filter(|person| *person != seeded::DECEASED_INSURED_SHORT)
        .collect();
    let (mut accepted, mut group_a, mut group_b) = (vec![waiting.clone()], 1, 0);
    let mut killed = false;
    // Operator actions go in between, each through the other API than its case: a retry of the
    // insurance step, refused or done depending on how far the case got, and audited either way.
    let mut actions: Vec<(String, String)> = Vec::new();
    for i in 0..CASES {
        if i == CASES / 2 {
            api_two.kill().await?;
            worker_two.kill().await?;
            // The first worker too; an orchestrator starts a fresh one.
            stack.kill_worker().await?;
            stack.start_worker()?;
            killed = true;
        }
        let api = if killed { &apis[0] } else { &apis[i % 2] };
        let body = if i % 3 == 2 && group_b < deceased.len() {
            death_submission(deceased[group_b])
        } else {
            example_submission(&format!("replica-{i}"))
        };
        let (status, answer) = submit_to(&stack, api, &body).await?;
        assert_eq!(status, 202, "case {i} through {api}: {answer}");
        accepted.push(
            answer["case_code"]
                .as_str()
                .context("case code")?
                .to_owned(),
        );
        if body["procedure"] == "death-residence-allowance" {
            group_b += 1;
        } else {
            group_a += 1;
            let other = if killed { &apis[0] } else { &apis[(i + 1) % 2] };
            let code = accepted.last().context("just accepted")?.clone();
            let reason = format!("replica load: retry {i}");
            let (status, answer) = act(
                &stack,
                other,
                &code,
                json!({"action": "retry_now", "step": "insurance", "reason": reason}),
            )
            .await?;
            assert!(
                matches!(status, 200 | 409),
                "a retry through {other}: {status} {answer}"
            );
            actions.push((code, reason));
        }
    }

    let mut completed = 0;
    for code in &accepted {
        let case = stack
            .wait_case(code, Duration::from_secs(180), |c| {
                !matches!(c["status"].as_str(), Some("running" | "compensating"))
            })
            .await?;
        assert_eq!(case["status"], "completed", "{code}: {case:#}");
        completed += 1;
    }
    assert_eq!(completed, accepted.len());

    // Nothing registered twice at any agency.
    let duplicates = |table: &str, column: &str| {
        format!(
            "SELECT COUNT(*) FROM (SELECT {column} FROM {table} GROUP BY {column} HAVING COUNT(*) > 1)"
        )
    };
    assert_eq!(
        stack
            .scalar("civil-status", "SELECT COUNT(*) FROM births")
            .await?,
        group_a as i64,
        "one birth per group-A case"
    );
    let mut duplicated = 0;
    assert_eq!(
        stack
            .scalar("civil-status", "SELECT COUNT(*) FROM deaths")
            .await?,
        group_b as i64,
        "one death per group-B case"
    );
    for (agency, table, column) in [
        ("civil-status", "births", "e_birth_certificate_number"),
        ("residence", "residence_entries", "personal_id"),
        ("social-insurance", "cards", "personal_id"),
        ("residence", "residence_deletions", "personal_id"),
        ("social-insurance", "funeral_allowances", "deceased_id"),
        ("labour-office", "burial_support", "deceased_id"),
    ] {
        duplicated += stack.scalar(agency, &duplicates(table, column)).await?;
    }
    assert_eq!(duplicated, 0, "no act registered twice");

    // Each action once in the audit log, whichever replica took it.
    let audit: Value = stack
        .http
        .get(format!("{}/v1/audit?case={waiting}", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let entries = audit["entries"].as_array().context("audit entries")?;
    for action in ["hold", "release"] {
        let count = entries
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == "done")
            .count();
        assert_eq!(count, 1, "{action} audited once: {audit:#}");
    }
    for (code, reason) in &actions {
        let audit: Value = stack
            .http
            .get(format!("{}/v1/audit?case={code}", stack.api))
            .send()
            .await?
            .json()
            .await?;
        let entries = audit["entries"].as_array().context("audit entries")?;
        let count = entries
            .iter()
            .filter(|e| e["reason"] == reason.as_str())
            .count();
        assert_eq!(count, 1, "{reason} audited once: {audit:#}");
    }
    eprintln!(
        "replica run: {} cases accepted ({group_a} group A, {group_b} group B), {} operator \
         actions, 1 API and 2 workers killed, {completed} completed, duplicates: {duplicated}, \
         actions audited once: {}",
        accepted.len(),
        actions.len() + 2,
        actions.len() + 2
    );
    drop(stack);
    admin
        .execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await?;
    Ok(())
}

/// Signs in to the console on the first API, opens a page with that session on the second,
/// signs out there, and finds the session ended on the first.
async fn console_session_crosses_replicas(stack: &Stack, apis: &[String; 2]) -> Result<()> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let signed_in = browser
        .post(format!("{}/console/login", apis[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "token={}",
            stack.token(&crate::support::all_roles())
        ))
        .send()
        .await?;
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in.headers()["set-cookie"].to_str()?;
    let session = cookie
        .split(';')
        .next()
        .context("a session cookie")?
        .to_owned();
    let page = |api: &str| {
        browser
            .get(format!("{api}/console/batches"))
            .header("cookie", session.clone())
            .send()
    };
    let on_first = page(&apis[0]).await?;
    assert_eq!(on_first.status().as_u16(), 200);
    let html = on_first.text().await?;
    let on_second = page(&apis[1]).await?;
    assert_eq!(
        on_second.status().as_u16(),
        200,
        "the session works on the other replica"
    );
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the page's CSRF value")?;
    let signed_out = browser
        .post(format!("{}/console/logout", apis[1]))
        .header("cookie", session.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await?;
    assert_eq!(
        signed_out.headers()["location"],
        "/console/login",
        "signed out on the second replica with a form the first one served"
    );
    let on_first = page(&apis[0]).await?;
    assert_eq!(
        on_first.headers()["location"],
        "/console/login?ended=1",
        "the session ended on the first replica too"
    );
    Ok(())
}
