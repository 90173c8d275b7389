use serde_json::json;
use time::{Date, Duration, Month};

use crate::common::*;

#[tokio::test]
async fn a_child_born_on_29_february_is_covered_until_28_february_of_the_sixth_year()
-> anyhow::Result<()> {
    let h = Harness::start().await?;
    let born = latest_leap_day();
    let reply = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-leap"),
            &card_application("001226000666", &iso(born)),
        )
        .await?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let expected = Date::from_calendar_date(born.year() + 6, Month::February, 28)?;
    assert_eq!(reply.str("valid_until"), iso(expected));
    assert_eq!(reply.str("valid_from"), iso(today()));

    let card = reply.str("card_number");
    let sin = reply.str("social_insurance_number");
    assert_eq!(card.len(), 15);
    assert!(card.starts_with("TE101"), "{card}");
    assert!(card[3..].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(sin.len(), 10);
    assert!(sin.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        h.count("social-insurance", "cards", "status = 'active'")
            .await?,
        1
    );
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn cards_are_refused_to_older_or_insured_children() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let reply = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-old"),
            &card_application("001219000777", &iso(today() - Duration::days(6 * 366))),
        )
        .await?;
    assert_eq!((reply.status, reply.code()), (422, "NOT_UNDER_SIX"));

    let today = today();
    if let Ok(sixth_birthday_today) =
        Date::from_calendar_date(today.year() - 6, today.month(), today.day())
    {
        let reply = h
            .post(
                "social-insurance",
                "issue-child-health-card",
                Some("card-six-today"),
                &card_application("001220000778", &iso(sixth_birthday_today)),
            )
            .await?;
        assert_eq!((reply.status, reply.code()), (422, "NOT_UNDER_SIX"));
    }

    // Turning 6 tomorrow: still covered, until today.
    let tomorrow = today + Duration::days(1);
    if let Ok(born) =
        Date::from_calendar_date(tomorrow.year() - 6, tomorrow.month(), tomorrow.day())
    {
        let reply = h
            .post(
                "social-insurance",
                "issue-child-health-card",
                Some("card-almost-six"),
                &card_application("001220000888", &iso(born)),
            )
            .await?;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        assert_eq!(reply.str("valid_until"), iso(today));
    }

    let first = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-1"),
            &card_application("001226000999", &days_ago(10)),
        )
        .await?;
    assert_eq!(first.status, 201);
    let second = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-2"),
            &card_application("001226000999", &days_ago(10)),
        )
        .await?;
    assert_eq!((second.status, second.code()), (422, "ALREADY_INSURED"));
    h.sims.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn revoking_is_safe_to_repeat() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let issued = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-revoke"),
            &card_application("001226001000", &days_ago(4)),
        )
        .await?;
    assert_eq!(issued.status, 201);
    let card = issued.str("card_number");
    let revoke = json!({"card_number": card, "reason": "residence step failed"});
    let expected = json!({"card_number": card, "status": "revoked"});

    for key in ["revoke-a", "revoke-a", "revoke-b"] {
        let reply = h
            .post(
                "social-insurance",
                "revoke-child-health-card",
                Some(key),
                &revoke,
            )
            .await?;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body, expected);
    }
    assert_eq!(
        h.count(
            "social-insurance",
            "cards",
            "status = 'revoked' AND revoked_on IS NOT NULL"
        )
        .await?,
        1
    );

    let missing = h
        .post(
            "social-insurance",
            "revoke-child-health-card",
            Some("revoke-missing"),
            &json!({"card_number": "TE1010000000000", "reason": "x"}),
        )
        .await?;
    assert_eq!((missing.status, missing.code()), (404, "CARD_NOT_FOUND"));

    // With the card revoked, the child may be insured again.
    let reissued = h
        .post(
            "social-insurance",
            "issue-child-health-card",
            Some("card-reissue"),
            &card_application("001226001000", &days_ago(4)),
        )
        .await?;
    assert_eq!(reissued.status, 201);
    h.sims.shutdown().await;
    Ok(())
}
