use lienthong_agencies::rates::FUNERAL_ALLOWANCE_VND;
use lienthong_agencies::seeded::{
    DECEASED_INSURED, DECEASED_MERITORIOUS, DECEASED_NONE, DECEASED_PENSIONER,
    DECEASED_SOCIAL_PROTECTION, INSURED, PENSIONERS,
};
use serde_json::json;

use crate::common::*;

const PAY: &str = "pay-funeral-allowance";
const CANCEL: &str = "cancel-funeral-allowance";

#[tokio::test]
async fn pensioners_and_insured_people_get_the_funeral_allowance() -> anyhow::Result<()> {
    assert_eq!(FUNERAL_ALLOWANCE_VND, 23_400_000);
    let h = Harness::start().await?;
    for (i, deceased) in PENSIONERS.iter().chain(INSURED.iter()).enumerate() {
        let reply = h
            .post(
                "social-insurance",
                PAY,
                Some(&format!("funeral-{deceased}")),
                &funeral_payment(deceased),
            )
            .await?;
        assert_eq!(reply.status, 201, "{deceased}: {:?}", reply.body);
        assert_eq!(reply.body["amount_vnd"], FUNERAL_ALLOWANCE_VND);
        assert_eq!(reply.str("decided_on"), iso(today()));
        assert_eq!(
            reply.str("payment_id"),
            format!("MT-{}-{:06}", today().year(), i + 1)
        );
    }
    assert_eq!(
        h.count("social-insurance", "funeral_allowances", "status = 'paid'")
            .await?,
        7
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn people_social_insurance_does_not_cover_are_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    for deceased in [
        DECEASED_NONE,
        DECEASED_SOCIAL_PROTECTION,
        DECEASED_MERITORIOUS,
    ] {
        let reply = h
            .post(
                "social-insurance",
                PAY,
                Some(&format!("not-insured-{deceased}")),
                &funeral_payment(deceased),
            )
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (422, "NOT_INSURED"),
            "{deceased}"
        );
        assert!(!reply.str("message").contains(deceased));
    }
    assert_eq!(
        h.count("social-insurance", "funeral_allowances", "")
            .await?,
        0
    );
    assert_eq!(h.count("social-insurance", "acts", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_funeral_allowance_is_paid_once_and_its_cancellation_is_safe_to_repeat()
-> anyhow::Result<()> {
    let h = Harness::start().await?;
    let body = funeral_payment(DECEASED_PENSIONER);
    let paid = h
        .post("social-insurance", PAY, Some("pay-1"), &body)
        .await?;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    let replay = h
        .post("social-insurance", PAY, Some("pay-1"), &body)
        .await?;
    assert_eq!((replay.status, replay.replayed), (201, true));
    assert_eq!(replay.body, paid.body);
    let act = h.get("social-insurance", "/acts/pay-1").await?;
    assert_eq!(act.body["response"], paid.body);

    let twice = h
        .post("social-insurance", PAY, Some("pay-2"), &body)
        .await?;
    assert_eq!((twice.status, twice.code()), (422, "ALREADY_PAID"));

    let payment_id = paid.str("payment_id");
    let cancel =
        json!({"payment_id": payment_id, "reason": "the death registration was withdrawn"});
    let cancelled = h
        .post(
            "social-insurance",
            CANCEL,
            Some("pay-1/compensate"),
            &cancel,
        )
        .await?;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    assert_eq!(cancelled.str("cancelled_on"), iso(today()));
    assert_eq!(cancelled.str("status"), "cancelled");
    assert_eq!(cancelled.str("payment_id"), payment_id.as_str());
    let replayed = h
        .post(
            "social-insurance",
            CANCEL,
            Some("pay-1/compensate"),
            &cancel,
        )
        .await?;
    assert_eq!((replayed.status, replayed.replayed), (200, true));
    let mut other_reason = cancel.clone();
    other_reason["reason"] = json!("a second compensation");
    let again = h
        .post(
            "social-insurance",
            CANCEL,
            Some("another-key"),
            &other_reason,
        )
        .await?;
    assert_eq!((again.status, again.replayed), (200, false));
    assert_eq!(again.body, cancelled.body);
    assert_eq!(
        h.count(
            "social-insurance",
            "funeral_allowances",
            &format!(
                "payment_id = '{payment_id}' AND status = 'cancelled' \
                 AND cancel_reason = 'the death registration was withdrawn'"
            )
        )
        .await?,
        1
    );

    let unknown = h
        .post(
            "social-insurance",
            CANCEL,
            Some("cancel-unknown"),
            &json!({"payment_id": "MT-1999-000001", "reason": "x"}),
        )
        .await?;
    assert_eq!((unknown.status, unknown.code()), (404, "UNKNOWN_PAYMENT"));

    // Cancelled, the allowance can be paid again.
    let repaid = h
        .post("social-insurance", PAY, Some("pay-3"), &body)
        .await?;
    assert_eq!(repaid.status, 201, "{:?}", repaid.body);
    assert_ne!(repaid.str("payment_id"), payment_id);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn invalid_funeral_allowance_requests_are_refused() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let cases = [
        ("deceased_id", json!("1")),
        ("death_certificate_number", json!("")),
        (
            "date_of_death",
            json!(iso(today() + time::Duration::days(1))),
        ),
        ("date_of_death", json!("01/02/2026")),
        ("recipient_id", json!(DECEASED_INSURED)),
        ("recipient_id", json!(null)),
    ];
    for (i, (field, value)) in cases.into_iter().enumerate() {
        let mut body = funeral_payment(DECEASED_INSURED);
        body[field] = value;
        let reply = h
            .post("social-insurance", PAY, Some(&format!("bad-{i}")), &body)
            .await?;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "INVALID_REQUEST"),
            "{field}: {:?}",
            reply.body
        );
        assert!(!reply.str("message").contains(DECEASED_INSURED));
    }
    assert_eq!(h.count("social-insurance", "acts", "").await?, 0);
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_payments_with_one_key_pay_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let url = format!("{}/operations/{PAY}", h.url("social-insurance"));
    let body = funeral_payment(DECEASED_INSURED);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = h
            .http
            .post(&url)
            .header("Idempotency-Key", "concurrent-funeral")
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
    assert_eq!(
        h.count("social-insurance", "funeral_allowances", "")
            .await?,
        1
    );
    assert_eq!(h.count("social-insurance", "acts", "").await?, 1);
    h.sims.shutdown().await;
    Ok(())
}
