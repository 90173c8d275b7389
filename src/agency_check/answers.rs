//! Answers in the report's words: what kind an answer is, whether two are the same answer, how
//! they differ, and what is wrong with an `/acts` record. Field names and codes only: an answer's
//! values may be personal data, which the report never prints.

use lienthong_activities::{CallError, Classified, classify};
use lienthong_workflows::AgencyAnswer;
use reqwest::StatusCode;
use serde_json::Value;

use super::report::see;

/// `done`, `pending`, `documents_required`, `refused CODE`.
pub fn kind(answer: &AgencyAnswer) -> String {
    match answer {
        AgencyAnswer::Done { .. } => "done".into(),
        AgencyAnswer::Pending { .. } => "pending".into(),
        AgencyAnswer::DocumentsRequired { .. } => "documents_required".into(),
        AgencyAnswer::Rejected { code, .. } => format!("refused {code}"),
        AgencyAnswer::NotDone => "no record".into(),
    }
}

/// Whether the engine takes `a` and `b` as the same answer; which attempt got it, and whether it
/// came from `/acts`, aside.
pub fn same(a: &AgencyAnswer, b: &AgencyAnswer) -> bool {
    use AgencyAnswer::*;
    match (a, b) {
        (Done { output: a, .. }, Done { output: b, .. }) => a == b,
        (
            Rejected {
                code: a,
                message: m,
                ..
            },
            Rejected {
                code: b,
                message: n,
                ..
            },
        ) => a == b && m == n,
        (a, b) => a == b,
    }
}

/// How `later` differs from `first`, e.g. `its residence_entry_id differs`.
pub fn difference(first: &AgencyAnswer, later: &AgencyAnswer) -> String {
    use AgencyAnswer::*;
    match (first, later) {
        (Done { output: a, .. }, Done { output: b, .. }) => match (a.as_object(), b.as_object()) {
            (Some(a), Some(b)) => {
                let mut names: Vec<&str> = a
                    .iter()
                    .filter(|(name, value)| b.get(*name) != Some(*value))
                    .map(|(name, _)| name.as_str())
                    .chain(
                        b.keys()
                            .filter(|name| !a.contains_key(*name))
                            .map(String::as_str),
                    )
                    .collect();
                names.sort_unstable();
                names.dedup();
                format!("its {} differs", names.join(", "))
            }
            _ => "its result differs".into(),
        },
        (Pending { .. }, Pending { .. }) => "it gave another reference".into(),
        (DocumentsRequired { .. }, DocumentsRequired { .. }) => {
            "it asked for other documents".into()
        }
        (Rejected { code: a, .. }, Rejected { code: b, .. }) if a == b => {
            "its message differs".into()
        }
        _ => format!("first {}, then {}", kind(first), kind(later)),
    }
}

/// A call that got no answer the engine understands, and what to do about it.
pub fn explain(error: &CallError) -> String {
    match error {
        CallError::Unavailable { status, .. } => format!(
            "answered {status}, which the engine retries as busy or down; a system that can act \
             answers 2xx, or a 4xx refusal {}",
            see("6")
        ),
        CallError::NoAnswer { reason, .. } => format!(
            "no answer ({reason}); answer within 3 s, or 202 pending and call back {}",
            see("11")
        ),
        CallError::BadBody { .. } => format!(
            "answered 2xx with a body that is not JSON, which the engine retries as a failure; \
             answer a JSON object {}",
            see("7")
        ),
        CallError::AuthRejected {
            status,
            agency_code,
            ..
        } => format!(
            "refused the engine's signed call ({status}{}): both sides must hold the same secret, \
             and the signature is checked over the raw path and body, within 300 s {}",
            agency_code
                .as_deref()
                .map(|code| format!(" {code}"))
                .unwrap_or_default(),
            see("9")
        ),
        other => other.to_string(),
    }
}

/// What is wrong with `record`, the `/acts/{key}` answer for a call first answered `first`;
/// empty when it is exactly the record the contract asks for.
pub fn record_problems(
    record: Option<&Value>,
    key: &str,
    operation: &str,
    first: &AgencyAnswer,
) -> Vec<String> {
    let Some(record) = record.and_then(Value::as_object) else {
        return vec!["its body is not a JSON object".into()];
    };
    const FIELDS: [&str; 4] = ["idempotency_key", "operation", "status_code", "response"];
    if !FIELDS.iter().any(|field| record.contains_key(*field)) {
        return vec![
            "it holds none of the record's fields (`idempotency_key`, `operation`, \
             `status_code`, `response`): is it the answer's body alone?"
                .into(),
        ];
    }
    let mut problems = Vec::new();
    for field in FIELDS {
        if !record.contains_key(field) {
            problems.push(format!("`{field}` is missing"));
        }
    }
    if record.contains_key("idempotency_key") && record["idempotency_key"] != key {
        problems.push(format!(
            "`idempotency_key` is not the key sent, `{key}` (decode the path segment once: %2F \
             is /)"
        ));
    }
    if record.contains_key("operation") && record["operation"] != operation {
        problems.push(format!("`operation` is not `{operation}`"));
    }
    let status = match record.get("status_code") {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .and_then(|n| StatusCode::from_u16(n).ok()),
        Some(Value::String(_)) => {
            problems.push("`status_code` is a string, not a JSON number".into());
            None
        }
        _ => None,
    };
    if let Some(status) = status {
        let success = classify(status, None) == Classified::Success;
        let refused = matches!(first, AgencyAnswer::Rejected { .. });
        if success == refused {
            problems.push(format!(
                "`status_code` {} does not say what the call was answered ({})",
                status.as_u16(),
                kind(first)
            ));
        }
    } else if record
        .get("status_code")
        .is_some_and(|s| !s.is_null() && !s.is_string())
    {
        problems.push("`status_code` is not an HTTP status".into());
    }
    if let (AgencyAnswer::Done { output, .. }, Some(response)) = (first, record.get("response"))
        && response != output
    {
        problems.push("`response` is not the exact body answered to the call".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn done(output: Value) -> AgencyAnswer {
        AgencyAnswer::Done {
            output,
            attempt: 1,
            reconciled: false,
        }
    }

    #[test]
    fn a_record_is_checked_field_by_field_against_the_answer() {
        let first = done(json!({"id": "TT-1", "on": "2026-01-01"}));
        let good = json!({
            "idempotency_key": "CK-00000-00000/check",
            "operation": "register",
            "status_code": 201,
            "response": {"id": "TT-1", "on": "2026-01-01"},
        });
        let no_problems: Vec<String> = Vec::new();
        assert_eq!(
            record_problems(Some(&good), "CK-00000-00000/check", "register", &first),
            no_problems
        );
        let body_only = json!({"id": "TT-1", "on": "2026-01-01"});
        let problems =
            record_problems(Some(&body_only), "CK-00000-00000/check", "register", &first);
        assert!(
            problems[0].contains("none of the record's fields"),
            "{problems:?}"
        );
        let partial = json!({
            "idempotency_key": "CK-00000-00000/check",
            "status_code": 201,
            "response": {"id": "TT-1", "on": "2026-01-01"},
        });
        let problems = record_problems(Some(&partial), "CK-00000-00000/check", "register", &first);
        assert_eq!(problems, ["`operation` is missing"]);
        let mut stringly = good.clone();
        stringly["status_code"] = json!("201");
        stringly["idempotency_key"] = json!("CK-00000-00000%2Fcheck");
        let problems = record_problems(Some(&stringly), "CK-00000-00000/check", "register", &first);
        assert!(problems[0].contains("not the key sent"), "{problems:?}");
        assert!(problems[1].contains("not a JSON number"), "{problems:?}");
    }

    #[test]
    fn differences_name_fields_never_values() {
        let a = done(json!({"id": "TT-1", "address": "secret street"}));
        let b = done(json!({"id": "TT-2", "address": "secret street"}));
        assert_eq!(difference(&a, &b), "its id differs");
        assert!(!same(&a, &b));
        let refused = AgencyAnswer::Rejected {
            code: "NO".into(),
            message: "m".into(),
            attempt: 2,
        };
        assert_eq!(difference(&a, &refused), "first done, then refused NO");
    }
}
