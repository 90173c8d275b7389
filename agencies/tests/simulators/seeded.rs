use lienthong_agencies::seeded::{BY_BENEFIT_STATUS, DECLARANT, REPRESENTATIVE, UNKNOWN_PERSON};

use crate::common::*;

#[tokio::test]
async fn every_seeded_person_is_alive_resident_and_known_where_they_should_be() -> anyhow::Result<()>
{
    let h = Harness::start().await?;
    let mut all = Vec::new();
    for (status, people) in BY_BENEFIT_STATUS {
        assert!(people.len() >= 3, "{status}");
        for person in people {
            all.push(*person);
            let citizen = h.get("population", &format!("/citizens/{person}")).await?;
            assert_eq!(citizen.status, 200, "{person}");
            assert_eq!(citizen.str("benefit_status"), status, "{person}");
            assert!(citizen.body["date_of_death"].is_null(), "{person}");
            assert_eq!(
                h.count(
                    "residence",
                    "residence_entries",
                    &format!("personal_id = '{person}' AND status = 'active'")
                )
                .await?,
                1,
                "{person}"
            );
            let insured = u8::from(matches!(status, "pensioner" | "insured"));
            let supported = u8::from(matches!(status, "social_protection" | "meritorious"));
            let filter = format!("personal_id = '{person}'");
            assert_eq!(
                h.count("social-insurance", "insured_people", &filter)
                    .await?,
                i64::from(insured),
                "{person}"
            );
            assert_eq!(
                h.count("labour-office", "beneficiaries", &filter).await?,
                i64::from(supported),
                "{person}"
            );
        }
    }
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 16);
    for living in [DECLARANT, REPRESENTATIVE] {
        assert!(!all.contains(&living));
        let citizen = h.get("population", &format!("/citizens/{living}")).await?;
        assert_eq!(citizen.status, 200);
    }
    let unknown = h
        .get("population", &format!("/citizens/{UNKNOWN_PERSON}"))
        .await?;
    assert_eq!(unknown.status, 404);

    h.sims.shutdown().await;
    Ok(())
}
