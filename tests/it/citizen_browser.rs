//! The citizen page in headless Chromium, as a parent uses it: signs in with a pasted token, fills
//! the birth application with one mistake, reads the Vietnamese message next to the field,
//! corrects it, reviews, files, and follows the case to its end; a second case whose residence
//! step asks for a document: the request arrives by e-mail at the local SMTP server, with the
//! link the parent follows to answer on the page, and the case's end is told once; a third,
//! withdrawn after confirming. Every
//! page is photographed at 1366 px and at 360 px wide (`target/tmp/citizen-screenshots/`, paths
//! printed), and at 360 px no page scrolls sideways. The form is checked for keyboard use: the
//! skip link comes first, Tab visits every field in order, and every field has a label.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, Locator, key::Key};
use serde_json::{Value, json};

use crate::{
    citizen_page::{PARENT_ID, birth_inputs, parent},
    support::{Stack, StackOptions, browser::browser, eventually, notify::NotifyReceivers},
};

/// The address the parent gives on their second application.
const PARENT_EMAIL: &str = "me.cua.an@example.vn";

fn screenshot_dir() -> Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("citizen-screenshots");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Photographs the whole page at 1366 px and at 360 px wide, and checks that at 360 px nothing
/// makes it scroll sideways.
async fn photograph(client: &Client, name: &str) -> Result<()> {
    let dir = screenshot_dir()?;
    for width in [1366_u32, 360] {
        client.set_window_size(width, 900).await?;
        let seen: Value = client
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth];",
                vec![],
            )
            .await?;
        let (inner, scroll) = (seen[0].as_u64().unwrap_or(0), seen[1].as_u64().unwrap_or(0));
        if width == 360 {
            assert!(
                inner <= 400,
                "the window did not narrow to 360 px (it is {inner} px)"
            );
            assert!(
                scroll <= inner,
                "{name} scrolls sideways at {inner} px: {scroll} px wide"
            );
        }
        // The whole page in one picture: the window as tall as the page (within reason).
        let height: Value = client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await?;
        // The window's height counts the browser's own frame too, which the picture leaves out.
        let height = (height.as_u64().unwrap_or(900) + 200).clamp(600, 5000);
        client
            .set_window_size(width, u32::try_from(height).unwrap_or(900))
            .await?;
        let path = dir.join(format!("{name}-{width}.png"));
        std::fs::write(&path, client.screenshot().await?)?;
        println!("screenshot: {}", path.display());
    }
    client.set_window_size(1366, 900).await?;
    Ok(())
}

async fn page_source_error(client: &Client, what: &str) -> anyhow::Error {
    let page = client.source().await.unwrap_or_default();
    anyhow::anyhow!("{what}: {}", &page[..page.len().min(4000)])
}

async fn fill(client: &Client, inputs: &[(String, String)]) -> Result<()> {
    for (pointer, value) in inputs {
        let css = format!("form#application [name='{pointer}']");
        let field = client.find(Locator::Css(&css)).await?;
        match field.tag_name().await?.as_str() {
            "select" => field.select_by_value(value).await?,
            _ => {
                field.clear().await?;
                if !value.is_empty() {
                    field.send_keys(value).await?;
                }
            }
        }
    }
    Ok(())
}

/// The id of the element that has the keyboard's focus.
async fn focused(client: &Client) -> Result<String> {
    Ok(client
        .active_element()
        .await?
        .attr("id")
        .await?
        .unwrap_or_default())
}

/// Keyboard use of the form: the skip link first, then Tab through every field in the order
/// they are shown, ending on the button; and every field has a label.
async fn check_keyboard(client: &Client) -> Result<()> {
    let unlabelled: Value = client
        .execute(
            "return Array.from(document.querySelectorAll('form#application input:not([type=hidden]), form#application select, form#application textarea')).filter(e => e.labels.length === 0).map(e => e.name);",
            vec![],
        )
        .await?;
    assert_eq!(unlabelled, json!([]), "fields without a label");
    let order: Value = client
        .execute(
            "return Array.from(document.querySelectorAll('form#application input:not([type=hidden]), form#application select, form#application textarea, form#application button')).map(e => e.id);",
            vec![],
        )
        .await?;
    let order: Vec<String> = order
        .as_array()
        .context("ids")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    client.active_element().await?.send_keys(&Key::Tab).await?;
    let first: Value = client
        .execute("return document.activeElement.className;", vec![])
        .await?;
    assert_eq!(first, "skip", "the skip link is the first stop");
    // On through the header to the first field, by keyboard alone.
    for _ in 0..20 {
        if focused(client).await? == order[0] {
            break;
        }
        client.active_element().await?.send_keys(&Key::Tab).await?;
    }
    let mut visited = vec![focused(client).await?];
    while visited.len() < order.len() {
        client.active_element().await?.send_keys(&Key::Tab).await?;
        visited.push(focused(client).await?);
    }
    assert_eq!(visited, order, "Tab goes through the form in order");
    Ok(())
}

/// Reloads `url` until the element `css` is there.
async fn wait_for(client: &Client, url: &str, css: &str) -> Result<()> {
    let found = eventually(
        &format!("{css} at {url}"),
        Duration::from_secs(90),
        async || {
            client.goto(url).await?;
            Ok(client.find(Locator::Css(css)).await.is_ok().then_some(()))
        },
    )
    .await;
    if let Err(e) = found {
        return Err(page_source_error(client, &format!("{e:#}")).await);
    }
    Ok(())
}

/// Opens the form, fills it with `inputs`, reviews and files it: the case page's address.
async fn file(client: &Client, site: &str, inputs: &[(String, String)]) -> Result<String> {
    client
        .goto(&format!("{site}/apply/birth-residence-insurance"))
        .await?;
    fill(client, inputs).await?;
    client.find(Locator::Id("review")).await?.click().await?;
    client
        .wait()
        .for_element(Locator::Id("submit"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Id("case-status"))
        .await?;
    let url = client.current_url().await?;
    Ok(format!("{site}{}", url.path()))
}

#[tokio::test]
async fn a_parent_uses_the_citizen_page_in_a_browser() -> Result<()> {
    // The installation tells citizens by e-mail (and the portal and SMS): a local SMTP server
    // catches what is sent.
    let receivers = NotifyReceivers::start().await?;
    let stack = Stack::start_with_options(receivers.on(StackOptions::default())).await?;
    let browser = browser(1366, 900, &["--lang=vi"]).await?;
    let client = &browser.client;
    let site = stack.api.clone();

    // The procedures, then signing in with the pasted token.
    client.goto(&format!("{site}/")).await?;
    client.find(Locator::Css("ul.procedures li.card")).await?;
    photograph(client, "01-procedures").await?;
    client.goto(&format!("{site}/sign-in")).await?;
    photograph(client, "02-sign-in").await?;
    client
        .find(Locator::Css("form#sign-in-form textarea[name=token]"))
        .await?
        .send_keys(&stack.token(&parent()))
        .await?;
    client.find(Locator::Id("sign-in")).await?.click().await?;
    if client.wait().for_element(Locator::Css("h1")).await.is_err()
        || !client.current_url().await?.path().ends_with("/cases")
    {
        return Err(page_source_error(client, "signing in did not lead to my cases").await);
    }
    photograph(client, "03-my-cases-empty").await?;

    // The form: keyboard order and labels, then one mistake.
    client
        .goto(&format!("{site}/apply/birth-residence-insurance"))
        .await?;
    let prefilled = client
        .find(Locator::Id("f-applicant-personal_id"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(prefilled.as_deref(), Some(PARENT_ID));
    check_keyboard(client).await?;
    photograph(client, "04-form").await?;
    let inputs = birth_inputs("GCS-BROWSER-1");
    let wrong: Vec<(String, String)> = inputs
        .iter()
        .map(|(k, v)| {
            let v = if k == "/child/date_of_birth" {
                "31/02/2026"
            } else {
                v
            };
            (k.clone(), v.to_owned())
        })
        .collect();
    fill(client, &wrong).await?;
    client.find(Locator::Id("review")).await?.click().await?;
    let error = client
        .wait()
        .for_element(Locator::Id("f-child-date_of_birth-error"))
        .await?
        .text()
        .await?;
    assert!(
        error.contains("Ngày không hợp lệ") && error.contains("NN/TT/NNNN"),
        "{error}"
    );
    let described = client
        .find(Locator::Id("f-child-date_of_birth"))
        .await?
        .attr("aria-describedby")
        .await?
        .unwrap_or_default();
    assert!(
        described.contains("f-child-date_of_birth-error"),
        "the message is read with its field: {described}"
    );
    client.find(Locator::Id("error-summary")).await?;
    photograph(client, "05-form-mistake").await?;

    // Corrected, reviewed, filed.
    let date = client.find(Locator::Id("f-child-date_of_birth")).await?;
    date.clear().await?;
    date.send_keys("20/11/2026").await?;
    client.find(Locator::Id("review")).await?.click().await?;
    client.wait().for_element(Locator::Id("submit")).await?;
    photograph(client, "06-review").await?;
    client.find(Locator::Id("submit")).await?.click().await?;
    let status = client
        .wait()
        .for_element(Locator::Id("case-status"))
        .await?;
    assert!(
        status.attr("data-status").await?.is_some(),
        "the case page after filing"
    );
    client.find(Locator::Id("notice")).await?;
    let case_url = format!("{site}{}", client.current_url().await?.path());
    photograph(client, "07-case-filed").await?;

    // Followed to the end.
    wait_for(client, &case_url, "#case-status[data-status='completed']").await?;
    let results = client.find_all(Locator::Css("dd.result strong")).await?;
    assert!(results.len() >= 4, "each agency's numbers are shown");
    photograph(client, "08-case-completed").await?;

    // A second case: residence asks for a document. The parent gave an e-mail address: the
    // request reaches them there, in Vietnamese, with the link to their case, which they follow
    // and answer on the page.
    let documents =
        json!([{"code": "PARENT_RESIDENCE_CONFIRMATION", "title": "Xác nhận thông tin về cư trú"}]);
    stack
        .fault(
            "residence",
            json!({"operation": "register-permanent-residence", "mode": "documents_required",
                   "documents": documents, "message": "Cần xác nhận nơi cư trú của mẹ", "count": 1}),
        )
        .await?;
    let mut with_email = birth_inputs("GCS-BROWSER-2");
    with_email.push(("/applicant/email".to_owned(), PARENT_EMAIL.to_owned()));
    let asked = file(client, &site, &with_email).await?;
    let code = asked.rsplit('/').next().unwrap_or_default().to_owned();
    let mail = eventually(
        "the e-mail asking for documents",
        Duration::from_secs(60),
        async || {
            Ok(receivers.mail.messages()?.into_iter().find(|m| {
                m.envelope_to.iter().any(|to| to.contains(PARENT_EMAIL))
                    && m.subject.contains(&code)
                    && m.subject.contains("cần bổ sung giấy tờ")
            }))
        },
    )
    .await?;
    assert!(
        mail.body.contains(&asked),
        "the link to the case: {}",
        mail.body
    );
    assert!(
        !mail.body.contains("Trần Minh An") && !mail.subject.contains("Trần Minh An"),
        "no child's name in the e-mail: {}",
        mail.body
    );
    let link = mail
        .body
        .split_whitespace()
        .find(|word| word.starts_with(&asked))
        .map(|word| word.trim_end_matches(['.', ',', ')']).to_owned())
        .context("a link in the e-mail")?;
    client.goto(&link).await?;
    client
        .wait()
        .for_element(Locator::Css("form#documents-form"))
        .await?;
    photograph(client, "09-documents-asked").await?;
    client
        .find(Locator::Css(
            "form#documents-form input[name='doc:PARENT_RESIDENCE_CONFIRMATION']",
        ))
        .await?
        .send_keys("XN-CT-2026-778")
        .await?;
    client
        .find(Locator::Id("send-documents"))
        .await?
        .click()
        .await?;
    client.wait().for_element(Locator::Id("notice")).await?;
    wait_for(client, &asked, "#case-status[data-status='completed']").await?;
    // The parent is told the case is done, once.
    let completed = eventually(
        "the e-mail saying the case is done",
        Duration::from_secs(60),
        async || {
            let count = receivers
                .mail
                .messages()?
                .iter()
                .filter(|m| m.subject.contains(&code) && m.subject.contains("đã giải quyết xong"))
                .count();
            Ok((count > 0).then_some(count))
        },
    )
    .await?;
    assert_eq!(completed, 1, "one message for the case's end");

    // A third case, withdrawn after confirming.
    stack
        .fault(
            "residence",
            json!({"operation": "register-permanent-residence", "mode": "documents_required",
                   "documents": documents, "count": 1}),
        )
        .await?;
    let withdrawing = file(client, &site, &birth_inputs("GCS-BROWSER-3")).await?;
    wait_for(client, &withdrawing, "a#withdraw").await?;
    client.find(Locator::Id("withdraw")).await?.click().await?;
    client
        .wait()
        .for_element(Locator::Id("reason"))
        .await?
        .send_keys("Gia đình nộp lại tại bộ phận một cửa")
        .await?;
    photograph(client, "10-withdraw-confirm").await?;
    client
        .find(Locator::Id("confirm-withdraw"))
        .await?
        .click()
        .await?;
    client.wait().for_element(Locator::Id("notice")).await?;
    wait_for(
        client,
        &withdrawing,
        "#case-status[data-status='withdrawn']",
    )
    .await?;
    photograph(client, "11-case-withdrawn").await?;

    client.goto(&format!("{site}/cases")).await?;
    let listed = client
        .find_all(Locator::Css("ul#cases li[data-case]"))
        .await?;
    assert_eq!(listed.len(), 3);
    photograph(client, "12-my-cases").await?;

    // In English on request, remembered.
    client.goto(&format!("{site}/cases?lang=en")).await?;
    client.goto(&format!("{site}/")).await?;
    let lang = client
        .find(Locator::Css("html"))
        .await?
        .attr("lang")
        .await?;
    assert_eq!(lang.as_deref(), Some("en"));
    photograph(client, "13-procedures-english").await?;

    let shots = std::fs::read_dir(screenshot_dir()?)?.count();
    if shots < 26 {
        bail!("expected 26 screenshots, found {shots}");
    }
    browser.client.close().await?;
    Ok(())
}
