//! An operator's morning in headless Chromium: the residence system goes down, cases pile up and
//! show as needing attention on the dashboard; the operator holds the agency, the agency comes
//! back, the operator releases the held cases with a bulk action after a dry run, and watches them
//! complete. On the way it reads a case page in English and back, and finds a citizen's cases by
//! their ID number. A clerk finds a stuck case by the certificate it issued and records a step
//! done on paper through the typed form. Every console page is photographed in Vietnamese and
//! English (`target/tmp/console-screenshots/`, paths printed).

use std::{path::PathBuf, time::Duration};

use anyhow::{Result, bail};
use fantoccini::{Client, Locator};
use lienthong_identity::Claims;
use serde_json::{Value, json};

use crate::support::{Stack, StackOptions, browser::browser, eventually, example_submission};

const CASES: usize = 3;

/// A national supervisor: holding an agency stops it for every office, so it needs the scope
/// of every office.
fn operator() -> Claims {
    Claims {
        sub: "supervisor-national".into(),
        roles: vec!["operator".into()],
        offices: vec!["*".into()],
        ..Claims::default()
    }
}

/// Reloads `url` until the element `css` has the text `want`.
async fn wait_text(client: &Client, url: &str, css: &str, want: &str) -> Result<()> {
    let mut last = String::new();
    let what = format!("{css} at {url} to read {want:?}");
    let read = eventually(&what, Duration::from_secs(90), async || {
        client.goto(url).await?;
        if let Ok(element) = client.find(Locator::Css(css)).await {
            last = element.text().await?;
            if last.trim() == want {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await;
    if let Err(e) = read {
        let page = client.source().await.unwrap_or_default();
        bail!(
            "{e:#}; last {last:?}; page: {}",
            &page[..page.len().min(3000)]
        );
    }
    Ok(())
}

async fn screenshot(client: &Client, name: &str) -> Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, client.screenshot().await?)?;
    println!("screenshot: {}", path.display());
    Ok(path)
}

async fn outcome(client: &Client) -> Result<String> {
    let element = client.wait().for_element(Locator::Css("#outcome")).await?;
    Ok(element.attr("data-outcome").await?.unwrap_or_default())
}

async fn ops_list(stack: &Stack, query: &str) -> Result<usize> {
    let page: Value = stack
        .http
        .get(format!("{}/v1/ops/cases?{query}", stack.api))
        .send()
        .await?
        .json()
        .await?;
    Ok(page["cases"].as_array().map_or(0, Vec::len))
}

async fn wait_listed(stack: &Stack, query: &str, want: usize) -> Result<()> {
    let what = format!("/v1/ops/cases?{query} to list {want}");
    eventually(&what, Duration::from_secs(60), async || {
        Ok((ops_list(stack, query).await? == want).then_some(()))
    })
    .await
}

/// The citizen the example application names (the mother).
const CITIZEN_ID: &str = "001190012345";

#[tokio::test]
async fn an_operator_finds_the_cases_an_outage_left_and_brings_them_through() -> Result<()> {
    let stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_ATTENTION_AFTER_SECS", "1"),
    )
    .await?;
    stack
        .fault(
            "residence",
            json!({"operation": "*", "mode": "error", "status": 503}),
        )
        .await?;
    let mut codes = Vec::new();
    for i in 0..CASES {
        codes.push(
            stack
                .submit_ok(&example_submission(&format!("browser-{i}")))
                .await?,
        );
    }

    let browser = browser(1280, 1100, &[]).await?;
    let client = &browser.client;
    let console = format!("{}/console", stack.api);

    // Sign in with the token the identity provider (here: the stack's key) issued.
    client.goto(&format!("{console}/login")).await?;
    client
        .find(Locator::Css("form#login textarea[name=token]"))
        .await?
        .send_keys(&stack.token(&operator()))
        .await?;
    client
        .find(Locator::Css("button#sign-in"))
        .await?
        .click()
        .await?;
    if client
        .wait()
        .for_element(Locator::Css("#attention-count"))
        .await
        .is_err()
    {
        let page = client.source().await?;
        bail!("signing in did not lead to the dashboard: {page}");
    }

    // The dashboard shows every stuck case.
    wait_text(client, &console, "#attention-count", &CASES.to_string()).await?;
    // The count and the list are two visibility reads: reload until the list has caught up too.
    let mut missing = Vec::new();
    let listed = eventually(
        "every stuck case on the dashboard",
        Duration::from_secs(20),
        async || {
            missing.clear();
            for code in &codes {
                let row = format!("table#attention-list tr[data-case='{code}']");
                if client.find(Locator::Css(&row)).await.is_err() {
                    missing.push(code.clone());
                }
            }
            if missing.is_empty() {
                return Ok(Some(()));
            }
            client.goto(&console).await?;
            Ok(None)
        },
    )
    .await;
    if let Err(e) = listed {
        let page = client.source().await?;
        bail!("{e:#}: {missing:?} not on the dashboard: {page}");
    }
    let dashboard = screenshot(client, "dashboard.png").await?;

    // One click to a stuck case: its timeline and its step graph.
    client
        .find(Locator::Css(&format!(
            "table#attention-list tr[data-case='{}'] a.case-link",
            codes[0]
        )))
        .await?
        .click()
        .await?;
    let status = client
        .wait()
        .for_element(Locator::Css("#case-status"))
        .await?;
    assert_eq!(
        status.attr("data-status").await?.as_deref(),
        Some("running")
    );
    client.find(Locator::Css("#picture")).await?;
    client.find(Locator::Css("#timeline")).await?;
    let case_page = screenshot(client, "case.png").await?;
    let case_url = client.current_url().await?.to_string();
    // The same page in English, one click away, then back to Vietnamese.
    client
        .find(Locator::Css("a.lang-en"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("html[lang='en'] #case-status"))
        .await?;
    screenshot(client, "case-en.png").await?;
    client.goto(&format!("{console}?lang=en")).await?;
    client
        .wait()
        .for_element(Locator::Css("#attention-count"))
        .await?;
    screenshot(client, "dashboard-en.png").await?;
    client.goto(&format!("{case_url}?lang=vi")).await?;
    client
        .wait()
        .for_element(Locator::Css("html[lang='vi'] #case-status"))
        .await?;

    // A citizen at the counter gives their ID number: the operator finds their cases by it.
    client.goto(&format!("{console}/cases")).await?;
    client
        .find(Locator::Css("form#person-search input#person-number"))
        .await?
        .send_keys(CITIZEN_ID)
        .await?;
    client
        .find(Locator::Css("button#find-person"))
        .await?
        .click()
        .await?;
    let found = client
        .wait()
        .for_element(Locator::Css("table#person-cases"))
        .await?
        .find_all(Locator::Css("tr[data-case]"))
        .await?;
    assert_eq!(found.len(), CASES, "every case naming the citizen");
    let page = client.source().await?;
    assert!(
        !page.contains(CITIZEN_ID),
        "the number searched for is not written back into the page"
    );
    screenshot(client, "search-by-id.png").await?;

    // Hold the agency during its outage, with a reason.
    client.goto(&format!("{console}/agencies")).await?;
    client
        .find(Locator::Css("tr[data-agency='residence'] form.hold button"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("form#confirm textarea[name=reason]"))
        .await?
        .send_keys("residence system down since 08:00, vendor working on it")
        .await?;
    client
        .find(Locator::Css("button#confirm-button"))
        .await?
        .click()
        .await?;
    assert_eq!(outcome(client).await?, "done");
    wait_listed(&stack, "reason=held", CASES).await?;

    // The agency is back; release the held cases in bulk, dry run first.
    stack
        .http
        .delete(format!("{}/admin/faults", stack.agencies["residence"]))
        .send()
        .await?
        .error_for_status()?;
    client.goto(&format!("{console}/bulk")).await?;
    client
        .find(Locator::Css("form#bulk select[name=action]"))
        .await?
        .select_by_value("release")
        .await?;
    client
        .find(Locator::Css("form#bulk input[name=agency]"))
        .await?
        .send_keys("residence")
        .await?;
    client
        .find(Locator::Css("form#bulk textarea[name=reason]"))
        .await?
        .send_keys("residence answers again")
        .await?;
    client
        .find(Locator::Css("button#dry-run"))
        .await?
        .click()
        .await?;
    let listed = client
        .wait()
        .for_element(Locator::Css("ul#dry-run-cases"))
        .await?
        .find_all(Locator::Css("li[data-case]"))
        .await?;
    assert_eq!(
        listed.len(),
        CASES,
        "the dry run lists exactly the held cases"
    );
    assert_eq!(
        ops_list(&stack, "reason=held").await?,
        CASES,
        "a dry run changes nothing"
    );
    client
        .find(Locator::Css("button#confirm-button"))
        .await?
        .click()
        .await?;
    // The confirmation starts a batch and shows its page, which reloads itself until it ends.
    client
        .wait()
        .at_most(Duration::from_secs(90))
        .for_element(Locator::Css("dl#batch-summary[data-status='finished']"))
        .await?;
    let results = client
        .find(Locator::Css("#batch-outcomes"))
        .await?
        .find_all(Locator::Css("tr[data-case][data-outcome='done']"))
        .await?;
    assert_eq!(results.len(), CASES);

    // Every case completes, and the dashboard is clear.
    for code in &codes {
        let case = stack.wait_ended(code).await?;
        assert_eq!(case["status"], "completed", "{case}");
    }
    wait_text(client, &console, "#attention-count", "0").await?;

    // The audit log shows who did what, and why.
    let audit: Value = stack
        .http
        .get(format!("{}/v1/audit?actor=supervisor-national", stack.api))
        .send()
        .await?
        .json()
        .await?;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"hold_agency"), "{actions:?}");
    assert!(actions.contains(&"bulk_release_dry_run"), "{actions:?}");
    assert!(actions.contains(&"bulk_release"), "{actions:?}");
    assert!(std::fs::metadata(&dashboard)?.len() > 10_000);
    assert!(std::fs::metadata(&case_page)?.len() > 10_000);
    browser.client.close().await?;
    Ok(())
}

/// An operator signs in to the console through the installation's identity provider in the
/// browser: the sign-in page offers no token box, the provider's button leads there and back,
/// the console opens with their name, and signing out ends the session at the provider too.
#[tokio::test]
async fn an_operator_signs_in_through_the_identity_provider_in_a_browser() -> Result<()> {
    use crate::support::oidc_issuer::{CLIENT_ID, TestIssuer};

    let issuer = TestIssuer::start(json!({
        "sub": "officer-sso", "roles": ["operator"], "offices": ["01"],
    }))
    .await?;
    let mut stack = Stack::start().await?;
    // A replica whose callers' tokens come from the issuer, and whose pages sign in through it.
    stack.set_env("LIENTHONG_TOKEN_KEY", "");
    stack.set_env("LIENTHONG_OIDC_ISSUER", &issuer.url);
    stack.set_env("LIENTHONG_OIDC_AUDIENCE", CLIENT_ID);
    let (_api, api) = stack.start_api_replica("api-sso").await?;

    let browser = browser(1280, 1100, &[]).await?;
    let client = &browser.client;
    client.goto(&format!("{api}/console/login")).await?;
    assert!(
        client
            .find(Locator::Css("form#login textarea[name=token]"))
            .await
            .is_err(),
        "with an identity provider there is no token to paste"
    );
    client
        .find(Locator::Id("sign-in-sso"))
        .await?
        .click()
        .await?;
    let user = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("strong#user"))
        .await?
        .text()
        .await?;
    assert_eq!(user, "officer-sso");
    client
        .wait()
        .for_element(Locator::Css("#attention-count"))
        .await?;
    screenshot(client, "signed-in-through-the-provider.png").await?;

    client.find(Locator::Id("sign-out")).await?.click().await?;
    if client
        .wait()
        .for_element(Locator::Id("sign-in-sso"))
        .await
        .is_err()
    {
        let at = client.current_url().await?;
        let page = client.source().await?;
        bail!("signing out did not come back to the sign-in page: {at} {page}");
    }
    assert!(!issuer.signed_in(), "signed out at the provider too");
    client.goto(&format!("{api}/console")).await?;
    client
        .wait()
        .for_element(Locator::Id("sign-in-sso"))
        .await?;
    browser.client.close().await?;
    Ok(())
}

/// Photographs the page at `url` in Vietnamese and then in English (`<name>-vi.png`,
/// `<name>-en.png`), each once the element `css` is there, and leaves the browser reading
/// Vietnamese.
async fn both_languages(client: &Client, url: &str, css: &str, name: &str) -> Result<()> {
    let joiner = if url.contains('?') { '&' } else { '?' };
    for lang in ["en", "vi"] {
        client.goto(&format!("{url}{joiner}lang={lang}")).await?;
        client
            .wait()
            .for_element(Locator::Css(&format!("html[lang='{lang}'] {css}")))
            .await?;
        screenshot(client, &format!("{name}-{lang}.png")).await?;
    }
    Ok(())
}

/// Fills the case page's resolve form of `step`: a date where the input is one, `text`
/// elsewhere, and the reference.
async fn fill_resolve(client: &Client, step: &str, reference: &str, text: &str) -> Result<()> {
    let form = client
        .wait()
        .for_element(Locator::Css(&format!(
            "form.action-resolve[data-step='{step}']"
        )))
        .await?;
    form.find(Locator::Css("input[name=reference]"))
        .await?
        .send_keys(reference)
        .await?;
    for field in form.find_all(Locator::Css("div.field[data-kind]")).await? {
        let kind = field.attr("data-kind").await?.unwrap_or_default();
        let input = field.find(Locator::Css("input")).await?;
        if kind == "date" {
            // Chromium's date input takes the day, month and year as typed in its locale's order.
            input.send_keys("01122026").await?;
        } else {
            input.send_keys(text).await?;
        }
    }
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// A clerk at the counter is handed a birth certificate: they find the case by its number,
/// see residence stuck, and record the residence registration done on paper through the typed
/// form, in Vietnamese and in English; every console page is photographed in both languages on
/// the way (`target/tmp/console-screenshots/*-vi.png`, `*-en.png`).
#[tokio::test]
async fn a_clerk_finds_a_stuck_case_by_its_certificate_and_resolves_it_through_the_form_on_every_page_in_both_languages()
-> Result<()> {
    let stack = Stack::start_with_options(
        StackOptions::default().env("LIENTHONG_ATTENTION_AFTER_SECS", "1"),
    )
    .await?;
    stack
        .fault(
            "residence",
            json!({"operation": "*", "mode": "error", "status": 503}),
        )
        .await?;
    let code = stack.submit_ok(&example_submission("by-paper")).await?;
    let case = stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            crate::support::step(c, "birth")["status"] == "succeeded"
                && c["attention"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await?;
    let certificate = crate::support::step(&case, "birth")["output"]["birth_certificate_number"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!certificate.is_empty(), "{case:#}");

    let browser = browser(1280, 1100, &[]).await?;
    let client = &browser.client;
    let console = format!("{}/console", stack.api);
    both_languages(client, &format!("{console}/login"), "form#login", "login").await?;
    client
        .find(Locator::Css("form#login textarea[name=token]"))
        .await?
        .send_keys(&stack.token(&operator()))
        .await?;
    client
        .find(Locator::Css("button#sign-in"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("#attention-count"))
        .await?;
    wait_text(client, &console, "#attention-count", "1").await?;
    both_languages(client, &console, "#attention-count", "dashboard").await?;
    both_languages(
        client,
        &format!("{console}/cases"),
        "form#person-search",
        "cases",
    )
    .await?;
    both_languages(
        client,
        &format!("{console}/agencies"),
        "tr[data-agency='residence']",
        "agencies",
    )
    .await?;
    both_languages(client, &format!("{console}/bulk"), "form#bulk", "bulk").await?;

    // Holding residence asks for a confirmation that says how many cases it stops; not
    // confirmed here.
    for lang in ["en", "vi"] {
        client
            .goto(&format!("{console}/agencies?lang={lang}"))
            .await?;
        client
            .find(Locator::Css("tr[data-agency='residence'] form.hold button"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("form#confirm textarea[name=reason]"))
            .await?;
        screenshot(client, &format!("hold-confirmation-{lang}.png")).await?;
    }

    // A bulk retry of what waits on residence: the dry run, then the batch it starts.
    for lang in ["en", "vi"] {
        client.goto(&format!("{console}/bulk?lang={lang}")).await?;
        client
            .find(Locator::Css("form#bulk select[name=action]"))
            .await?
            .select_by_value("retry_now")
            .await?;
        client
            .find(Locator::Css("form#bulk input[name=agency]"))
            .await?
            .send_keys("residence")
            .await?;
        client
            .find(Locator::Css("form#bulk textarea[name=reason]"))
            .await?
            .send_keys("thử lại sau khi cơ quan báo đã khắc phục")
            .await?;
        client
            .find(Locator::Css("button#dry-run"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("ul#dry-run-cases"))
            .await?;
        screenshot(client, &format!("bulk-dry-run-{lang}.png")).await?;
        if lang == "vi" {
            client
                .find(Locator::Css("button#confirm-button"))
                .await?
                .click()
                .await?;
            let finished = client
                .wait()
                .at_most(Duration::from_secs(90))
                .for_element(Locator::Css("dl#batch-summary[data-status='finished']"))
                .await;
            if finished.is_err() {
                let page = client.source().await?;
                bail!("the batch did not finish: {page}");
            }
        }
    }
    // The batch, found where an operator finds it later: the list of recent batches.
    both_languages(client, &format!("{console}/batches"), "main", "batches").await?;
    let href = client
        .find(Locator::Css("td a[href^='/console/batches/']"))
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    let batch_url = format!("{}{href}", stack.api);
    both_languages(client, &batch_url, "dl#batch-summary", "batch").await?;

    // The certificate's number as written on the paper, in English and in Vietnamese.
    for lang in ["en", "vi"] {
        client.goto(&format!("{console}/cases?lang={lang}")).await?;
        client
            .find(Locator::Css("form#person-search input#by-certificate"))
            .await?
            .click()
            .await?;
        client
            .find(Locator::Css("form#person-search input#person-number"))
            .await?
            .send_keys(&certificate.to_lowercase())
            .await?;
        client
            .find(Locator::Css("button#find-person"))
            .await?
            .click()
            .await?;
        let found = client
            .wait()
            .for_element(Locator::Css("table#person-cases"))
            .await?
            .find_all(Locator::Css("tr[data-case]"))
            .await?;
        assert_eq!(found.len(), 1, "the one case that issued the certificate");
        assert_eq!(
            found[0].attr("data-case").await?.as_deref(),
            Some(code.as_str())
        );
        assert!(!client.source().await?.contains(&certificate));
        screenshot(client, &format!("search-by-certificate-{lang}.png")).await?;
    }
    client
        .find(Locator::Css(&format!("tr[data-case='{code}'] a.case-link")))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("#case-status"))
        .await?;
    let case_url = client.current_url().await?.to_string();
    both_languages(client, &case_url, "#case-status", "case").await?;

    // Residence registered the child on paper: recorded through the typed form, its
    // confirmation read in English, then filled again and confirmed in Vietnamese.
    client.goto(&format!("{case_url}?lang=en")).await?;
    fill_resolve(client, "residence", "CA-PAPER-7", "TT/2026/000777").await?;
    client
        .wait()
        .for_element(Locator::Css("form#confirm textarea[name=reason]"))
        .await?;
    screenshot(client, "resolve-confirmation-en.png").await?;
    client.goto(&format!("{case_url}?lang=vi")).await?;
    fill_resolve(client, "residence", "CA-PAPER-7", "TT/2026/000777").await?;
    client
        .wait()
        .for_element(Locator::Css("form#confirm textarea[name=reason]"))
        .await?
        .send_keys("Công an xã đã đăng ký thường trú trên giấy")
        .await?;
    screenshot(client, "resolve-confirmation-vi.png").await?;
    let page = client.source().await?;
    assert!(
        page.contains("TT/2026/000777"),
        "the confirmation shows what will be recorded"
    );
    client
        .find(Locator::Css("button#confirm-button"))
        .await?
        .click()
        .await?;
    assert_eq!(outcome(client).await?, "done");
    screenshot(client, "resolve-done-vi.png").await?;

    let case = stack.wait_ended(&code).await?;
    assert_eq!(case["status"], "completed", "{case:#}");
    let residence = crate::support::step(&case, "residence");
    assert_eq!(residence["status"], "resolved_manually", "{case:#}");
    both_languages(client, &format!("{console}/audit"), "main", "audit").await?;
    browser.client.close().await?;
    Ok(())
}
