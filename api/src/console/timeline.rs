//! One case as the case page shows it, read from the operator API's timeline. Read field by
//! field and tolerant of absences, because masking may have replaced any personal value and
//! newer engines may add fields.

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Timeline {
    pub code: String,
    pub procedure: String,
    pub version: Option<u64>,
    pub status: String,
    pub office: String,
    pub submitted_at: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub attention: Vec<AttentionLine>,
    pub held_agencies: Vec<String>,
    pub steps: Vec<StepLine>,
    pub journal: Vec<JournalLine>,
    pub journal_dropped: u64,
    /// `code: message` of the failure that decided how the case ends.
    pub failure: Option<String>,
    pub operator_actions: Vec<ActionLine>,
    pub personal_data: bool,
    /// The messages the case sent its citizen.
    pub notices: Vec<NoticeLine>,
    /// The application as filed, each value at its path (`/child/full_name`), masked (`•••`)
    /// unless `personal_data`.
    pub application: Vec<(String, String)>,
    /// Each step's title in the reader's language, by step id (not in the timeline: read from
    /// the case's definition by the page).
    pub step_titles: super::names::StepTitles,
}

/// Every leaf of `value` with its JSON pointer, in the document's order.
fn leaves(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                leaves(inner, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                leaves(inner, &format!("{at}/{i}"), out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((at.to_owned(), s.clone())),
        other => out.push((at.to_owned(), other.to_string())),
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct NoticeLine {
    pub event: String,
    pub step: Option<String>,
    pub channel: String,
    pub status: String,
    pub attempts: u64,
    pub last_error: Option<String>,
    pub queued_at: String,
    pub settled_at: Option<String>,
}

impl NoticeLine {
    /// `sending` on a second attempt or later is `retrying`.
    pub(crate) fn shown_status(&self) -> &str {
        match self.status.as_str() {
            "sending" if self.attempts > 1 => "retrying",
            other => other,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AttentionLine {
    pub reason: String,
    pub step: Option<String>,
    pub agency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StepLine {
    pub id: String,
    pub agency: Option<String>,
    pub operation: Option<String>,
    pub status: String,
    pub attempts: u64,
    pub round: u64,
    /// `(code, message)`.
    pub last_error: Option<(String, String)>,
    pub deadline: Option<String>,
    pub decision_reference: Option<String>,
    /// `(reference, by)`.
    pub resolution: Option<(String, String)>,
    pub documents_due: Option<String>,
    pub long_running: bool,
    pub sent_unanswered: bool,
    /// When the step is tried next (after its pause, or its queued retry's next attempt).
    pub next_attempt_at: Option<String>,
    /// When the step last changed (its last journal entry): how long it has been as it is.
    pub since: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct JournalLine {
    pub at: String,
    pub kind: String,
    pub step: Option<String>,
    pub agency: Option<String>,
    pub detail: Option<String>,
    pub actor: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ActionLine {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub reason: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn maybe(value: &Value) -> Option<String> {
    Some(text(value)).filter(|s| !s.is_empty())
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().map(text).collect())
        .unwrap_or_default()
}

fn each<T>(value: &Value, read: impl Fn(&Value) -> T) -> Vec<T> {
    value
        .as_array()
        .map(|items| items.iter().map(read).collect())
        .unwrap_or_default()
}

impl Timeline {
    /// Reads the body of `GET /v1/ops/cases/{code}`.
    pub(crate) fn read(body: &Value) -> Self {
        let case = &body["case"];
        let mut read = Self {
            code: text(&case["code"]),
            procedure: maybe(&body["procedure"]).unwrap_or_else(|| text(&case["procedure"])),
            version: case["version"].as_u64(),
            status: text(&case["status"]),
            office: text(&body["office"]),
            submitted_at: maybe(&case["submitted_at"])
                .unwrap_or_else(|| text(&body["submitted_at"])),
            deadline: maybe(&case["deadline"]),
            overdue: case["overdue"].as_bool().unwrap_or(false),
            attention: each(&case["attention_details"], |a| AttentionLine {
                reason: text(&a["reason"]),
                step: maybe(&a["step"]),
                agency: maybe(&a["agency"]),
            }),
            held_agencies: texts(&case["held_agencies"]),
            steps: each(&case["steps"], step),
            journal: each(&case["journal"], |j| JournalLine {
                at: text(&j["at"]),
                kind: text(&j["kind"]),
                step: maybe(&j["step"]),
                agency: maybe(&j["agency"]),
                detail: maybe(&j["detail"]),
                actor: maybe(&j["actor"]),
                reason: maybe(&j["reason"]),
            }),
            journal_dropped: case["journal_dropped"].as_u64().unwrap_or(0),
            failure: case["failure"].as_object().map(|_| {
                format!(
                    "{}: {}",
                    text(&case["failure"]["code"]),
                    text(&case["failure"]["message"])
                )
            }),
            operator_actions: each(&body["operator_actions"], |a| ActionLine {
                at: text(&a["at"]),
                actor: text(&a["actor"]),
                role: text(&a["role"]),
                action: text(&a["action"]),
                reason: maybe(&a["reason"]),
                outcome: text(&a["outcome"]),
                detail: maybe(&a["detail"]),
            }),
            personal_data: body["personal_data"].as_bool().unwrap_or(false),
            notices: each(&case["notifications"], |n| NoticeLine {
                event: text(&n["event"]),
                step: maybe(&n["step"]),
                channel: text(&n["channel"]),
                status: text(&n["status"]),
                attempts: n["attempts"].as_u64().unwrap_or(0),
                last_error: maybe(&n["last_error"]),
                queued_at: text(&n["queued_at"]),
                settled_at: maybe(&n["settled_at"]),
            }),
            application: {
                let mut found = Vec::new();
                leaves(&body["application"], "", &mut found);
                found
            },
            step_titles: super::names::StepTitles::new(),
        };
        for step in &mut read.steps {
            step.since = read
                .journal
                .iter()
                .rev()
                .find(|entry| entry.step.as_deref() == Some(step.id.as_str()))
                .map(|entry| entry.at.clone());
        }
        read
    }

    /// Whether the case has ended, so no action applies any more.
    pub(crate) fn finished(&self) -> bool {
        !matches!(self.status.as_str(), "running" | "compensating")
    }
}

fn step(s: &Value) -> StepLine {
    StepLine {
        id: text(&s["id"]),
        agency: maybe(&s["agency"]),
        operation: maybe(&s["operation"]),
        status: text(&s["status"]),
        attempts: s["attempts"].as_u64().unwrap_or(0),
        round: s["round"].as_u64().unwrap_or(0),
        last_error: s["last_error"].as_object().map(|_| {
            (
                text(&s["last_error"]["code"]),
                text(&s["last_error"]["message"]),
            )
        }),
        deadline: maybe(&s["deadline"]),
        decision_reference: maybe(&s["decision_reference"]),
        resolution: s["resolution"].as_object().map(|_| {
            (
                text(&s["resolution"]["reference"]),
                text(&s["resolution"]["by"]),
            )
        }),
        documents_due: maybe(&s["documents_requested"]["due"]),
        long_running: s["long_running"].as_bool().unwrap_or(false),
        sent_unanswered: s["sent_unanswered"].as_bool().unwrap_or(false),
        next_attempt_at: maybe(&s["next_attempt_at"]),
        since: None,
    }
}

impl StepLine {
    /// Whether "retry now" applies: a call retrying, or parked after its agency was unavailable
    /// (a held step goes again when its agency is released).
    pub(crate) fn retryable(&self) -> bool {
        matches!(self.status.as_str(), "running" | "agency_unavailable")
    }

    /// Whether it can be recorded as done offline (a failure only while the case runs forward).
    pub(crate) fn resolvable(&self, case_status: &str) -> bool {
        match self.status.as_str() {
            "running" | "held" | "agency_unavailable" | "awaiting_decision" => true,
            "failed" | "rejected" => case_status == "running",
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_operator_apis_timeline() {
        let body = json!({
            "case": {
                "code": "KS-1", "procedure": {"0": "x"}, "version": 2, "status": "running",
                "submitted_at": "2026-11-23T01:00:00Z", "overdue": false,
                "attention_details": [{"reason": "agency_unavailable", "step": "residence", "agency": "residence"}],
                "steps": [{"id": "residence", "agency": "residence", "status": "agency_unavailable",
                           "attempts": 4, "last_error": {"code": "AGENCY_UNAVAILABLE", "message": "503"},
                           "round": 0, "reconciled": false}],
                "journal": [{"at": "2026-11-23T01:00:01Z", "kind": "step_started", "step": "residence"}],
            },
            "office": "01-HK", "procedure": "birth-residence-insurance", "personal_data": false,
            "operator_actions": [{"id": 1, "at": "t", "actor": "op", "role": "operator",
                                  "action": "retry_now", "cases": ["KS-1"], "reason": "agency back",
                                  "outcome": "done", "detail": "step=residence"}],
        });
        let timeline = Timeline::read(&body);
        assert_eq!(timeline.code, "KS-1");
        assert_eq!(timeline.procedure, "birth-residence-insurance");
        assert_eq!(timeline.steps[0].attempts, 4);
        assert_eq!(
            timeline.steps[0].last_error,
            Some(("AGENCY_UNAVAILABLE".into(), "503".into()))
        );
        assert_eq!(timeline.attention[0].agency.as_deref(), Some("residence"));
        assert_eq!(timeline.journal[0].kind, "step_started");
        assert_eq!(
            timeline.operator_actions[0].reason.as_deref(),
            Some("agency back")
        );
        assert!(!timeline.finished());
    }

    #[test]
    fn the_application_is_read_as_each_value_at_its_path() {
        let timeline = Timeline::read(&json!({
            "case": {"code": "KS-1", "status": "completed", "steps": []},
            "application": {"child": {"full_name": "•••", "sex": "•••"}, "father": null,
                            "documents": ["•••"]},
        }));
        assert_eq!(
            timeline.application,
            vec![
                ("/child/full_name".to_owned(), "•••".to_owned()),
                ("/child/sex".to_owned(), "•••".to_owned()),
                ("/documents/0".to_owned(), "•••".to_owned()),
            ]
        );
    }

    #[test]
    fn a_waiting_step_says_since_when_and_when_it_is_tried_next() {
        let timeline = Timeline::read(&json!({
            "case": {"code": "KS-1", "status": "running",
                "steps": [{"id": "residence", "status": "agency_unavailable", "attempts": 8,
                           "next_attempt_at": "2026-12-01T02:03:00Z"},
                          {"id": "insurance", "status": "pending"}],
                "journal": [
                    {"at": "2026-12-01T02:00:00Z", "kind": "step_started", "step": "residence"},
                    {"at": "2026-12-01T02:01:00Z", "kind": "agency_unavailable", "step": "residence"},
                    {"at": "2026-12-01T02:02:00Z", "kind": "agency_held", "agency": "residence"},
                ]},
        }));
        let residence = &timeline.steps[0];
        assert_eq!(residence.since.as_deref(), Some("2026-12-01T02:01:00Z"));
        assert_eq!(
            residence.next_attempt_at.as_deref(),
            Some("2026-12-01T02:03:00Z")
        );
        assert_eq!(timeline.steps[1].since, None);
    }
}
