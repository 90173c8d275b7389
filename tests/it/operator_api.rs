//! Operators find stuck cases and fix them through `/v1/ops`: every filter, every action with
//! its audit record, and the refusals (no reason, a finished case, a bulk action over its cap).

use std::time::Duration;

use anyhow::{Result, anyhow};
use serde_json::{Value, json};

use crate::support::{Stack, StackOptions, eventually, example_submission, step};

const RESIDENCE_DOWN: &str = "residence";

async fn get(stack: &Stack, path: &str) -> Result<(u16, Value)> {
    let response = stack
        .http
        .get(format!("{}{path}", stack.api))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

async fn post(stack: &Stack, path: &str, body: Value) -> Result<(u16, Value)> {
    let response = stack
        .http
        .post(format!("{}{path}", stack.api))
        .json(&body)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

fn codes(page: &Value) -> Vec<String> {
    let mut codes: Vec<String> = page["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect();
    codes.sort();
    codes
}

/// Polls the case list until `path` lists exactly `want` cases.
async fn wait_listed(stack: &Stack, path: &str, want: &[String]) -> Result<Value> {
    let mut want = want.to_vec();
    want.sort();
    let mut last = Value::Null;
    let what = format!("{path} to list {want:?}");
    eventually(&what, Duration::from_secs(60), async || {
        let (status, page) = get(stack, path).await?;
        if status == 200 && codes(&page) == want {
            return Ok(Some(page));
        }
        last = page;
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last: {last}"))
}

async fn stuck_stack(cases: usize) -> Result<(Stack, Vec<String>)> {
    let stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_ATTENTION_AFTER_SECS", "1"),
    )
    .await?;
    stack
        .fault(
            RESIDENCE_DOWN,
            json!({"operation": "*", "mode": "error", "status": 503}),
        )
        .await?;
    let mut codes = Vec::new();
    for i in 0..cases {
        codes.push(
            stack
                .submit_ok(&example_submission(&format!("ops-{i}")))
                .await?,
        );
    }
    Ok((stack, codes))
}

#[tokio::test]
async fn operators_find_stuck_cases_by_every_filter_and_count_them() -> Result<()> {
    let (stack, stuck) = stuck_stack(3).await?;
    let retrying = wait_listed(&stack, "/v1/ops/cases?reason=retrying", &stuck).await?;
    let line = &retrying["cases"][0];
    assert_eq!(line["status"], "running");
    assert_eq!(line["office"], "01-HK");
    assert_eq!(line["waiting_on"], json!(["residence"]));
    assert_eq!(line["attention_agencies"], json!(["residence"]));

    let today = retrying["cases"][0]["submitted_at"]
        .as_str()
        .unwrap_or_default()[..10]
        .to_owned();
    for filter in [
        "procedure=birth-residence-insurance".to_owned(),
        "status=running".to_owned(),
        "agency=residence".to_owned(),
        "reason=any".to_owned(),
        "office=01-HK".to_owned(),
        "office=01".to_owned(),
        format!("submitted_from={today}"),
    ] {
        let (status, page) = get(&stack, &format!("/v1/ops/cases?{filter}")).await?;
        assert_eq!(status, 200, "{filter}: {page}");
        assert_eq!(
            codes(&page),
            {
                let mut s = stuck.clone();
                s.sort();
                s
            },
            "{filter}"
        );
    }
    for (filter, expected) in [
        (format!("code={}", stuck[1]), vec![stuck[1].clone()]),
        ("submitted_to=2020-01-01".to_owned(), vec![]),
        ("status=completed".to_owned(), vec![]),
        ("agency=civil-status".to_owned(), vec![]),
        ("overdue=true".to_owned(), vec![]),
        ("procedure=death-residence-allowance".to_owned(), vec![]),
    ] {
        let (_, page) = get(&stack, &format!("/v1/ops/cases?{filter}")).await?;
        assert_eq!(codes(&page), expected, "{filter}");
    }
    let (_, first) = get(&stack, "/v1/ops/cases?reason=retrying&page_size=2").await?;
    let (_, second) = get(&stack, "/v1/ops/cases?reason=retrying&page_size=2&page=2").await?;
    assert_eq!(
        (first["more"].clone(), second["more"].clone()),
        (json!(true), json!(false))
    );
    let mut paged = [codes(&first), codes(&second)].concat();
    paged.sort();
    let mut all = stuck.clone();
    all.sort();
    assert_eq!(paged, all);

    let province = lienthong_identity::Claims {
        sub: "operator-hanoi".into(),
        roles: vec!["operator".into()],
        offices: vec!["01".into()],
        ..lienthong_identity::Claims::default()
    };
    let refused: Value = stack
        .client_as(Some(&province))
        .get(format!("{}/v1/ops/cases?office=79-Q1", stack.api))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(refused["error"]["code"], "OFFICE_OUT_OF_SCOPE", "{refused}");
    let (status, refused) = get(&stack, "/v1/ops/cases?procedure=x'%20OR%201=1").await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("FILTER_INVALID"))
    );

    let (_, counts) = get(&stack, "/v1/ops/counts").await?;
    let figure = |list: &str, key: &str| {
        counts[list]
            .as_array()
            .into_iter()
            .flatten()
            .find(|pair| pair[0] == key)
            .and_then(|pair| pair[1].as_i64())
    };
    assert_eq!(figure("by_status", "running"), Some(3), "{counts}");
    assert_eq!(figure("by_agency", "residence"), Some(3), "{counts}");
    assert_eq!(figure("by_reason", "retrying"), Some(3), "{counts}");
    assert_eq!(counts["needing_attention"], 3);
    assert_eq!(counts["per_day"].as_array().map(Vec::len), Some(7));

    // While the agency does not even answer its health check, a retry says so instead of
    // pretending; `force` sends it anyway.
    stack
        .fault(
            RESIDENCE_DOWN,
            json!({"operation": "*", "mode": "outage", "duration_ms": 60_000}),
        )
        .await?;
    let retry = |force: bool| json!({"action": "retry_now", "step": "residence", "reason": "try again", "force": force});
    let path = format!("/v1/ops/cases/{}/actions", stuck[0]);
    let (status, refused) = post(&stack, &path, retry(false)).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("CAUSE_PERSISTS")),
        "{refused}"
    );
    let (status, forced) = post(&stack, &path, retry(true)).await?;
    assert_eq!(status, 200, "{forced}");
    Ok(())
}

#[tokio::test]
async fn operators_hold_release_retry_resolve_and_cancel_and_the_audit_log_shows_it() -> Result<()>
{
    let (stack, stuck) = stuck_stack(4).await?;
    wait_listed(&stack, "/v1/ops/cases?reason=retrying", &stuck).await?;
    let action = |code: &str, body: Value| {
        let path = format!("/v1/ops/cases/{code}/actions");
        let stack = &stack;
        async move { post(stack, &path, body).await }
    };

    // Refusals: no reason; a step that is not stuck; an agency that still does not answer is
    // not the case here (its health check passes), so a retry goes out.
    let (status, refused) = action(
        &stuck[0],
        json!({"action": "retry_now", "step": "residence", "reason": " "}),
    )
    .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("REASON_REQUIRED"))
    );
    let (status, refused) = action(
        &stuck[0],
        json!({"action": "retry_now", "step": "birth", "reason": "try"}),
    )
    .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("STEP_NOT_RETRYABLE")),
        "{refused}"
    );
    let (status, retried) = action(
        &stuck[0],
        json!({"action": "retry_now", "step": "residence", "reason": "agency says it is back"}),
    )
    .await?;
    assert_eq!(status, 200, "{retried}");

    // Hold the agency: every stuck case stops calling it; a retry now says it is held.
    let (status, held) = post(
        &stack,
        "/v1/ops/agencies/residence/hold",
        json!({"reason": "planned maintenance"}),
    )
    .await?;
    assert_eq!(status, 200, "{held}");
    let batch = held["batch"].as_str().unwrap_or_default();
    let report = stack.wait_batch(batch, Duration::from_secs(60)).await?;
    assert_eq!(report["action"]["action"], "hold", "{report}");
    for code in &stuck {
        let outcome = report["outcomes"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["case"] == code.as_str()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(outcome["outcome"], "done", "{code}: {report:#}");
        assert_eq!(outcome["effect"], "held", "{code}: {report:#}");
    }
    wait_listed(&stack, "/v1/ops/cases?reason=held", &stuck).await?;
    let (status, refused) = action(
        &stuck[1],
        json!({"action": "retry_now", "step": "residence", "reason": "x"}),
    )
    .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("AGENCY_HELD"))
    );
    let (status, refused) = post(
        &stack,
        "/v1/ops/agencies/residence/hold",
        json!({"reason": "again"}),
    )
    .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("ALREADY_HELD"))
    );

    // One case is resolved by hand, one cancelled; the rest are released in bulk.
    let (status, refused) = action(&stuck[2], json!({"action": "resolve", "step": "residence", "reference": "TT-OFFLINE-1", "output": "TT-OFFLINE-1", "reason": "registered at the counter"})).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("OUTPUT_INVALID")),
        "{refused}"
    );
    let (status, resolved) = action(&stuck[2], json!({"action": "resolve", "step": "residence", "reference": "TT-OFFLINE-1", "output": {"residence_entry_id": "TT-OFFLINE-1"}, "reason": "registered at the counter"})).await?;
    assert_eq!(status, 200, "{resolved}");
    let (status, cancelled) = action(
        &stuck[3],
        json!({"action": "cancel", "reason": "the family asked at the counter"}),
    )
    .await?;
    assert_eq!(status, 200, "{cancelled}");

    // The cancelled case waits for the agency too: its last call may have been done there, so
    // the agency is asked before anything is undone.
    let released_ones = vec![stuck[0].clone(), stuck[1].clone(), stuck[3].clone()];
    let bulk = |dry_run: bool, cap: u32| {
        json!({"action": "release", "agency": "residence", "filter": {"reason": "held"},
               "dry_run": dry_run, "cap": cap, "reason": "agency back", "per_second": 50})
    };
    stack
        .http
        .delete(format!("{}/admin/faults", stack.agencies[RESIDENCE_DOWN]))
        .send()
        .await?
        .error_for_status()?;
    wait_listed(&stack, "/v1/ops/cases?reason=held", &released_ones).await?;
    let (status, over) = post(&stack, "/v1/ops/bulk", bulk(false, 1)).await?;
    assert_eq!(
        (status, over["error"]["code"].as_str()),
        (409, Some("BULK_OVER_CAP"))
    );
    let (status, dry) = post(&stack, "/v1/ops/bulk", bulk(true, 10)).await?;
    assert_eq!(status, 200, "{dry}");
    let mut matched: Vec<String> = serde_json::from_value(dry["matched"].clone())?;
    matched.sort();
    let mut expected = released_ones.clone();
    expected.sort();
    assert_eq!(matched, expected);
    assert_eq!(dry["matched_total"], 3, "{dry}");
    assert_eq!(dry["over_cap"], false, "{dry}");
    assert_eq!(dry["next_page"], Value::Null, "one page holds them all");
    assert_eq!(dry["would_send"].as_array().map(Vec::len), Some(3));
    // A page of one: the dry run pages, and the pages together list each case once.
    let mut paged = Vec::new();
    let mut page = Value::Null;
    loop {
        let mut request = bulk(true, 10);
        request["page_size"] = json!(1);
        request["page"] = page;
        let (status, answer) = post(&stack, "/v1/ops/bulk", request).await?;
        assert_eq!(status, 200, "{answer}");
        // Visibility may end with an empty page after a full one.
        assert!(
            answer["matched"].as_array().is_some_and(|m| m.len() <= 1),
            "{answer}"
        );
        paged.extend(serde_json::from_value::<Vec<String>>(
            answer["matched"].clone(),
        )?);
        page = answer["next_page"].clone();
        if page.is_null() {
            break;
        }
    }
    paged.sort();
    assert_eq!(paged, expected);
    let (status, bad_page) = post(&stack, "/v1/ops/bulk", {
        let mut request = bulk(true, 10);
        request["page"] = json!("not a page!");
        request
    })
    .await?;
    assert_eq!(
        (status, bad_page["error"]["code"].as_str()),
        (400, Some("PAGE_INVALID"))
    );
    let (_, still) = get(&stack, "/v1/ops/cases?reason=held").await?;
    assert_eq!(codes(&still).len(), 3, "a dry run changed nothing");
    let (status, done) = post(&stack, "/v1/ops/bulk", bulk(false, 10)).await?;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["agency_hold_lifted"], true, "{done}");
    let report = stack
        .wait_batch(
            done["batch"].as_str().unwrap_or_default(),
            Duration::from_secs(60),
        )
        .await?;
    assert_eq!(report["progress"]["done"], 3, "{report:#}");
    assert_eq!(report["progress"]["matched"], 3, "{report:#}");

    for code in &released_ones[..2] {
        let case = stack.wait_ended(code).await?;
        assert_eq!(case["status"], "completed", "{case}");
    }
    let resolved = stack.wait_ended(&stuck[2]).await?;
    assert_eq!(resolved["status"], "completed", "{resolved}");
    assert_eq!(step(&resolved, "residence")["status"], "resolved_manually");
    let cancelled = stack.wait_ended(&stuck[3]).await?;
    assert_eq!(cancelled["status"], "withdrawn", "{cancelled}");

    // A finished case takes no action.
    let (status, refused) =
        action(&stuck[0], json!({"action": "cancel", "reason": "too late"})).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("CASE_CLOSED"))
    );

    // The audit log holds every action and refusal, attributed, with its reason.
    let (_, log) = get(&stack, &format!("/v1/audit?case={}", stuck[0])).await?;
    let outcomes: Vec<(String, String)> = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for expected in [
        ("retry_now", "refused: REASON_REQUIRED"),
        ("retry_now", "refused: STEP_NOT_RETRYABLE"),
        ("retry_now", "done"),
        ("bulk_release", "done"),
        ("cancel", "refused: CASE_CLOSED"),
    ] {
        assert!(
            outcomes
                .iter()
                .any(|(a, o)| a == expected.0 && o == expected.1),
            "{expected:?} missing from {outcomes:?}"
        );
    }
    let entry = log["entries"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["outcome"] == "done" && e["action"] == "retry_now")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["actor"], "harness");
    assert_eq!(entry["reason"], "agency says it is back");
    let (_, holds) = get(&stack, "/v1/audit?action=hold_agency").await?;
    let named = holds["entries"].as_array().is_some_and(|entries| {
        entries.iter().any(|e| {
            e["outcome"] == "done"
                && e["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains(&format!("batch={batch}")))
        })
    });
    assert!(named, "the hold's audit entry names its batch: {holds}");
    let (_, all) = get(&stack, "/v1/audit?action=bulk_release").await?;
    assert_eq!(
        all["entries"].as_array().map(Vec::len),
        Some(2),
        "the refused and the done bulk"
    );

    let csv = stack
        .http
        .get(format!("{}/v1/audit.csv?case={}", stack.api, stuck[0]))
        .send()
        .await?;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await?;
    assert!(csv.starts_with("id,at,actor,role,action,cases,reason,outcome,detail\r\n"));
    assert_eq!(csv.lines().count(), outcomes.len() + 1);

    // The timeline shows the operator's actions and the journal.
    let (_, timeline) = get(&stack, &format!("/v1/ops/cases/{}", stuck[2])).await?;
    assert!(
        timeline["operator_actions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["action"] == "resolve"))
    );
    assert!(
        timeline["case"]["journal"]
            .as_array()
            .is_some_and(|j| !j.is_empty())
    );
    Ok(())
}
