use serde_json::{Value, json};

use crate::common::*;

fn supplement() -> Value {
    json!({
        "documents": [{"code": "MARRIAGE_CERTIFICATE", "reference": "doc-7f3a"}],
        "note": "bản sao có chứng thực",
    })
}

fn with_supplement(mut body: Value) -> Value {
    body["supplement"] = supplement();
    body
}

#[tokio::test]
async fn documents_required_asks_instead_of_acting() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let documents = json!([{"code": "MARRIAGE_CERTIFICATE", "title": "Giấy chứng nhận kết hôn"}]);
    let queued = h
        .add_fault(
            "residence",
            json!({
                "operation": "register-permanent-residence",
                "mode": "documents_required",
                "documents": documents,
                "message": "cần bổ sung giấy chứng nhận kết hôn",
                "count": 1,
            }),
        )
        .await?;
    assert_eq!(queued.status, 201, "{:?}", queued.body);

    let body = child_residence("001226004100", MOTHER);
    let asked = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("doc-1"),
            &body,
        )
        .await?;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    assert!(!asked.replayed);
    assert_eq!(
        asked.body,
        json!({
            "outcome": "documents_required",
            "documents": documents,
            "message": "cần bổ sung giấy chứng nhận kết hôn",
        })
    );
    // Nothing done, nothing recorded.
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226004100'"
        )
        .await?,
        0
    );
    assert_eq!(h.get("residence", "/acts/doc-1").await?.status, 404);

    // The engine resends with the supplement under a new key.
    let done = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("doc-2"),
            &with_supplement(body),
        )
        .await?;
    assert_eq!(done.status, 201, "{:?}", done.body);
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '001226004100'"
        )
        .await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn documents_required_has_a_default_message_and_needs_documents() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for bad in [
        json!({"operation": "*", "mode": "documents_required", "documents": []}),
        json!({"operation": "*", "mode": "documents_required"}),
        json!({"operation": "*", "mode": "documents_required", "documents": [{"code": "X", "title": " "}]}),
    ] {
        let reply = h.add_fault("social-insurance", bad.clone()).await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{bad}"
        );
    }
    h.add_fault(
        "social-insurance",
        json!({"operation": "*", "mode": "documents_required",
               "documents": [{"code": "BIRTH_CERTIFICATE", "title": "Giấy khai sinh"}]}),
    )
    .await?;
    let asked = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("doc-3"),
            &card_application("001226004200", &days_ago(3)),
        )
        .await?;
    assert_eq!(asked.status, 200);
    assert_eq!(asked.str("outcome"), "documents_required");
    assert!(!asked.str("message").is_empty());
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn every_operation_accepts_a_supplement() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let assigned = h
        .post(
            "population",
            "assign-personal-id",
            Some("sup-pop"),
            &with_supplement(json!({
                "full_name": "Trần Minh An",
                "date_of_birth": days_ago(5),
                "sex": "male",
                "place_of_birth": "Hà Nội",
                "mother_id": MOTHER,
            })),
        )
        .await?;
    assert_eq!(assigned.status, 201, "{:?}", assigned.body);

    let birth = h
        .register_birth("sup-birth", &with_supplement(birth("supplement")))
        .await?;
    assert_eq!(birth.status, 201, "{:?}", birth.body);
    let personal_id = birth.str("personal_id");

    let entry = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("sup-res"),
            &with_supplement(child_residence(&personal_id, MOTHER)),
        )
        .await?;
    assert_eq!(entry.status, 201, "{:?}", entry.body);
    let cancelled = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("sup-res-cancel"),
            &with_supplement(json!({
                "residence_entry_id": entry.str("residence_entry_id"),
                "reason": "compensation",
            })),
        )
        .await?;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);

    let card = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("sup-card"),
            &with_supplement(card_application(&personal_id, &days_ago(5))),
        )
        .await?;
    assert_eq!(card.status, 201, "{:?}", card.body);
    let revoked = h
        .post(
            "social-insurance",
            "revoke-child-health-card",
            Some("sup-card-revoke"),
            &with_supplement(json!({
                "card_number": card.str("card_number"),
                "reason": "compensation",
            })),
        )
        .await?;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);

    // Its shape is still checked.
    let mut malformed = child_residence("001226004300", FATHER);
    malformed["supplement"] = json!("see attachment");
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("sup-bad"),
            &malformed,
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    h.sims.shutdown().await;
    Ok(())
}
