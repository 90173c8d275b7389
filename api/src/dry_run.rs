//! A dry run: one definition driven by the real planner against agency systems (the simulators
//! in development), one call at a time with no retries, reporting each step's request and answer.
//! No Temporal, no case: it shows an administrator what their mappings, conditions and routes
//! send before a citizen's case does. Calls carry the engine's credentials, signed as the
//! worker signs them (`lienthong_activities::sign`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

pub use lienthong_activities::AgencyCredential;
use lienthong_definitions::case::{CaseState, Event, StepError};
use lienthong_definitions::planner::{Action, Call, decide};
use lienthong_definitions::{Definition, StepId};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// One thing the dry run did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRunEntry {
    pub step: String,
    /// `call`, `compensate`, `not_applicable`, `skipped`, `failed` or `correction_needed`.
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The HTTP status the agency answered with; `None` when it could not be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// What the engine made of it: `succeeded`, `rejected`, `pending`, `unreachable`, ...
    pub outcome: String,
}

/// The whole report: every entry in order, and how the case would have ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRunReport {
    pub procedure: String,
    pub version: u32,
    pub entries: Vec<DryRunEntry>,
    /// The case status the planner reached, or `waiting` when an agency decides later.
    pub status: String,
}

/// Where the dry run's calls go and what they carry, by agency.
#[derive(Debug, Clone, Copy)]
pub struct DryRunAgencies<'a> {
    /// Base URL of each agency.
    pub urls: &'a BTreeMap<String, String>,
    /// The engine's credential for each agency that has one; others are called unsigned.
    pub credentials: &'a BTreeMap<String, AgencyCredential>,
}

/// Runs `definition` on `application` against `agencies`. Idempotency keys start with `run_id`,
/// so a dry run never replays a real case's acts.
pub async fn dry_run(
    definition: &Definition,
    application: &Value,
    agencies: DryRunAgencies<'_>,
    run_id: &str,
) -> DryRunReport {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut state = CaseState::new(format!("DRY-{run_id}"), definition, now);
    let mut entries = Vec::new();
    // Each round either changes the state or ends the run, so this always stops; the bound is
    // a second guard against a planner bug looping an administrator's request forever.
    for _ in 0..(definition.steps.len() * 4 + 8) {
        let actions = decide(definition, &state, application);
        if actions.is_empty() {
            break;
        }
        for action in actions {
            match action {
                Action::Start(call) => {
                    state.apply(Event::StepRouted {
                        step: call.step.clone(),
                        route: call.route,
                        agency: call.agency.clone(),
                        operation: call.operation.clone(),
                    });
                    state.apply(Event::StepStarted(call.step.clone()));
                    let key = format!("dry-run/{run_id}/{}", call.step);
                    let (entry, event) = send(&http, agencies, call, key, "call").await;
                    entries.push(entry);
                    state.apply(event);
                }
                Action::Compensate(call) => {
                    state.apply(Event::CompensationStarted(call.step.clone()));
                    let key = format!("dry-run/{run_id}/{}/compensate", call.step);
                    let step = call.step.clone();
                    let (entry, event) = send(&http, agencies, call, key, "compensate").await;
                    let event = match event {
                        Event::StepSucceeded { output, .. } => Event::Compensated { step, output },
                        _ => Event::CompensationFailed {
                            step,
                            error: StepError {
                                code: "COMPENSATION_FAILED".into(),
                                message: entry.outcome.clone(),
                            },
                        },
                    };
                    entries.push(entry);
                    state.apply(event);
                }
                Action::NotApplicable(id) => {
                    entries.push(marker(&id, "not_applicable"));
                    state.apply(Event::StepNotApplicable(id));
                }
                Action::Skip(id) => {
                    entries.push(marker(&id, "skipped"));
                    state.apply(Event::StepSkipped(id));
                }
                Action::Fail { step, error } => {
                    let mut entry = marker(&step, "failed");
                    entry.outcome = error.code.clone();
                    entries.push(entry);
                    state.apply(Event::StepFailed { step, error });
                }
                Action::RecordCorrection(id) => {
                    entries.push(marker(&id, "correction_needed"));
                    state.apply(Event::CorrectionNeeded(id));
                }
                Action::Reconcile(call) => {
                    // Nothing is left unanswered in a dry run; stop rather than guess.
                    entries.push(marker(&call.step, "reconcile"));
                    return report(definition, entries, "waiting");
                }
                Action::Finish(status) => {
                    state.apply(Event::Finished(status));
                    let status = serde_json::to_value(status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    return report(definition, entries, &status);
                }
            }
        }
    }
    report(definition, entries, "waiting")
}

fn report(definition: &Definition, entries: Vec<DryRunEntry>, status: &str) -> DryRunReport {
    DryRunReport {
        procedure: definition.id.0.clone(),
        version: definition.version,
        entries,
        status: status.to_owned(),
    }
}

fn marker(step: &StepId, action: &'static str) -> DryRunEntry {
    DryRunEntry {
        step: step.0.clone(),
        action,
        agency: None,
        operation: None,
        request: None,
        http_status: None,
        response: None,
        outcome: action.to_owned(),
    }
}

/// One call, no retries; the event is what the case would record.
async fn send(
    http: &reqwest::Client,
    agencies: DryRunAgencies<'_>,
    call: Call,
    key: String,
    action: &'static str,
) -> (DryRunEntry, Event) {
    let mut entry = DryRunEntry {
        step: call.step.0.clone(),
        action,
        agency: Some(call.agency.clone()),
        operation: Some(call.operation.clone()),
        request: Some(call.payload.clone()),
        http_status: None,
        response: None,
        outcome: String::new(),
    };
    let failed = |code: &str, message: String| Event::StepFailed {
        step: call.step.clone(),
        error: StepError {
            code: code.into(),
            message,
        },
    };
    let Some(base) = agencies.urls.get(&call.agency) else {
        entry.outcome = "unknown_agency_address".into();
        let event = failed(
            "AGENCY_ADDRESS_UNKNOWN",
            format!("no address for `{}`", call.agency),
        );
        return (entry, event);
    };
    let url = format!(
        "{}/operations/{}",
        base.trim_end_matches('/'),
        call.operation
    );
    let request = http
        .post(url)
        .header("idempotency-key", key)
        .json(&call.payload)
        .build();
    let mut request = match request {
        Ok(request) => request,
        Err(e) => {
            entry.outcome = "unreachable".into();
            return (entry, failed("AGENCY_UNREACHABLE", e.to_string()));
        }
    };
    if let Some(credential) = agencies.credentials.get(&call.agency)
        && let Err(e) = lienthong_activities::sign(&mut request, credential, SystemTime::now())
    {
        entry.outcome = "credentials_invalid".into();
        let message = format!("the credential for {} cannot be sent: {e}", call.agency);
        return (entry, failed("AGENCY_CREDENTIALS_INVALID", message));
    }
    let response = match http.execute(request).await {
        Ok(r) => r,
        Err(e) => {
            entry.outcome = "unreachable".into();
            return (entry, failed("AGENCY_UNREACHABLE", e.to_string()));
        }
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    entry.http_status = Some(status);
    entry.response = Some(body.clone());
    let event = match status {
        202 => {
            entry.outcome = "pending".into();
            Event::DecisionAwaited {
                step: call.step.clone(),
                reference: body["reference"].as_str().unwrap_or_default().to_owned(),
            }
        }
        200..=299 if body["outcome"] == "documents_required" => {
            entry.outcome = "documents_required".into();
            failed(
                "DOCUMENTS_REQUIRED",
                "the agency asked for documents".into(),
            )
        }
        200..=299 => {
            entry.outcome = "succeeded".into();
            Event::StepSucceeded {
                step: call.step.clone(),
                output: kept(&body, call.keep.as_deref()),
                attempts: 1,
            }
        }
        // The engine's own credentials refused: a configuration mistake, not a refusal.
        401 | 403 => {
            entry.outcome = "auth_rejected".into();
            failed(
                "AGENCY_AUTH_REJECTED",
                format!(
                    "{} refused the engine's credentials ({status}); check the secret both sides hold",
                    call.agency
                ),
            )
        }
        400..=499 if status != 408 && status != 429 => {
            entry.outcome = "rejected".into();
            Event::StepRejected {
                step: call.step.clone(),
                error: StepError {
                    code: body["code"].as_str().unwrap_or("REJECTED").to_owned(),
                    message: body["message"].as_str().unwrap_or_default().to_owned(),
                },
                attempts: 1,
            }
        }
        _ => {
            entry.outcome = "agency_error".into();
            failed("AGENCY_ERROR", format!("HTTP {status}"))
        }
    };
    (entry, event)
}

/// The answer fields the definition keeps, as the activity keeps them.
fn kept(body: &Value, keep: Option<&[String]>) -> Value {
    match (keep, body.as_object()) {
        (Some(fields), Some(map)) => Value::Object(
            fields
                .iter()
                .filter_map(|f| map.get(f).map(|v| (f.clone(), v.clone())))
                .collect::<Map<String, Value>>(),
        ),
        _ => body.clone(),
    }
}
