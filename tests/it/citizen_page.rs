//! A parent files the combined birth application through the citizen page, over HTTP with a
//! cookie jar as a browser would: signs in with a pasted token, makes one mistake and reads the
//! Vietnamese message next to the field, corrects it, reviews, files twice with the same request
//! id (one case), and follows the case to its end with the numbers each agency issued. Then a
//! second case whose residence step asks for documents, answered on the page; and a third,
//! withdrawn after saying why and confirming.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{Context, Result, bail};
use lienthong_identity::Claims;
use serde_json::json;

use crate::support::{Stack, eventually, step};

/// The parent of the shipped example application.
pub(crate) const PARENT_ID: &str = "001190012345";

pub(crate) fn parent() -> Claims {
    Claims {
        sub: "vneid-parent-1".into(),
        roles: vec!["citizen".into()],
        personal_id: Some(PARENT_ID.into()),
        ..Claims::default()
    }
}

/// The inputs of the birth procedure's form for a valid application, with certificate number
/// `certificate` so cases never collide.
pub(crate) fn birth_inputs(certificate: &str) -> Vec<(String, String)> {
    [
        ("/applicant/personal_id", PARENT_ID),
        ("/applicant/relationship", "mother"),
        ("/applicant/phone", "0912345678"),
        ("/child/full_name", "Trần Minh An"),
        ("/child/date_of_birth", "20/11/2026"),
        ("/child/sex", "male"),
        ("/child/place_of_birth", "Bệnh viện Phụ sản Hà Nội"),
        ("/child/home_town", "Nam Định"),
        ("/child/ethnicity", "Kinh"),
        ("/child/nationality", "VN"),
        ("/mother/personal_id", PARENT_ID),
        ("/father/personal_id", "001088012346"),
        ("/e_birth_certificate/number", certificate),
        ("/e_birth_certificate/issued_by", "Bệnh viện Phụ sản Hà Nội"),
        (
            "/e_birth_certificate/signature",
            "MEUCIQDx4v1r0pXk2J7h9Zc8QeKx1mW0Lr5sYb3Tn6pVd2aF7gIgR2b",
        ),
        ("/residence/parent_personal_id", PARENT_ID),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// One answer of the site.
#[derive(Debug)]
struct Page {
    status: u16,
    location: String,
    body: String,
}

/// A browser without script: it keeps the cookies the site sets and sends them back, and does
/// not follow redirects (each test says where it expects to be sent).
struct Jar {
    http: reqwest::Client,
    site: String,
    cookies: BTreeMap<String, String>,
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Jar {
    fn new(site: &str) -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            site: site.to_owned(),
            cookies: BTreeMap::new(),
        })
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Result<Page> {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str()?;
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').context("a cookie")?;
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Ok(Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: response.text().await?,
        })
    }

    async fn get(&mut self, path: &str) -> Result<Page> {
        let response = self
            .http
            .get(format!("{}{path}", self.site))
            .header("cookie", self.cookie_header())
            .send()
            .await?;
        self.read(response).await
    }

    async fn post(&mut self, path: &str, pairs: &[(String, String)]) -> Result<Page> {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .post(format!("{}{path}", self.site))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        self.read(response).await
    }
}

/// The value of the first `name="…" value="…"` input of `body`.
fn input_value(body: &str, name: &str) -> Result<String> {
    body.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .with_context(|| format!("no input {name} in {body}"))
}

/// The markup of the field `pointer` of a form.
fn field_html<'b>(body: &'b str, pointer: &str) -> &'b str {
    body.split(&format!("data-field=\"{pointer}\""))
        .nth(1)
        .and_then(|rest| rest.split("class=\"field").next())
        .unwrap_or_default()
}

fn with(csrf: &str, request_id: &str, inputs: &[(String, String)]) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("request_id".to_owned(), request_id.to_owned()),
    ];
    pairs.extend(inputs.iter().cloned());
    pairs
}

async fn sign_in(stack: &Stack) -> Result<Jar> {
    let mut jar = Jar::new(&stack.api)?;
    let page = jar.get("/sign-in").await?;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mã đăng nhập"), "{}", page.body);
    let token = stack.token(&parent());
    let page = jar.post("/sign-in", &[("token".to_owned(), token)]).await?;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location, "/cases");
    assert!(jar.cookies.contains_key("lienthong_citizen"));
    Ok(jar)
}

/// Fills the form of the birth procedure with `inputs`, reviews and files it; the case code.
async fn file(jar: &mut Jar, inputs: &[(String, String)]) -> Result<String> {
    let form = jar.get("/apply/birth-residence-insurance").await?;
    let csrf = input_value(&form.body, "csrf")?;
    let request_id = input_value(&form.body, "request_id")?;
    let review = jar
        .post(
            "/apply/birth-residence-insurance/review",
            &with(&csrf, &request_id, inputs),
        )
        .await?;
    assert_eq!(review.status, 200, "{}", review.body);
    let filed = jar
        .post(
            "/apply/birth-residence-insurance/submit",
            &with(&csrf, &request_id, inputs),
        )
        .await?;
    assert_eq!(filed.status, 303, "{}", filed.body);
    case_code(&filed.location)
}

fn case_code(location: &str) -> Result<String> {
    location
        .strip_prefix("/cases/")
        .and_then(|rest| rest.split('?').next())
        .map(str::to_owned)
        .with_context(|| format!("not a case page: {location}"))
}

/// Reloads the case page until its status is `status`.
async fn wait_status(jar: &mut Jar, code: &str, status: &str) -> Result<String> {
    let want = format!("id=\"case-status\" class=\"badge st-{status}\"");
    let mut last = String::new();
    let found = eventually(
        &format!("case {code} to show {status}"),
        Duration::from_secs(90),
        async || {
            let page = jar.get(&format!("/cases/{code}")).await?;
            last = page.body;
            Ok(last.contains(&want).then(|| last.clone()))
        },
    )
    .await;
    match found {
        Ok(body) => Ok(body),
        Err(e) => bail!("{e:#}; last page: {last}"),
    }
}

#[tokio::test]
async fn a_parent_files_follows_answers_and_withdraws_through_the_page() -> Result<()> {
    let stack = Stack::start().await?;
    let mut jar = sign_in(&stack).await?;

    let home = jar.get("/").await?;
    assert!(home.body.contains("Đăng ký thường trú"), "{}", home.body);
    assert!(home.body.contains("id=\"nav-cases\""), "signed in");

    // The form, the personal ID filled in from the sign-in.
    let form = jar.get("/apply/birth-residence-insurance").await?;
    assert_eq!(form.status, 200);
    assert_eq!(
        input_value(&form.body, "/applicant/personal_id")?,
        PARENT_ID
    );
    let csrf = input_value(&form.body, "csrf")?;
    let request_id = input_value(&form.body, "request_id")?;

    // One mistake: a day that does not exist. The Vietnamese message is next to the field.
    let inputs = birth_inputs("GCS-PAGE-1");
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
    let refused = jar
        .post(
            "/apply/birth-residence-insurance/review",
            &with(&csrf, &request_id, &wrong),
        )
        .await?;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let date = field_html(&refused.body, "/child/date_of_birth");
    assert!(
        date.contains("Ngày không hợp lệ") && date.contains("NN/TT/NNNN"),
        "{date}"
    );
    assert!(
        date.contains("value=\"31/02/2026\""),
        "what was typed stays"
    );

    // Corrected: reviewed, then filed twice with the same request id (a double click).
    let review = jar
        .post(
            "/apply/birth-residence-insurance/review",
            &with(&csrf, &request_id, &inputs),
        )
        .await?;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("Xem lại hồ sơ trước khi nộp"));
    assert!(review.body.contains("20/11/2026"));
    let submit = with(&csrf, &request_id, &inputs);
    let first = jar
        .post("/apply/birth-residence-insurance/submit", &submit)
        .await?;
    let second = jar
        .post("/apply/birth-residence-insurance/submit", &submit)
        .await?;
    assert_eq!((first.status, second.status), (303, 303), "{}", second.body);
    let code = case_code(&first.location)?;
    assert_eq!(
        case_code(&second.location)?,
        code,
        "one request id, one case"
    );
    assert!(first.location.ends_with("?filed=1"));

    let mine = jar.get("/cases").await?;
    assert_eq!(
        mine.body.matches(&format!("data-case=\"{code}\"")).count(),
        1,
        "{}",
        mine.body
    );
    let filed = jar.get(&first.location).await?;
    assert!(
        filed.body.contains(&format!("Mã hồ sơ của bạn là {code}")),
        "{}",
        filed.body
    );

    // Followed to the end: each agency's numbers in the definition's words.
    let done = wait_status(&mut jar, &code, "completed").await?;
    let (_, case) = stack.case(&code).await?;
    for (step_id, field, words) in [
        ("birth", "birth_certificate_number", "Số giấy khai sinh"),
        ("birth", "personal_id", "Số định danh cá nhân của trẻ"),
        ("residence", "residence_entry_id", "Mã đăng ký thường trú"),
        ("insurance", "card_number", "Số thẻ bảo hiểm y tế"),
    ] {
        let value = step(&case, step_id)["output"][field]
            .as_str()
            .with_context(|| format!("{step_id}.{field} in {case:#}"))?;
        assert!(
            done.contains(&format!(
                "<dt>{words}</dt><dd class=\"result\"><strong>{value}</strong>"
            )),
            "{words} {value} on the page: {done}"
        );
    }
    assert!(done.contains("Đã hoàn thành"));
    assert!(
        !done.contains("id=\"withdraw\""),
        "an ended case cannot be withdrawn"
    );

    // A second case: residence asks for a document, answered on the page.
    let documents =
        json!([{"code": "PARENT_RESIDENCE_CONFIRMATION", "title": "Xác nhận thông tin về cư trú"}]);
    stack
        .fault(
            "residence",
            json!({"operation": "register-permanent-residence", "mode": "documents_required",
                   "documents": documents, "message": "Cần xác nhận nơi cư trú của mẹ", "count": 1}),
        )
        .await?;
    let asked_code = file(&mut jar, &birth_inputs("GCS-PAGE-2")).await?;
    let asked = wait_status_step(&mut jar, &asked_code, "awaiting_documents").await?;
    assert!(asked.contains("Cần xác nhận nơi cư trú của mẹ"));
    assert!(asked.contains("Xác nhận thông tin về cư trú"));
    let csrf = input_value(&asked, "csrf")?;
    let empty = jar
        .post(
            &format!("/cases/{asked_code}/documents"),
            &[
                ("csrf".to_owned(), csrf.clone()),
                ("step".to_owned(), "residence".to_owned()),
                (
                    "doc:PARENT_RESIDENCE_CONFIRMATION".to_owned(),
                    String::new(),
                ),
            ],
        )
        .await?;
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(
        empty.body.contains("Hãy ghi số hoặc mã của giấy tờ"),
        "{}",
        empty.body
    );
    let sent = jar
        .post(
            &format!("/cases/{asked_code}/documents"),
            &[
                ("csrf".to_owned(), csrf.clone()),
                ("step".to_owned(), "residence".to_owned()),
                (
                    "doc:PARENT_RESIDENCE_CONFIRMATION".to_owned(),
                    "XN-CT-2026-778".to_owned(),
                ),
                ("note".to_owned(), "Đã bổ sung".to_owned()),
            ],
        )
        .await?;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(sent.location.ends_with("?supplied=1"));
    wait_status(&mut jar, &asked_code, "completed").await?;

    // A third case, withdrawn: the confirmation page asks why, and only then is it withdrawn.
    stack
        .fault(
            "residence",
            json!({"operation": "register-permanent-residence", "mode": "documents_required",
                   "documents": documents, "count": 1}),
        )
        .await?;
    let withdrawn_code = file(&mut jar, &birth_inputs("GCS-PAGE-3")).await?;
    let waiting = wait_status_step(&mut jar, &withdrawn_code, "awaiting_documents").await?;
    assert!(waiting.contains(&format!("href=\"/cases/{withdrawn_code}/withdraw\"")));
    let confirm = jar
        .get(&format!("/cases/{withdrawn_code}/withdraw"))
        .await?;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Xác nhận rút hồ sơ"));
    let csrf = input_value(&confirm.body, "csrf")?;
    let no_reason = jar
        .post(
            &format!("/cases/{withdrawn_code}/withdraw"),
            &[
                ("csrf".to_owned(), csrf.clone()),
                ("reason".to_owned(), "  ".to_owned()),
                ("confirm".to_owned(), "yes".to_owned()),
            ],
        )
        .await?;
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.body.contains("Hãy cho biết lý do rút hồ sơ"));
    let (_, still) = stack.case(&withdrawn_code).await?;
    assert_eq!(
        still["status"], "running",
        "nothing withdrawn without a reason"
    );
    let withdrawn = jar
        .post(
            &format!("/cases/{withdrawn_code}/withdraw"),
            &[
                ("csrf".to_owned(), csrf),
                (
                    "reason".to_owned(),
                    "Gia đình nộp lại tại bộ phận một cửa".to_owned(),
                ),
                ("confirm".to_owned(), "yes".to_owned()),
            ],
        )
        .await?;
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.body);
    let ended = wait_status(&mut jar, &withdrawn_code, "withdrawn").await?;
    assert!(ended.contains("Đã rút"));

    // Signing out ends the session: the cases are no longer shown.
    let csrf = input_value(&ended, "csrf")?;
    let out = jar.post("/sign-out", &[("csrf".to_owned(), csrf)]).await?;
    assert_eq!(out.status, 303);
    let after = jar.get("/cases").await?;
    assert_eq!(after.status, 303);
    assert!(after.location.starts_with("/sign-in"));
    Ok(())
}

/// Reloads the case page until one of its steps shows `status`.
async fn wait_status_step(jar: &mut Jar, code: &str, status: &str) -> Result<String> {
    let want = format!("data-status=\"{status}\"");
    let mut last = String::new();
    let found = eventually(
        &format!("a step of {code} to show {status}"),
        Duration::from_secs(60),
        async || {
            let page = jar.get(&format!("/cases/{code}")).await?;
            last = page.body;
            Ok(last.contains(&want).then(|| last.clone()))
        },
    )
    .await;
    match found {
        Ok(body) => Ok(body),
        Err(e) => bail!("{e:#}; last page: {last}"),
    }
}
