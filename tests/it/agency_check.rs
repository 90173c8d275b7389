//! `lienthong agency-check` as an agency's IT team runs it against their own system before
//! joining.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    process::Output,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, Result, bail};
use axum::{
    Json, Router,
    extract::{Path as UrlPath, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use serde_json::{Value, json};
use tokio::process::Child;

use crate::support;

/// The secret the residence simulator checks calls with unless told otherwise.
const SECRET: &str = "dev-secret-residence";

/// A parent with a permanent residence in the simulator's register, and one without.
const RESIDENT_PARENT: &str = "001190012345";
const NON_RESIDENT_PARENT: &str = "079192004321";

fn child(personal_id: &str, parent_id: &str) -> Value {
    json!({
        "personal_id": personal_id,
        "full_name": "Trần Minh An",
        "date_of_birth": "2025-01-02",
        "parent_id": parent_id,
    })
}

/// Runs the kit as a user runs it, with the agency's secret in its own variable.
async fn agency_check(args: Vec<String>) -> Result<(Output, String)> {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lienthong"))
            .arg("agency-check")
            .args(args)
            .env("LIENTHONG_SECRET_RESIDENCE", SECRET)
            .env("LIENTHONG_LOG", "warn")
            .output()
    })
    .await??;
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains(SECRET),
        "the secret is never printed:\n{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
    Ok((output, text))
}

fn write(dir: &Path, name: &str, body: &Value) -> Result<String> {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, body.to_string())?;
    Ok(path.display().to_string())
}

/// The report line of `check`, e.g. `  FAIL  idempotency: …`.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.get(8..)
                .is_some_and(|rest| rest.starts_with(&format!("{check}: ")))
        })
        .unwrap_or("")
}

/// The agency simulators as `lienthong agency-sim` runs them, on free ports.
async fn simulators(dir: &Path) -> Result<(Child, BTreeMap<String, String>)> {
    let ready = dir.join("agencies.json");
    let mut sims = support::lienthong(dir, "agencies.log", &[])
        .args(["agency-sim", "--any-port", "--data-dir"])
        .arg(dir.join("agencies"))
        .arg("--ready-file")
        .arg(&ready)
        .spawn()?;
    let urls = support::eventually(
        "the simulators' ready file",
        Duration::from_secs(30),
        async || {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                return Ok(Some(serde_json::from_str(&text)?));
            }
            if let Some(status) = sims.try_wait()? {
                bail!("the simulators exited before they were ready: {status}");
            }
            Ok(None)
        },
    )
    .await?;
    Ok((sims, urls))
}

#[tokio::test]
async fn the_residence_simulator_passes_every_check() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (_sims, urls) = simulators(dir.path()).await?;
    let url = urls
        .get("residence")
        .context("the residence simulator's URL")?;
    let sample = write(
        dir.path(),
        "sample.json",
        &child("001226000901", RESIDENT_PARENT),
    )?;
    let refusal = write(
        dir.path(),
        "refusal.json",
        &child("001226000902", NON_RESIDENT_PARENT),
    )?;

    let (output, report) = agency_check(
        [
            "--agency",
            "residence",
            "--url",
            url,
            "--operation",
            "register-permanent-residence",
            "--sample",
            &sample,
            "--refusal-sample",
            &refusal,
        ]
        .map(str::to_owned)
        .to_vec(),
    )
    .await?;
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(
        report.starts_with(&format!(
            "agency-check residence at {url} (hmac, LIENTHONG_SECRET_RESIDENCE)"
        )),
        "{report}"
    );
    assert!(report.contains("13 checks: 13 ok, 0 failed\n"), "{report}");
    assert!(line(&report, "operation").contains("done in"), "{report}");
    assert!(
        line(&report, "refusal").contains("422 PARENT_NOT_RESIDENT"),
        "{report}"
    );
    assert!(
        line(&report, "undo").contains("cancel-permanent-residence done under CK-"),
        "{report}"
    );
    Ok(())
}

/// An agency system that gets the contract wrong in four ways: it takes unsigned calls, acts
/// again on a repeated key, answers `/acts` with the answer's body instead of the record, and
/// refuses without a code. Its result also carries a field its schema does not list.
#[derive(Default)]
struct WrongAgency {
    acts: AtomicU32,
    answered: Mutex<HashMap<String, Value>>,
}

impl WrongAgency {
    fn answered(&self) -> std::sync::MutexGuard<'_, HashMap<String, Value>> {
        self.answered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn wrong_operation(
    State(agency): State<Arc<WrongAgency>>,
    UrlPath(operation): UrlPath<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let key = headers
        .get("idempotency-key")
        .and_then(|k| k.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (status, answer) = match operation.as_str() {
        "register-permanent-residence" if body["parent_id"] == NON_RESIDENT_PARENT => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "not resident"})),
            );
        }
        "register-permanent-residence" => {
            let n = agency.acts.fetch_add(1, Ordering::SeqCst) + 1;
            let answer = json!({
                "residence_entry_id": format!("TT-2026-{n:06}"),
                "address_code": "001-00000001",
                "registered_on": "2026-01-02",
                "officer": "Lê Thị Hoa",
            });
            (StatusCode::CREATED, answer)
        }
        "cancel-permanent-residence" => {
            let answer = json!({
                "residence_entry_id": body["residence_entry_id"],
                "status": "cancelled",
            });
            (StatusCode::OK, answer)
        }
        _ => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"code": "UNKNOWN_OPERATION"})),
            );
        }
    };
    agency.answered().insert(key, answer.clone());
    (status, Json(answer))
}

async fn wrong_act(
    State(agency): State<Arc<WrongAgency>>,
    UrlPath(key): UrlPath<String>,
) -> impl IntoResponse {
    match agency.answered().get(&key) {
        Some(answer) => (StatusCode::OK, Json(answer.clone())),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "ACT_NOT_FOUND", "message": "no act"})),
        ),
    }
}

#[tokio::test]
async fn a_system_that_breaks_the_contract_fails_each_check_with_what_to_fix() -> Result<()> {
    let app = Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/operations/{operation}", post(wrong_operation))
        .route("/acts/{*key}", get(wrong_act))
        .with_state(Arc::new(WrongAgency::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir()?;
    let sample = write(
        dir.path(),
        "sample.json",
        &child("001226000903", RESIDENT_PARENT),
    )?;
    let refusal = write(
        dir.path(),
        "refusal.json",
        &child("001226000904", NON_RESIDENT_PARENT),
    )?;

    let (output, report) = agency_check(
        [
            "--agency",
            "residence",
            "--url",
            &url,
            "--sample",
            &sample,
            "--refusal-sample",
            &refusal,
        ]
        .map(str::to_owned)
        .to_vec(),
    )
    .await?;
    server.abort();
    assert_eq!(output.status.code(), Some(1), "{report}");
    for (check, fix) in [
        (
            "signature: unsigned call",
            "accepted a call with no credential (answered 201): check X-Lienthong-Timestamp and \
             X-Lienthong-Signature on every call before anything else",
        ),
        (
            "signature: wrong signature",
            "accepted a call with a wrong credential",
        ),
        (
            "signature: unsigned /acts read",
            "check the credential on it",
        ),
        (
            "idempotency",
            "(its residence_entry_id differs): it was acted on twice; one Idempotency-Key must \
             be one act",
        ),
        ("/acts record", "it holds none of the record's fields"),
        ("refusal", "answered 400 without an UPPER_SNAKE `code`"),
        ("undo idempotency", "is it the answer's body alone?"),
    ] {
        let found = line(&report, check);
        assert!(
            found.starts_with("  FAIL  ") && found.contains(fix),
            "{check} fails saying `{fix}`:\n{report}"
        );
        assert!(found.contains("(docs/agency-contract.md §"), "{found}");
    }
    for check in [
        "health",
        "sample",
        "/acts before the call",
        "operation",
        "response schema",
        "undo",
    ] {
        assert!(
            line(&report, check).starts_with("  ok    "),
            "{check} passes:\n{report}"
        );
    }
    assert!(report.contains("13 checks: 6 ok, 7 failed\n"), "{report}");
    // A field the response schema does not list is named, its value never printed.
    assert!(
        line(&report, "response schema").contains("note: the schema does not list officer,"),
        "{report}"
    );
    assert!(!report.contains("Lê Thị Hoa"), "{report}");
    assert!(
        report.contains("lienthong: 7 checks failed"),
        "one last line on stderr:\n{report}"
    );
    Ok(())
}

#[tokio::test]
async fn inputs_it_cannot_run_with_exit_2_before_anything_is_sent() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut bad = child("12", RESIDENT_PARENT);
    bad.as_object_mut()
        .context("an object")?
        .remove("full_name");
    let sample = write(dir.path(), "bad.json", &bad)?;
    // Nothing listens there: a run that sent anything would report it unreachable (exit 1).
    let nowhere = format!("http://127.0.0.1:{}", support::free_port());

    let (output, report) = agency_check(
        [
            "--agency",
            "residence",
            "--url",
            &nowhere,
            "--sample",
            &sample,
        ]
        .map(str::to_owned)
        .to_vec(),
    )
    .await?;
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(output.stdout.is_empty(), "{report}");
    assert!(
        report
            .contains("--sample does not match the request schema of register-permanent-residence"),
        "{report}"
    );
    assert!(report.contains("at /personal_id: "), "{report}");
    assert!(
        report.contains("\"full_name\" is a required property"),
        "{report}"
    );

    let (output, report) = agency_check(
        ["--agency", "tax-office", "--url", &nowhere]
            .map(str::to_owned)
            .to_vec(),
    )
    .await?;
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(
        report.contains("agency `tax-office` is not in the shipped catalogue"),
        "{report}"
    );
    Ok(())
}
