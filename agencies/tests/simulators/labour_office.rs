use std::time::SystemTime;

use lienthong_agencies::rates::{
    BURIAL_SUPPORT_MERITORIOUS_VND, BURIAL_SUPPORT_SOCIAL_PROTECTION_VND,
};
use lienthong_agencies::seeded::{
    DECEASED_INSURED, DECEASED_MERITORIOUS, DECEASED_NONE, DECEASED_PENSIONER,
    DECEASED_SOCIAL_PROTECTION, MERITORIOUS, SOCIAL_PROTECTION,
};
use lienthong_agencies::{Agency, SimConfig};
use serde_json::json;

use crate::common::*;

const GRANT: &str = "grant-burial-support";
const CANCEL: &str = "cancel-burial-support";

#[tokio::test]
async fn the_labour_office_starts_alone_on_a_free_port() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = SimConfig::new(dir.path()).with_any_free_ports();
    config.only = Some(vec![Agency::LabourOffice]);
    let sims = lienthong_agencies::start(config).await?;
    assert_eq!(sims.urls().len(), 1);
    let url = sims
        .url(Agency::LabourOffice)
        .map(str::to_owned)
        .unwrap_or_default();
    let port: u16 = url.rsplit(':').next().unwrap_or_default().parse()?;
    assert_ne!(port, 0);
    assert_ne!(port, Agency::LabourOffice.default_port());

    let http = client()?;
    let health = reply(http.get(format!("{url}/health")).send().await?).await?;
    assert_eq!(health.status, 200);
    assert_eq!(health.str("agency"), "labour-office");
    let grant = http
        .post(format!("{url}/operations/{GRANT}"))
        .header("Idempotency-Key", "alone")
        .json(&burial_application(DECEASED_MERITORIOUS))
        .build()?;
    let grant = sign_at(grant, "dev-secret-labour-office", SystemTime::now())?;
    let granted = reply(http.execute(grant).await?).await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    assert!(dir.path().join("labour-office.db").exists());
    sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn burial_support_is_granted_by_beneficiary_category() -> anyhow::Result<()> {
    assert_eq!(BURIAL_SUPPORT_SOCIAL_PROTECTION_VND, 10_000_000);
    assert_eq!(BURIAL_SUPPORT_MERITORIOUS_VND, 23_400_000);
    let h = Harness::start().await?;
    let expected = SOCIAL_PROTECTION
        .iter()
        .map(|id| (*id, BURIAL_SUPPORT_SOCIAL_PROTECTION_VND))
        .chain(
            MERITORIOUS
                .iter()
                .map(|id| (*id, BURIAL_SUPPORT_MERITORIOUS_VND)),
        );
    for (i, (deceased, amount)) in expected.enumerate() {
        let reply = h
            .post(
                "labour-office",
                GRANT,
                Some(&format!("burial-{deceased}")),
                &burial_application(deceased),
            )
            .await?;
        assert_eq!(reply.status, 201, "{deceased}: {:?}", reply.body);
        assert_eq!(reply.body["amount_vnd"], amount, "{deceased}");
        assert_eq!(reply.str("decided_on"), iso(today()));
        assert_eq!(
            reply.str("decision_number"),
            format!("{}/{}/QD-HTMT", i + 1, today().year())
        );
    }
    assert_eq!(
        h.count("labour-office", "burial_support", "status = 'granted'")
            .await?,
        6
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn burial_support_is_refused_to_others_and_granted_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for deceased in [DECEASED_NONE, DECEASED_PENSIONER, DECEASED_INSURED] {
        let reply = h
            .post(
                "labour-office",
                GRANT,
                Some(&format!("not-eligible-{deceased}")),
                &burial_application(deceased),
            )
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (422, "NOT_ELIGIBLE"),
            "{deceased}"
        );
        assert!(!reply.str("message").contains(deceased));
    }

    let body = burial_application(DECEASED_SOCIAL_PROTECTION);
    let granted = h
        .post("labour-office", GRANT, Some("once-1"), &body)
        .await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let replay = h
        .post("labour-office", GRANT, Some("once-1"), &body)
        .await?;
    assert_eq!((replay.status, replay.replayed), (201, true));
    assert_eq!(replay.body, granted.body);
    let act = h.get("labour-office", "/acts/once-1").await?;
    assert_eq!(act.str("operation"), GRANT);
    assert_eq!(act.body["response"], granted.body);
    let twice = h
        .post("labour-office", GRANT, Some("once-2"), &body)
        .await?;
    assert_eq!((twice.status, twice.code()), (422, "ALREADY_GRANTED"));
    assert_eq!(h.count("labour-office", "burial_support", "").await?, 1);
    assert_eq!(h.count("labour-office", "acts", "").await?, 1);

    for (i, (field, value)) in [
        ("deceased_id", json!("x")),
        ("death_certificate_number", json!("")),
        ("recipient_id", json!(DECEASED_SOCIAL_PROTECTION)),
    ]
    .into_iter()
    .enumerate()
    {
        let mut bad = burial_application(DECEASED_SOCIAL_PROTECTION);
        bad[field] = value;
        let reply = h
            .post("labour-office", GRANT, Some(&format!("bad-{i}")), &bad)
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{field}"
        );
    }
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn cancelling_burial_support_is_safe_to_repeat() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = burial_application(DECEASED_MERITORIOUS);
    let granted = h.post("labour-office", GRANT, Some("grant"), &body).await?;
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let decision_number = granted.str("decision_number");
    let cancel = json!({"decision_number": decision_number, "reason": "the case was withdrawn"});
    let first = h
        .post("labour-office", CANCEL, Some("grant/compensate"), &cancel)
        .await?;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.str("cancelled_on"), iso(today()));
    let replay = h
        .post("labour-office", CANCEL, Some("grant/compensate"), &cancel)
        .await?;
    assert_eq!((replay.status, replay.replayed), (200, true));
    let again = h
        .post("labour-office", CANCEL, Some("another"), &cancel)
        .await?;
    assert_eq!((again.status, again.replayed), (200, false));
    assert_eq!(again.body, first.body);
    assert_eq!(
        h.count(
            "labour-office",
            "burial_support",
            &format!("decision_number = '{decision_number}' AND status = 'cancelled'")
        )
        .await?,
        1
    );
    let unknown = h
        .post(
            "labour-office",
            CANCEL,
            Some("unknown"),
            &json!({"decision_number": "9/1999/QD-HTMT", "reason": "x"}),
        )
        .await?;
    assert_eq!((unknown.status, unknown.code()), (404, "UNKNOWN_DECISION"));
    h.sims.shutdown().await;
    Ok(())
}
