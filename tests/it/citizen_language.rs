//! A citizen meets the API in Vietnamese: field problems in Vietnamese words (English when asked
//! for), a date typed the Vietnamese way accepted, and the case's steps named and explained in
//! their language.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::support::{Stack, example_submission};

async fn submit(stack: &Stack, body: &Value, language: Option<&str>) -> Result<(u16, Value)> {
    let mut request = stack
        .http
        .post(format!("{}/v1/applications", stack.api))
        .json(body);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await?;
    Ok((response.status().as_u16(), response.json().await?))
}

async fn case(stack: &Stack, code: &str, language: &str) -> Result<Value> {
    Ok(stack
        .http
        .get(format!("{}/v1/cases/{code}", stack.api))
        .header("accept-language", language)
        .send()
        .await?
        .json()
        .await?)
}

fn field<'a>(answer: &'a Value, path: &str) -> &'a Value {
    answer["error"]["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["field"] == path))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_citizen_reads_problems_and_their_case_in_vietnamese_unless_they_ask_for_english()
-> Result<()> {
    let stack = Stack::start().await?;

    // A mistake first: the child's home town left out and a date that is not one.
    let mut wrong = example_submission("lang-wrong");
    wrong["application"]["child"]
        .as_object_mut()
        .context("child")?
        .remove("home_town");
    wrong["application"]["child"]["date_of_birth"] = json!("31/02/2026");
    let (status, refused) = submit(&stack, &wrong, None).await?;
    assert_eq!(status, 400, "{refused}");
    let town = field(&refused, "/application/child/home_town");
    assert_eq!(town["code"], "REQUIRED", "{refused}");
    assert_eq!(
        town["message"], "Chưa điền «home_town»: đây là thông tin bắt buộc.",
        "Vietnamese by default: {refused}"
    );
    let date = field(&refused, "/application/child/date_of_birth");
    assert_eq!(date["code"], "INVALID_DATE", "{refused}");
    assert!(
        date["message"]
            .as_str()
            .is_some_and(|m| m.contains("NN/TT/NNNN (20/11/2026)")),
        "the expected forms are shown: {refused}"
    );
    let (_, in_english) = submit(&stack, &wrong, Some("en-GB,en;q=0.9,vi;q=0.5")).await?;
    assert_eq!(
        field(&in_english, "/application/child/home_town")["message"],
        "«home_town» is required."
    );

    // Corrected, the date written as on the birth papers: filed.
    let mut right = example_submission("lang-right");
    right["application"]["child"]["date_of_birth"] = json!("20/11/2026");
    let (status, accepted) = submit(&stack, &right, Some("vi")).await?;
    assert_eq!(status, 202, "{accepted}");
    let code = accepted["case_code"].as_str().context("case code")?;
    stack.wait_ended(code).await?;

    let vi = case(&stack, code, "vi").await?;
    assert_eq!(vi["said"]["lang"], "vi", "{vi:#}");
    assert_eq!(vi["said"]["status"], "Hồ sơ đã giải quyết xong.", "{vi:#}");
    assert_eq!(vi["said"]["steps"][0]["title"], "Đăng ký khai sinh");
    assert_eq!(vi["said"]["steps"][0]["status"], "Đã xong.");
    assert_eq!(vi["status"], "completed", "the codes stay for machines");
    let en = case(&stack, code, "en").await?;
    assert_eq!(en["said"]["steps"][0]["title"], "Birth registration");
    assert_eq!(en["said"]["status"], "The application is complete.");
    // The case completed: every agency took the date as the engine writes dates.
    Ok(())
}
