//! The engine's credentials on the wire: a stand-in agency checks that the operation call and the
//! act lookup arrive signed over exactly what it received, and refuses a wrong secret with 401,
//! which the activity turns into the non-retryable `AGENCY_AUTH_REJECTED`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    routing::{get, post},
};
use lienthong_activities::{
    AgencyActivities, AgencyClient, AgencyClientOptions, AgencyCredential, Attempt, CallError,
    SIGNATURE_HEADER, TIMESTAMP_HEADER, request_signature,
};
use lienthong_telemetry::Metrics;
use lienthong_workflows::{AgencyAnswer, AgencyCall};
use serde_json::{Value, json};

const SECRET: &str = "the-agency-secret";
const CASE: &str = "KS-ABCDE-FGHJK";

/// What the stand-in agency saw: method and path of each request it accepted.
type Seen = Arc<Mutex<Vec<String>>>;

/// Checks the signature the way an agency would, over the path and bytes it received.
fn verified(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(timestamp), Some(signature)) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER))
    else {
        return false;
    };
    let Ok(timestamp) = timestamp.parse::<u64>() else {
        return false;
    };
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    signature == request_signature(SECRET, timestamp, method.as_str(), path, body)
}

async fn handle(
    State(seen): State<Seen>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if !verified(&method, &uri, &headers, &body) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": "SIGNATURE_INVALID", "message": "bad signature"})),
        );
    }
    seen.lock()
        .unwrap()
        .push(format!("{method} {}", uri.path()));
    if method == Method::GET {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "ACT_NOT_FOUND"})),
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({"registration_number": "R-1"})),
    )
}

/// The stand-in agency, listening: its address and what it accepted.
async fn serve() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/operations/{operation}", post(handle))
        .route("/acts/{*key}", get(handle))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn agency(secret: &str) -> (AgencyActivities, Seen) {
    let (url, seen) = serve().await;
    let options = AgencyClientOptions::new(BTreeMap::from([("residence".to_owned(), url)]))
        .with_credentials(BTreeMap::from([(
            "residence".to_owned(),
            AgencyCredential::Hmac(secret.to_owned()),
        )]));
    let client = AgencyClient::new(options).unwrap();
    (AgencyActivities::new(client, Metrics::new()), seen)
}

fn call() -> AgencyCall {
    AgencyCall {
        agency: "residence".into(),
        operation: "register-permanent-residence".into(),
        idempotency_key: format!("{CASE}/residence"),
        payload: json!({"personal_id": "001099012345", "note": "Hà Nội"}),
        keep: None,
        case_code: CASE.parse().expect("a case code"),
        reconcile_only: false,
        attempts_before: 0,
        access: None,
    }
}

fn attempt(number: u32) -> Attempt {
    Attempt {
        activity_id: "residence".into(),
        number,
        deadline: None,
    }
}

#[tokio::test]
async fn the_call_and_the_act_lookup_are_signed_over_what_the_agency_receives() {
    let (activities, seen) = agency(SECRET).await;

    // A retry asks `GET /acts/{key}` first (not found), then sends the operation again.
    let answer = activities.run_attempt(&call(), &attempt(2)).await.unwrap();

    assert!(matches!(answer, AgencyAnswer::Done { .. }), "{answer:?}");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            format!("GET /acts/{CASE}%2Fresidence"),
            "POST /operations/register-permanent-residence".to_owned(),
        ]
    );
}

#[tokio::test]
async fn a_refused_secret_is_agency_auth_rejected_and_not_retryable() {
    let (activities, seen) = agency("not-the-agency-secret").await;

    let error = activities
        .run_attempt(&call(), &attempt(1))
        .await
        .unwrap_err();

    assert!(
        matches!(
            &error,
            CallError::AuthRejected { status: 401, agency_code: Some(code), .. }
                if code == "SIGNATURE_INVALID"
        ),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.permanent_code(), Some("AGENCY_AUTH_REJECTED"));
    let text = error.to_string();
    assert!(
        text.starts_with("AGENCY_AUTH_REJECTED: residence"),
        "{text}"
    );
    assert!(!text.contains("not-the-agency-secret"), "{text}");
    assert!(seen.lock().unwrap().is_empty());
}

/// An agency the worker was started without (no address, no credential) is reached at the
/// address its catalogue entry gave the case, and signed with the secret put in the worker's
/// secrets folder after it started.
#[tokio::test]
async fn an_agency_known_only_from_the_cases_catalogue_entry_is_reached_and_signed() {
    let (url, seen) = serve().await;
    let secrets = tempfile::tempdir().unwrap();
    let client = AgencyClient::new(AgencyClientOptions::new(BTreeMap::new()).with_secrets(
        lienthong_activities::SecretSource {
            dir: Some(secrets.path().to_owned()),
        },
    ))
    .unwrap();
    let activities = AgencyActivities::new(client, Metrics::new());
    let call = AgencyCall {
        agency: "tax-office".into(),
        access: Some(lienthong_definitions::catalogue::AgencyAccess {
            base_url: url,
            auth: lienthong_definitions::catalogue::Auth::Hmac {
                secret_env: "LIENTHONG_SECRET_TAX_OFFICE".into(),
            },
            max_per_second: None,
        }),
        ..call()
    };

    let error = activities
        .run_attempt(&call, &attempt(1))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("AGENCY_CREDENTIALS_MISSING"), "{text}");
    assert!(text.contains("LIENTHONG_SECRET_TAX_OFFICE"), "{text}");
    assert!(seen.lock().unwrap().is_empty(), "nothing went out unsigned");

    std::fs::write(secrets.path().join("LIENTHONG_SECRET_TAX_OFFICE"), SECRET).unwrap();
    let answer = activities.run_attempt(&call, &attempt(1)).await.unwrap();
    assert!(matches!(answer, AgencyAnswer::Done { .. }), "{answer:?}");
    assert_eq!(
        *seen.lock().unwrap(),
        ["POST /operations/register-permanent-residence".to_owned()]
    );
}
