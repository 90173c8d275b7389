use lienthong_agencies::seeded::{DECEASED_INSURED, DECEASED_NONE, UNKNOWN_PERSON};
use serde_json::json;

use crate::common::*;

const CERTIFICATE: &str = "1/2026/KT-001";

fn entries(personal_id: &str, status: &str) -> String {
    format!("personal_id = '{personal_id}' AND status = '{status}'")
}

#[tokio::test]
async fn a_deceased_persons_residence_is_deleted_and_restored() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = deletion(DECEASED_NONE, CERTIFICATE);
    let deleted = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("del-1"),
            &body,
        )
        .await?;
    assert_eq!(deleted.status, 201, "{:?}", deleted.body);
    assert_eq!(deleted.str("address_code"), "001-00000002");
    assert_eq!(deleted.str("deleted_on"), iso(today()));
    let deletion_id = deleted.str("deletion_id");
    assert_eq!(deletion_id, format!("XTT-{}-000001", today().year()));
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &entries(DECEASED_NONE, "active")
        )
        .await?,
        0
    );
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &entries(DECEASED_NONE, "deleted")
        )
        .await?,
        1
    );

    let replay = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("del-1"),
            &body,
        )
        .await?;
    assert_eq!((replay.status, replay.replayed), (201, true));
    assert_eq!(replay.body, deleted.body);

    // Nothing left to delete under another key.
    let twice = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("del-2"),
            &body,
        )
        .await?;
    assert_eq!(
        (twice.status, twice.code()),
        (422, "NO_PERMANENT_RESIDENCE")
    );

    let restore =
        json!({"deletion_id": deletion_id, "reason": "the death registration was withdrawn"});
    let restored = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("del-1/compensate"),
            &restore,
        )
        .await?;
    assert_eq!(restored.status, 200, "{:?}", restored.body);
    assert_eq!(restored.str("restored_on"), iso(today()));
    assert_eq!(restored.str("status"), "restored");
    let replayed = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("del-1/compensate"),
            &restore,
        )
        .await?;
    assert_eq!((replayed.status, replayed.replayed), (200, true));
    let again = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("another-compensation"),
            &restore,
        )
        .await?;
    assert_eq!((again.status, again.replayed), (200, false));
    assert_eq!(again.body, restored.body);
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &entries(DECEASED_NONE, "active")
        )
        .await?,
        1
    );
    assert_eq!(
        h.count(
            "residence",
            "residence_deletions",
            &format!("deletion_id = '{deletion_id}' AND status = 'restored'")
        )
        .await?,
        1
    );

    // Restored, the residence can be deleted again.
    let later = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("del-3"),
            &body,
        )
        .await?;
    assert_eq!(later.status, 201, "{:?}", later.body);
    assert_ne!(later.str("deletion_id"), deletion_id);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn deletions_are_refused_without_a_residence_and_restorations_without_a_deletion()
-> anyhow::Result<()> {
    let h = Harness::start().await?;
    let none = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("no-res"),
            &deletion(UNKNOWN_PERSON, CERTIFICATE),
        )
        .await?;
    assert_eq!((none.status, none.code()), (422, "NO_PERMANENT_RESIDENCE"));

    let unknown = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("no-deletion"),
            &json!({"deletion_id": "XTT-1999-000001", "reason": "compensation"}),
        )
        .await?;
    assert_eq!((unknown.status, unknown.code()), (404, "UNKNOWN_DELETION"));

    for (i, body) in [
        deletion("12", CERTIFICATE),
        deletion(DECEASED_NONE, " "),
        json!({"personal_id": DECEASED_NONE}),
    ]
    .iter()
    .enumerate()
    {
        let reply = h
            .post(
                "residence",
                "delete-permanent-residence",
                Some(&format!("bad-{i}")),
                body,
            )
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{body}"
        );
    }
    let reply = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("bad-restore"),
            &json!({"deletion_id": "XTT-1999-000001", "reason": ""}),
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (400, "INVALID_REQUEST"));
    assert_eq!(h.count("residence", "acts", "").await?, 0);
    assert_eq!(h.count("residence", "residence_deletions", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_residence_registered_since_the_deletion_is_not_overwritten() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let deleted = h
        .post(
            "residence",
            "delete-permanent-residence",
            Some("moved-del"),
            &deletion(DECEASED_INSURED, CERTIFICATE),
        )
        .await?;
    assert_eq!(deleted.status, 201, "{:?}", deleted.body);
    let registered = h
        .post(
            "residence",
            "register-permanent-residence",
            Some("moved-reg"),
            &child_residence(DECEASED_INSURED, FATHER),
        )
        .await?;
    assert_eq!(registered.status, 201, "{:?}", registered.body);

    let restore = h
        .post(
            "residence",
            "restore-permanent-residence",
            Some("moved-restore"),
            &json!({"deletion_id": deleted.str("deletion_id"), "reason": "compensation"}),
        )
        .await?;
    assert_eq!((restore.status, restore.code()), (422, "ALREADY_RESIDENT"));
    assert_eq!(
        h.count(
            "residence",
            "residence_entries",
            &entries(DECEASED_INSURED, "active")
        )
        .await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}
