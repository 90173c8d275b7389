//! Group B end to end on the real stack, from its YAML alone: a relative registers a death and
//! asks for the linked procedures; the funeral step goes to social insurance or to the labour
//! office by the deceased's benefit status, and the optional steps run only when asked for.

use anyhow::Result;
use lienthong_agencies::seeded;
use serde_json::{Value, json};

use crate::support::{Stack, step};

const EXAMPLE: &str = include_str!("../../examples/applications/death-residence-allowance.json");

fn death_submission(deceased: &str, funeral: bool, survivor: bool) -> Value {
    let mut body: Value = serde_json::from_str(EXAMPLE).expect("the example is valid JSON");
    body["application"]["deceased"]["personal_id"] = json!(deceased);
    body["application"]["requested"] =
        json!({"funeral_allowance": funeral, "survivor_benefit": survivor});
    if !survivor && let Some(app) = body["application"].as_object_mut() {
        app.remove("survivor_benefit");
    }
    body
}

fn status_of(case: &Value, id: &str) -> String {
    step(case, id)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_funeral_step_is_routed_by_benefit_status_and_optional_steps_follow_the_request()
-> Result<()> {
    let stack = Stack::start().await?;

    // A pensioner, both optional procedures asked for: social insurance pays both.
    let pensioner = stack
        .submit_ok(&death_submission(seeded::DECEASED_PENSIONER, true, true))
        .await?;
    // A social-protection beneficiary: the labour office grants burial support; no survivor step.
    let protected = stack
        .submit_ok(&death_submission(
            seeded::DECEASED_SOCIAL_PROTECTION,
            true,
            false,
        ))
        .await?;
    // Only the two mandatory procedures asked for.
    let minimal = stack
        .submit_ok(&death_submission(seeded::PENSIONERS[1], false, false))
        .await?;
    // Funeral asked for, but the deceased was covered by no scheme that pays one.
    let uncovered = stack
        .submit_ok(&death_submission(seeded::DECEASED_NONE, true, false))
        .await?;

    let case = stack.wait_ended(&pensioner).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        step(&case, "death")["output"]["benefit_status"],
        "pensioner"
    );
    for id in ["death", "residence", "funeral", "survivor"] {
        assert_eq!(status_of(&case, id), "succeeded", "{id}: {case:#}");
    }
    assert_eq!(step(&case, "funeral")["agency"], "social-insurance");
    assert_eq!(step(&case, "funeral")["output"]["amount_vnd"], 23_400_000);
    assert!(step(&case, "funeral")["output"]["payment_id"].is_string());
    assert_eq!(step(&case, "survivor")["output"]["kind"], "monthly");

    let case = stack.wait_ended(&protected).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(step(&case, "funeral")["agency"], "labour-office");
    assert_eq!(status_of(&case, "funeral"), "succeeded");
    assert!(step(&case, "funeral")["output"]["decision_number"].is_string());
    assert_eq!(status_of(&case, "survivor"), "not_applicable");

    let case = stack.wait_ended(&minimal).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(status_of(&case, "residence"), "succeeded");
    assert_eq!(status_of(&case, "funeral"), "not_applicable");
    assert_eq!(status_of(&case, "survivor"), "not_applicable");

    let case = stack.wait_ended(&uncovered).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(step(&case, "death")["output"]["benefit_status"], "none");
    assert_eq!(status_of(&case, "funeral"), "not_applicable");

    // Each payer's register holds exactly the payments routed to it: social insurance the
    // pensioner's funeral allowance and survivor benefit, the labour office the beneficiary's
    // burial support; nothing for the minimal case or for the deceased no scheme covered.
    for (agency, table, status, deceased) in [
        (
            "social-insurance",
            "funeral_allowances",
            "paid",
            seeded::DECEASED_PENSIONER,
        ),
        (
            "social-insurance",
            "survivor_benefits",
            "granted",
            seeded::DECEASED_PENSIONER,
        ),
        (
            "labour-office",
            "burial_support",
            "granted",
            seeded::DECEASED_SOCIAL_PROTECTION,
        ),
    ] {
        assert_eq!(
            stack
                .scalar(agency, &format!("SELECT COUNT(*) FROM {table}"))
                .await?,
            1,
            "{agency}'s {table}"
        );
        assert_eq!(
            stack
                .count(
                    agency,
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE deceased_id = ? AND status = '{status}'"
                    ),
                    deceased,
                )
                .await?,
            1,
            "{agency}'s {table} for {deceased}"
        );
    }

    // Asking for the survivor benefit without naming the representative starts nothing.
    let mut incomplete = death_submission(seeded::PENSIONERS[2], true, true);
    if let Some(app) = incomplete["application"].as_object_mut() {
        app.remove("survivor_benefit");
    }
    let (status, refused) = stack.submit(&incomplete).await?;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["error"]["fields"][0]["code"],
        "SURVIVOR_BENEFIT_DETAILS_REQUIRED"
    );
    Ok(())
}
