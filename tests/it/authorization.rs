//! Who may see and do what: every endpoint × every role × own and other scope, on the real
//! stack. A denied cell must be exactly 401 (no or bad token), 403 (wrong role) or 404 (another
//! scope's case, answered exactly as a case that does not exist); an allowed cell must show the
//! route ran for that caller: its success status, or, where the row's request is refused on
//! purpose, the route's own refusal code that only a caller past the access checks can get.
//! No cell may answer 5xx.

use std::time::Duration;

use anyhow::Result;
use lienthong_identity::Claims;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Stack, example_submission, step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Allow,
    Deny(u16),
}
use Want::{Allow, Deny};

const U: Want = Deny(401);
const F: Want = Deny(403);
const N: Want = Deny(404);
const A: Want = Allow;

/// The callers, in the order of each row's cells.
const PERSONAS: [&str; 9] = [
    "anonymous",
    "citizen_own",
    "citizen_other",
    "operator_own",
    "operator_own_personal_data",
    "operator_other_province",
    "admin_own_agency",
    "admin_other_agency",
    "auditor",
];

fn claims(persona: &str) -> Option<Claims> {
    let base = |sub: &str, role: &str| Claims {
        sub: sub.into(),
        roles: vec![role.into()],
        ..Claims::default()
    };
    Some(match persona {
        "anonymous" => return None,
        "citizen_own" => Claims {
            personal_id: Some("001190012345".into()),
            ..base("citizen-own", "citizen")
        },
        "citizen_other" => Claims {
            personal_id: Some("079000000001".into()),
            ..base("citizen-other", "citizen")
        },
        "operator_own" => Claims {
            offices: vec!["01".into()],
            ..base("operator-hanoi", "operator")
        },
        "operator_own_personal_data" => Claims {
            offices: vec!["01-HK".into()],
            personal_data: true,
            ..base("supervisor-hoankiem", "operator")
        },
        "operator_other_province" => Claims {
            offices: vec!["79".into()],
            personal_data: true,
            ..base("operator-hcmc", "operator")
        },
        "admin_own_agency" => Claims {
            agencies: vec!["civil-status".into()],
            ..base("admin-civil-status", "agency-admin")
        },
        "admin_other_agency" => Claims {
            agencies: vec!["labour-office".into()],
            ..base("admin-labour-office", "agency-admin")
        },
        "auditor" => base("auditor", "auditor"),
        other => panic!("unknown persona {other}"),
    })
}

struct Row {
    method: Method,
    path: String,
    body: Option<Body>,
    cells: [Want; 9],
    /// What every allowed cell of the row answers.
    granted: Granted,
}

/// What an allowed call answers: proof that the route ran for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granted {
    /// This success status.
    Status(u16),
    /// The route's own refusal, with this status and error code, of a request the row makes
    /// that way on purpose; it is decided only after the caller's access was checked.
    Refused(u16, &'static str),
}

enum Body {
    Json(Value),
    Text(String),
}

/// A row whose allowed cells answer 200.
fn row(method: Method, path: impl Into<String>, body: Option<Body>, cells: [Want; 9]) -> Row {
    Row {
        method,
        path: path.into(),
        body,
        cells,
        granted: Granted::Status(200),
    }
}

impl Row {
    fn granted(self, granted: Granted) -> Self {
        Self { granted, ..self }
    }
}

/// A future version of group A, for the definition cells (its effective date keeps it from ever
/// applying to the cases of this test).
fn future_version() -> String {
    lienthong_definitions::SHIPPED
        .iter()
        .find(|(name, _)| name.contains("birth-residence-insurance"))
        .map(|(_, text)| {
            text.replacen("version: 1", "version: 7", 1).replacen(
                "effective_from: 2024-07-01",
                "effective_from: 2099-01-01",
                1,
            )
        })
        .expect("group A is shipped")
}

/// Civil status's catalogue entry as shipped.
fn civil_status_entry() -> String {
    lienthong_definitions::SHIPPED_CATALOGUE
        .iter()
        .find(|(name, _)| *name == "civil-status.yaml")
        .map(|(_, text)| (*text).to_owned())
        .expect("civil status's entry is shipped")
}

/// The document residence asks the other case for.
const MATRIX_DOCUMENT: &str = "MATRIX_DOCUMENT";

fn rows(case: &str, other_case: &str) -> Vec<Row> {
    use Method as M;
    let submission = example_submission("matrix-submit");
    let action = json!({"action": "retry_now", "step": "birth", "reason": "matrix"});
    let definition = || Some(Body::Text(future_version()));
    let dry_run = json!({"procedure": "birth-residence-insurance", "version": 1,
        "application": example_submission("matrix-dry-run")["application"]});
    vec![
        //                                            anon cit+ cit- op+ op+pd op- adm+ adm- aud
        row(M::GET, "/health", None, [A, A, A, A, A, A, A, A, A]),
        row(M::GET, "/v1/procedures", None, [A, A, A, A, A, A, A, A, A]),
        row(
            M::POST,
            "/v1/applications",
            Some(Body::Json(submission)),
            [U, A, F, A, A, F, F, F, F],
        )
        .granted(Granted::Status(202)),
        row(
            M::GET,
            format!("/v1/cases/{case}"),
            None,
            [U, A, N, A, A, N, N, N, N],
        ),
        // The other case waits for this very document, and its card for an officer's decision.
        row(
            M::POST,
            format!("/v1/cases/{other_case}/supplements"),
            Some(Body::Json(
                json!({"documents": [{"code": MATRIX_DOCUMENT, "reference": "r"}]}),
            )),
            [U, A, N, F, F, N, N, N, N],
        )
        .granted(Granted::Status(202)),
        row(
            M::POST,
            format!("/v1/cases/{other_case}/withdraw"),
            Some(Body::Json(json!({"reason": "matrix"}))),
            [U, A, N, F, F, N, N, N, N],
        )
        .granted(Granted::Status(202)),
        row(M::GET, "/v1/definitions", None, [U, F, F, A, A, A, A, A, A]),
        row(
            M::POST,
            "/v1/definitions/validate",
            definition(),
            [U, F, F, A, A, A, A, A, A],
        ),
        row(
            M::GET,
            "/v1/definitions/birth-residence-insurance/versions/1",
            None,
            [U, F, F, A, A, A, A, A, A],
        ),
        row(
            M::GET,
            "/v1/definitions/birth-residence-insurance/versions/1/plan.svg",
            None,
            [U, F, F, A, A, A, A, A, A],
        ),
        row(
            M::POST,
            "/v1/definitions",
            definition(),
            [U, F, F, F, F, F, A, F, F],
        )
        .granted(Granted::Status(201)),
        // Putting a procedure in force, or out of it, needs the approval of every agency it
        // calls: civil status's administrator may approve and ask, and is told which agencies
        // have still to approve (the whole co-approval is in tests/it/definition_versions.rs).
        row(
            M::POST,
            "/v1/definitions/birth-residence-insurance/versions/7/approve",
            None,
            [U, F, F, F, F, F, A, F, F],
        ),
        row(
            M::POST,
            "/v1/definitions/birth-residence-insurance/versions/7/publish",
            None,
            [U, F, F, F, F, F, A, F, F],
        )
        .granted(Granted::Refused(409, "APPROVALS_MISSING")),
        row(
            M::POST,
            "/v1/definitions/birth-residence-insurance/versions/7/retire",
            None,
            [U, F, F, F, F, F, A, F, F],
        )
        .granted(Granted::Refused(409, "APPROVALS_MISSING")),
        row(
            M::POST,
            "/v1/definitions/dry-run",
            Some(Body::Json(dry_run)),
            [U, F, F, F, F, F, A, F, F],
        ),
        row(M::GET, "/v1/catalogue", None, [U, F, F, A, A, A, A, A, A]),
        row(
            M::GET,
            "/v1/catalogue/civil-status",
            None,
            [U, F, F, A, A, A, A, A, A],
        ),
        // Civil status's entry as shipped: stored again unchanged.
        row(
            M::PUT,
            "/v1/catalogue/civil-status",
            Some(Body::Text(civil_status_entry())),
            [U, F, F, F, F, F, A, F, F],
        ),
        row(M::GET, "/v1/ops/cases", None, [U, F, F, A, A, A, F, F, F]),
        row(M::GET, "/v1/ops/counts", None, [U, F, F, A, A, A, F, F, F]),
        row(
            M::GET,
            format!("/v1/ops/cases/{case}"),
            None,
            [U, F, F, A, A, N, F, F, F],
        ),
        row(
            M::GET,
            format!("/v1/ops/cases/{case}/picture.svg"),
            None,
            [U, F, F, A, A, N, F, F, F],
        ),
        // The case has ended: an operator in scope is told so, one out of scope finds no case.
        row(
            M::POST,
            format!("/v1/ops/cases/{case}/actions"),
            Some(Body::Json(action)),
            [U, F, F, A, A, N, F, F, F],
        )
        .granted(Granted::Refused(409, "CASE_CLOSED")),
        row(
            M::GET,
            "/v1/ops/agencies",
            None,
            [U, F, F, A, A, A, F, F, F],
        ),
        // Every operator may search; each finds only the cases of their own offices.
        row(
            M::POST,
            "/v1/ops/people/cases",
            Some(Body::Json(json!({"personal_id": "001190012345"}))),
            [U, F, F, A, A, A, F, F, F],
        ),
        // An agency's hold is every office's: only an operator of every office places or lifts
        // it (none of these personas; see tests/it/hold_scope.rs).
        row(
            M::POST,
            "/v1/ops/agencies/residence/hold",
            Some(Body::Json(json!({"reason": ""}))),
            [U, F, F, F, F, F, F, F, F],
        ),
        row(
            M::POST,
            "/v1/ops/agencies/residence/release",
            Some(Body::Json(json!({"reason": ""}))),
            [U, F, F, F, F, F, F, F, F],
        ),
        row(
            M::POST,
            "/v1/ops/bulk",
            Some(Body::Json(
                json!({"action": "retry_now", "dry_run": true, "reason": "matrix"}),
            )),
            [U, F, F, A, A, A, F, F, F],
        ),
        row(M::GET, "/v1/ops/batches", None, [U, F, F, A, A, A, F, F, F]),
        row(
            M::GET,
            "/v1/ops/batches/batch-release-residence-0000000000000000",
            None,
            [U, F, F, A, A, A, F, F, F],
        )
        .granted(Granted::Refused(404, "BATCH_NOT_FOUND")),
        row(M::GET, "/v1/audit", None, [U, F, F, F, F, F, F, F, A]),
        row(M::GET, "/v1/audit.csv", None, [U, F, F, F, F, F, F, F, A]),
        // Decrypting history shows personal data of any office's case: only an operator
        // granted personal data whose scope is every office (none of these personas; see
        // tests/it/codec_access.rs).
        row(
            M::POST,
            "/v1/codec/decode",
            Some(Body::Json(json!({"payloads": []}))),
            [U, F, F, F, F, F, F, F, F],
        ),
        // Agencies sign their callbacks; no user token stands in for a signature.
        row(
            M::POST,
            "/v1/agencies/residence/callbacks",
            Some(Body::Json(json!({}))),
            [U, U, U, U, U, U, U, U, U],
        ),
    ]
}

async fn call(stack: &Stack, persona: &str, row: &Row) -> Result<(u16, Value)> {
    let client = stack.client_as(claims(persona).as_ref());
    let mut request = client.request(row.method.clone(), format!("{}{}", stack.api, row.path));
    request = match &row.body {
        Some(Body::Json(body)) => request.json(body),
        Some(Body::Text(text)) => request.body(text.clone()),
        None => request,
    };
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[tokio::test]
async fn every_endpoint_answers_every_role_in_and_out_of_scope_as_the_rules_say() -> Result<()> {
    let stack = Stack::start().await?;
    // Two cases filed at office 01-HK naming the citizen 001190012345: one ended, the other
    // kept open for the citizen's cells, residence asking for a document and social
    // insurance's officer deciding only when released, which never comes.
    let case = stack.submit_ok(&example_submission("matrix-case")).await?;
    stack.wait_ended(&case).await?;
    stack
        .fault(
            "residence",
            json!({"operation": "register-permanent-residence", "mode": "documents_required",
                "documents": [{"code": MATRIX_DOCUMENT, "title": "Matrix document"}], "count": 1}),
        )
        .await?;
    stack
        .fault(
            "social-insurance",
            json!({"operation": "issue-child-health-card", "mode": "decide_later", "hold": true,
                "decision": "approve", "count": 1}),
        )
        .await?;
    let other_case = stack
        .submit_ok(&example_submission("matrix-other-case"))
        .await?;
    stack
        .wait_case(&other_case, Duration::from_secs(30), |c| {
            step(c, "residence")["status"] == "awaiting_documents"
                && step(c, "insurance")["status"] == "awaiting_decision"
        })
        .await?;

    let mut failures = Vec::new();
    let mut cells = 0;
    let mut allowed = 0;
    for row in rows(&case, &other_case) {
        // Denials first, so a cell that changes something (publish, withdraw) runs after the
        // cells that must be refused on the same state.
        let mut order: Vec<usize> = (0..PERSONAS.len()).collect();
        order.sort_by_key(|i| row.cells[*i] == Allow);
        for i in order {
            let persona = PERSONAS[i];
            let (status, body) = call(&stack, persona, &row).await?;
            cells += 1;
            let (ok, wanted) = match row.cells[i] {
                Allow => {
                    allowed += 1;
                    let ok = match row.granted {
                        Granted::Status(want) => status == want,
                        Granted::Refused(want, code) => {
                            status == want && body["error"]["code"] == code
                        }
                    };
                    (ok, format!("{:?}", row.granted))
                }
                Deny(code) => (status == code, format!("Deny({code})")),
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {persona}: wanted {wanted}, got {status} {}",
                    row.method, row.path, body["error"]["code"]
                ));
            }
            if row.cells[i] == N {
                assert_eq!(
                    body["error"]["code"], "CASE_NOT_FOUND",
                    "another scope's case must look like no case at all"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 34 rows of 9 personas, 97 of the cells allowed: every one was called and checked.
    assert_eq!((cells, allowed), (306, 97));
    Ok(())
}

#[tokio::test]
async fn an_operator_sees_personal_data_masked_unless_granted_and_each_unmasked_read_is_logged()
-> Result<()> {
    let stack = Stack::start().await?;
    let case = stack.submit_ok(&example_submission("masking")).await?;
    let finished = stack.wait_ended(&case).await?;
    let child_id = finished["steps"][0]["output"]["personal_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!child_id.is_empty(), "{finished}");

    let read = |persona: &'static str| {
        let client = stack.client_as(claims(persona).as_ref());
        let url = format!("{}/v1/ops/cases/{case}", stack.api);
        async move { anyhow::Ok(client.get(url).send().await?.json::<Value>().await?) }
    };
    let masked = read("operator_own").await?;
    assert_eq!(masked["personal_data"], false);
    assert!(!masked.to_string().contains(&child_id), "{masked}");
    assert!(masked.to_string().contains("•••"));
    let full = read("operator_own_personal_data").await?;
    assert_eq!(full["personal_data"], true);
    assert!(full.to_string().contains(&child_id));

    let audit: Value = stack
        .client_as(claims("auditor").as_ref())
        .get(format!(
            "{}/v1/audit?case={case}&action=read_personal_data",
            stack.api
        ))
        .send()
        .await?
        .json()
        .await?;
    let entries = audit["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor"], "supervisor-hoankiem");

    // The other province's operator does not even see the case in a list.
    let listed: Value = stack
        .client_as(claims("operator_other_province").as_ref())
        .get(format!("{}/v1/ops/cases?code={case}", stack.api))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed["cases"], json!([]), "{listed}");
    Ok(())
}

#[tokio::test]
async fn a_request_id_finds_only_the_case_its_own_account_filed() -> Result<()> {
    let stack = Stack::start().await?;
    // Two accounts of the example's applicant (say a portal login and VNeID): both may file it.
    let citizen = |sub: &str| Claims {
        sub: sub.into(),
        roles: vec!["citizen".into()],
        personal_id: Some("001190012345".into()),
        ..Claims::default()
    };
    let (first, second) = (citizen("citizen-first"), citizen("citizen-second"));
    let submit = |claims: &Claims, tag: &str| {
        let client = stack.client_as(Some(claims));
        let mut body = example_submission(tag);
        body["client_request_id"] = json!("shared-request-id");
        let url = format!("{}/v1/applications", stack.api);
        async move {
            let response = client.post(url).json(&body).send().await?;
            anyhow::Ok((response.status().as_u16(), response.json::<Value>().await?))
        }
    };

    let (status, mine) = submit(&first, "request-id-first").await?;
    assert_eq!(status, 202, "{mine}");
    assert_eq!(mine["existing"], false, "{mine}");
    let (status, theirs) = submit(&second, "request-id-second").await?;
    assert_eq!(status, 202, "{theirs}");
    assert_eq!(
        theirs["existing"], false,
        "another account's request id started its own case: {theirs}"
    );
    assert_ne!(mine["case_code"], theirs["case_code"]);

    // The first account filing again finds its own case, not the second's.
    let (status, again) = submit(&first, "request-id-first").await?;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["existing"], true, "{again}");
    assert_eq!(again["case_code"], mine["case_code"]);

    // The second account's case runs: it ends like any other.
    let code = theirs["case_code"].as_str().unwrap_or_default();
    let ended = stack.wait_ended(code).await?;
    assert_eq!(ended["status"], "completed", "{ended:#}");
    Ok(())
}
