//! An agency's signed callback is taken once, however its signature's hex is spelled: the replay
//! memory knows a signature by its bytes, and only `sha256=` with exactly 64 hex digits is a
//! signature at all.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use serde_json::json;

use crate::support::{SignedCallback, Stack, example_submission, step};

const SECRET: &str = "dev-secret-social-insurance";

/// Every other hex letter upper-cased: neither the lowercase nor the uppercase spelling.
fn mixed_case(hex: &str) -> String {
    hex.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[tokio::test]
async fn a_callback_is_taken_once_whatever_the_case_of_its_signature() -> Result<()> {
    let stack = Stack::start().await?;
    // Social insurance's officer decides only when told, which only this callback does.
    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "decide_later", "hold": true,
                "decision": "approve", "count": 1}),
        )
        .await?;
    let code = stack
        .submit_ok(&example_submission("callback-signatures"))
        .await?;
    stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;
    let decision = json!({
        "idempotency_key": format!("{code}/insurance"),
        "outcome": "done",
        "output": {"card_number": "TE1010199999998", "social_insurance_number": "0199999998",
                   "valid_from": "2026-12-06", "valid_until": "2032-11-19"},
    });

    // A timestamp (within the five minutes a signature is valid) whose signature has a byte
    // below 0x10, whose hex `0x` a lenient parser also reads as `+x`, and letters enough for
    // a mixed-case spelling.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut found = None;
    for back in 0..120 {
        let callback = SignedCallback::new_at(SECRET, &decision, now - back)?;
        let hex = callback
            .signature()
            .strip_prefix("sha256=")
            .unwrap_or_default()
            .to_owned();
        let small_byte = (0..hex.len())
            .step_by(2)
            .find(|i| hex[*i..].starts_with('0'));
        let mixed = mixed_case(&hex);
        if let Some(at) = small_byte
            && mixed != hex
            && mixed != hex.to_ascii_uppercase()
        {
            found = Some((callback, hex, at));
            break;
        }
    }
    let Some((callback, hex, at)) = found else {
        bail!("no signature with a byte below 0x10 in 120 timestamps");
    };
    let signed_as = |hex: String| callback.with_signature(format!("sha256={hex}"));
    let send = |callback: SignedCallback| {
        let stack = &stack;
        async move {
            callback
                .send(&stack.http, &stack.api, "social-insurance")
                .await
        }
    };

    // Not signatures at all, refused before anything is claimed.
    let mut plus_sign = hex.clone();
    plus_sign.replace_range(at..=at, "+");
    let not_signatures = [
        ("too short", hex[..62].to_owned()),
        ("too long", format!("{hex}00")),
        ("odd length", format!("{hex}0")),
        ("not hex", format!("{}zz", &hex[..62])),
        ("a sign for a digit", plus_sign.clone()),
    ];
    for (what, spelling) in &not_signatures {
        let (status, body) = send(signed_as(spelling.clone())).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("SIGNATURE_INVALID")),
            "{what}: {body}"
        );
    }

    let (status, body) = send(callback.clone()).await?;
    assert_eq!(status, 202, "the callback itself: {body}");
    for (what, spelling) in [
        ("upper case", hex.to_ascii_uppercase()),
        ("mixed case", mixed_case(&hex)),
        ("lower case again", hex.clone()),
    ] {
        let (status, body) = send(signed_as(spelling)).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("CALLBACK_REPLAYED")),
            "{what}: {body}"
        );
    }
    let (status, body) = send(signed_as(plus_sign)).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("SIGNATURE_INVALID")),
        "a sign for a digit, after the callback was taken: {body}"
    );

    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        step(&case, "insurance")["output"]["card_number"],
        "TE1010199999998"
    );
    Ok(())
}
