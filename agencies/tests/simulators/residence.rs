use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_child_is_registered_at_the_parents_address() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let child = "001226000333";
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-1"),
            &child_residence(child, FATHER),
        )
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.str("address_code"), "001-00000001");
    assert_eq!(reply.str("registered_on"), iso(today()));
    assert!(reply.str("residence_entry_id").starts_with("TT-"));
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &format!("personal_id = '{child}' AND status = 'active' AND relationship = 'child'")
        )
        .await?,
        1
    );

    let twice = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-2"),
            &child_residence(child, MOTHER),
        )
        .await?;
    assert_eq!((twice.status, twice.code()), (422, "ALREADY_RESIDENT"));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_parent_without_permanent_residence_is_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let reply = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-refused"),
            &child_residence("079326000444", NON_RESIDENT_MOTHER),
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (422, "PARENT_NOT_RESIDENT"));
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            "personal_id = '079326000444'"
        )
        .await?,
        0
    );
    assert_eq!(h.count("residence", "acts", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn cancelling_is_safe_to_repeat() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let child = "001226000555";
    let registered = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-cancel-1"),
            &child_residence(child, MOTHER),
        )
        .await?;
    assert_eq!(registered.status, 201);
    let entry = registered.str("residence_entry_id");
    let cancel = json!({"residence_entry_id": entry, "reason": "health-insurance step failed"});

    let first = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("cancel-a"),
            &cancel,
        )
        .await?;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(
        first.body,
        json!({"residence_entry_id": entry, "status": "cancelled"})
    );
    let replay = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("cancel-a"),
            &cancel,
        )
        .await?;
    assert_eq!((replay.status, replay.replayed), (200, true));
    let again = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("cancel-b"),
            &cancel,
        )
        .await?;
    assert_eq!((again.status, again.replayed), (200, false));
    assert_eq!(again.body, first.body);
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &format!("entry_id = '{entry}' AND status = 'cancelled' AND cancelled_on IS NOT NULL")
        )
        .await?,
        1
    );

    let missing = h
        .post(
            "residence",
            "cancel-permanent-residence",
            Some("cancel-missing"),
            &json!({"residence_entry_id": "TT-1999-000001", "reason": "x"}),
        )
        .await?;
    assert_eq!((missing.status, missing.code()), (404, "ENTRY_NOT_FOUND"));

    // Once cancelled, the child can be registered again.
    let again = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("res-cancel-2"),
            &child_residence(child, MOTHER),
        )
        .await?;
    assert_eq!(again.status, 201);
    assert_ne!(again.str("residence_entry_id"), entry);
    h.sims.shutdown().await;
    Ok(())
}
