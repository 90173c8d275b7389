use lienthong_agencies::seeded::{
    DECEASED_INSURED, DECEASED_INSURED_SHORT, DECEASED_MERITORIOUS, DECEASED_NONE,
    DECEASED_SOCIAL_PROTECTION, INSURED, PENSIONERS,
};
use serde_json::json;

use crate::common::*;

const GRANT: &str = "grant-survivor-benefit";
const CANCEL: &str = "cancel-survivor-benefit";

#[tokio::test]
async fn survivors_get_a_monthly_or_one_time_benefit() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let expected = PENSIONERS.iter().map(|id| (*id, "monthly")).chain([
        (INSURED[0], "monthly"),
        (INSURED[1], "monthly"),
        (INSURED[2], "one_time"),
        (INSURED[3], "one_time"),
    ]);
    for (deceased, kind) in expected {
        let reply = h
            .post(
                "social-insurance",
                GRANT,
                Some(&format!("survivor-{deceased}")),
                &survivor_application(deceased),
            )
            .await?;
        assert_eq!(reply.status, 201, "{deceased}: {:?}", reply.body);
        assert_eq!(reply.str("kind"), kind, "{deceased}");
        assert_eq!(reply.str("granted_on"), iso(today()));
        assert!(reply.str("benefit_id").starts_with("TU-"));
    }
    assert_eq!(
        h.count(
            "social-insurance",
            "survivor_benefits",
            "status = 'granted'"
        )
        .await?,
        7
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_survivor_benefit_needs_an_insured_deceased_and_is_granted_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for deceased in [
        DECEASED_NONE,
        DECEASED_SOCIAL_PROTECTION,
        DECEASED_MERITORIOUS,
    ] {
        let reply = h
            .post(
                "social-insurance",
                GRANT,
                Some(&format!("not-insured-{deceased}")),
                &survivor_application(deceased),
            )
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (422, "NOT_INSURED"),
            "{deceased}"
        );
    }

    let body = survivor_application(DECEASED_INSURED_SHORT);
    let granted = h
        .post("social-insurance", GRANT, Some("grant-1"), &body)
        .await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let replay = h
        .post("social-insurance", GRANT, Some("grant-1"), &body)
        .await?;
    assert_eq!((replay.status, replay.replayed), (201, true));
    assert_eq!(replay.body, granted.body);
    let twice = h
        .post("social-insurance", GRANT, Some("grant-2"), &body)
        .await?;
    assert_eq!((twice.status, twice.code()), (422, "ALREADY_GRANTED"));
    assert_eq!(
        h.count("social-insurance", "survivor_benefits", "").await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn cancelling_a_survivor_benefit_is_safe_to_repeat() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = survivor_application(DECEASED_INSURED);
    let granted = h
        .post("social-insurance", GRANT, Some("to-cancel"), &body)
        .await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let benefit_id = granted.str("benefit_id");
    let cancel = json!({"benefit_id": benefit_id, "reason": "the applicant withdrew"});
    let first = h
        .post(
            "social-insurance",
            CANCEL,
            Some("to-cancel/compensate"),
            &cancel,
        )
        .await?;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.str("cancelled_on"), iso(today()));
    let replay = h
        .post(
            "social-insurance",
            CANCEL,
            Some("to-cancel/compensate"),
            &cancel,
        )
        .await?;
    assert_eq!((replay.status, replay.replayed), (200, true));
    let again = h
        .post("social-insurance", CANCEL, Some("other-key"), &cancel)
        .await?;
    assert_eq!((again.status, again.replayed), (200, false));
    assert_eq!(again.body, first.body);
    assert_eq!(
        h.count(
            "social-insurance",
            "survivor_benefits",
            &format!("benefit_id = '{benefit_id}' AND status = 'cancelled'")
        )
        .await?,
        1
    );
    let unknown = h
        .post(
            "social-insurance",
            CANCEL,
            Some("unknown"),
            &json!({"benefit_id": "TU-1999-000001", "reason": "x"}),
        )
        .await?;
    assert_eq!((unknown.status, unknown.code()), (404, "UNKNOWN_BENEFIT"));

    // Cancelled, the benefit can be granted again.
    let regranted = h
        .post("social-insurance", GRANT, Some("regrant"), &body)
        .await?;
    assert_eq!(regranted.status, 201, "{:?}", regranted.body);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn invalid_survivor_benefit_requests_are_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let cases = [
        ("deceased_id", json!("0010780004010")),
        ("death_certificate_number", json!(" ")),
        ("representative_id", json!(DECEASED_INSURED)),
        ("representative_relationship", json!("friend")),
    ];
    for (i, (field, value)) in cases.into_iter().enumerate() {
        let mut body = survivor_application(DECEASED_INSURED);
        body[field] = value;
        let reply = h
            .post("social-insurance", GRANT, Some(&format!("bad-{i}")), &body)
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{field}: {:?}",
            reply.body
        );
        assert!(!reply.str("message").contains("friend"));
    }
    assert_eq!(h.count("social-insurance", "acts", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}
