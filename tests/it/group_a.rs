//! Group A end to end on the real stack: a parent files one application and gets three results.

use anyhow::Result;
use serde_json::json;

use crate::support::{Stack, StackOptions, example_submission, step};

const BIRTHS: &str = "SELECT COUNT(*) FROM births WHERE personal_id = ?";
const RESIDENTS: &str = "SELECT COUNT(*) FROM residence_entries WHERE personal_id = ?";
const ACTIVE_RESIDENTS: &str =
    "SELECT COUNT(*) FROM residence_entries WHERE personal_id = ? AND status = 'active'";
const CARDS: &str = "SELECT COUNT(*) FROM cards WHERE personal_id = ?";
const ACTIVE_CARDS: &str = "SELECT COUNT(*) FROM cards WHERE personal_id = ? AND status = 'active'";
const CITIZENS: &str = "SELECT COUNT(*) FROM citizens WHERE personal_id = ?";

fn personal_id(case: &serde_json::Value) -> String {
    step(case, "birth")["output"]["personal_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Each register holds exactly one record of the child, whatever the retries.
async fn assert_one_record_each(stack: &Stack, id: &str) -> Result<()> {
    assert_eq!(
        stack.count("population", CITIZENS, id).await?,
        1,
        "population"
    );
    assert_eq!(
        stack.count("civil-status", BIRTHS, id).await?,
        1,
        "civil status"
    );
    assert_eq!(
        stack.count("residence", RESIDENTS, id).await?,
        1,
        "residence"
    );
    assert_eq!(
        stack.count("social-insurance", CARDS, id).await?,
        1,
        "social insurance"
    );
    Ok(())
}

#[tokio::test]
async fn a_parent_files_once_and_gets_all_three_results() -> Result<()> {
    let stack = Stack::start().await?;
    let code = stack.submit_ok(&example_submission("happy")).await?;
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "completed", "{case:#}");
    let id = personal_id(&case);
    assert_eq!(id.len(), 12, "a 12-digit personal ID: {case:#}");
    assert!(step(&case, "birth")["output"]["birth_certificate_number"].is_string());
    assert!(step(&case, "residence")["output"]["residence_entry_id"].is_string());
    assert!(step(&case, "insurance")["output"]["card_number"].is_string());
    assert_one_record_each(&stack, &id).await?;
    // The ID civil status obtained is the one residence and insurance registered.
    assert_eq!(stack.count("residence", ACTIVE_RESIDENTS, &id).await?, 1);
    assert_eq!(stack.count("social-insurance", ACTIVE_CARDS, &id).await?, 1);
    // Only the fields the definition keeps reach the case: the agencies' other answers stay out.
    let kept: Vec<&String> = step(&case, "insurance")["output"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        kept,
        [
            "card_number",
            "social_insurance_number",
            "valid_from",
            "valid_until"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn an_agency_down_three_times_is_retried_without_a_duplicate() -> Result<()> {
    let stack = Stack::start().await?;
    stack
        .fault("residence", json!({"operation": "register-permanent-residence", "mode": "error", "status": 503, "count": 3}))
        .await?;
    let code = stack.submit_ok(&example_submission("retry")).await?;
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        step(&case, "residence")["attempts"],
        4,
        "three refusals, then success: {case:#}"
    );
    assert_eq!(step(&case, "insurance")["attempts"], 1);
    assert_one_record_each(&stack, &personal_id(&case)).await
}

#[tokio::test]
async fn an_insurance_refusal_undoes_residence_and_keeps_the_birth() -> Result<()> {
    let stack = Stack::start().await?;
    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "reject", "reason_code": "DOSSIER_INCOMPLETE", "message": "the e-birth certificate cannot be verified"}),
        )
        .await?;
    let code = stack.submit_ok(&example_submission("refusal")).await?;
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "failed", "{case:#}");
    assert_eq!(case["failure"]["step"], "insurance");
    assert_eq!(
        case["failure"]["code"], "DOSSIER_INCOMPLETE",
        "the state says why"
    );
    assert_eq!(step(&case, "insurance")["status"], "rejected");
    assert_eq!(step(&case, "residence")["status"], "compensated");
    assert_eq!(
        step(&case, "birth")["status"],
        "needs_correction",
        "a birth is never deleted"
    );
    let id = personal_id(&case);
    assert_eq!(
        stack.count("civil-status", BIRTHS, &id).await?,
        1,
        "the birth record stays"
    );
    assert_eq!(stack.count("residence", RESIDENTS, &id).await?, 1);
    assert_eq!(
        stack.count("residence", ACTIVE_RESIDENTS, &id).await?,
        0,
        "the residence entry is cancelled"
    );
    assert_eq!(
        stack.count("social-insurance", CARDS, &id).await?,
        0,
        "no card was issued"
    );
    Ok(())
}

#[tokio::test]
async fn withdrawing_mid_case_undoes_what_was_done() -> Result<()> {
    // Queued calls: the withdrawal reaches the case while the insurance call is still out. (A
    // local attempt holds the case's workflow task, so a withdrawal would be read after it.)
    let stack = Stack::start_with_options(StackOptions::default().queued_first_attempt()).await?;
    stack
        .fault("social-insurance", json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 1500, "count": 1}))
        .await?;
    let code = stack.submit_ok(&example_submission("withdraw")).await?;
    // The insurance call is in flight once social insurance has started delaying it.
    stack.wait_faults_used("social-insurance").await?;
    let (status, body) = stack.withdraw(&code, "the family is moving abroad").await?;
    assert_eq!(status, 202, "{body}");
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "withdrawn", "{case:#}");
    assert_eq!(case["withdrawal"]["reason"], "the family is moving abroad");
    assert_eq!(step(&case, "residence")["status"], "compensated");
    assert_eq!(
        step(&case, "insurance")["status"],
        "compensated",
        "the call in flight finished, then was undone"
    );
    assert_eq!(step(&case, "birth")["status"], "needs_correction");
    let id = personal_id(&case);
    assert_eq!(stack.count("residence", ACTIVE_RESIDENTS, &id).await?, 0);
    assert_eq!(stack.count("social-insurance", ACTIVE_CARDS, &id).await?, 0);
    assert_eq!(
        stack.count("social-insurance", CARDS, &id).await?,
        1,
        "one card, revoked"
    );

    let (status, _) = stack.withdraw(&code, "again").await?;
    assert_eq!(status, 409, "an ended case cannot be withdrawn");
    Ok(())
}

#[tokio::test]
async fn a_withdrawal_that_comes_as_the_case_ends_is_refused_not_lost() -> Result<()> {
    // Local first attempts: the case's last call runs inside its workflow task, so the
    // withdrawal is read only once that call has answered and nothing is left to stop.
    let stack = Stack::start().await?;
    stack
        .fault("social-insurance", json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 1500, "count": 1}))
        .await?;
    let code = stack.submit_ok(&example_submission("too-late")).await?;
    stack.wait_faults_used("social-insurance").await?;
    let (status, body) = stack.withdraw(&code, "the family is moving abroad").await?;
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        status, 409,
        "a withdrawal the case will not act on is refused: {body}"
    );
    assert_eq!(body["error"]["code"], "CASE_CLOSED", "{body}");
    // The case was still running when the withdrawal was sent: it reached the case as an update,
    // which the server aborted as the case closed, rather than being refused up front.
    assert!(
        stack.logs().contains("update found no running case"),
        "the withdrawal was sent as an update to a running case"
    );
    assert!(case["withdrawal"].is_null(), "{case:#}");
    assert_one_record_each(&stack, &personal_id(&case)).await
}

#[tokio::test]
async fn a_withdrawal_no_worker_takes_in_time_is_answered_503_and_taken_later() -> Result<()> {
    let mut stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_UPDATE_DEADLINE_SECS", "2"),
    )
    .await?;
    stack.kill_worker().await?;
    let code = stack.submit_ok(&example_submission("no-worker")).await?;

    let (status, body) = stack.withdraw(&code, "the family is moving abroad").await?;
    assert_eq!(status, 503, "no worker took the withdrawal: {body}");
    assert_eq!(body["error"]["code"], "CASE_DID_NOT_ANSWER", "{body}");
    assert!(
        stack.logs().contains("case did not take an update in time"),
        "the API gave up at its deadline"
    );

    // The server held the withdrawal: the case takes it as soon as a worker runs it.
    stack.start_worker()?;
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "withdrawn", "{case:#}");
    assert_eq!(
        case["withdrawal"]["reason"], "the family is moving abroad",
        "{case:#}"
    );
    Ok(())
}

#[tokio::test]
async fn a_killed_worker_is_replaced_and_the_case_completes_once() -> Result<()> {
    let mut stack = Stack::start().await?;
    stack
        .fault("social-insurance", json!({"operation": "issue-child-health-card", "mode": "latency", "latency_ms": 2000, "count": 1}))
        .await?;
    let code = stack.submit_ok(&example_submission("crash")).await?;
    // The insurance call is in flight once social insurance has started delaying it.
    stack.wait_faults_used("social-insurance").await?;
    stack.kill_worker().await?;
    stack.start_worker()?;
    let case = stack.wait_ended(&code).await?;

    assert_eq!(case["status"], "completed", "{case:#}");
    assert_one_record_each(&stack, &personal_id(&case)).await
}

#[tokio::test]
async fn malformed_applications_are_refused_field_by_field_and_start_nothing() -> Result<()> {
    let stack = Stack::start().await?;
    let mut missing = example_submission("bad-1");
    missing["application"]["child"]
        .as_object_mut()
        .map(|c| c.remove("full_name"));
    let mut bad_date = example_submission("bad-2");
    bad_date["application"]["child"]["date_of_birth"] = json!("2026-02-30");
    let mut too_old = example_submission("bad-3");
    too_old["application"]["child"]["date_of_birth"] = json!("2019-01-15");
    let mut future = example_submission("bad-4");
    future["application"]["child"]["date_of_birth"] = json!("2099-01-01");
    let mut unknown = example_submission("bad-5");
    unknown["procedure"] = json!("no-such-procedure");
    let mut bad_id = example_submission("bad-6");
    bad_id["application"]["mother"]["personal_id"] = json!("12345");
    let mut extra = example_submission("bad-7");
    extra["application"]["child"]["religion"] = json!("none");

    let cases = [
        (missing, "/application/child/full_name", "REQUIRED"),
        (bad_date, "/application/child/date_of_birth", "INVALID_DATE"),
        (
            too_old,
            "/application/child/date_of_birth",
            "CHILD_NOT_UNDER_SIX",
        ),
        (
            future,
            "/application/child/date_of_birth",
            "DATE_OF_BIRTH_IN_FUTURE",
        ),
        (unknown, "/procedure", "UNKNOWN_PROCEDURE"),
        (bad_id, "/application/mother/personal_id", "INVALID_FORMAT"),
        (extra, "/application/child/religion", "UNKNOWN_FIELD"),
    ];
    for (body, field, code) in cases {
        let (status, answer) = stack.submit(&body).await?;
        assert_eq!(status, 400, "{field}: {answer}");
        assert_eq!(answer["error"]["code"], "APPLICATION_INVALID");
        let fields = answer["error"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            fields
                .iter()
                .any(|f| f["field"] == field && f["code"] == code),
            "expected {code} at {field}: {answer}"
        );
    }

    let response = stack
        .http
        .post(format!("{}/v1/applications", stack.api))
        .header("content-type", "application/json")
        .body("{\"procedure\": ")
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 400);
    let answer: serde_json::Value = response.json().await?;
    assert_eq!(answer["error"]["code"], "INVALID_JSON");

    let client = lienthong::connect::connect(Some(&stack.temporal.address().to_string())).await?;
    let started = client
        .count_workflows("", Default::default())
        .await?
        .count();
    assert_eq!(
        started, 0,
        "no case was started for any refused application"
    );
    Ok(())
}

#[tokio::test]
async fn resubmitting_with_the_same_request_id_returns_the_same_case() -> Result<()> {
    let stack = Stack::start().await?;
    let mut body = example_submission("idem");
    body["client_request_id"] = json!("portal-req-000123");
    let (first_status, first) = stack.submit(&body).await?;
    let (second_status, second) = stack.submit(&body).await?;
    assert_eq!((first_status, second_status), (202, 202));
    assert_eq!(first["case_code"], second["case_code"]);
    assert_eq!(
        (first["existing"].as_bool(), second["existing"].as_bool()),
        (Some(false), Some(true))
    );

    let code = first["case_code"].as_str().unwrap_or_default();
    let case = stack.wait_ended(code).await?;
    assert_eq!(case["status"], "completed");
    assert_one_record_each(&stack, &personal_id(&case)).await?;
    let (status, answer) = stack.case("KS-00000-00000").await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("CASE_NOT_FOUND"))
    );
    Ok(())
}
