//! A dry run: one definition driven by the real planner against the agencies' published
//! contracts, never against their systems. Each request the definition's mappings build is
//! checked against the operation's request schema in the catalogue, and the step goes on with an
//! answer made from the operation's response schema (its examples, defaults or first allowed
//! values; a value the administrator gives under `answers` replaces it, to follow another
//! route). No agency is contacted, so a dry run changes no register and reaches no agency for
//! anyone: it shows what a citizen's case would send, and whether each agency would accept it.

use std::collections::BTreeMap;

use lienthong_definitions::case::answer::{self, Accepted};
use lienthong_definitions::case::{CaseState, Event, StepError};
use lienthong_definitions::catalogue::Operation;
use lienthong_definitions::planner::{Action, Call, decide};
use lienthong_definitions::{CaseCode, Catalogue, Definition, StepId};
use serde::Serialize;
use serde_json::{Map, Value, json};
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
    /// Where the request breaks the operation's request schema: `{field, rule}` each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Value>>,
    /// The answer the step went on with, made from the operation's response schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// `accepted` (the request fits the contract; the step went on with the made answer),
    /// `request_invalid`, `unknown_operation`, or the marker's action.
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

/// Runs `definition` on `application` against the agencies' contracts in `catalogue`.
/// `answers` replaces fields of a step's made answer, by step id.
pub fn dry_run(
    definition: &Definition,
    application: &Value,
    catalogue: &Catalogue,
    answers: &BTreeMap<String, Value>,
    run_id: &str,
) -> DryRunReport {
    let now = time::OffsetDateTime::now_utc();
    let contract = Contract {
        catalogue,
        answers,
        today: now.date().to_string(),
    };
    let mut state = CaseState::new(CaseCode::recorded(format!("DRY-{run_id}")), definition, now);
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
                    let step = call.step.clone();
                    let (entry, answer) = contract.answer(call, "call");
                    entries.push(entry);
                    // Read as the engine reads it: an answer that waits (a decision later,
                    // documents from the citizen) ends the dry run there.
                    let event = match answer {
                        Err(error) => Event::StepRejected {
                            step,
                            error,
                            attempts: 1,
                        },
                        Ok(Accepted::Done { output }) => Event::StepSucceeded {
                            step,
                            output,
                            attempts: 1,
                        },
                        Ok(Accepted::Pending { .. } | Accepted::DocumentsRequired { .. }) => {
                            return report(definition, entries, "waiting");
                        }
                    };
                    state.apply(event);
                }
                Action::Compensate(call) => {
                    state.apply(Event::CompensationStarted(call.step.clone()));
                    let step = call.step.clone();
                    let (entry, answer) = contract.answer(call, "compensate");
                    // As the engine: any accepted answer to an undo has undone it.
                    let event = match answer {
                        Ok(Accepted::Done { output }) => Event::Compensated { step, output },
                        Ok(_) => Event::Compensated {
                            step,
                            output: Value::Null,
                        },
                        Err(error) => Event::CompensationFailed { step, error },
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
        problems: None,
        response: None,
        outcome: action.to_owned(),
    }
}

/// The agencies' published contracts, and the answers the administrator chose.
struct Contract<'a> {
    catalogue: &'a Catalogue,
    answers: &'a BTreeMap<String, Value>,
    /// `YYYY-MM-DD`, for made dates.
    today: String,
}

impl Contract<'_> {
    /// What the agency would answer `call`: a request its contract refuses is refused as the
    /// agency would; one it accepts gets the answer made from the contract (with the fields the
    /// administrator gave), read by the engine's own reading of answers.
    fn answer(
        &self,
        call: Call,
        action: &'static str,
    ) -> (DryRunEntry, Result<Accepted, StepError>) {
        let mut entry = DryRunEntry {
            step: call.step.0.clone(),
            action,
            agency: Some(call.agency.0.clone()),
            operation: Some(call.operation.clone()),
            request: Some(call.payload.clone()),
            problems: None,
            response: None,
            outcome: String::new(),
        };
        let contract_refusal = |code: &str, message: String| {
            Err(StepError {
                code: code.into(),
                message,
            })
        };
        let Some(operation) = self
            .catalogue
            .agency(&call.agency)
            .and_then(|agency| agency.operation(&call.operation))
        else {
            entry.outcome = "unknown_operation".into();
            let message = format!(
                "the catalogue has no operation `{}` at `{}`",
                call.operation, call.agency
            );
            return (entry, contract_refusal("UNKNOWN_OPERATION", message));
        };
        let problems = request_problems(operation, &call.payload);
        if !problems.is_empty() {
            entry.outcome = "request_invalid".into();
            let message = format!(
                "the request breaks {}'s contract for {} in {} place(s)",
                call.agency,
                call.operation,
                problems.len()
            );
            entry.problems = Some(problems);
            return (entry, contract_refusal("REQUEST_INVALID", message));
        }
        let mut made = sample(&operation.response, "", &self.today);
        if let (Some(given), Some(made)) = (
            self.answers.get(&call.step.0).and_then(Value::as_object),
            made.as_object_mut(),
        ) {
            made.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        entry.response = Some(made.clone());
        let accepted = answer::read_accepted(made, call.keep.as_deref());
        entry.outcome = match &accepted {
            Accepted::Done { .. } => "accepted",
            Accepted::Pending { .. } => "pending",
            Accepted::DocumentsRequired { .. } => "documents_required",
        }
        .into();
        (entry, Ok(accepted))
    }
}

/// Where `payload` breaks the operation's request schema: the field and the rule, never the
/// value (the application may hold personal data).
fn request_problems(operation: &Operation, payload: &Value) -> Vec<Value> {
    let Ok(validator) = jsonschema::validator_for(&operation.request) else {
        return vec![
            json!({"field": "", "rule": "the catalogue's request schema does not compile"}),
        ];
    };
    validator
        .iter_errors(payload)
        .map(|error| {
            json!({
                "field": error.instance_path().to_string(),
                "rule": error.schema_path().to_string(),
            })
        })
        .collect()
}

/// A value that fits `schema`: its example, default, constant or first allowed value where it
/// gives one; otherwise one made from its type (`field` names a made string).
fn sample(schema: &Value, field: &str, today: &str) -> Value {
    for key in ["examples", "default", "const", "enum"] {
        match (&schema[key], key) {
            (Value::Array(values), "examples" | "enum") if !values.is_empty() => {
                return values[0].clone();
            }
            (Value::Null, _) | (Value::Array(_), _) => {}
            (value, "default" | "const") => return value.clone(),
            _ => {}
        }
    }
    match schema["type"].as_str() {
        Some("object") => Value::Object(
            schema["properties"]
                .as_object()
                .map(|properties| {
                    properties
                        .iter()
                        .map(|(name, property)| (name.clone(), sample(property, name, today)))
                        .collect::<Map<String, Value>>()
                })
                .unwrap_or_default(),
        ),
        Some("array") => json!([sample(&schema["items"], field, today)]),
        Some("integer" | "number") => json!(schema["minimum"].as_i64().unwrap_or(1)),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        _ => json!(made_string(schema, field, today)),
    }
}

/// A string for `schema`: a date where it wants one, digits for a digits-only pattern
/// (`^[0-9]{12}$`), else `sample-<field>`.
fn made_string(schema: &Value, field: &str, today: &str) -> String {
    match schema["format"].as_str() {
        Some("date") => return today.to_owned(),
        Some("date-time") => return format!("{today}T00:00:00Z"),
        _ => {}
    }
    if let Some(pattern) = schema["pattern"].as_str()
        && let Some(digits) = pattern
            .strip_prefix("^[0-9]{")
            .and_then(|rest| rest.strip_suffix("}$"))
            .and_then(|n| n.parse::<usize>().ok())
    {
        return "0".repeat(digits);
    }
    format!("sample-{field}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn shipped(id: &str) -> Definition {
        lienthong_definitions::shipped_definitions()
            .unwrap()
            .into_iter()
            .find(|d| d.id.0 == id)
            .unwrap()
    }

    fn application(file: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/../examples/applications/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["application"].clone()
    }

    fn run(definition: &Definition, application: &Value, answers: Value) -> DryRunReport {
        let answers: BTreeMap<String, Value> = serde_json::from_value(answers).unwrap();
        dry_run(
            definition,
            application,
            &Catalogue::shipped().unwrap(),
            &answers,
            "T",
        )
    }

    #[test]
    fn the_example_runs_to_completion_on_the_agencies_contracts_alone() {
        let report = run(
            &shipped("birth-residence-insurance"),
            &application("birth-residence-insurance.json"),
            json!({}),
        );
        assert_eq!(report.status, "completed", "{report:#?}");
        let calls: Vec<(&str, &str)> = report
            .entries
            .iter()
            .map(|e| (e.step.as_str(), e.outcome.as_str()))
            .collect();
        assert_eq!(
            calls,
            vec![
                ("birth", "accepted"),
                ("residence", "accepted"),
                ("insurance", "accepted")
            ]
        );
        // The made answer fits the agency's response contract, and later steps read it.
        let birth = &report.entries[0];
        let personal_id = birth.response.as_ref().unwrap()["personal_id"].clone();
        assert_eq!(personal_id, json!("000000000000"));
        assert_eq!(
            report.entries[1].request.as_ref().unwrap()["personal_id"],
            personal_id,
            "{report:#?}"
        );
    }

    #[test]
    fn an_answer_the_engine_reads_as_waiting_ends_the_dry_run_waiting() {
        let definition = shipped("birth-residence-insurance");
        let application = application("birth-residence-insurance.json");
        for (answer, outcome) in [
            (json!({"outcome": "pending", "reference": "R-1"}), "pending"),
            (
                json!({"outcome": "documents_required", "documents": [{"code": "X"}]}),
                "documents_required",
            ),
        ] {
            let report = run(&definition, &application, json!({ "insurance": answer }));
            assert_eq!(report.status, "waiting", "{report:#?}");
            let last = report.entries.last().unwrap();
            assert_eq!(
                (last.step.as_str(), last.outcome.as_str()),
                ("insurance", outcome)
            );
        }
    }

    #[test]
    fn a_given_answer_steers_the_route_a_made_one_would_not_take() {
        let definition = shipped("death-residence-allowance");
        let application = application("death-residence-allowance.json");
        let first = run(&definition, &application, json!({}));
        let steered = run(
            &definition,
            &application,
            json!({"death": {"benefit_status": "pensioner"}}),
        );
        let operations = |report: &DryRunReport| -> Vec<String> {
            report
                .entries
                .iter()
                .filter_map(|e| e.operation.clone())
                .collect()
        };
        assert_ne!(operations(&first), operations(&steered), "{steered:#?}");
        assert!(
            steered
                .entries
                .iter()
                .any(|e| e.agency.as_deref() == Some("social-insurance")),
            "a pensioner's funeral allowance is paid by social insurance: {steered:#?}"
        );
    }

    #[test]
    fn a_request_that_breaks_the_contract_is_refused_as_the_agency_would_without_its_values() {
        let definition = shipped("birth-residence-insurance");
        let mut application = application("birth-residence-insurance.json");
        application["mother"]["personal_id"] = json!("not-twelve-digits");
        application["applicant"]["personal_id"] = json!("not-twelve-digits");
        let report = run(&definition, &application, json!({}));
        let birth = &report.entries[0];
        assert_eq!(birth.outcome, "request_invalid", "{report:#?}");
        let problems = serde_json::to_string(&birth.problems).unwrap();
        assert!(problems.contains("/mother_id"), "{problems}");
        assert!(!problems.contains("not-twelve-digits"), "{problems}");
        assert_ne!(report.status, "completed");
    }

    #[test]
    fn made_values_follow_the_schema() {
        let today = "2026-12-06";
        assert_eq!(
            sample(&json!({"type": "string", "format": "date"}), "d", today),
            json!(today)
        );
        assert_eq!(
            sample(
                &json!({"type": "string", "pattern": "^[0-9]{4}$"}),
                "n",
                today
            ),
            json!("0000")
        );
        assert_eq!(sample(&json!({"enum": ["b", "a"]}), "e", today), json!("b"));
        assert_eq!(
            sample(&json!({"type": "string", "examples": ["HC-1"]}), "c", today),
            json!("HC-1")
        );
        assert_eq!(
            sample(
                &json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}),
                "",
                today
            ),
            json!({"n": 3})
        );
        assert_eq!(
            sample(&json!({"type": "string"}), "x", today),
            json!("sample-x")
        );
    }
}
