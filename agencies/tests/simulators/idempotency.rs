use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn same_key_twice_replays_the_first_answer() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let first = h.register_birth("same-key", &birth("same")).await?;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert!(!first.replayed);

    let second = h.register_birth("same-key", &birth("same")).await?;
    assert_eq!(second.status, 201);
    assert!(second.replayed);
    assert_eq!(second.body, first.body);

    assert_eq!(h.count("civil-status", "births", "").await?, 1);
    assert_eq!(h.count("civil-status", "acts", "").await?, 1);
    assert_eq!(
        h.count("population", "citizens", "").await?,
        SEEDED_CITIZENS + 1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_create_one_record() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let url = format!("{}/operations/register-birth", h.url("civil-status"));
    let body = birth("concurrent");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = h
            .http
            .post(&url)
            .header("Idempotency-Key", "concurrent-key")
            .json(&body);
        let (request, http) = (h.signed(request)?, h.http.clone());
        tasks.push(tokio::spawn(async move {
            reply(http.execute(request).await?).await
        }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        let reply = task.await??;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        bodies.push(reply.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(h.count("civil-status", "births", "").await?, 1);
    assert_eq!(h.count("civil-status", "acts", "").await?, 1);
    assert_eq!(
        h.count("population", "citizens", "").await?,
        SEEDED_CITIZENS + 1
    );

    // Same on a register without a downstream call.
    let url = format!(
        "{}/operations/issue-child-health-card",
        h.url("social-insurance")
    );
    let body = card_application("001226000111", &days_ago(3));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = h
            .http
            .post(&url)
            .header("Idempotency-Key", "concurrent-card")
            .json(&body);
        let (request, http) = (h.signed(request)?, h.http.clone());
        tasks.push(tokio::spawn(async move {
            reply(http.execute(request).await?).await
        }));
    }
    let mut replayed = 0;
    for task in tasks {
        let reply = task.await??;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        replayed += usize::from(reply.replayed);
    }
    assert_eq!(replayed, 7);
    assert_eq!(h.count("social-insurance", "cards", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let first = h.register_birth("reused", &birth("reuse-a")).await?;
    assert_eq!(first.status, 201);
    let other = h.register_birth("reused", &birth("reuse-b")).await?;
    assert_eq!(
        (other.status, other.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(h.count("civil-status", "births", "").await?, 1);

    // Same key, another operation of the same agency.
    let registered = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-key"),
            &child_residence("001226000222", MOTHER),
        )
        .await?;
    assert_eq!(registered.status, 201);
    let cancel = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("res-key"),
            &json!({"residence_entry_id": registered.str("residence_entry_id"), "reason": "x"}),
        )
        .await?;
    assert_eq!(
        (cancel.status, cancel.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );

    // Key order and spacing do not make a different request.
    let reordered: serde_json::Value = serde_json::from_str(&birth("reuse-a").to_string())?;
    let same = h
        .send(
            h.http
                .post(format!(
                    "{}/operations/register-birth",
                    h.url("civil-status")
                ))
                .header("Idempotency-Key", "reused")
                .header("content-type", "application/json")
                .body(serde_json::to_string_pretty(&reordered)?),
        )
        .await?;
    assert_eq!(same.status, 201);
    assert!(same.replayed);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn malformed_requests_get_json_errors() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let missing_key = h
        .post("civil-status", "register-birth", None, &birth("no-key"))
        .await?;
    assert_eq!(
        (missing_key.status, missing_key.code()),
        (400, "IDEMPOTENCY_KEY_MISSING")
    );

    let not_json = h
        .send(
            h.http
                .post(format!(
                    "{}/operations/register-birth",
                    h.url("civil-status")
                ))
                .header("Idempotency-Key", "not-json")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await?;
    assert_eq!((not_json.status, not_json.code()), (400, "INVALID_REQUEST"));

    let wrong_type = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("wrong-type"),
            &json!({"personal_id": 1, "full_name": "A", "date_of_birth": "2026-01-01", "parent_id": MOTHER}),
        )
        .await?;
    assert_eq!(
        (wrong_type.status, wrong_type.code()),
        (400, "INVALID_REQUEST")
    );

    let unknown = h
        .post("civil-status", "register-marriage", Some("k"), &json!({}))
        .await?;
    assert_eq!((unknown.status, unknown.code()), (404, "UNKNOWN_OPERATION"));

    let nowhere = h.get("residence", "/nowhere").await?;
    assert_eq!((nowhere.status, nowhere.code()), (404, "NOT_FOUND"));
    let wrong_method = h
        .get("residence", "/operations/register-permanent-residence")
        .await?;
    assert_eq!(
        (wrong_method.status, wrong_method.code()),
        (405, "METHOD_NOT_ALLOWED")
    );
    h.sims.shutdown().await;
    Ok(())
}
