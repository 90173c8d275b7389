//! An operator records a step done offline through the console's typed form, as at the
//! counter: one field per output the case keeps, a mistake shown next to its field with nothing
//! sent, then the confirmation with a reason, and the case goes on to its end.

use anyhow::{Context, Result};
use lienthong_identity::Claims;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::support::{Stack, example_submission, step};

/// A browser session on the console: the session cookie and the page's CSRF value.
struct Console {
    http: reqwest::Client,
    api: String,
    cookie: String,
}

impl Console {
    async fn sign_in(stack: &Stack, claims: &Claims) -> Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", &stack.token(claims))
            .finish();
        let answer = http
            .post(format!("{}/console/login", stack.api))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        let cookie = answer
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("a session cookie")?
            .to_owned();
        Ok(Self {
            http,
            api: stack.api.clone(),
            cookie,
        })
    }

    async fn get(&self, path: &str) -> Result<(StatusCode, String)> {
        let answer = self
            .http
            .get(format!("{}{path}", self.api))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await?;
        Ok((answer.status(), answer.text().await?))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<(StatusCode, String)> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let answer = self
            .http
            .post(format!("{}{path}", self.api))
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        Ok((answer.status(), answer.text().await?))
    }
}

/// The value of hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    let value = &rest[..rest.find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

#[tokio::test]
async fn an_operator_records_a_step_done_offline_through_the_typed_form_and_the_case_completes()
-> Result<()> {
    let stack = Stack::start().await?;
    // The civil-status system is down: the birth step keeps retrying, and nothing after it can
    // start.
    stack
        .fault(
            "civil-status",
            json!({"operation": "*", "mode": "error", "status": 503}),
        )
        .await?;
    let code = stack
        .submit_ok(&example_submission("console-resolve"))
        .await?;
    stack
        .wait_case(&code, std::time::Duration::from_secs(60), |c| {
            step(c, "birth")["status"] == "running" && step(c, "birth")["attempts"] != 0
        })
        .await?;

    let operator = Claims {
        sub: "operator-hanoi".into(),
        roles: vec!["operator".into()],
        offices: vec!["01".into()],
        ..Claims::default()
    };
    let console = Console::sign_in(&stack, &operator).await?;
    let (status, page) = console.get(&format!("/console/cases/{code}")).await?;
    assert_eq!(status, StatusCode::OK);
    // One typed field per output the step keeps; no JSON to type.
    for field in [
        "name=\"out.birth_certificate_number\"",
        "name=\"out.personal_id\"",
        "name=\"out.registered_on\"",
    ] {
        assert!(page.contains(field), "{field} missing");
    }
    assert!(!page.contains("name=\"output\""), "no JSON box");
    // Steps are named as the procedure's definition calls them, the id beside in small type.
    let birth_named = r#"<span class="step-name" data-step="birth">Đăng ký khai sinh <small><code>birth</code></small></span>"#;
    assert!(
        page.contains(birth_named),
        "the steps' table names the step"
    );
    let csrf = hidden(&page, "csrf").context("the page's CSRF value")?;
    let confirm = format!("/console/cases/{code}/confirm");

    // A mistake: the child's new personal ID number too short. The form comes back with the
    // message next to it; nothing is sent.
    let (status, again) = console
        .post(
            &confirm,
            &[
                ("csrf", &csrf),
                ("action", "resolve"),
                ("step", "birth"),
                ("reference", "TP-OFFLINE-9"),
                ("out.birth_certificate_number", "125/2026"),
                ("out.personal_id", "00122600"),
                ("out.registered_on", "2026-12-01"),
            ],
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    assert!(
        again.contains("value=\"125/2026\""),
        "what was typed is kept"
    );
    assert_eq!(
        step(&stack.case(&code).await?.1, "birth")["status"],
        "running",
        "nothing was sent"
    );

    // Corrected: the confirmation carries the object the action takes, then the reason.
    let (status, confirmation) = console
        .post(
            &confirm,
            &[
                ("csrf", &csrf),
                ("action", "resolve"),
                ("step", "birth"),
                ("reference", "TP-OFFLINE-9"),
                ("out.birth_certificate_number", "125/2026"),
                ("out.personal_id", "001226009999"),
                ("out.registered_on", "2026-12-01"),
            ],
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{confirmation}");
    assert!(
        confirmation.contains(birth_named),
        "the confirmation names the step: {confirmation}"
    );
    let output = hidden(&confirmation, "output").context("the output carried on")?;
    let output: serde_json::Value = serde_json::from_str(&output)?;
    assert_eq!(
        output,
        json!({"birth_certificate_number": "125/2026", "personal_id": "001226009999", "registered_on": "2026-12-01"})
    );
    let output_text = output.to_string();
    let (status, done) = console
        .post(
            &format!("/console/cases/{code}/actions"),
            &[
                ("csrf", &csrf),
                ("action", "resolve"),
                ("step", "birth"),
                ("reference", "TP-OFFLINE-9"),
                ("output", &output_text),
                ("reason", "Tư pháp xã đã đăng ký khai sinh trên giấy"),
            ],
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(
        done.contains(birth_named),
        "the outcome names the step it changed: {done}"
    );
    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(step(&case, "birth")["status"], "resolved_manually");
    // The steps after it went on with the number the operator typed.
    assert_eq!(step(&case, "residence")["status"], "succeeded");
    assert_eq!(step(&case, "insurance")["status"], "succeeded");
    Ok(())
}
